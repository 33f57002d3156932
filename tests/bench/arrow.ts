/**
 * `deno task bench arrow [--smoke]`: reads a generated Arrow IPC file (1 GB:
 * 16 record batches of 1M rows × 8 float64 columns; --smoke: 128 MB) with
 * memkit's arrow() (random access: footer, then one batch at a time) against
 * apache-arrow's tableFromIPC over the whole file read into memory. Each runs
 * in its own process. The issue sets no number here; the goals below are
 * ours: at least half tableFromIPC's throughput, at most half its peak RSS
 * (ours holds a few batches, not the file; the garbage collector frees
 * finished batches lazily, so a few are resident at once).
 * @module
 */
import {
  Field,
  Float64,
  makeData,
  RecordBatch,
  RecordBatchFileWriter,
  Schema,
  Struct,
} from "apache-arrow";
import { bench, DATA_DIR, denoContender, peakRssMB, type Run } from "./_util.ts";

const SELF = new URL(import.meta.url).pathname;
const COLUMNS = 8;

async function generate(batches: number, rows: number): Promise<string> {
  await Deno.mkdir(DATA_DIR, { recursive: true });
  const path = `${DATA_DIR}/float64-${batches}x${rows}.arrow`;
  try {
    await Deno.stat(path);
    return path;
  } catch { /* create it */ }
  const fields = Array.from(
    { length: COLUMNS },
    (_, c) => new Field(`c${c}`, new Float64(), false),
  );
  const schema = new Schema(fields);
  const writer = new RecordBatchFileWriter();
  const file = await Deno.open(`${path}.tmp`, { write: true, create: true, truncate: true });
  const pump = (async () => {
    for await (const chunk of writer) await file.write(chunk);
  })();
  for (let b = 0; b < batches; b++) {
    const children = fields.map((_, c) => {
      const values = new Float64Array(rows);
      for (let i = 0; i < rows; i++) values[i] = b * rows + i + c / 10;
      return makeData({ type: new Float64(), length: rows, data: values });
    });
    writer.write(
      new RecordBatch(schema, makeData({ type: new Struct(fields), length: rows, children })),
    );
    await new Promise((r) => setTimeout(r, 0)); // let the pump drain: bounded memory
  }
  writer.finish();
  await pump;
  file.close();
  await Deno.rename(`${path}.tmp`, path);
  return path;
}

async function ours(path: string): Promise<Run> {
  const { arrow } = await import("../../lib/data/arrow.ts");
  const t = performance.now();
  let rows = 0;
  let check = 0;
  for await (const b of arrow(path)) {
    rows += b.numRows;
    const v = b.getChildAt(0)!.data[0].values as Float64Array;
    check += v[0] + v[v.length - 1];
  }
  return { seconds: (performance.now() - t) / 1000, rows, peakMB: peakRssMB(), check };
}

async function rival(path: string): Promise<Run> {
  const { tableFromIPC } = await import("apache-arrow");
  const t = performance.now();
  const table = tableFromIPC(await Deno.readFile(path));
  let check = 0;
  for (const b of table.batches) {
    const v = b.getChildAt(0)!.data[0].values as Float64Array;
    check += v[0] + v[v.length - 1];
  }
  return {
    seconds: (performance.now() - t) / 1000,
    rows: table.numRows,
    peakMB: peakRssMB(),
    check,
  };
}

if (Deno.args[0] === "--contender") {
  const [, who, path] = Deno.args;
  console.log(JSON.stringify(who === "ours" ? await ours(path) : await rival(path)));
  Deno.exit(0);
}

const smoke = Deno.args.includes("--smoke");
const path = smoke ? await generate(8, 250_000) : await generate(16, 1_000_000);
const gb = (await Deno.stat(path)).size / 1e9;
const runs: Record<string, Run> = {};
for (const who of ["ours", "tableFromIPC"]) {
  const r = runs[who] = await denoContender(SELF, [
    "--contender",
    who === "ours" ? "ours" : "rival",
    path,
  ]);
  console.error(
    `  ${who.padEnd(12)} ${(gb / r.seconds).toFixed(2)} GB/s  ${r.seconds.toFixed(2)} s  ` +
      `peak RSS ${r.peakMB.toFixed(0)} MB  rows ${r.rows}  check ${r.check}`,
  );
  if (r.rows !== runs.ours.rows || r.check !== runs.ours.check) throw new Error(`${who} disagrees`);
}
const label = `${gb.toFixed(2)} GB IPC file`;
bench(
  "arrow",
  `GB/s vs tableFromIPC (${label})`,
  gb / runs.ours.seconds,
  gb / runs.tableFromIPC.seconds,
  0.5,
  "ratio",
);
bench(
  "arrow",
  `peak RSS MB vs tableFromIPC (${label}); goal: ratio ≤ 0.5`,
  runs.ours.peakMB,
  runs.tableFromIPC.peakMB,
  0.5 * runs.tableFromIPC.peakMB,
  "max",
);
