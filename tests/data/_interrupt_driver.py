"""Interrupts a running dataset loop in a Jupyter kernel, as a frontend would.

Usage: /usr/bin/python3 tests/data/_interrupt_driver.py <kernel name> <workdir> <csv path>
Runs cells with Debian's jupyter_client, sends interrupt_request (KernelManager.
interrupt_kernel) while a `for await` over a prefetching dataset runs, then
reads what is left held. Prints one JSON object; interrupt_test.ts asserts on it.
"""
import json
import os
import sys
import time
import traceback

from jupyter_client import KernelManager

kernel, workdir, csv_path = sys.argv[1], sys.argv[2], sys.argv[3]
root = os.getcwd()
out = {"kernel": kernel}
log_path = os.path.join(workdir, f"kernel-{kernel}.log")


def run(kc, code, timeout=60):
    """Executes code; returns the reply status, its error and the cell's text/plain result."""
    msg_id = kc.execute(code)
    result, error, stream = None, None, ""
    deadline = time.time() + timeout
    while True:
        try:
            m = kc.get_iopub_msg(timeout=0.1)
        except Exception:
            if time.time() > deadline:
                raise TimeoutError(f"no idle for {code!r}")
            continue
        if m["parent_header"].get("msg_id") != msg_id:
            continue
        t, c = m["msg_type"], m["content"]
        if t == "execute_result":
            result = c["data"].get("text/plain")
        elif t == "error":
            error = f'{c["ename"]}: {c["evalue"]}'
        elif t == "stream":
            stream += c["text"]
        elif t == "status" and c["execution_state"] == "idle":
            break
    # Deno's kernel sometimes publishes execute_result just after idle
    # (tests/kernel/driver.py sees it too): wait a moment for it.
    end = time.time() + 1.0
    while result is None and time.time() < end:
        try:
            m = kc.get_iopub_msg(timeout=0.05)
        except Exception:
            continue
        if m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "execute_result":
            result = m["content"]["data"].get("text/plain")
    reply = kc.get_shell_msg(timeout=timeout)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=timeout)
    return {"status": reply["content"]["status"], "error": error, "result": result, "stream": stream}


def value(r):
    """The JSON a check cell returned (a string result, shown as its JSON string)."""
    if r["result"] is None:
        raise RuntimeError(f"no result: {r}")
    text = r["result"]
    import re
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    return json.loads(json.loads(text) if text.startswith('"') else text)


def interrupt(km, kc, code, after):
    """Starts a cell that never ends, interrupts it after `after` seconds; returns its reply and the seconds it took."""
    msg_id = kc.execute(code)
    time.sleep(after)
    t0 = time.time()
    km.interrupt_kernel()
    reply = kc.get_shell_msg(timeout=15)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=15)
    c = reply["content"]
    return {"status": c["status"], "ename": c.get("ename"), "evalue": c.get("evalue"), "seconds": time.time() - t0}


CHECK = """JSON.stringify({
  probes: Object.fromEntries(Object.entries(memkit.probeBytes()).filter(([k]) => k.startsWith("data "))),
  workers: liveCsvWorkers(),
  passes: openPassCount(),
  tensors: tf.memory().numTensors,
  pulled: globalThis.pulled,
  during: globalThis.during,
})"""


def main():
    km = KernelManager(kernel_name=kernel)
    km.start_kernel(cwd=root, stderr=open(log_path, "a"))
    try:
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=60)
        out["setup"] = run(kc, 'import * as memkit from "memkit"; import { tf } from "./lib/_tf.ts"; '
                               'import { liveCsvWorkers } from "./lib/data/_csv_parallel.ts"; '
                               'import { openPassCount } from "./lib/data/_interrupts.ts"; '
                               'await memkit.useBackend({ backend: "cpu" }); globalThis.pulled = 0; '
                               'globalThis.during = { workers: 0, bytes: 0, tensors: 0 }; '
                               'function note() { const d = globalThis.during; d.workers = Math.max(d.workers, liveCsvWorkers()); '
                               'd.bytes = Math.max(d.bytes, Object.entries(memkit.probeBytes()).filter(([k]) => k.startsWith("data ")).reduce((a, [, v]) => a + v, 0)); '
                               'd.tensors = Math.max(d.tensors, tf.memory().numTensors); } '
                               'const baseline = tf.memory().numTensors; baseline', timeout=120)
        out["parquet"] = interrupt(km, kc, (
            'const flights = memkit.parquet("node_modules/vega-datasets/data/flights-3m.parquet", '
            '{ columns: ["delay", "distance"], batchRows: 50_000 }).repeat().prefetch(4)'
            '.toTensors({ x: ["distance"], y: "delay" });\n'
            'for await (const { xs } of flights) { globalThis.pulled++; note(); await new Promise((r) => setTimeout(r, 20)); }'
        ), 2.0)
        out["parquet_check"] = run(kc, CHECK)
        out["settled"] = run(kc, 'await new Promise((r) => setTimeout(r, 500)); ' + CHECK)
        out["csv"] = interrupt(km, kc, (
            f'const numbers = memkit.csv({json.dumps(csv_path)}, {{ workers: 2, batchRows: 4096, types: "float64" }}).repeat().prefetch(4);\n'
            'globalThis.pulled = 0; globalThis.during = { workers: 0, bytes: 0, tensors: 0 };\n'
            'for await (const b of numbers) { globalThis.pulled++; note(); await new Promise((r) => setTimeout(r, 5)); }'
        ), 1.5)
        out["csv_check"] = run(kc, CHECK)
        out["csv_settled"] = run(kc, 'await new Promise((r) => setTimeout(r, 500)); ' + CHECK)
        out["alive"] = run(kc, "6 * 7")
    finally:
        km.shutdown_kernel(now=True)
    out["log"] = open(log_path).read()[-3000:]


try:
    main()
except Exception:
    out["exception"] = traceback.format_exc()
    try:
        out["log"] = open(log_path).read()[-3000:]
    except Exception:
        pass
print(json.dumps(out))
