/**
 * `deno task bench parquet [--smoke]`: full scans of two files, all columns,
 * each contender in its own process (its peak RSS is its own), one thread
 * each (per-core comparison: DuckDB threads=1, POLARS_MAX_THREADS=1):
 * - flights-3m.parquet (3M rows, 11 ZSTD row groups, 5 flat columns):
 *   memkit's parquet() against DuckDB (streaming every column's chunks,
 *   materialized, not aggregated), polars (readParquet), parquet-wasm
 *   (arrow-rs in wasm, readParquet) and hyparquet's columnar reader
 *   (parquetRead with onChunk);
 * - a wide nested file written by DuckDB at run time (list<float>[16],
 *   list<varchar>, struct, map, 8 doubles): memkit, DuckDB and polars.
 * The per-core goal is measured in rows per CPU-second of each contender's
 * whole process (user + system time, all threads), which a loaded shared
 * machine disturbs far less than the wall clock; wall-clock ratios are
 * printed too. Contenders run interleaved, so load drifts hit all alike.
 * --smoke: one repeat and a small nested file; the full run takes the median of 3.
 * @module
 */
import process from "node:process";
import { bench, DATA_DIR, denoContender, peakRssMB, type Run as BaseRun } from "./_util.ts";

/** A contender's result, with the CPU seconds its whole process spent (all threads). */
interface Run extends BaseRun {
  cpuSeconds: number;
}

/** Times `work` by the wall clock and by the process's CPU time (user + system). */
async function timed(work: () => Promise<number>): Promise<Run> {
  const c0 = process.cpuUsage();
  const t = performance.now();
  const rows = await work();
  const seconds = (performance.now() - t) / 1000;
  const c = process.cpuUsage(c0);
  return { seconds, cpuSeconds: (c.user + c.system) / 1e6, rows, peakMB: peakRssMB() };
}

const SELF = new URL(import.meta.url).pathname;
const FLIGHTS = new URL("../../node_modules/vega-datasets/data/flights-3m.parquet", import.meta.url)
  .pathname;
const smoke = Deno.args.includes("--smoke");
const NESTED_ROWS = smoke ? 100_000 : 1_000_000;
const NESTED = `${DATA_DIR}/nested-${NESTED_ROWS}.parquet`;

async function ours(path: string): Promise<Run> {
  const { parquet } = await import("../../lib/data/parquet.ts");
  return await timed(async () => {
    let rows = 0;
    for await (const b of parquet(path)) rows += b.numRows;
    return rows;
  });
}

async function duckdb(path: string): Promise<Run> {
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const instance = await DuckDBInstance.create(":memory:", { threads: "1" });
  const connection = await instance.connect();
  return await timed(async () => {
    const result = await connection.stream(`select * from '${path}'`);
    let rows = 0;
    for (
      let chunk = await result.fetchChunk();
      chunk && chunk.rowCount > 0;
      chunk = await result.fetchChunk()
    ) {
      rows += chunk.rowCount;
    }
    return rows;
  });
}

async function polars(path: string): Promise<Run> {
  const { default: pl } = await import("nodejs-polars");
  return await timed(() => Promise.resolve(pl.readParquet(path).height));
}

async function wasm(path: string): Promise<Run> {
  const pw = await import("parquet-wasm");
  return await timed(async () => countRows(pw.readParquet(await Deno.readFile(path))));
}

function countRows(
  table: { numBatches: number; recordBatch(i: number): { numRows: number } | undefined },
) {
  let n = 0;
  for (let i = 0; i < table.numBatches; i++) n += table.recordBatch(i)!.numRows;
  return n;
}

async function hyparquet(path: string): Promise<Run> {
  const { asyncBufferFromFile, parquetRead } = await import("hyparquet");
  const { compressors } = await import("hyparquet-compressors");
  return await timed(async () => {
    const file = await asyncBufferFromFile(path);
    let rows = 0;
    await parquetRead({
      file,
      compressors,
      onChunk(chunk) {
        if (chunk.columnName === "distance") rows += chunk.rowEnd - chunk.rowStart;
      },
    });
    return rows;
  });
}

const CONTENDERS: Record<string, (path: string) => Promise<Run>> = {
  ours,
  duckdb,
  polars,
  wasm,
  hyparquet,
};

if (Deno.args[0] === "--contender") {
  const run = await CONTENDERS[Deno.args[1]](Deno.args[2]);
  console.log(JSON.stringify(run));
  Deno.exit(0);
}

