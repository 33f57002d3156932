import assert from "node:assert/strict";
import { tf } from "../../lib/_tf.ts";
import { disposeModel, useBackend } from "../../mod.ts";

await useBackend({ backend: "cpu" });
const mem = () => {
  const m = tf.memory();
  return { numTensors: m.numTensors, numBytes: m.numBytes };
};

function mlp(): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.dense({ units: 16, inputShape: [8], activation: "relu" }),
      tf.layers.dense({ units: 1 }),
    ],
  });
}

async function trainOnce(model: tf.LayersModel): Promise<void> {
  const xs = tf.ones([4, 8]);
  const ys = tf.ones([4, 1]);
  await model.trainOnBatch(xs, ys);
  tf.dispose([xs, ys]);
}

// kernel 8×16 + bias 16 + kernel 16×1 + bias 1 = 161 floats
const WEIGHT_BYTES = 161 * 4;

Deno.test("disposeModel: frees weights and Adam's m/v slots, nothing survives", async () => {
  const before = mem();
  const model = mlp();
  model.compile({ optimizer: tf.train.adam(0.01), loss: "meanSquaredError" });
  await trainOnce(model);
  // weights (4) + m and v per weight (8) + Adam's beta powers (2)
  assert.deepEqual(mem(), {
    numTensors: before.numTensors + 14,
    numBytes: before.numBytes + 3 * WEIGHT_BYTES + 8,
  });
  const report = disposeModel(model);
  assert.deepEqual(report, {
    numTensors: 14,
    numBytes: 3 * WEIGHT_BYTES + 8,
    variables: 14,
    remaining: [],
  });
  assert.deepEqual(mem(), before);
});

Deno.test("disposeModel: plain model.dispose() leaves an optimizer instance's slots behind", async () => {
  const before = mem();
  const model = mlp();
  const optimizer = tf.train.adam(0.01);
  model.compile({ optimizer, loss: "meanSquaredError" });
  await trainOnce(model);
  model.dispose();
  assert.deepEqual(mem(), {
    numTensors: before.numTensors + 10,
    numBytes: before.numBytes + 2 * WEIGHT_BYTES + 8,
  });
  optimizer.dispose();
  assert.deepEqual(mem(), before);
});

Deno.test("disposeModel: optimizer: false keeps the optimizer for another model", async () => {
  const before = mem();
  const model = mlp();
  const optimizer = tf.train.rmsprop(0.01);
  model.compile({ optimizer, loss: "meanSquaredError" });
  await trainOnce(model);
  const report = disposeModel(model, { optimizer: false });
  assert.equal(report.numTensors, 4);
  assert.equal(report.numBytes, WEIGHT_BYTES);
  assert.ok(mem().numTensors > before.numTensors, "the RMSProp slots should still be alive");
  optimizer.dispose();
  assert.deepEqual(mem(), before);
});

Deno.test("disposeModel: a layer shared with a live model is reported and throws", () => {
  const before = mem();
  // Functional models count layer references (Sequential ones do not, in tfjs 4.22).
  const input = tf.input({ shape: [2] });
  const shared = tf.layers.dense({ units: 3 });
  const a = tf.model({ inputs: input, outputs: shared.apply(input) as tf.SymbolicTensor });
  const b = tf.model({ inputs: input, outputs: shared.apply(input) as tf.SymbolicTensor });
  assert.equal(mem().numTensors, before.numTensors + 2);
  assert.throws(
    () => disposeModel(a),
    (e: Error) =>
      e.constructor === Error &&
      new RegExp(`^Cannot dispose model "${a.name}": 2 variable\\(s\\) are still alive`).test(
        e.message,
      ),
  );
  const report = disposeModel(b, { check: false });
  assert.deepEqual(report, { numTensors: 2, numBytes: 36, variables: 2, remaining: [] });
  assert.deepEqual(mem(), before);
});

Deno.test("disposeModel: a non-model is a TypeError naming what it got", () => {
  const before = mem();
  const t = tf.ones([1]);
  assert.throws(
    () => disposeModel(t as unknown as tf.LayersModel),
    (e: Error) =>
      e instanceof TypeError &&
      e.message === "Cannot dispose model: expected a tf.LayersModel, got Tensor",
  );
  assert.equal(t.isDisposed, false);
  t.dispose();
  assert.deepEqual(mem(), before);
});
