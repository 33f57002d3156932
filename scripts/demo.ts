/**
 * `deno task demo`: memkit's main job, end to end, on real data: flights-3m.parquet
 * of the vega-datasets npm package, taken once from the npm registry into a cache
 * folder (scripts/_demo_data.ts; --data PATH reads another copy).
 *
 * It streams flights-3m.parquet (3M flights, 11 row groups) one row group at a
 * time, re-chunks it into training batches, derives features, trains a small
 * tfjs model for one epoch to predict arrival delay from distance, hour of day
 * and origin airport, and ends with a summary table and an offline HTML memory
 * timeline under out/.
 *
 * Options: --backend auto|webgpu|wasm|cpu (or MEMKIT_BACKEND), --rows N (row
 * limit; default all), --batch N (rows per step, default 4096), --epochs N
 * (default 1), --out DIR (default out/demo), --data PATH (flights-3m.parquet;
 * default: the cached copy, fetched if missing), --naive (without the memory fixes
 * of the README's demo section: WebGPU probed in process, no reclaim(); for
 * `deno task bench memory`).
 * @module
 */
import { parseArgs } from "node:util";
import { Float32, makeData, RecordBatch, type Timestamp } from "apache-arrow";
// tfjs-core and tfjs-layers, not the @tensorflow/tfjs union package: the library does not need it.
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import {
  type BackendName,
  disposeModel,
  fit,
  humanBytes,
  memoryBreakdown,
  onTensorEvents,
  parquet,
  progress,
  reclaim,
  timeline,
  trimMalloc,
  useBackend,
} from "../mod.ts";
import { demoFile } from "./_demo_data.ts";

/** Origin airports get one-hot slots; flights-3m has 229 (the parquet source keeps codes stable). */
const ORIGIN_SLOTS = 256;

function fail(message: string): never {
  console.error(`deno task demo: ${message}`);
  Deno.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    args: Deno.args,
    options: {
      backend: { type: "string" },
      rows: { type: "string" },
      batch: { type: "string", default: "4096" },
      epochs: { type: "string", default: "1" },
      naive: { type: "boolean", default: false },
      out: { type: "string", default: "out/demo" },
      data: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
} catch (error) {
  fail((error as Error).message);
}
const { values } = parsed;
if (values.help) {
  console.log(
    "deno task demo [--backend auto|webgpu|wasm|cpu] [--rows N] [--batch N] [--epochs N] " +
      "[--out DIR] [--data PATH] [--naive]",
  );
  Deno.exit(0);
}

function positiveInt(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) {
    fail(`invalid --${name} "${text}": expected a positive integer`);
  }
  return n;
}
const rowLimit = positiveInt("rows", values.rows, Infinity);
const batchRows = positiveInt("batch", values.batch, 4096);
const epochs = positiveInt("epochs", values.epochs, 1);
const naive = values.naive === true;
const outDir = values.out!;
let FLIGHTS: string;
try {
  FLIGHTS = values.data ?? await demoFile("flights-3m.parquet");
} catch (error) {
  fail(`${(error as Error).message} (or pass --data PATH to a copy of flights-3m.parquet)`);
}

/**
 * Derives the model's inputs from one batch: distance in thousands of miles,
 * hour of day (from the microsecond timestamp) as sin/cos so 23:00 sits next
 * to 00:00, the origin code, and the delay in hours as the target.
 */
