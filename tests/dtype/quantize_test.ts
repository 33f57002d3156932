import assert from "node:assert/strict";
import { tf } from "../../lib/_tf.ts";
import {
  loadQuantizedModel,
  quantize,
  quantizeWeights,
  saveQuantizedModel,
  toFloat16,
  useBackend,
} from "../../mod.ts";
import { loadMnist } from "./_mnist.ts";

await useBackend({ backend: "wasm" });

Deno.test("quantize: int8/int16 per tensor and per channel, exact bytes, bounded error, no leaks", () => {
  const before = tf.memory().numTensors;
  // Channels with very different ranges: per-channel quantization keeps the small one precise.
  const values = new Float32Array(64 * 4).map((_, i) => Math.sin(i) * [0.01, 1, 100, 5][i % 4]);
  const w = tf.tensor2d(values, [64, 4]);
  const perTensor = quantize(w, { bits: 8 });
  const perChannel = quantize(w, { bits: 8, per: "channel" });
  const wide = quantize(w, { bits: 16, per: "channel" });
  assert.equal(perTensor.byteLength, 256 + 8);
  assert.equal(perChannel.byteLength, 256 + 4 * 8);
  assert.equal(wide.byteLength, 512 + 4 * 8);
  assert.equal(perChannel.float32Bytes, 1024);
  assert.ok(perTensor.maxError <= 200 / 255 / 2 * 1.001, String(perTensor.maxError));
  assert.ok(perChannel.meanError < perTensor.meanError / 2);
  assert.ok(wide.maxError < perChannel.maxError / 100);
  // The error bound holds per channel: half a step of that channel's range.
  const back = perChannel.toFloat32();
  for (let i = 0; i < values.length; i++) {
    const c = i % 4;
    const step = perChannel.scales[c];
    assert.ok(Math.abs(back[i] - values[i]) <= step / 2 + 1e-6 * Math.abs(values[i]), `index ${i}`);
  }
  const d = perChannel.dequantize();
  assert.deepEqual(d.shape, [64, 4]);
  assert.deepEqual(d.dataSync(), back);
  tf.dispose([w, d]);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("quantize: bad input fails with the argument and value", () => {
  const i = tf.tensor1d([1, 2], "int32");
  const f = tf.tensor1d([1, NaN]);
  assert.throws(
    () => quantize(i),
    (e: Error) =>
      e instanceof TypeError &&
      e.message === "Cannot quantize: the tensor is int32, expected float32",
  );
  assert.throws(
    () => quantize(f),
    (e: Error) =>
      e instanceof RangeError &&
      e.message === "Cannot quantize: value NaN at index 1 is not finite",
  );
  assert.throws(() => quantize(f, { bits: 4 as 8 }), /options\.bits is 4, expected 8 or 16/);
  assert.throws(
    () => quantize(f, { per: "channel", axis: 3 }),
    /options\.axis is 3, outside the tensor's 1 axes/,
  );
  tf.dispose([i, f]);
});

Deno.test("toFloat16: half the bytes, rounding reported, overflow refused", () => {
  const t = tf.tensor2d([[1, 0.1], [3.14159, -2000.3]]);
  const h = toFloat16(t);
  assert.equal(h.byteLength, 8);
  assert.ok(h.values instanceof Float16Array);
  assert.equal(h.values[0], 1);
  assert.equal(h.maxError, Math.abs(new Float16Array([-2000.3])[0] - Math.fround(-2000.3)));
  const back = h.dequantize();
  assert.deepEqual(back.shape, [2, 2]);
  assert.deepEqual(Array.from(back.dataSync()), Array.from(h.values));
  tf.dispose([t, back]);
  assert.throws(
    () => toFloat16(new Float64Array([1, 1e5])),
    (e: Error) =>
      e instanceof RangeError &&
      e.message ===
        "Cannot store as float16: value 100000 at index 1 is beyond ±65504 and would become Infinity",
  );
});

function accuracy(model: tf.LayersModel, xs: tf.Tensor, labels: Int32Array): number {
  return tf.tidy(() => {
    const predicted = (model.predict(xs) as tf.Tensor).argMax(-1).dataSync();
    let right = 0;
    for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) right++;
    return (100 * right) / labels.length;
  });
}

Deno.test("quantized models: int8 per-channel within 1 point of float32 on MNIST; tf.io files 2–4× smaller load in stock tfjs", async () => {
  const { train, test } = await loadMnist(500, 200);
  const before = tf.memory().numTensors;
  const model = tf.sequential({
    layers: [
      tf.layers.dense({
        units: 64,
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
  await model.fit(xs, ys, { epochs: 6, batchSize: 100, shuffle: false, verbose: 0 });
  const float32 = accuracy(model, testXs, test.labels);
  assert.ok(float32 > 85, `float32 accuracy ${float32}`);
  const original = model.getWeights().map((w) => (w.dataSync() as Float32Array).slice());

  const q = quantizeWeights(model, { bits: 8, per: "channel" });
  assert.ok(q.float32Bytes / q.byteLength > 3.5, `${q.float32Bytes} / ${q.byteLength}`);
  const qModel = tf.sequential({
    layers: [
      tf.layers.dense({ units: 64, inputShape: [784], activation: "relu" }),
      tf.layers.dense({ units: 10, activation: "softmax" }),
    ],
  });
  q.restore(qModel);
  const int8 = accuracy(qModel, testXs, test.labels);
  assert.ok(Math.abs(float32 - int8) <= 1, `float32 ${float32}% vs int8 per-channel ${int8}%`);
  assert.ok(q.maxError > 0 && q.meanError < q.maxError);
  // The original model is untouched.
  model.getWeights().forEach((w, i) => assert.deepEqual(w.dataSync(), original[i]));

  // tf.io quantized files: uint8 ≈ 4×, uint16 and float16 = 2× smaller.
  const dir = await Deno.makeTempDir();
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (req) => {
    const path = new URL(req.url).pathname;
    try {
      return new Response(await Deno.readFile(dir + path));
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
  try {
    for (const [dtype, ratio] of [["uint8", 3.9], ["uint16", 1.99], ["float16", 1.99]] as const) {
      const saved = await saveQuantizedModel(model, `${dir}/${dtype}`, { dtype });
      const size = (await Deno.stat(saved.files[1])).size;
      assert.equal(size, saved.weightBytes);
      assert.ok(saved.ratio >= ratio && saved.ratio <= 4, `${dtype}: ${saved.ratio}`);
      const loaded = await loadQuantizedModel(`${dir}/${dtype}`);
      const acc = accuracy(loaded, testXs, test.labels);
      assert.ok(Math.abs(acc - float32) <= 1, `${dtype}: ${acc}% vs ${float32}%`);
      // The loaded weights are exactly what saveQuantizedModel says tfjs decodes.
      const maxErr = Math.max(
        ...loaded.getWeights().map((w, i) => {
          const v = w.dataSync() as Float32Array;
          return v.reduce((m, x, k) => Math.max(m, Math.abs(x - original[i][k])), 0);
        }),
      );
      assert.equal(maxErr, saved.maxError);
      loaded.dispose();
      // Stock tfjs loads the same files over HTTP with its own loader.
      const url = `http://127.0.0.1:${server.addr.port}/${dtype}/model.json`;
      const viaHttp = await tf.loadLayersModel(url);
      assert.equal(accuracy(viaHttp, testXs, test.labels), acc);
      viaHttp.dispose();
      const viaFile = await tf.loadLayersModel(`file://${dir}/${dtype}/model.json`);
      assert.equal(accuracy(viaFile, testXs, test.labels), acc);
      viaFile.dispose();
    }
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
  q.dispose();
  qModel.dispose();
  model.optimizer.dispose();
  model.dispose();
  tf.dispose([xs, ys, testXs]);
  assert.equal(tf.memory().numTensors, before);
});
