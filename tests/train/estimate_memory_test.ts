import assert from "node:assert/strict";
import { tf } from "../../lib/_tf.ts";
import { estimateMemory, maxBatchSize, useBackend } from "../../mod.ts";
import { measureStepPeak } from "../../lib/train/_step_peak.ts";

await useBackend({ backend: "cpu" });

const MODELS: Record<string, () => tf.LayersModel> = {
  "relu mlp": () =>
    tf.sequential({
      layers: [
        tf.layers.dense({ units: 128, activation: "relu", inputShape: [32] }),
        tf.layers.dense({ units: 128, activation: "relu" }),
        tf.layers.dense({ units: 10, activation: "softmax" }),
      ],
    }),
  "conv net": () =>
    tf.sequential({
      layers: [
        tf.layers.conv2d({
          filters: 4,
          kernelSize: 3,
          activation: "relu",
          inputShape: [16, 16, 1],
        }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 10 }),
      ],
    }),
  "tanh stack with dropout": () =>
    tf.sequential({
      layers: [
        tf.layers.dense({ units: 64, activation: "tanh", inputShape: [64] }),
        tf.layers.dropout({ rate: 0.3 }),
        tf.layers.dense({ units: 64, activation: "tanh" }),
        tf.layers.dense({ units: 1 }),
      ],
    }),
};

Deno.test("estimateMemory: within 25% of the measured peak across models, optimizers, batches", async () => {
  const before = tf.memory().numTensors;
  for (const [name, make] of Object.entries(MODELS)) {
    const model = make();
    const built = tf.memory().numTensors;
    for (const optimizer of ["sgd", "momentum", "adam"] as const) {
      for (const batchSize of [4, 96]) {
        const e = estimateMemory(model, { batchSize, optimizer });
        const measured = await measureStepPeak(model, batchSize, optimizer);
        const ratio = e.total / measured;
        assert.ok(
          ratio >= 0.75 && ratio <= 1.25,
          `${name}, ${optimizer}, batch ${batchSize}: estimate ${e.total} B vs measured ${measured} B`,
        );
      }
    }
    assert.equal(tf.memory().numTensors, built, `${name}: probing steps leaked tensors`);
    model.dispose();
  }
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("estimateMemory: within 25% on wasm too, where saved tensors are copies", async () => {
  await useBackend({ backend: "wasm" });
  try {
    for (const name of ["relu mlp", "tanh stack with dropout"]) {
      const model = MODELS[name]();
      for (const optimizer of ["sgd", "adam"] as const) {
        for (const batchSize of [4, 96]) {
          const e = estimateMemory(model, { batchSize, optimizer });
          const measured = await measureStepPeak(model, batchSize, optimizer);
          const ratio = e.total / measured;
          assert.ok(
            ratio >= 0.75 && ratio <= 1.25,
            `wasm ${name}, ${optimizer}, batch ${batchSize}: estimate ${e.total} B vs measured ${measured} B`,
          );
        }
      }
      // The wasm term is really there: the same estimate for cpu is smaller.
      const cpu = estimateMemory(model, { batchSize: 96, backend: "cpu" }).total;
      assert.ok(estimateMemory(model, { batchSize: 96 }).total > cpu);
      model.dispose();
    }
  } finally {
    await useBackend({ backend: "cpu" });
  }
});

Deno.test("estimateMemory: counts params, grads and optimizer slots exactly", () => {
  const model = MODELS["relu mlp"]();
  const P = 4 * model.countParams();
  const sgd = estimateMemory(model, { batchSize: 8 });
  const momentum = estimateMemory(model, { batchSize: 8, optimizer: "momentum" });
  const adam = estimateMemory(model, { batchSize: 8, optimizer: "adam" });
  assert.equal(sgd.params, P);
  assert.equal(sgd.grads, P);
  assert.deepEqual([sgd.optimizer, momentum.optimizer, adam.optimizer], [0, P, 2 * P]);
  assert.equal(sgd.inputs, 8 * 4 * (32 + 10));
  assert.ok(estimateMemory(model, { batchSize: 16 }).activations === 2 * sgd.activations);
  const show = (adam as unknown as Record<symbol, () => Record<string, string>>)[
    Symbol.for("Jupyter.display")
  ];
  const bundle = show();
  assert.match(bundle["text/html"], /<td>adam slots<\/td><td[^>]*>0\.\d\d MiB/);
  assert.match(bundle["text/plain"], /^params: /);
  assert.deepEqual(Object.keys(JSON.parse(JSON.stringify(adam))).includes("layers"), true);
  model.dispose();
});

Deno.test("estimateMemory: rejects a bad batch size and an unknown optimizer", () => {
  const model = MODELS["relu mlp"]();
  assert.throws(
    () => estimateMemory(model, { batchSize: 0 }),
    (e: Error) =>
      e instanceof RangeError && /options\.batchSize is 0, expected a positive/.test(e.message),
  );
  assert.throws(
    () => estimateMemory(model, { batchSize: 1, optimizer: "lion" as "sgd" }),
    (e: Error) => e instanceof TypeError && /options\.optimizer is "lion"/.test(e.message),
  );
  model.dispose();
});

Deno.test("maxBatchSize: the batch found fits the budget and one more row does not", async () => {
  const model = MODELS["conv net"]();
  const weights = model.getWeights().map((w) => w.dataSync().slice());
  const budget = 1_500_000;
  const before = tf.memory().numTensors;
  const r = await maxBatchSize(model, budget, { optimizer: "adam" });
  assert.ok(r.batchSize > 0 && r.probes > 0, JSON.stringify(r));
  assert.ok(r.peakBytes <= budget, JSON.stringify(r));
  assert.ok(await measureStepPeak(model, r.batchSize + 1, "adam") > budget);
  assert.ok(Math.abs(r.estimated - r.batchSize) <= 0.25 * r.batchSize, JSON.stringify(r));
  assert.equal(tf.memory().numTensors, before, "probing leaked tensors");
  // Probing trains with learning rate 0: the weights are unchanged.
  model.getWeights().forEach((w, i) => assert.deepEqual(w.dataSync(), weights[i]));
  const noProbe = await maxBatchSize(model, budget, { optimizer: "adam", probe: false });
  assert.equal(noProbe.probes, 0);
  assert.equal(noProbe.batchSize, r.estimated);
  await assert.rejects(
    () => maxBatchSize(model, -5),
    (e: Error) => e instanceof RangeError && /budgetBytes is -5/.test(e.message),
  );
  model.dispose();
});
