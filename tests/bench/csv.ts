/**
 * `deno task bench csv [--smoke]`: a generated 7-column numeric CSV read into
 * Float32 batches by memkit's csv(), against pandas read_csv(chunksize)
 * (Debian python3), DuckDB read_csv (@duckdb/node-api, 2 threads) and tfjs
 * tf.data.csv. Ours runs single-threaded (the default) and, for information,
 * with 2 workers. Every contender runs in its own process, so its peak RSS is
 * its own. Full run: 0.2 GB (all four) and 2 GB (tf.data.csv skipped: ~2
 * MB/s); --smoke: 16 MB.
 * @module
 */
import { bench, contender, denoContender, numericCsv, peakRssMB, type Run } from "./_util.ts";

const SELF = new URL(import.meta.url).pathname;

async function ours(path: string, workers: number): Promise<Run> {
  const { csv } = await import("../../lib/data/csv.ts");
  const t = performance.now();
  let rows = 0;
  let check = 0;
  for await (const b of csv(path, { types: "float32", batchRows: 65536, workers })) {
    rows += b.numRows;
    const col = b.getChildAt(1)!.data[0].values as Float32Array;
    for (let i = 0; i < col.length; i++) check += col[i];
  }
  return { seconds: (performance.now() - t) / 1000, rows, peakMB: peakRssMB(), check };
}

async function duckdb(path: string): Promise<Run> {
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const instance = await DuckDBInstance.create(":memory:", { threads: "2" });
  const connection = await instance.connect();
  const cols = ["a", "b", "c", "d", "e", "f", "g"];
  const types = cols.map((c) => `'${c}': 'FLOAT'`).join(", ");
  const t = performance.now();
  // Summing every column makes DuckDB parse every field.
  const reader = await connection.runAndReadAll(
    `select count(*)::DOUBLE, ${cols.map((c) => `sum(${c})::DOUBLE`).join(", ")}
     from read_csv('${path}', header = true, columns = {${types}})`,
  );
  const row = reader.getRows()[0] as number[];
  const seconds = (performance.now() - t) / 1000;
  return { seconds, rows: row[0], peakMB: peakRssMB(), check: row[2] };
}

async function tfdata(path: string): Promise<Run> {
  // tf.data lives in the @tensorflow/tfjs union package (the tests' config maps it).
  const tf = await import("@tensorflow/tfjs");
  await tf.setBackend("cpu");
  const t = performance.now();
  let rows = 0;
  let check = 0;
  await tf.data.csv(`file://${path}`).forEachAsync((row) => {
    rows++;
    check += (row as Record<string, number>).b;
  });
  return { seconds: (performance.now() - t) / 1000, rows, peakMB: peakRssMB(), check };
}

const PANDAS = `
import sys, time, resource
import numpy as np, pandas as pd
t = time.time(); rows = 0; check = 0.0
for chunk in pd.read_csv(sys.argv[1], chunksize=65536, dtype=np.float32):
    rows += len(chunk); check += float(chunk["b"].to_numpy().sum(dtype=np.float64))
import json
print(json.dumps({"seconds": time.time() - t, "rows": rows, "check": check,
                  "peakMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))`;

if (Deno.args[0] === "--contender") {
  const [, who, path] = Deno.args;
  const contenders: Record<string, () => Promise<Run>> = {
    ours: () => ours(path, 0),
    ours2: () => ours(path, 2),
    duckdb: () => duckdb(path),
    tfdata: () => tfdata(path),
  };
  console.log(JSON.stringify(await contenders[who]()));
  Deno.exit(0);
}

const smoke = Deno.args.includes("--smoke");
const sizes = smoke ? [16e6] : [0.2e9, 2e9];
let allMet = true; // kept for a future exit status; every goal prints its line
for (const size of sizes) {
  const path = await numericCsv(size);
  const mb = (await Deno.stat(path)).size / 1e6;
  const label = `${(mb / 1000).toFixed(mb < 100 ? 3 : 1)} GB`;
  console.error(`csv: ${path} (${mb.toFixed(0)} MB)`);
  const runs: Record<string, Run> = {};
  runs.ours = await denoContender(SELF, ["--contender", "ours", path]);
  runs.ours2 = await denoContender(SELF, ["--contender", "ours2", path]);
  runs.pandas = await contender("/usr/bin/python3", ["-c", PANDAS, path]);
  runs.duckdb = await denoContender(SELF, ["--contender", "duckdb", path]);
  if (size <= 0.2e9) runs.tfdata = await denoContender(SELF, ["--contender", "tfdata", path]);
  for (const [who, r] of Object.entries(runs)) {
    console.error(
      `  ${who.padEnd(7)} ${(mb / r.seconds).toFixed(1).padStart(7)} MB/s  ${
        r.seconds.toFixed(2)
      } s  ` +
        `peak RSS ${r.peakMB.toFixed(0)} MB  rows ${r.rows}  check ${r.check?.toFixed(1)}`,
    );
    if (r.rows !== runs.ours.rows) {
      throw new Error(`${who} read ${r.rows} rows, ours ${runs.ours.rows}`);
    }
  }
  const rate = (r: Run) => mb / r.seconds;
  allMet = bench(
    "csv",
    `MB/s vs pandas read_csv(chunksize) (${label})`,
    rate(runs.ours),
    rate(runs.pandas),
    1.5,
    "ratio",
  ) && allMet;
  allMet = bench(
    "csv",
    `MB/s vs DuckDB read_csv, 2 threads (${label})`,
    rate(runs.ours),
    rate(runs.duckdb),
    0.5,
    "ratio",
  ) && allMet;
  if (runs.tfdata) {
    allMet = bench(
      "csv",
      `MB/s vs tf.data.csv (${label})`,
      rate(runs.ours),
      rate(runs.tfdata),
      20,
      "ratio",
    ) && allMet;
  }
  // Informational: the same read on 2 workers (opt-in; pays off only with an idle core).
  bench(
    "csv",
    `MB/s with workers: 2 vs pandas (${label}; peak RSS ${runs.ours2.peakMB.toFixed(0)} MB)`,
    rate(runs.ours2),
    rate(runs.pandas),
    1.5,
    "ratio",
  );
  allMet = bench(
    "csv",
    `peak RSS MB (${label}; rival: pandas)`,
    runs.ours.peakMB,
    runs.pandas.peakMB,
    160,
    "max",
  ) && allMet;
}
