"""Executes a notebook through a real Jupyter client (nbclient, Debian's).

Usage: /usr/bin/python3 _execute_notebook.py NOTEBOOK KERNEL OUT [TIMEOUT]

Writes the executed notebook to OUT with, for every code cell, the sha256 of
the source that produced its outputs (cell.metadata.memkit.source_sha256), and
prints one JSON line: {"ok", "seconds", "cells", "errors", "error"}.
The kernel's environment (MEMKIT_SIZE, ...) is inherited from this process.
"""
import hashlib
import json
import os
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionComplete, CellExecutionError

# Deno's kernel can report a cell idle before the cell's last stdout lines and
# its result reach the iopub channel; nbclient stops listening at idle and
# drops them (measured: 1 run in 3 lost outputs). After idle we keep reading
# the cell's own messages until the channel is quiet for LATE_QUIET seconds.
LATE_QUIET = 0.4


class LateOutputClient(NotebookClient):
    async def _async_poll_output_msg(self, parent_msg_id, cell, cell_index):
        await super()._async_poll_output_msg(parent_msg_id, cell, cell_index)
        while True:
            try:
                msg = await self.kc.iopub_channel.get_msg(timeout=LATE_QUIET)
            except Exception:  # queue.Empty: quiet, the cell is done
                return
            if msg["parent_header"].get("msg_id") != parent_msg_id:
                continue
            if msg["msg_type"] == "status":
                continue
            try:
                self.process_message(msg, cell, cell_index)
            except CellExecutionComplete:
                pass


def main() -> int:
    path, kernel, out = sys.argv[1], sys.argv[2], sys.argv[3]
    timeout = int(sys.argv[4]) if len(sys.argv) > 4 else 600
    nb = nbformat.read(path, as_version=4)
    client = LateOutputClient(
        nb,
        kernel_name=kernel,
        timeout=timeout,
        allow_errors=False,
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}},
    )
    started = time.time()
    error = None
    try:
        client.execute()
    except CellExecutionError as exc:
        error = str(exc)[-3000:]
    except Exception as exc:  # kernel died, timeout: report, do not hide
        error = f"{type(exc).__name__}: {exc}"[-3000:]
    seconds = time.time() - started
    errors = 0
    cells = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cells += 1
        digest = hashlib.sha256(cell.source.encode("utf-8")).hexdigest()
        cell.metadata.setdefault("memkit", {})["source_sha256"] = digest
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                errors += 1
    nb.metadata.setdefault("memkit", {})["executed"] = {
        "kernel": kernel,
        "size": os.environ.get("MEMKIT_SIZE", "full"),
        "seconds": round(seconds, 1),
    }
    nbformat.write(nb, out)
    print(json.dumps({"ok": error is None and errors == 0, "seconds": seconds,
                      "cells": cells, "errors": errors, "error": error}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
