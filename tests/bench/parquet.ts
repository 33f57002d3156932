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
 * --smoke: one repeat and a small nested file; the full run takes the median of 3.
 * @module
 */
import { bench, DATA_DIR, denoContender, peakRssMB, type Run } from "./_util.ts";

const SELF = new URL(import.meta.url).pathname;
const FLIGHTS = new URL("../../node_modules/vega-datasets/data/flights-3m.parquet", import.meta.url)
  .pathname;
const smoke = Deno.args.includes("--smoke");
const NESTED_ROWS = smoke ? 100_000 : 1_000_000;
const NESTED = `${DATA_DIR}/nested-${NESTED_ROWS}.parquet`;

async function ours(path: string): Promise<Run> {
  const { parquet } = await import("../../lib/data/parquet.ts");
  const t = performance.now();
  let rows = 0;
  for await (const b of parquet(path)) rows += b.numRows;
  return { seconds: (performance.now() - t) / 1000, rows, peakMB: peakRssMB() };
}

async function duckdb(path: string): Promise<Run> {
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const instance = await DuckDBInstance.create(":memory:", { threads: "1" });
  const connection = await instance.connect();
  const t = performance.now();
  const result = await connection.stream(`select * from '${path}'`);
  let rows = 0;
  for (
    let chunk = await result.fetchChunk();
    chunk && chunk.rowCount > 0;
    chunk = await result.fetchChunk()
  ) {
    rows += chunk.rowCount;
  }
  return { seconds: (performance.now() - t) / 1000, rows, peakMB: peakRssMB() };
}

async function polars(path: string): Promise<Run> {
  const { default: pl } = await import("nodejs-polars");
  const t = performance.now();
  const df = pl.readParquet(path);
  return { seconds: (performance.now() - t) / 1000, rows: df.height, peakMB: peakRssMB() };
}

async function wasm(path: string): Promise<Run> {
  const pw = await import("parquet-wasm");
  const t = performance.now();
  const table = pw.readParquet(await Deno.readFile(path));
  const rows = countRows(table);
  return { seconds: (performance.now() - t) / 1000, rows, peakMB: peakRssMB() };
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
  const t = performance.now();
  const file = await asyncBufferFromFile(path);
  let rows = 0;
  await parquetRead({
    file,
    compressors,
    onChunk(chunk) {
      if (chunk.columnName === "distance") rows += chunk.rowEnd - chunk.rowStart;
    },
  });
  return { seconds: (performance.now() - t) / 1000, rows, peakMB: peakRssMB() };
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

async function measure(path: string, who: string[], rows: number): Promise<Record<string, Run>> {
  const runs: Record<string, Run> = {};
  for (const name of who) {
    const all: Run[] = [];
    for (let i = 0; i < repeats; i++) {
      const env = { POLARS_MAX_THREADS: "1", RAYON_NUM_THREADS: "1" };
      for (const [k, v] of Object.entries(env)) Deno.env.set(k, v);
      all.push(await denoContender(SELF, ["--contender", name, path]));
    }
    const r = runs[name] = median(all);
    console.error(
      `  ${path.split("/").pop()} ${name.padEnd(9)} ${
        (r.rows / r.seconds / 1e6).toFixed(2).padStart(6)
      } M rows/s  ${r.seconds.toFixed(2)} s  peak RSS ${r.peakMB.toFixed(0)} MB`,
    );
    if (r.rows !== rows) {
      throw new Error(`${name} read ${r.rows} rows of ${path}, expected ${rows}`);
    }
  }
  return runs;
}

const rate = (r: Run) => r.rows / r.seconds;
const flights = await measure(
  FLIGHTS,
  ["ours", "duckdb", "polars", "wasm", "hyparquet"],
  3_000_000,
);
const fastest =
  ["duckdb", "polars", "wasm", "hyparquet"].sort((a, b) => rate(flights[b]) - rate(flights[a]))[0];
bench(
  "parquet",
  `flights-3m rows/s, all columns, 1 thread (rival: fastest, ${fastest})`,
  rate(flights.ours),
  rate(flights[fastest]),
  1,
  "ratio",
);
for (const rival of ["duckdb", "polars", "wasm", "hyparquet"]) {
  bench(
    "parquet",
    `flights-3m rows/s vs ${rival}`,
    rate(flights.ours),
    rate(flights[rival]),
    1,
    "ratio",
  );
}
bench(
  "parquet",
  `flights-3m peak RSS MB (rival: ${fastest}; goal ≤ rival's)`,
  flights.ours.peakMB,
  flights[fastest].peakMB,
  flights[fastest].peakMB,
  "max",
);

await makeNested();
const nested = await measure(NESTED, ["ours", "duckdb", "polars"], NESTED_ROWS);
const fastestNested = ["duckdb", "polars"].sort((a, b) => rate(nested[b]) - rate(nested[a]))[0];
bench(
  "parquet",
  `nested ${NESTED_ROWS} rows/s, 1 thread (rival: fastest, ${fastestNested})`,
  rate(nested.ours),
  rate(nested[fastestNested]),
  1,
  "ratio",
);
bench(
  "parquet",
  `nested peak RSS MB (rival: ${fastestNested}; goal ≤ rival's)`,
  nested.ours.peakMB,
  nested[fastestNested].peakMB,
  nested[fastestNested].peakMB,
  "max",
);
