import { tf } from "../_tf.ts";
import type { OptimizerName } from "./estimate_memory.ts";
import { bufferPeak } from "./_buffer_peak.ts";

/** A loss of targets and predictions, as tf.losses has them. */
export type { LossFn } from "../tf_types.ts";
import type { LossFn } from "../tf_types.ts";

function makeOptimizer(name: OptimizerName): tf.Optimizer {
  // Learning rate 0: the probe must leave the weights exactly as they were
  // (w - 0·update = w), and it needs no copy of them to restore.
  switch (name) {
    case "sgd":
      return tf.train.sgd(0);
    case "momentum":
      return tf.train.momentum(0, 0.9);
    case "adam":
      return tf.train.adam(0);
  }
}

function batchShape(shape: readonly (number | null)[], batch: number): number[] {
  return [batch, ...shape.slice(1).map((d) => d ?? 1)];
}

/**
 * Runs two real training steps of `model` on random data and returns the peak
 * data-buffer bytes of the second (the first creates the optimizer's slots):
 * the model's weights, the slots, the batch and the step's own peak above
 * them, but not unrelated tensors alive before. Weights are left unchanged.
 */
export async function measureStepPeak(
  model: tf.LayersModel,
  batchSize: number,
  optimizerName: OptimizerName,
  loss: LossFn = tf.losses.meanSquaredError as LossFn,
): Promise<number> {
  const optimizer = makeOptimizer(optimizerName);
  const weightBytes = model.weights.reduce(
    (s, w) => s + 4 * w.shape.reduce((a: number, b) => a * (b ?? 1), 1),
    0,
  );
  const xs = model.inputs.map((t) => tf.randomNormal(batchShape(t.shape, batchSize)));
  const ys = model.outputs.map((t) => tf.randomNormal(batchShape(t.shape, batchSize)));
  const step = () => {
    optimizer.minimize(() => {
      const out = model.apply(xs.length === 1 ? xs[0] : xs, { training: true });
      const outs = (Array.isArray(out) ? out : [out]) as tf.Tensor[];
      let total = loss(ys[0], outs[0]);
      for (let k = 1; k < outs.length; k++) total = tf.add(total, loss(ys[k], outs[k]));
      return total;
    });
  };
  try {
    // The first step creates the optimizer's slots: what it leaves behind.
    const slots = (await bufferPeak(step)).end;
    const batch = [...xs, ...ys].reduce((s, t) => s + 4 * t.size, 0);
    const { peak } = await bufferPeak(step);
    return weightBytes + slots + batch + peak;
  } finally {
    tf.dispose([...xs, ...ys]);
    optimizer.dispose();
    // tfjs 4.22's MomentumOptimizer.dispose forgets the learning-rate scalar
    // its SGD base keeps.
    const inner = optimizer as unknown as { c?: tf.Tensor; m?: tf.Tensor };
    for (const t of [inner.c, inner.m]) if (t && !t.isDisposed) t.dispose();
  }
}
