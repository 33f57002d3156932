import assert from "node:assert/strict";
import { tf } from "../../lib/_tf.ts";
import { checkpoint, useBackend } from "../../mod.ts";

await useBackend({ backend: "cpu" });

/** A deterministic ReLU MLP whose gradients are far from zero. */
function mlp(layers: number, width: number): tf.Sequential {
  const model = tf.sequential();
  for (let i = 0; i < layers; i++) {
    model.add(tf.layers.dense({
      units: width,
      activation: i === layers - 1 ? "linear" : "relu",
      inputShape: i === 0 ? [width] : undefined,
      kernelInitializer: tf.initializers.heNormal({ seed: 7 + i }),
      biasInitializer: tf.initializers.constant({ value: 0.01 }),
    }));
  }
  return model;
}

function gradsOf(f: () => tf.Scalar, vars: tf.Variable[]): Float32Array[] {
  const { value, grads } = tf.variableGrads(f, vars);
  const out = vars.map((v) => grads[v.name].dataSync() as Float32Array);
  tf.dispose([value, ...Object.values(grads)]);
  return out;
}

Deno.test("checkpoint: a checkpointed 12-layer MLP has the same gradients and a lower peak", async () => {
  const model = mlp(12, 32);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const x = tf.randomNormal([64, 32], 0, 1, "float32", 3);
  const segments = [0, 4, 8].map((i) => model.layers.slice(i, i + 4));
  const ck = segments.map((s) => checkpoint(s));
  const plain = () =>
    tf.mean(tf.square(model.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar;
  const checked = () => tf.mean(tf.square(ck.reduce((a, f) => f(a), x))) as tf.Scalar;

  const before = tf.memory().numTensors;
  const a = gradsOf(plain, vars);
  const b = gradsOf(checked, vars);
  assert.equal(tf.memory().numTensors, before, "a checkpointed step leaked tensors");
  let maxDiff = 0;
  let maxAbs = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = 0; j < a[i].length; j++) {
      maxDiff = Math.max(maxDiff, Math.abs(a[i][j] - b[i][j]));
      maxAbs = Math.max(maxAbs, Math.abs(a[i][j]));
    }
  }
  assert.ok(maxAbs > 1e-3, `gradients are too small to compare (${maxAbs})`);
  assert.ok(maxDiff <= 1e-5, `gradients differ by ${maxDiff}`);

  const base = tf.memory().numBytes;
  const peak = async (f: () => tf.Scalar) => {
    const p = await tf.profile(() => {
      const { value, grads } = tf.variableGrads(f, vars);
      tf.dispose([value, ...Object.values(grads)]);
    });
    return p.peakBytes - base;
  };
  const plainPeak = await peak(plain);
  const ckPeak = await peak(checked);
  assert.ok(ckPeak < 0.6 * plainPeak, `checkpointed peak ${ckPeak} B vs plain ${plainPeak} B`);
  assert.equal(tf.memory().numTensors, before);
  tf.dispose(x);
  model.dispose();
});

Deno.test("checkpoint: a function segment differentiates with respect to its params and input", () => {
  const w = tf.variable(tf.tensor2d([[1, -2], [3, 0.5]]), true, "ck_w");
  const x = tf.tensor2d([[0.5, 1], [-1, 2]]);
  const f = (t: tf.Tensor) => tf.tanh(tf.matMul(tf.sin(t), w));
  const g = checkpoint(f, { params: [w] });
  const plain = tf.grads((t: tf.Tensor) => tf.sum(f(t)))([x]);
  const checked = tf.grads((t: tf.Tensor) => tf.sum(g(t)))([x]);
  assert.deepEqual(Array.from(checked[0].dataSync()), Array.from(plain[0].dataSync()));
  const gw1 = tf.variableGrads(() => tf.sum(f(x)) as tf.Scalar, [w]);
  const gw2 = tf.variableGrads(() => tf.sum(g(x)) as tf.Scalar, [w]);
  assert.deepEqual(Array.from(gw2.grads.ck_w.dataSync()), Array.from(gw1.grads.ck_w.dataSync()));
  tf.dispose([x, w, ...plain, ...checked, gw1.value, gw2.value, gw1.grads.ck_w, gw2.grads.ck_w]);
});

Deno.test("checkpoint: works inside optimizer.minimize and trains like the plain model", () => {
  const a = mlp(4, 8);
  const b = mlp(4, 8);
  const x = tf.randomNormal([16, 8], 0, 1, "float32", 5);
  const optA = tf.train.sgd(0.05);
  const optB = tf.train.sgd(0.05);
  const segB = checkpoint(b.layers.slice(0, 2));
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) {
    optA.minimize(() => tf.mean(tf.square(a.apply(x) as tf.Tensor)) as tf.Scalar);
    optB.minimize(() => {
      const h = segB(x);
      const y = b.layers.slice(2).reduce((t, l) => l.apply(t) as tf.Tensor, h);
      return tf.mean(tf.square(y)) as tf.Scalar;
    });
  }
  assert.equal(tf.memory().numTensors, before, "training steps leaked tensors");
  const wa = a.getWeights()[0].dataSync();
  const wb = b.getWeights()[0].dataSync();
  for (let i = 0; i < wa.length; i++) assert.ok(Math.abs(wa[i] - wb[i]) <= 1e-5);
  tf.dispose([x]);
  optA.dispose();
  optB.dispose();
  a.dispose();
  b.dispose();
});

Deno.test("checkpoint: rejects an empty segment and an unbuilt layer, naming them", () => {
  assert.throws(
    () => checkpoint([]),
    (e: Error) =>
      e instanceof TypeError && /empty list of layers: segment has 0 layers/.test(e.message),
  );
  const layer = tf.layers.dense({ units: 2, name: "unbuilt_dense" });
  assert.throws(
    () => checkpoint(layer),
    (e: Error) =>
      e instanceof TypeError && /layer "unbuilt_dense": it is not built yet/.test(e.message),
  );
});
