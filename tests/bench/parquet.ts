/**
 * `deno task bench parquet [--smoke]`: a full scan of flights-3m.parquet (3M
 * rows, 11 ZSTD row groups, all 5 columns) by memkit's parquet(), one row
 * group at a time, against reading the whole file at once with hyparquet
 * (the library parquet() builds on) and against DuckDB (2 threads). Each
 * contender runs in its own process (peak RSS is its own). --smoke runs the
 * same file (it is small) with one repeat; the full run takes the median of 3.
 * @module
 */
import { bench, denoContender, peakRssMB, type Run } from "./_util.ts";

const SELF = new URL(import.meta.url).pathname;
const FLIGHTS = new URL("../../node_modules/vega-datasets/data/flights-3m.parquet", import.meta.url)
  .pathname;

async function ours(): Promise<Run> {
  const { parquet } = await import("../../lib/data/parquet.ts");
  const t = performance.now();
  let rows = 0;
  let check = 0;
  let checking = 0; // verification time, not part of the scan
  for await (const b of parquet(FLIGHTS)) {
    const c0 = performance.now();
    rows += b.numRows;
    const distance = b.getChild("distance")!.data[0].values as BigInt64Array;
    for (let i = 0; i < distance.length; i++) check += Number(distance[i]);
    checking += performance.now() - c0;
  }
  const seconds = (performance.now() - t - checking) / 1000;
  return { seconds, rows, peakMB: peakRssMB(), check };
}

async function whole(): Promise<Run> {
  const { asyncBufferFromFile, parquetReadObjects } = await import("hyparquet");
  const { compressors } = await import("hyparquet-compressors");
  const t = performance.now();
  const file = await asyncBufferFromFile(FLIGHTS);
  const rows = await parquetReadObjects({ file, compressors });
  const seconds = (performance.now() - t) / 1000;
  let check = 0;
  for (const r of rows) check += Number(r.distance);
  return { seconds, rows: rows.length, peakMB: peakRssMB(), check };
}

async function duckdb(): Promise<Run> {
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const instance = await DuckDBInstance.create(":memory:", { threads: "2" });
  const connection = await instance.connect();
  const t = performance.now();
  const reader = await connection.runAndReadAll(
    `select count(*)::DOUBLE, sum(distance)::DOUBLE, sum(delay)::DOUBLE, max(date)::VARCHAR,
            max(origin), max(destination) from '${FLIGHTS}'`,
  );
  const row = reader.getRows()[0] as number[];
  return {
    seconds: (performance.now() - t) / 1000,
    rows: row[0],
    peakMB: peakRssMB(),
    check: row[1],
  };
}

if (Deno.args[0] === "--contender") {
  const who = Deno.args[1];
  const run = who === "ours" ? await ours() : who === "whole" ? await whole() : await duckdb();
  console.log(JSON.stringify(run));
  Deno.exit(0);
}

const smoke = Deno.args.includes("--smoke");
const repeats = smoke ? 1 : 3;
const median = (xs: Run[]): Run => [...xs].sort((a, b) => a.seconds - b.seconds)[xs.length >> 1];
const runs: Record<string, Run> = {};
for (const who of ["ours", "whole", "duckdb"]) {
  const all: Run[] = [];
  for (let i = 0; i < repeats; i++) all.push(await denoContender(SELF, ["--contender", who]));
  runs[who] = median(all);
  const r = runs[who];
  console.error(
    `  ${who.padEnd(7)} ${(r.rows / r.seconds / 1e6).toFixed(2).padStart(6)} M rows/s  ` +
      `${r.seconds.toFixed(2)} s  peak RSS ${
        r.peakMB.toFixed(0)
      } MB  rows ${r.rows}  check ${r.check}`,
  );
  if (r.rows !== 3_000_000 || r.check !== runs.ours.check) {
    throw new Error(
      `${who} read ${r.rows} rows (check ${r.check}), expected 3,000,000 (${runs.ours.check})`,
    );
  }
}
const rate = (r: Run) => r.rows / r.seconds;
bench(
  "parquet",
  "rows/s, full scan of flights-3m (rival: DuckDB, 2 threads)",
  rate(runs.ours),
  rate(runs.duckdb),
  5e6,
  "min",
);
bench(
  "parquet",
  "peak RSS MB (rival: hyparquet reading the whole file)",
  runs.ours.peakMB,
  runs.whole.peakMB,
  150,
  "max",
);
bench(
  "parquet",
  "rows/s vs hyparquet reading the whole file",
  rate(runs.ours),
  rate(runs.whole),
  1,
  "ratio",
);
