"""Drives the memkit kernel with Debian's jupyter_client, as a frontend would.

Usage: /usr/bin/python3 tests/kernel/driver.py <scenario> <workdir>
Prints one JSON object with what it observed; the Deno test asserts on it.
The kernelspec must already be installed under $JUPYTER_DATA_DIR.
"""
import json
import re
import os
import signal
import sys
import time
import traceback

import zmq
from jupyter_client import KernelManager
from jupyter_client.session import Session

scenario, workdir = sys.argv[1], sys.argv[2]
out = {"scenario": scenario}
log_path = os.path.join(workdir, f"kernel-{scenario}.log")


def start():
    km = KernelManager(kernel_name="memkit")
    km.start_kernel(cwd=os.getcwd(), stderr=open(log_path, "a"))
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=60)
    return km, kc


def run(kc, code, timeout=30, stdin_reply=None):
    """Executes code; returns the iopub messages of this request and the reply."""
    msg_id = kc.execute(code, allow_stdin=stdin_reply is not None)
    msgs, prompt = [], None
    deadline = time.time() + timeout
    while True:
        if stdin_reply is not None and prompt is None:
            try:
                m = kc.get_stdin_msg(timeout=0.05)
                prompt = m["content"].get("prompt")
                kc.input(stdin_reply)
            except Exception:
                pass
        try:
            m = kc.get_iopub_msg(timeout=0.05)
        except Exception:
            if time.time() > deadline:
                raise TimeoutError(f"no idle for {code!r}")
            continue
        if m["parent_header"].get("msg_id") != msg_id:
            continue
        msgs.append({"type": m["msg_type"], "content": m["content"], "metadata": m.get("metadata", {})})
        if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
            break
    # Deno's kernel sometimes publishes execute_result just after idle (seen with
    # Deno's kernel alone too); collect stragglers briefly, marked late.
    end = time.time() + 0.3
    while time.time() < end:
        try:
            m = kc.get_iopub_msg(timeout=0.05)
        except Exception:
            continue
        if m["parent_header"].get("msg_id") == msg_id:
            msgs.append({"type": m["msg_type"], "content": m["content"], "metadata": m.get("metadata", {}), "late": True})
    reply = kc.get_shell_msg(timeout=timeout)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=timeout)
    return {"iopub": msgs, "reply": reply["content"], "prompt": prompt}


def report_of(result):
    for m in result["iopub"]:
        if m["type"] == "display_data" and "memkit" in m["metadata"]:
            return m["metadata"]["memkit"]
    return None


def texts(result):
    return [json.dumps(m["content"]) for m in result["iopub"]]