function features(batch: RecordBatch): RecordBatch {
  const n = batch.numRows;
  const dateVector = batch.getChild("date")!;
  const date = dateVector.toArray() as BigInt64Array;
  const perHour = 3600 * 10 ** (3 * (dateVector.type as Timestamp).unit); // unit 0 = s … 3 = ns
  const distance = batch.getChild("distance")!.toArray() as BigInt64Array;
  const delay = batch.getChild("delay")!.toArray() as BigInt64Array;
  const hourSin = new Float32Array(n);
  const hourCos = new Float32Array(n);
  const dist = new Float32Array(n);
  const target = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const hour = (Number(date[i]) / perHour) % 24;
    hourSin[i] = Math.sin((2 * Math.PI * hour) / 24);
    hourCos[i] = Math.cos((2 * Math.PI * hour) / 24);
    dist[i] = Number(distance[i]) / 1000;
    target[i] = Number(delay[i]) / 60;
    sum += target[i];
    sumSq += target[i] * target[i];
  }
  const col = (data: Float32Array) => makeData({ type: new Float32(), length: n, data });
  return new RecordBatch({
    distance: col(dist),
    hour_sin: col(hourSin),
    hour_cos: col(hourCos),
    origin: batch.getChild("origin")!.data[0],
    delay_h: col(target),
  });
}

// --naive: what the demo did before its memory fixes. Asking for the WebGPU adapter in
// this process maps Mesa's llvmpipe and libLLVM into it for good (+57 MB file-backed RSS)
// even when the adapter is then skipped; useBackend() now asks in a child process.
if (naive) await (globalThis.navigator as Navigator | undefined)?.gpu?.requestAdapter();
// Large native blocks (decode buffers, one-hot batches) go straight back to the system
// when freed, instead of into glibc's arenas (free but held) until the next trim.
if (!naive) trimMalloc({ mmapThreshold: 128 * 1024 });
const info = await useBackend(values.backend ? { backend: values.backend as BackendName } : {})
  .catch((error: Error) => fail(`--backend: ${error.message}`));
const tensorsAtStart = tf.memory().numTensors;
// The timeline samples every 50 ms and can miss a step's peak; this listener
// sees every tensor created, so the peak it records is exact.
const engineState = (tf.engine() as unknown as { state: { numBytes: number } }).state;
let peakTfBytes = engineState.numBytes;
const unlisten = onTensorEvents({
  created: () => {
    if (engineState.numBytes > peakTfBytes) peakTfBytes = engineState.numBytes;
  },
  disposed: () => {},
});
const tl = timeline({
  everyMs: 50,
  title: `memkit demo: flights-3m, ${epochs === 1 ? "one epoch" : `${epochs} epochs`}${
    naive ? " (naive)" : ""
  }`,
});
const started = performance.now();

let rows = 0;
// Running sums of the target give the loss of always predicting the mean: the bar to beat.
let sum = 0;
let sumSq = 0;
const data = parquet(FLIGHTS, { columns: ["date", "delay", "distance", "origin"] })
  .take(rowLimit)
  .batch(batchRows)
  .map((batch) => {
    rows += batch.numRows;
    return features(batch);
  })
  .prefetch(2)
  .toTensors({
    x: ["distance", "hour_sin", "hour_cos", "origin"],
    y: "delay_h",
    oneHot: { origin: ORIGIN_SLOTS },
  });

const model = tfl.sequential({
  layers: [
    tfl.layers.dense({ inputShape: [3 + ORIGIN_SLOTS], units: 32, activation: "relu" }),
    tfl.layers.dense({ units: 16, activation: "relu" }),
    tfl.layers.dense({ units: 1 }),
  ],
});
model.compile({ optimizer: tf.train.adam(1e-3), loss: "meanSquaredError" });

