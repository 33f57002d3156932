/**
 * `deno task bench dtype [--smoke]`: flights-3m downcast against the naive
 * Arrow representation and against pandas (run side by side in its own
 * process), exact equality of the downcast columns, streaming, and MNIST with
 * int8 per-channel weights and tf.io-quantized files. `--smoke` reads 2 of the
 * 11 row groups and trains on fewer digits.
 * @module
 */
import { Table } from "apache-arrow";
import { tf } from "../../lib/_tf.ts";
import {
  downcast,
  downcastStream,
  loadQuantizedModel,
  memoryReport,
  quantizeWeights,
  restoreTimestamps,
  saveQuantizedModel,
  useBackend,
} from "../../mod.ts";
import { readFlights } from "./_flights.ts";
import { loadMnist } from "../dtype/_mnist.ts";

const smoke = Deno.args.includes("--smoke");

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function bench(metric: string, ours: number, rival: number | null, goal: string, met: boolean) {
  const ratio = rival ? +(ours / rival).toFixed(4) : null;
  console.log(`BENCH dtype ${JSON.stringify({ metric, ours, rival, ratio, goal, met })}`);
}

// ── flights ────────────────────────────────────────────────────────────────
let t0 = performance.now();
const batches = await readFlights(smoke ? 2 : undefined);
const naive = new Table(batches);
console.error(`read ${naive.numRows} rows in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

t0 = performance.now();
const { table, report } = downcast(naive);
const oursSeconds = (performance.now() - t0) / 1000;
console.error(report.toString());
console.error(`downcast in ${oursSeconds.toFixed(2)} s`);
const naiveBytes = memoryReport(naive).totalBefore;
bench(
  "flights bytes after downcast / naive Arrow bytes",
  report.totalAfter,
  naiveBytes,
  "ratio ≤ 0.35",
  report.totalAfter <= 0.35 * naiveBytes,
);

// pandas, in its own process, on the same columns.
const dir = await Deno.makeTempDir();
try {
  const i64 = (name: string) => {
    const parts = naive.getChild(name)!.data.map((d) =>
      new Uint8Array(
        (d.values as BigInt64Array).buffer,
        (d.values as BigInt64Array).byteOffset,
        d.length * 8,
      )
    );
    return concat(parts);
  };
  for (const name of ["date", "delay", "distance"]) {
    await Deno.writeFile(`${dir}/${name}.i64`, i64(name));
  }
  for (const name of ["origin", "destination"]) {
    // Raw utf8 bytes joined by newlines, straight from the Arrow buffers.
    const parts: Uint8Array[] = [];
    for (const d of naive.getChild(name)!.data) {
      const off = d.valueOffsets as Int32Array, bytes = d.values as Uint8Array;
      const out = new Uint8Array(off[d.length] - off[0] + d.length);
      let at = 0;
      for (let i = 0; i < d.length; i++) {
        out.set(bytes.subarray(off[i], off[i + 1]), at);
        at += off[i + 1] - off[i];
        out[at++] = 10;
      }
      parts.push(out);
    }
    const all = concat(parts);
    await Deno.writeFile(`${dir}/${name}.txt`, all.subarray(0, all.length - 1));
  }
  const py = await new Deno.Command("/usr/bin/python3", {
    args: [new URL("_dtype_pandas.py", import.meta.url).pathname, dir],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!py.success) throw new Error(`pandas rival failed with exit code ${py.code}`);
  const pandas = JSON.parse(new TextDecoder().decode(py.stdout));
  console.error(`pandas: ${JSON.stringify(pandas)}`);
  bench(
    "flights bytes after downcast, memkit / pandas to_numeric(downcast)+category",
    report.totalAfter,
    pandas.bytes,
    "ratio < 1",
    report.totalAfter < pandas.bytes,
  );
  console.error(
    `downcast time: memkit ${oursSeconds.toFixed(2)} s, pandas ${pandas.seconds.toFixed(2)} s`,
  );
} finally {
  await Deno.remove(dir, { recursive: true });
}

// Exact equality of every value.
t0 = performance.now();
let differ = 0;
const back = restoreTimestamps(table);
for (let b = 0; b < naive.batches.length; b++) {
  const a = naive.batches[b].getChild("date")!.data[0].values as BigInt64Array;
  const c = back.batches[b].getChild("date")!.data[0].values as BigInt64Array;
  for (let i = 0; i < a.length; i++) if (a[i] !== c[i]) differ++;
  for (const name of ["delay", "distance"]) {
    const x = naive.batches[b].getChild(name)!.data[0].values as BigInt64Array;
    const y = table.batches[b].getChild(name)!.data[0].values as Int16Array;
    for (let i = 0; i < x.length; i++) if (Number(x[i]) !== y[i]) differ++;
  }
  for (const name of ["origin", "destination"]) {
    const x = naive.batches[b].getChild(name)!, y = table.batches[b].getChild(name)!;
    for (let i = 0; i < x.length; i++) if (x.get(i) !== y.get(i)) differ++;
  }
}
console.error(
  `compared ${naive.numRows * 5} values in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);
