"""Times a trivial cell on several kernels, alternating between them each round.

Usage: /usr/bin/python3 tests/kernel/bench_driver.py <rounds> <kernels json>
kernels json: {"name": {"argv": [...], "env": {...}}}. Prints JSON: name -> list of ms.
Used by tests/bench/kernel.ts.
"""
import json
import os
import sys
import time

import zmq
from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpec

rounds = int(sys.argv[1])
specs = json.loads(sys.argv[2])
clients = {}
for name, spec in specs.items():
    km = KernelManager()
    km._kernel_spec = KernelSpec(argv=spec["argv"], display_name=name, language="typescript", interrupt_mode="message")
    env = dict(os.environ)
    env.update(spec.get("env", {}))
    km.start_kernel(cwd=os.getcwd(), env=env, stderr=open(os.devnull, "w"))
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=60)
    kc.stop_channels()
    # Plain pyzmq sockets: jupyter_client's blocking client adds milliseconds of
    # its own per call, which would hide the difference being measured.
    info = km.get_connection_info()
    ctx = zmq.Context.instance()
    shell = ctx.socket(zmq.DEALER)
    shell.connect(f"tcp://{info['ip']}:{info['shell_port']}")
    iopub = ctx.socket(zmq.SUB)
    iopub.setsockopt(zmq.SUBSCRIBE, b"")
    iopub.connect(f"tcp://{info['ip']}:{info['iopub_port']}")
    time.sleep(0.3)
    clients[name] = (km, (km.session, shell, iopub))


def cell(kc, code):
    session, shell, iopub = kc
    t0 = time.perf_counter()
    msg = session.msg("execute_request", {"code": code, "silent": False, "store_history": True,
                                          "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
    msg_id = msg["header"]["msg_id"]
    session.send(shell, msg)
    idle = replied = False
    poller = zmq.Poller()
    poller.register(shell, zmq.POLLIN)
    poller.register(iopub, zmq.POLLIN)
    while not (idle and replied):
        if not poller.poll(30000):
            raise TimeoutError("no answer in 30 s")
        while iopub.poll(0):
            _, m = session.recv(iopub, mode=0)
            if m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "status" \
                    and m["content"]["execution_state"] == "idle":
                idle = True
        while shell.poll(0):
            _, m = session.recv(shell, mode=0)
            if m["parent_header"].get("msg_id") == msg_id:
                replied = True
    return (time.perf_counter() - t0) * 1000


times = {name: [] for name in clients}
try:
    for name, (km, kc) in clients.items():
        for _ in range(5):  # warm up: the first cells compile and allocate
            cell(kc, "1 + 1")
    for _ in range(rounds):
        for name, (km, kc) in clients.items():
            times[name].append(cell(kc, "1 + 1"))
finally:
    for km, (session, shell, iopub) in clients.values():
        shell.close(0)
        iopub.close(0)
        km.shutdown_kernel(now=True)
print(json.dumps(times))