async function makeNested(): Promise<void> {
  try {
    await Deno.stat(NESTED);
    return;
  } catch { /* write it */ }
  await Deno.mkdir(DATA_DIR, { recursive: true });
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  await connection.run(
    `copy (select i::BIGINT as id,
       list_transform(range(16), k -> ((i * 16 + k) % 1000 / 7.0)::FLOAT) as emb,
       case when i % 10 = 0 then null else ['t' || (i % 97)::VARCHAR, 'u' || (i % 13)::VARCHAR] end as tags,
       {'a': (i % 1000)::INTEGER, 'b': 'name' || (i % 500)::VARCHAR, 'c': i * 0.5} as st,
       map(['k' || (i % 7)::VARCHAR], [(i % 100)::INTEGER]) as m,
       ${Array.from({ length: 8 }, (_, k) => `(i * ${k + 1}.25)::DOUBLE as d${k}`).join(", ")}
     from range(${NESTED_ROWS}) t(i))
     to '${NESTED}.tmp' (format parquet, compression zstd, row_group_size 131072)`,
  );
  connection.closeSync();
  instance.closeSync();
  await Deno.rename(`${NESTED}.tmp`, NESTED);
}

const repeats = smoke ? 1 : 3;
const median = (xs: Run[]): Run => [...xs].sort((a, b) => a.seconds - b.seconds)[xs.length >> 1];

/** Runs each contender `repeats` times, interleaved (load drifts hit all alike); medians. */
async function measure(path: string, who: string[], rows: number): Promise<Record<string, Run>> {
  for (const [k, v] of Object.entries({ POLARS_MAX_THREADS: "1", RAYON_NUM_THREADS: "1" })) {
    Deno.env.set(k, v);
  }
  const all: Record<string, Run[]> = Object.fromEntries(who.map((w) => [w, []]));
  for (let i = 0; i < repeats; i++) {
    for (const name of who) {
      all[name].push(await denoContender(SELF, ["--contender", name, path]) as Run);
    }
  }
  const runs: Record<string, Run> = {};
  for (const name of who) {
    const r = runs[name] = median(all[name]);
    console.error(
      `  ${path.split("/").pop()} ${name.padEnd(9)} ${
        (r.rows / r.seconds / 1e6).toFixed(2).padStart(6)
      } M rows/s  ${r.seconds.toFixed(2)} s wall  ${r.cpuSeconds.toFixed(2)} s CPU  peak RSS ${
        r.peakMB.toFixed(0)
      } MB`,
    );
    if (r.rows !== rows) {
      throw new Error(`${name} read ${r.rows} rows of ${path}, expected ${rows}`);
    }
  }
  return runs;
}

const rate = (r: Run) => r.rows / r.seconds;
/** Rows per CPU-second of the whole process: the per-core measure, robust to a loaded machine. */
const cpuRate = (r: Run) => r.rows / r.cpuSeconds;
/** BENCH lines for one file: per-core rate (goal ≥ 1× the fastest), wall rate, peak RSS. */
function report(label: string, runs: Record<string, Run>, rivals: string[]): void {
  const fastest = [...rivals].sort((a, b) => cpuRate(runs[b]) - cpuRate(runs[a]))[0];
  bench(
    "parquet",
    `${label} rows per CPU-second, all columns, 1 thread (rival: fastest, ${fastest})`,
    cpuRate(runs.ours),
    cpuRate(runs[fastest]),
    1,
    "ratio",
  );
  for (const rival of rivals) {
    bench(
      "parquet",
      `${label} rows/s wall clock vs ${rival}`,
      rate(runs.ours),
      rate(runs[rival]),
      1,
      "ratio",
    );
  }
  bench(
    "parquet",
    `${label} peak RSS MB (rival: ${fastest}; goal ≤ rival's)`,
    runs.ours.peakMB,
    runs[fastest].peakMB,
    runs[fastest].peakMB,
    "max",
  );
}

const flights = await measure(
  FLIGHTS,
  ["ours", "duckdb", "polars", "wasm", "hyparquet"],
  3_000_000,
);
report("flights-3m", flights, ["duckdb", "polars", "wasm", "hyparquet"]);
await makeNested();
const nested = await measure(NESTED, ["ours", "duckdb", "polars"], NESTED_ROWS);
report(`nested ${NESTED_ROWS}`, nested, ["duckdb", "polars"]);
