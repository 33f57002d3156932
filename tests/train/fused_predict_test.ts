import assert from "node:assert/strict";
import { tf } from "../../lib/_tf.ts";
import { fusedPredict, useBackend } from "../../mod.ts";
import { bufferPeak } from "../../lib/train/_buffer_peak.ts";

await useBackend({ backend: "cpu" });

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

Deno.test("fusedPredict: equals model.predict for dense and conv stacks, with fewer bytes", async () => {
  const dense = tf.sequential({
    layers: [
      tf.layers.dense({ units: 64, activation: "sigmoid", inputShape: [32] }),
      tf.layers.dense({ units: 64, activation: "relu6" }),
      tf.layers.dense({ units: 64, activation: "tanh" }),
      tf.layers.dense({ units: 10, activation: "softmax" }),
    ],
  });
  const conv = tf.sequential({
    layers: [
      tf.layers.conv2d({
        filters: 4,
        kernelSize: 3,
        activation: "relu",
        inputShape: [12, 12, 2],
        padding: "same",
      }),
      tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, activation: "sigmoid" }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 5 }),
    ],
  });
  const before = tf.memory().numTensors;
  for (const [model, shape] of [[dense, [16, 32]], [conv, [3, 12, 12, 2]]] as const) {
    const x = tf.randomNormal([...shape], 0, 1, "float32", 2);
    const a = fusedPredict(model, x);
    const b = model.predict(x) as tf.Tensor;
    assert.deepEqual(a.shape, b.shape);
    assert.ok(maxAbsDiff(a, b) < 1e-5, `differs by ${maxAbsDiff(a, b)}`);
    tf.dispose([x, a, b]);
  }
  assert.equal(tf.memory().numTensors, before, "fusedPredict leaked tensors");
  // Sigmoid and relu6 are not fused by tfjs-layers: fewer bytes allocated here.
  const x = tf.randomNormal([256, 32]);
  const allocated = async (f: () => tf.Tensor) => {
    const r = await bufferPeak(f);
    r.result.dispose();
    return r.allocated;
  };
  const ours = await allocated(() => fusedPredict(dense, x));
  const theirs = await allocated(() => dense.predict(x) as tf.Tensor);
  assert.ok(ours < theirs, `fused ${ours} B vs predict ${theirs} B`);
  x.dispose();
  dense.dispose();
  conv.dispose();
});
