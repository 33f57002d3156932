/**
 * Gradient checkpointing on a 24-layer ReLU MLP (wasm backend): peak tfjs
 * bytes and time of one SGD training step, checkpointed (segments of 4
 * layers, the last one left plain since it is recomputed anyway) against the
 * plain step, alternating runs. Also checks that the gradients are equal.
 * @module
 */
import { tf } from "../../lib/_tf.ts";
import { checkpoint, useBackend } from "../../mod.ts";
import { bufferPeak } from "../../lib/train/_buffer_peak.ts";
import { benchLine, median, round, SMOKE, spread } from "./_advanced.ts";

await useBackend({ backend: "wasm" });
const LAYERS = 24;
const WIDTH = SMOKE ? 64 : 128;
const BATCH = SMOKE ? 256 : 512;
const SEGMENT = 4;
const REPEATS = SMOKE ? 6 : 20;

const model = tf.sequential();
for (let i = 0; i < LAYERS; i++) {
  model.add(tf.layers.dense({
    units: WIDTH,
    activation: "relu",
    inputShape: i === 0 ? [WIDTH] : undefined,
    kernelInitializer: tf.initializers.heNormal({ seed: i }),
  }));
}
const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
const x = tf.randomNormal([BATCH, WIDTH], 0, 1, "float32", 1);
const y = tf.randomNormal([BATCH, WIDTH], 0, 1, "float32", 2);
const segments: ((t: tf.Tensor) => tf.Tensor)[] = [];
for (let i = 0; i < LAYERS; i += SEGMENT) {
  const layers = model.layers.slice(i, i + SEGMENT);
  segments.push(
    i + SEGMENT >= LAYERS
      ? (t) => layers.reduce((a, l) => l.apply(a) as tf.Tensor, t)
      : checkpoint(layers),
  );
}
const loss = (out: tf.Tensor) => tf.losses.meanSquaredError(y, out) as tf.Scalar;
const plain = () => loss(model.apply(x, { training: true }) as tf.Tensor);
const checked = () => loss(segments.reduce((a, f) => f(a), x as tf.Tensor));
// lr 0 keeps the weights fixed, so every step does identical work.
const optimizer = tf.train.sgd(0);

function gradients(f: () => tf.Scalar): Float32Array[] {
  const { value, grads } = tf.variableGrads(f, vars);
  const out = vars.map((v) => grads[v.name].dataSync() as Float32Array);
  tf.dispose([value, ...Object.values(grads)]);
  return out;
}
const ga = gradients(plain);
const gb = gradients(checked);
let maxDiff = 0;
for (let i = 0; i < ga.length; i++) {
  for (let j = 0; j < ga[i].length; j++) maxDiff = Math.max(maxDiff, Math.abs(ga[i][j] - gb[i][j]));
}

const base = tf.memory().numBytes;
async function peak(f: () => tf.Scalar): Promise<number> {
  const p = await tf.profile(() => {
    optimizer.minimize(f);
  });
  return p.peakBytes - base;
}
function timed(f: () => tf.Scalar): number {
  const t0 = performance.now();
  optimizer.minimize(f);
  return performance.now() - t0;
}
const peakPlain = await peak(plain);
const peakCk = await peak(checked);
// The same peaks in real data buffers (tf.profile counts tensor handles).
const realPlain = (await bufferPeak(() => optimizer.minimize(plain))).peak;
const realCk = (await bufferPeak(() => optimizer.minimize(checked))).peak;
timed(plain); // warm-up
timed(checked);
const tPlain: number[] = [];
const tCk: number[] = [];
for (let i = 0; i < REPEATS; i++) {
  tPlain.push(timed(plain));
  tCk.push(timed(checked));
}
const shape = { layers: LAYERS, width: WIDTH, batch: BATCH, segment: SEGMENT };
benchLine("checkpoint", {
  metric: "peak tfjs bytes in a training step, checkpointed vs plain",
  ours: peakCk,
  rival: peakPlain,
  ratio: round(peakCk / peakPlain),
  goal: "<= 0.5",
  met: peakCk / peakPlain <= 0.5 && maxDiff <= 1e-5,
  maxGradDiff: maxDiff,
  ...shape,
});
benchLine("checkpoint", {
  metric: "peak data-buffer bytes in a training step, checkpointed vs plain",
  ours: realCk,
  rival: realPlain,
  ratio: round(realCk / realPlain),
  goal: "<= 0.5",
  met: realCk / realPlain <= 0.5,
  ...shape,
});
const ratio = median(tCk) / median(tPlain);
benchLine("checkpoint", {
  metric: "ms per training step, checkpointed vs plain (median of alternating runs)",
  ours: round(median(tCk)),
  rival: round(median(tPlain)),
  ratio: round(ratio),
  goal: "<= 1.4",
  met: ratio <= 1.4,
  spreadOurs: round(spread(tCk)),
  spreadRival: round(spread(tPlain)),
  repeats: REPEATS,
  ...shape,
});
