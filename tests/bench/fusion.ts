/**
 * Fusion: bytes allocated and peak bytes per inference step of a dense stack
 * and a conv stack (wasm backend) through fusedPredict (one fused kernel per
 * layer) against the same layers as separate matMul/conv2d + add +
 * activation ops.
 * @module
 */
import { tf } from "../../lib/_tf.ts";
import { fusedPredict, useBackend } from "../../mod.ts";
import { bufferPeak } from "../../lib/train/_buffer_peak.ts";
import { benchLine, round, SMOKE } from "./_advanced.ts";

await useBackend({ backend: "wasm" });
const width = SMOKE ? 128 : 512;
const batch = SMOKE ? 64 : 512;
const model = tf.sequential();
for (let i = 0; i < 8; i++) {
  model.add(tf.layers.dense({
    units: width,
    activation: i % 2 ? "sigmoid" : "relu",
    inputShape: i ? undefined : [width],
  }));
}
const x = tf.randomNormal([batch, width]);
const unfused = () =>
  tf.tidy(() => {
    let y: tf.Tensor = x;
    for (const layer of model.layers) {
      const [k, b] = layer.getWeights();
      const z = tf.add(tf.matMul(y, k), b);
      y = (layer.getConfig() as { activation: string }).activation === "relu"
        ? tf.relu(z)
        : tf.sigmoid(z);
    }
    return y;
  });
async function measure(f: () => tf.Tensor) {
  // Real data buffers: tf.profile counts bytes per tensor handle, so the
  // reshapes inside tf.fused.matMul would count as allocations.
  const r = await bufferPeak(f);
  r.result.dispose();
  return { allocated: r.allocated, peak: r.peak };
}
const a = await measure(() => fusedPredict(model, x));
const b = await measure(unfused);
const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(fusedPredict(model, x), unfused()))).dataSync()[0]);
benchLine("fusion", {
  metric:
    "data-buffer bytes allocated per inference step, fused vs unfused matMul+bias+activation (8 dense)",
  ours: a.allocated,
  rival: b.allocated,
  ratio: round(a.allocated / b.allocated),
  goal: "< 1 (bytes saved per step)",
  met: a.allocated < b.allocated && diff < 1e-4,
  savedBytesPerStep: b.allocated - a.allocated,
  peakOurs: a.peak,
  peakRival: b.peak,
  maxAbsDiff: diff,
  width,
  batch,
});

// Conv: tf.fused.conv2d with bias and activation against conv2d + add + act.
const side = SMOKE ? 32 : 64;
const convModel = tf.sequential();
for (let i = 0; i < 4; i++) {
  convModel.add(tf.layers.conv2d({
    filters: 16,
    kernelSize: 3,
    padding: "same",
    activation: i % 2 ? "sigmoid" : "relu",
    inputShape: i ? undefined : [side, side, 16],
  }));
}
const img = tf.randomNormal([SMOKE ? 4 : 16, side, side, 16]);
const unfusedConv = () =>
  tf.tidy(() => {
    let y: tf.Tensor4D = img as tf.Tensor4D;
    for (const layer of convModel.layers) {
      const [k, b] = layer.getWeights();
      const z = tf.add(tf.conv2d(y, k as tf.Tensor4D, 1, "same"), b) as tf.Tensor4D;
      y = (layer.getConfig() as { activation: string }).activation === "relu"
        ? tf.relu(z)
        : tf.sigmoid(z);
    }
    return y;
  });
const c = await measure(() => fusedPredict(convModel, img));
const d = await measure(unfusedConv);
const convDiff = tf.tidy(() =>
  tf.max(tf.abs(tf.sub(fusedPredict(convModel, img), unfusedConv()))).dataSync()[0]
);
benchLine("fusion", {
  metric: "data-buffer bytes allocated per inference step, fused vs unfused conv2d+bias+activation",
  ours: c.allocated,
  rival: d.allocated,
  ratio: round(c.allocated / d.allocated),
  goal: "< 1 (bytes saved per step)",
  met: c.allocated < d.allocated && convDiff < 1e-4,
  savedBytesPerStep: d.allocated - c.allocated,
  peakOurs: c.peak,
  peakRival: d.peak,
  maxAbsDiff: convDiff,
});