bench(
  "flights values that differ after downcast (of rows × 5)",
  differ,
  naive.numRows * 5,
  "0 differ",
  differ === 0,
);

// Streaming: the same downcast batch by batch, types learned from the first row group.
const stream = downcastStream(batches, { onWarning: (m) => console.error(m) });
for await (const _ of stream) { /* consume */ }
const streamed = stream.report!;
bench(
  "flights bytes after streaming downcast / naive Arrow bytes",
  streamed.totalAfter,
  naiveBytes,
  "ratio ≤ 0.35",
  streamed.totalAfter <= 0.35 * naiveBytes,
);

// ── MNIST: int8 per-channel weights and tf.io-quantized files ────────────────
await useBackend({ backend: "wasm" });
const { train, test } = await loadMnist(smoke ? 300 : 650, smoke ? 100 : 200);
const model = tf.sequential({
  layers: [
    tf.layers.dense({
      units: 128,
      inputShape: [784],
      activation: "relu",
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
    }),
    tf.layers.dense({
      units: 10,
      activation: "softmax",
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }),
    }),
  ],
});
model.compile({ optimizer: tf.train.adam(0.002), loss: "sparseCategoricalCrossentropy" });
const xs = tf.tensor2d(train.xs, [train.labels.length, 784]);
const ys = tf.tensor1d(train.labels, "float32");
const testXs = tf.tensor2d(test.xs, [test.labels.length, 784]);
await model.fit(xs, ys, { epochs: smoke ? 5 : 8, batchSize: 100, shuffle: false, verbose: 0 });
const accuracy = (m: tf.LayersModel) =>
  tf.tidy(() => {
    const p = (m.predict(testXs) as tf.Tensor).argMax(-1).dataSync();
    let right = 0;
    for (let i = 0; i < test.labels.length; i++) if (p[i] === test.labels[i]) right++;
    return (100 * right) / test.labels.length;
  });
const float32 = accuracy(model);
const q = quantizeWeights(model, { bits: 8, per: "channel" });
const qModel = tf.sequential({
  layers: [
    tf.layers.dense({ units: 128, inputShape: [784], activation: "relu" }),
    tf.layers.dense({ units: 10, activation: "softmax" }),
  ],
});
q.restore(qModel);
const int8 = accuracy(qModel);
console.error(
  `MNIST ${train.labels.length} train / ${test.labels.length} test: float32 ${float32}%, int8 per-channel ${int8}%; weights ${q.float32Bytes} → ${q.byteLength} bytes, max error ${
    q.maxError.toExponential(2)
  }, mean ${q.meanError.toExponential(2)}`,
);
bench(
  "MNIST test accuracy %, int8 per-channel weights vs float32",
  int8,
  float32,
  "|difference| ≤ 1 point",
  Math.abs(int8 - float32) <= 1,
);
const modelDir = await Deno.makeTempDir();
try {
  for (const dtype of ["uint8", "uint16", "float16"] as const) {
    const saved = await saveQuantizedModel(model, `${modelDir}/${dtype}`, { dtype });
    const size = (await Deno.stat(saved.files[1])).size;
    const loaded = await loadQuantizedModel(`${modelDir}/${dtype}`);
    const acc = accuracy(loaded);
    loaded.dispose();
    console.error(
      `tf.io ${dtype}: ${saved.float32Bytes} → ${size} bytes, accuracy ${acc}%, max error ${
        saved.maxError.toExponential(2)
      }`,
    );
    bench(
      `model weight file bytes, tf.io ${dtype} / float32`,
      size,
      saved.float32Bytes,
      "ratio between 1/4 and 1/2, accuracy within 1 point",
      size * 2 <= saved.float32Bytes && size * 4 >= saved.float32Bytes * 0.99 &&
        Math.abs(acc - float32) <= 1,
    );
  }
} finally {
  await Deno.remove(modelDir, { recursive: true });
}
q.dispose();
qModel.dispose();
model.dispose();
tf.dispose([xs, ys, testXs]);
