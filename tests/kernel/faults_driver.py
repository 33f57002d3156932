"""Drives the memkit kernel into faults with Debian's jupyter_client (issue 17's kernel list).

Usage: /usr/bin/python3 tests/kernel/faults_driver.py <scenario> <workdir>
Prints one JSON object with what it observed; tests/kernel/faults_test.ts asserts on it.
"""
import hashlib
import hmac
import json
import os
import re
import signal
import stat
import time
import uuid

import zmq

import driver
from driver import finish, out, run, start  # noqa: E402

scenario = driver.scenario


def raw_request(km, channel, header, content, parent=b"{}", metadata=b"{}", wait=5.0):
    """Sends hand-made frames, signed with the right key; returns the reply's (type, content, parent) or None."""
    info = km.get_connection_info()
    key = info["key"] if isinstance(info["key"], bytes) else info["key"].encode()
    frames = [header, parent, metadata, content]
    sig = hmac.new(key, b"".join(frames), hashlib.sha256).hexdigest().encode()
    sock = zmq.Context.instance().socket(zmq.DEALER)
    sock.connect(f"tcp://{info['ip']}:{info[channel + '_port']}")
    sock.send_multipart([b"<IDS|MSG>", sig] + frames)
    got = None
    if sock.poll(int(wait * 1000)):
        parts = sock.recv_multipart()
        at = parts.index(b"<IDS|MSG>")
        h, p, _, c = (json.loads(x) for x in parts[at + 2:at + 6])
        got = {"type": h["msg_type"], "content": c, "parent": p}
    sock.close(0)
    return got


def header(msg_type):
    return json.dumps({"msg_id": str(uuid.uuid4()), "msg_type": msg_type, "session": "s", "username": "u",
                       "date": "2026-01-01T00:00:00Z", "version": "5.3"}).encode()


def engine_pid(kc):
    r = run(kc, "Deno.pid")
    text = next(m for m in r["iopub"] if m["type"] == "execute_result")["content"]["data"]["text/plain"]
    return int(re.search(r"\d+", re.sub(r"\x1b\[[0-9;]*m", "", text)).group())


def streams(r):
    return "".join(m["content"].get("text", "") for m in r["iopub"] if m["type"] == "stream")


def protocol():
    km, kc = start()
    try:
        out["bad_content"] = raw_request(km, "shell", header("execute_request"), b"{not json")
        out["array_header"] = raw_request(km, "shell", b'["execute_request"]', b"{}")
        out["unknown"] = raw_request(km, "shell", header("frobnicate_request"), b"{}")
        out["debug"] = raw_request(km, "control", header("debug_request"), b"{}")
        out["alive"] = run(kc, "6 * 7")
        # An error thrown by a timer after its cell ended shows in the next cell.
        run(kc, "setTimeout(() => { throw new Error('late boom') }, 200); 'armed'")
        time.sleep(1.0)
        out["late"] = run(kc, "'next cell'")
        # The engine's connection file (it holds the engine's key) is private.
        pid = engine_pid(kc)
        args = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")
        conn = args[args.index(b"--conn") + 1].decode()
        out["conn_mode"] = oct(stat.S_IMODE(os.stat(conn).st_mode))
        # 50 MB in one line: truncated with a note, and the kernel stays responsive.
        out["huge"] = run(kc, "console.log('x'.repeat(50_000_000)); 'done'", timeout=300)
        out["huge_stream_chars"] = len(streams(out["huge"]))
        out["huge"]["iopub"] = [m for m in out["huge"]["iopub"] if m["type"] != "stream"]
        n = int(os.environ.get("MEMKIT_LINES", "500000"))
        t0 = time.time()
        lines = run(kc, f"for (let i = 0; i < {n}; i++) console.log(i); 'lines'", timeout=600)
        text = streams(lines)
        out["lines"] = {"n": n, "ok": text == "".join(f"{i}\n" for i in range(n)), "got": text.count("\n"),
                        "seconds": time.time() - t0, "status": lines["reply"]["status"]}
        out["after_lines"] = run(kc, "1 + 1")
    finally:
        km.shutdown_kernel(now=True)
    out["log"] = open(driver.log_path).read()[-4000:]


def engine():
    km, kc = start()
    try:
        run(kc, "globalThis.state = 1")
        # SIGKILL between cells: the next cell says the engine restarted.
        os.kill(engine_pid(kc), signal.SIGKILL)
        time.sleep(1.5)
        out["after_kill"] = run(kc, "typeof globalThis.state", timeout=90)
        # SIGKILL and a cell sent at once: it runs in the new engine, not blamed.
        pid = engine_pid(kc)
        os.kill(pid, signal.SIGKILL)
        out["at_once"] = run(kc, "typeof globalThis.state", timeout=90)
        out["at_once_pid"] = engine_pid(kc) != pid
        # Deaths beyond the restart limit: every execute gets a clear error, no hang.
        out["deaths"] = [run(kc, "Deno.exit(1)", timeout=90)["reply"].get("ename") for _ in range(3)]
        t0 = time.time()
        out["stopped"] = run(kc, "1 + 1", timeout=60)
        out["stopped_again"] = run(kc, "2 + 2", timeout=60)
        out["stopped_seconds"] = time.time() - t0
        out["info_when_stopped"] = kc.kernel_info(reply=True, timeout=10)["content"].get("status")
    finally:
        km.shutdown_kernel(now=True)
    out["log"] = open(driver.log_path).read()[-4000:]


finish(protocol if scenario == "faults_protocol" else engine)