def notebook():
    """Executes a notebook with nbclient, the way `jupyter nbconvert --execute` does."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("const a = new Uint8Array(64 * 1024 * 1024).fill(1);\na.length"),
        nbformat.v4.new_code_cell("await memkit.timeline()"),
    ]
    NotebookClient(nb, kernel_name="memkit", timeout=120, resources={"metadata": {"path": os.getcwd()}}).execute()
    out["cells"] = [[{"output_type": o["output_type"], "data": o.get("data", {}), "metadata": o.get("metadata", {})}
                     for o in c["outputs"]] for c in nb.cells]
    out["log"] = ""


def main():
    if scenario == "notebook":
        return notebook()
    km, kc = start()
    try:
        if scenario == "protocol":
            info = kc.kernel_info(reply=True, timeout=30)["content"]
            out["kernel_info"] = {k: info.get(k) for k in ("status", "protocol_version", "implementation", "language_info")}
            out["result"] = run(kc, "1 + 41")
            out["stream"] = run(kc, "console.log('to stdout'); console.error('to stderr')")
            out["error"] = run(kc, "throw new RangeError('boom')")
            out["display"] = run(
                kc,
                'await Deno.jupyter.broadcast("display_data", {data: {"text/html": "<b>hi</b>", "text/plain": "hi"}, metadata: {}, transient: {}}); Deno.jupyter.html`<i>x</i>`',
            )
            # Deno's kernel alone sometimes sends execute_result after idle when its
            # event loop has work pending (a timer here); the kernel puts it back before idle.
            run(kc, "const keepBusy = setInterval(() => {}, 1000);")
            out["ordering"] = [run(kc, f"Deno.pid + {i}") for i in range(20)]
            run(kc, "clearInterval(keepBusy)")
            out["input"] = run(kc, 'const answer = prompt("name?"); answer + "!"', stdin_reply="memkit")
            c = kc.complete("Deno.memoryU", 12, reply=True, timeout=30)["content"]
            out["complete"] = {"status": c["status"], "matches": c["matches"][:20]}
            i = kc.inspect("Deno", 4, reply=True, timeout=30)["content"]
            out["inspect_status"] = i["status"]
            ic_id = kc.is_complete("function f() {")
            ic = kc.get_shell_msg(timeout=30)
            out["is_complete"] = {"parent_ok": ic["parent_header"]["msg_id"] == ic_id, "type": ic["msg_type"], "content": ic["content"]}
            # Interrupt a cell that never ends; the kernel must answer and keep its state.
            run(kc, "let kept = 7;")
            msg_id = kc.execute("while (true) {}")
            time.sleep(0.8)
            t0 = time.time()
            km.interrupt_kernel()
            reply = kc.get_shell_msg(timeout=15)
            while reply["parent_header"].get("msg_id") != msg_id:
                reply = kc.get_shell_msg(timeout=15)
            out["interrupt"] = {"status": reply["content"]["status"], "seconds": time.time() - t0}
            out["after_interrupt"] = run(kc, "kept * 6")
            # SIGINT to the kernel process (a terminal's Ctrl-C) interrupts too, without killing Deno's kernel.
            msg_id = kc.execute("while (true) {}")
            time.sleep(0.8)
            os.kill(km.provisioner.process.pid, signal.SIGINT)
            reply = kc.get_shell_msg(timeout=15)
            while reply["parent_header"].get("msg_id") != msg_id:
                reply = kc.get_shell_msg(timeout=15)
            out["sigint"] = {"status": reply["content"]["status"], "after": run(kc, "kept + 1")}
            h_id = kc.history(hist_access_type="tail", n=5)
            h = kc.get_shell_msg(timeout=30)
            out["history"] = {"parent_ok": h["parent_header"]["msg_id"] == h_id, "type": h["msg_type"], "status": h["content"].get("status")}
            c_id = kc.comm_info()
            ci = kc.get_shell_msg(timeout=30)
            out["comm_info"] = {"parent_ok": ci["parent_header"]["msg_id"] == c_id, "type": ci["msg_type"], "status": ci["content"].get("status")}
            # A message signed with the wrong key: no answer, and the kernel logs it.
            bad = Session(key=b"not-the-key", username="intruder")
            ctx = zmq.Context.instance()
            sock = ctx.socket(zmq.DEALER)
            info_conn = km.get_connection_info()
            sock.connect(f"tcp://{info_conn['ip']}:{info_conn['shell_port']}")
            bad_msg = bad.msg("execute_request", {"code": "globalThis.pwned = 1", "silent": False, "store_history": True,
                                                   "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
            bad.send(sock, bad_msg)
            answered = sock.poll(1500)
            sock.close(0)
            out["bad_signature"] = {"answered": bool(answered), "pwned": run(kc, "globalThis.pwned ?? 'no'")}
        elif scenario == "report":
            out["trivial"] = run(kc, "1 + 1")
            out["alloc"] = run(kc, "const big = new Uint8Array(200 * 1024 * 1024).fill(1); big.length")
            out["peak"] = run(kc, "{ const tmp = new Uint8Array(300 * 1024 * 1024).fill(2); tmp.length }")
            out["tf_load"] = run(kc, 'import * as tf from "@tensorflow/tfjs-core"; import "@tensorflow/tfjs-backend-cpu"; await tf.setBackend("cpu"); tf.getBackend()', timeout=120)
            out["tf_leak"] = run(kc, "const x = tf.ones([1000, 1000]); const y = tf.tidy(() => tf.add(x, 1)); y.shape")
            out["tf_clean"] = run(kc, "tf.tidy(() => tf.sum(tf.mul(tf.ones([100, 100]), 2)).dataSync()[0])")
            out["tf_dispose"] = run(kc, "x.dispose(); y.dispose(); tf.memory().numTensors")
            out["sites_on"] = run(kc, "memkit.sites(true)")
            out["tf_sites"] = run(kc, "const z = tf.zeros([256, 256]);\nz.size")
            out["off"] = run(kc, 'await memkit.report("off")')
            out["while_off"] = run(kc, "const w = tf.ones([10]); 2 + 2")
            out["quiet"] = run(kc, 'await memkit.report("quiet")')
            out["quiet_trivial"] = run(kc, "3 + 3")
            out["quiet_big"] = run(kc, "const big2 = new Uint8Array(100 * 1024 * 1024).fill(3); big2.length")
            out["bad_mode"] = run(kc, 'await memkit.report("loud")')
            out["on"] = run(kc, 'await memkit.report("on")')
            out["timeline"] = run(kc, "await memkit.timeline()")
            out["timeline_data"] = run(kc, "const tl = await memkit.timeline(); [tl.data.marks.length, tl.data.t.length]")
            # Later timelines no longer carry plotly.js: they must be small.
            out["timeline_again"] = run(kc, "await memkit.timeline()")
        elif scenario == "leaks":
            # memkit's own leak tracker, started in the notebook, names the report's leak sites.
            out["load"] = run(kc, 'import * as tf from "@tensorflow/tfjs-core"; import { trackLeaks, useBackend } from "memkit"; await useBackend({ backend: "cpu" }); tf.getBackend()', timeout=120)
            out["untracked"] = run(kc, "const u = tf.ones([3]); u.size")
            out["start"] = run(kc, "const leaks = trackLeaks(); leaks.live")
            out["leak"] = run(kc, 'const a = tf.ones([64, 64]);\nconst b = tf.zeros([10], "int32");\ntf.tidy(() => tf.add(a, 1).dispose()); a.size + b.size')
            out["define"] = run(kc, "function makeOnes(n) {\n  return tf.ones([n]);\n}\n0")
            out["leak_fn"] = run(kc, "const c = makeOnes(5); const d = makeOnes(5); c.size")
            out["clean"] = run(kc, "tf.tidy(() => tf.ones([100]).sum().dataSync()[0])")
            out["report"] = run(kc, "leaks.report().tensors")
            out["stop"] = run(kc, "leaks.stop(); globalThis[Symbol.for('memkit.leakTracker')] === undefined")
            out["after_stop"] = run(kc, "const e = tf.ones([7]); e.size")
        elif scenario == "kept":
            # Tensors owned on purpose are reported as kept, not as leaks.
            out["load"] = run(kc, 'import * as tf from "@tensorflow/tfjs-core"; import * as tfl from "@tensorflow/tfjs-layers"; import { from, useBackend } from "memkit"; await useBackend({ backend: "cpu" }); tf.getBackend()', timeout=120)
            out["variable"] = run(kc, "const z = tf.zeros([10]); const v = tf.variable(z); z.dispose(); v.size")
            out["keep"] = run(kc, "const k = tf.keep(tf.ones([3])); k.size")
            out["dataset"] = run(kc, 'import { tableFromArrays } from "apache-arrow"; const t = tableFromArrays({ a: Float32Array.from([1, 3]), b: Float32Array.from([2, 4]) }); const it = from(t.batches).toTensors({ x: ["a"], y: "b" })[Symbol.asyncIterator](); const first = await it.next(); first.value.xs.shape')
            out["model"] = run(kc, 'const m = tfl.sequential({ layers: [tfl.layers.dense({ units: 2, inputShape: [3] })] }); m.compile({ optimizer: "adam", loss: "meanSquaredError" }); await m.fit(tf.ones([4, 3]), tf.ones([4, 2]), { epochs: 1, verbose: 0 }); m.countParams()', timeout=60)
            out["leak"] = run(kc, "const leak = tf.ones([4]); leak.size")
        elif scenario == "lifecycle":
            out["pid1"] = run(kc, "Deno.pid")
            run(kc, "globalThis.state = 1")
            km.restart_kernel(now=False)
            kc.wait_for_ready(timeout=60)
            out["after_restart"] = run(kc, "typeof globalThis.state")
            out["died"] = run(kc, "Deno.exit(3)")
            out["after_death"] = run(kc, "1 + 2", timeout=60)
            out["engine_pid"] = run(kc, "Deno.pid")
            # The result is colored unless NO_COLOR is set: take the digits either way.
            pid = int(re.search(r"\d+", re.sub(r"\x1b\[[0-9;]*m", "", next(m for m in out["engine_pid"]["iopub"] if m["type"] == "execute_result")["content"]["data"]["text/plain"])).group())
            km.shutdown_kernel(now=False)
            time.sleep(0.5)
            out["engine_gone"] = not os.path.exists(f"/proc/{pid}")
            out["kernel_alive"] = km.is_alive()
            km = None
    finally:
        if km is not None:
            try:
                km.shutdown_kernel(now=True)
            except Exception:
                pass
    out["log"] = open(log_path).read()[-4000:]


def finish(body):
    """Runs body(), records an exception and the kernel log, prints the JSON result."""
    try:
        body()
    except Exception:
        out["exception"] = traceback.format_exc()
        try:
            out["log"] = open(log_path).read()[-4000:]
        except Exception:
            pass
    print(json.dumps(out))


if __name__ == "__main__":
    finish(main)
