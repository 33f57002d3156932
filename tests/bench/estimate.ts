/**
 * estimateMemory against the measured peak of real training steps (cpu
 * backend, data-buffer bytes) across models, optimizers and batch sizes;
 * and maxBatchSize under a budget against the estimate alone.
 * @module
 */
import { tf } from "../../lib/_tf.ts";
import { estimateMemory, maxBatchSize, useBackend } from "../../mod.ts";
import { measureStepPeak } from "../../lib/train/_step_peak.ts";
import { benchLine, round, SMOKE } from "./_advanced.ts";

await useBackend({ backend: "cpu" });
const models: Record<string, () => tf.LayersModel> = {
  mlp: () =>
    tf.sequential({
      layers: [
        tf.layers.dense({ units: 256, activation: "relu", inputShape: [64] }),
        tf.layers.dense({ units: 256, activation: "relu" }),
        tf.layers.dense({ units: 10, activation: "softmax" }),
      ],
    }),
  conv: () =>
    tf.sequential({
      layers: [
        tf.layers.conv2d({
          filters: 8,
          kernelSize: 3,
          activation: "relu",
          inputShape: [28, 28, 1],
        }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.conv2d({ filters: 16, kernelSize: 3, activation: "relu" }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 10, activation: "softmax" }),
      ],
    }),
  tanh: () => {
    const m = tf.sequential();
    for (let i = 0; i < 6; i++) {
      m.add(tf.layers.dense({ units: 128, activation: "tanh", inputShape: i ? undefined : [128] }));
    }
    return m;
  },
};
const batches = SMOKE ? [8, 64] : [8, 64, 256];
let worst = 1;
const cases: string[] = [];
for (const [name, make] of Object.entries(models)) {
  const model = make();
  for (const optimizer of ["sgd", "momentum", "adam"] as const) {
    for (const batchSize of batches) {
      const est = estimateMemory(model, { batchSize, optimizer }).total;
      const measured = await measureStepPeak(model, batchSize, optimizer);
      const ratio = est / measured;
      if (Math.abs(ratio - 1) > Math.abs(worst - 1)) worst = ratio;
      cases.push(`${name}/${optimizer}/${batchSize}:${round(ratio, 3)}`);
    }
  }
  model.dispose();
}
benchLine("estimate", {
  metric: "estimateMemory total / measured peak bytes of a training step (worst case)",
  ours: round(worst),
  rival: 1,
  ratio: round(worst),
  goal: "0.75..1.25",
  met: worst >= 0.75 && worst <= 1.25,
  cases: cases.length,
  detail: cases.join(" "),
});

// The same check on wasm (dense models only: tfjs-backend-wasm has no
// Conv2DBackpropFilter kernel). wasm's Identity kernel copies where cpu
// shares, so its tape holds more; the estimate adds those copies on wasm.
await useBackend({ backend: "wasm" });
let worstWasm = 1;
const wasmCases: string[] = [];
for (const name of ["mlp", "tanh"]) {
  const m = models[name]();
  for (const optimizer of ["sgd", "adam"] as const) {
    for (const batchSize of batches) {
      const ratio = estimateMemory(m, { batchSize, optimizer }).total /
        await measureStepPeak(m, batchSize, optimizer);
      if (Math.abs(ratio - 1) > Math.abs(worstWasm - 1)) worstWasm = ratio;
      wasmCases.push(`${name}/${optimizer}/${batchSize}:${round(ratio, 3)}`);
    }
  }
  m.dispose();
}
benchLine("estimate", {
  metric: "estimateMemory total / measured peak on the wasm backend (worst case, dense models)",
  ours: round(worstWasm),
  rival: 1,
  ratio: round(worstWasm),
  goal: "0.75..1.25",
  met: worstWasm >= 0.75 && worstWasm <= 1.25,
  cases: wasmCases.length,
  detail: wasmCases.join(" "),
});
await useBackend({ backend: "cpu" });

const model = models.conv();
const budget = SMOKE ? 8e6 : 32e6;
const r = await maxBatchSize(model, budget, { optimizer: "adam" });
const over = await measureStepPeak(model, r.batchSize + 1, "adam");
benchLine("estimate", {
  metric: "maxBatchSize under a budget: probed batch vs estimate-only batch (conv, adam)",
  ours: r.batchSize,
  rival: r.estimated,
  ratio: round(r.batchSize / r.estimated),
  goal: "probed batch fits, batch+1 does not",
  met: r.peakBytes <= budget && over > budget,
  budget,
  peakBytes: r.peakBytes,
  peakAtPlusOne: over,
  probes: r.probes,
});
model.dispose();