const total = Math.min(rowLimit, 3_000_000) * epochs;
const bar = progress({ label: `training on ${info.backend}`, total, unit: "rows" });
// Every ~136k rows (half a parquet row group; measured: once per row group let each epoch's
// median RSS drift +7%, twice holds it within 2%, at ~1.4% of the run), give back what
// the last steps left (reclaim(): a full GC frees the dead decode and batch buffers now,
// not at V8's next major GC, then malloc_trim returns the pages glibc would keep).
const RECLAIM_EVERY = Math.max(1, Math.round(136_000 / batchRows));
let steps = 0;
const reclaims: number[] = [];
const history = await fit(model, data, {
  epochs,
  timeline: tl,
  progress: "silent",
  // An epoch's end is a row group's end too: the next epoch starts from a clean slate.
  onEpoch: () => {
    if (!naive) reclaim();
  },
  onStep: (step) => {
    if (!naive && ++steps % RECLAIM_EVERY === 0) {
      const t = performance.now();
      reclaim();
      reclaims.push(performance.now() - t);
    }
    bar.update(
      rows,
      `loss ${step.loss.toFixed(3)} · RSS ${humanBytes(Deno.memoryUsage().rss)} · ` +
        `${step.numTensors} tensors`,
    );
  },
});
bar.done();
tl.mark("trained");
disposeModel(model, { optimizer: true });
const tensorsAtEnd = tf.memory().numTensors;
const wallMs = performance.now() - started;
tl.stop();
unlisten();

await Deno.mkdir(outDir, { recursive: true });
const htmlPath = `${outDir}/timeline.html`;
await tl.saveHTML(htmlPath);
await tl.saveJSON(`${outDir}/timeline.json`);

const peaks = tl.peaks;
const table: [string, string][] = [
  ["rows seen", rows.toLocaleString("en-US")],
  [
    "backend",
    info.backend + (info.skipped.webgpu ? ` (webgpu skipped: ${info.skipped.webgpu})` : ""),
  ],
  ["steps", String(history.steps)],
  [
    "loss (MSE, h²)",
    `${history.epochLoss[0]?.toFixed(3)} epoch mean, ${
      (sumSq / rows - (sum / rows) ** 2).toFixed(3)
    } predicting the mean`,
  ],
  [
    "wall time",
    `${(wallMs / 1000).toFixed(1)} s (${
      Math.round(rows / (wallMs / 1000)).toLocaleString("en-US")
    } rows/s)`,
  ],
  ["peak RSS", humanBytes(peaks.rss.value)],
  ["RSS at 10% → end", flatness()],
  ["unexplained at peak", unexplainedAtPeak()],
  [
    "reclaim()",
    naive
      ? "off (--naive)"
      : `${reclaims.length} calls, ${reclaims.reduce((a, b) => a + b, 0).toFixed(0)} ms in all`,
  ],
  ["peak tfjs bytes", humanBytes(peakTfBytes)],
  ["tensors at start / end", `${tensorsAtStart} / ${tensorsAtEnd}`],
  ["memory timeline", htmlPath],
];
/** RSS at 10% of the run and at its end, and their ratio (the issue's flatness measure). */
function flatness(): string {
  const saved = tl.toJSON();
  const t = saved.t;
  const rss = saved.series.rss!.max as number[];
  const i = t.findIndex((x) => x >= t[t.length - 1] * 0.1);
  const end = rss[rss.length - 1];
  return `${humanBytes(rss[i])} → ${humanBytes(end)} (×${(end / rss[i]).toFixed(3)})`;
}
/** The share of RSS that the breakdown could not name, at the RSS peak's slot. */
function unexplainedAtPeak(): string {
  const saved = tl.toJSON();
  const rss = saved.series.rss!.max as number[];
  let k = 0;
  for (let i = 1; i < rss.length; i++) if (rss[i] > rss[k]) k = i;
  const u = saved.series["rss.unexplained"]!.max[k] as number;
  return `${humanBytes(u)} (${((u / rss[k]) * 100).toFixed(1)}% of ${humanBytes(rss[k])})`;
}
const width = Math.max(...table.map(([k]) => k.length));
console.log(table.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join("\n"));
const parts = memoryBreakdown();
console.log(`\nRSS now, every part named (memoryBreakdown()):\n${parts.table()}`);
if (tensorsAtEnd !== tensorsAtStart) {
  console.error(`Leak: ${tensorsAtEnd - tensorsAtStart} tensors survived the run`);
  Deno.exit(1);
}
