"""The pandas rival for `deno task bench dtype`: the same flights columns,
downcast the way pandas' guide says (to_numeric(downcast="integer") for the
numbers, category for the strings), measured with memory_usage(deep=True).

Input: a directory with date.i64, delay.i64, distance.i64 (little-endian
int64; date in microseconds) and origin.txt, destination.txt (one value a line).
Prints one JSON object.
"""
import json
import sys
import time

import numpy as np
import pandas as pd

d = sys.argv[1]
date = pd.to_datetime(np.fromfile(f"{d}/date.i64", dtype="<i8"), unit="us")
df = pd.DataFrame({
    "date": date,
    "delay": np.fromfile(f"{d}/delay.i64", dtype="<i8"),
    "distance": np.fromfile(f"{d}/distance.i64", dtype="<i8"),
    "origin": open(f"{d}/origin.txt").read().split("\n"),
    "destination": open(f"{d}/destination.txt").read().split("\n"),
})
before = int(df.memory_usage(deep=True, index=False).sum())
t0 = time.perf_counter()
for c in ["delay", "distance"]:
    df[c] = pd.to_numeric(df[c], downcast="integer")
for c in ["origin", "destination"]:
    df[c] = df[c].astype("category")
seconds = time.perf_counter() - t0
usage = df.memory_usage(deep=True, index=False)
print(json.dumps({
    "rows": len(df),
    "bytes_before_deep": before,
    "bytes": int(usage.sum()),
    "columns": {c: int(v) for c, v in usage.items()},
    "dtypes": {c: str(t) for c, t in df.dtypes.items()},
    "seconds": seconds,
}))
