import { estimateMemory } from "./estimate_memory.ts";
import type { OptimizerName } from "./estimate_memory.ts";
import { measureStepPeak } from "./_step_peak.ts";
import type { LossFn } from "../tf_types.ts";
import type { LayersModel } from "../tf_types.ts";

/** Options for {@linkcode maxBatchSize}. */
export interface MaxBatchSizeOptions {
  /**
   * The optimizer the model will train with.
   * @default {"sgd"}
   */
  optimizer?: OptimizerName;
  /**
   * Whether to confirm the estimate by running real training steps (random
   * data, learning rate 0 so weights do not change) and binary searching on
   * the measured peak. Without it, the estimate alone decides.
   * @default {true}
   */
  probe?: boolean;
  /**
   * The loss used by the probing steps.
   * @default {tf.losses.meanSquaredError}
   */
  loss?: LossFn;
  /**
   * The largest batch considered.
   * @default {65536}
   */
  limit?: number;
}

/** The result of {@linkcode maxBatchSize}. */
export interface MaxBatchSizeResult {
  /** The largest batch whose training step fits the budget (0 when none does). */
  batchSize: number;
  /** The batch the estimate alone predicted. */
  estimated: number;
  /** Measured peak bytes at `batchSize` (estimated when not probed). */
  peakBytes: number;
  /** Probing steps run. */
  probes: number;
}

/**
 * Finds the largest batch size whose training step fits in `budgetBytes` of
 * tfjs memory: first from {@linkcode estimateMemory} (solved for the batch),
 * then by running real steps around that guess and binary searching on the
 * measured peak data-buffer bytes.
 *
 * @param model A built model with float32 inputs.
 * @param budgetBytes The tfjs bytes one training step may use, model included.
 * @param options Optimizer, whether to probe, loss and upper limit.
 * @returns The batch size, the estimate, the peak measured there and probes run.
 * @throws {RangeError} When the budget is not a positive finite number.
 * @example
 * ```ts
 * import { maxBatchSize, useBackend } from "memkit";
 * import * as tf from "@tensorflow/tfjs";
 * await useBackend({ backend: "cpu" });
 * const model = tf.sequential({ layers: [tf.layers.dense({ units: 64, inputShape: [64] })] });
 * const r = await maxBatchSize(model, 1_000_000, { probe: true });
 * if (r.batchSize < 1 || r.peakBytes > 1_000_000) throw new Error(JSON.stringify(r));
 * model.dispose();
 * ```
 */
export async function maxBatchSize(
  model: LayersModel,
  budgetBytes: number,
  options: MaxBatchSizeOptions = {},
): Promise<MaxBatchSizeResult> {
  if (!Number.isFinite(budgetBytes) || budgetBytes <= 0) {
    throw new RangeError(
      `Cannot find a batch size: budgetBytes is ${budgetBytes}, expected a positive number of bytes`,
    );
  }
  const optimizer = options.optimizer ?? "sgd";
  const limit = options.limit ?? 65536;
  const estimateAt = (b: number) => estimateMemory(model, { batchSize: b, optimizer }).total;
  // total(b) is monotone in b, so a binary search on the estimate solves it.
  const search = async (fits: (b: number) => Promise<boolean>, lo: number, hi: number) => {
    // Invariant: lo fits (or is 0), hi does not (or is limit + 1).
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (await fits(mid)) lo = mid;
      else hi = mid;
    }
    return lo;
  };
  const estimated = await search(
    (b) => Promise.resolve(estimateAt(b) <= budgetBytes),
    0,
    limit + 1,
  );
  if (options.probe === false) {
    return {
      batchSize: estimated,
      estimated,
      peakBytes: estimated ? estimateAt(estimated) : 0,
      probes: 0,
    };
  }
  let probes = 0;
  const measured = new Map<number, number>();
  const fits = async (b: number) => {
    let peak = measured.get(b);
    if (peak === undefined) {
      peak = await measureStepPeak(model, b, optimizer, options.loss);
      measured.set(b, peak);
      probes++;
    }
    return peak <= budgetBytes;
  };
  // Bracket the answer around the estimate, widening by doubling.
  let lo = 0;
  let hi = limit + 1;
  const start = Math.max(1, estimated);
  if (await fits(start)) {
    lo = start;
    let step = Math.max(1, Math.ceil(start / 8));
    while (lo + step <= limit) {
      if (await fits(lo + step)) {
        lo += step;
        step *= 2;
      } else {
        hi = lo + step;
        break;
      }
    }
  } else {
    hi = start;
    let step = Math.max(1, Math.ceil(start / 8));
    while (hi - step >= 1) {
      if (await fits(hi - step)) {
        lo = hi - step;
        break;
      }
      hi -= step;
      step *= 2;
    }
  }
  const batchSize = await search(fits, lo, hi);
  return {
    batchSize,
    estimated,
    peakBytes: batchSize
      ? measured.get(batchSize) ?? await measureStepPeak(model, batchSize, optimizer)
      : 0,
    probes,
  };
}
