/**
 * `deno task bench dispose [--smoke]`: what disposal scopes and leak tracking
 * cost on a training step, measured by alternating runs in one process.
 *
 * - scope(): an Adam step of an MLP 784-128-10 (batch 64, wasm) inside
 *   `await using s = await scope()` with memkit's engine hooks installed,
 *   against the same step with manual `dispose()` and plain tfjs (hooks
 *   removed). Goal ≤ 3%.
 * - trackLeaks with stacks, and without: the scoped step with a tracker
 *   running, against the scoped step without one. Goals ≤ 25% and ≤ 3%.
 *
 * Each goal: ≥ 20 repeats. A repeat alternates single steps of the two sides
 * (ABBA…, so neither side always goes first) and yields one ratio of their
 * summed times; the median ratio is the result, the 10th–90th percentile of
 * the ratios its spread. Alternating step by step keeps the shared machine's
 * drift out of the ratio, and timing CPU time rather than wall time keeps
 * other processes' load out of it.
 * @module
 */
import process from "node:process";
import { tf } from "../../lib/_tf.ts";
import { installHooks, uninstallHooks } from "../../lib/dispose/_hooks.ts";
import { scope, trackLeaks, useBackend } from "../../mod.ts";

const smoke = Deno.args.includes("--smoke");
const REPEATS = smoke ? 20 : 60;
const STEPS = smoke ? 6 : 16;

const backend = (await useBackend({ backend: "wasm" })).backend;
const model = tf.sequential({
  layers: [
    tf.layers.dense({ units: 128, inputShape: [784], activation: "relu" }),
    tf.layers.dense({ units: 10 }),
  ],
});
const optimizer = tf.train.adam(1e-3);
model.compile({ optimizer, loss: "meanSquaredError" });
const xs = tf.randomUniform([64, 784]);
const ys = tf.oneHot(tf.randomUniform([64], 0, 10, "int32"), 10).toFloat();
const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
const loss = () => tf.losses.meanSquaredError(ys, model.apply(xs) as tf.Tensor) as tf.Scalar;

async function manualStep(): Promise<void> {
  const cost = optimizer.minimize(loss, true, variables)!;
  await cost.data();
  cost.dispose();
}

async function scopedStep(): Promise<void> {
  await using _s = await scope();
  const cost = optimizer.minimize(loss, true, variables)!;
  await cost.data();
}

type Side = { setup: () => void; step: () => Promise<void>; teardown: () => void };

/**
 * One step of a side, in milliseconds of this process's CPU time (user +
 * system, all threads): on a machine shared with other busy processes, wall
 * time mostly measures them. Setup and teardown stay outside the timing.
 */
async function timeStep(side: Side): Promise<number> {
  side.setup();
  const start = process.cpuUsage();
  await side.step();
  const used = process.cpuUsage(start);
  side.teardown();
  return (used.user + used.system) / 1000;
}

function quantile(sorted: number[], q: number): number {
  const i = (sorted.length - 1) * q;
  const lo = Math.floor(i);
  return sorted[lo] + (sorted[Math.ceil(i)] - sorted[lo]) * (i - lo);
}

async function compare(metric: string, goal: number, ours: Side, rival: Side): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await timeStep(rival);
    await timeStep(ours);
  }
  const before = tf.memory().numTensors;
  const ratios: number[] = [];
  const oursMs: number[] = [];
  const rivalMs: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    let a = 0, b = 0;
    for (let i = 0; i < STEPS; i++) {
      if ((r + i) % 2 === 0) {
        b += await timeStep(rival);
        a += await timeStep(ours);
      } else {
        a += await timeStep(ours);
        b += await timeStep(rival);
      }
    }
    oursMs.push(a / STEPS);
    rivalMs.push(b / STEPS);
    ratios.push(a / b);
  }
  if (tf.memory().numTensors !== before) throw new Error(`${metric}: tensors leaked`);
  const sort = (v: number[]) => [...v].sort((x, y) => x - y);
  const ratio = quantile(sort(ratios), 0.5);
  const round = (x: number, d = 4) => Number(x.toFixed(d));
  console.log(`BENCH dispose ${
    JSON.stringify({
      metric,
      ours: round(quantile(sort(oursMs), 0.5), 3),
      rival: round(quantile(sort(rivalMs), 0.5), 3),
      ratio: round(ratio),
      goal: `ratio <= ${goal}`,
      met: ratio <= goal,
      unit: "CPU ms/step (median)",
      spread: [round(quantile(sort(ratios), 0.1)), round(quantile(sort(ratios), 0.9))],
      repeats: REPEATS,
      stepsPerRun: STEPS,
      tensorsPerStep,
      backend,
    })
  }`);
}

// How many tensors one step creates: what the hooks and the tracker pay for.
const firstId = tf.scalar(0);
await manualStep();
const lastId = tf.scalar(0);
const tensorsPerStep = lastId.id - firstId.id - 1;
tf.dispose([firstId, lastId]);

const none = () => {};
const plain: Side = { setup: uninstallHooks, step: manualStep, teardown: none };
const scoped: Side = { setup: installHooks, step: scopedStep, teardown: none };

await compare(
  "scope() overhead on an Adam step, vs manual dispose and plain tfjs",
  1.03,
  scoped,
  plain,
);

for (const stacks of [true, false]) {
  let tracker: ReturnType<typeof trackLeaks> | undefined;
  const tracked: Side = {
    setup: () => {
      tracker = trackLeaks({ stacks });
    },
    step: scopedStep,
    teardown: () => tracker?.stop(),
  };
  await compare(
    `trackLeaks({stacks: ${stacks}}) overhead on a scoped Adam step`,
    stacks ? 1.25 : 1.03,
    tracked,
    scoped,
  );
}

tf.dispose([xs, ys]);
model.dispose();
optimizer.dispose();
