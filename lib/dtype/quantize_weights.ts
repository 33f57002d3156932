import { tf } from "../_tf.ts";
import { quantize, type QuantizedTensor } from "./quantize.ts";
import type { LayersModel, Tensor } from "../tf_types.ts";

/** Options for {@linkcode quantizeWeights}. */
export interface QuantizeWeightsOptions {
  /**
   * Bits per weight.
   * @default {8}
   */
  bits?: 8 | 16;
  /**
   * Per tensor, or per output channel (the last axis) for weights of rank ≥ 2;
   * 1-D weights (biases) are always per tensor, since a scale per element
   * would cost more than it saves.
   * @default {"channel"}
   */
  per?: "tensor" | "channel";
}

/** One weight of a {@linkcode QuantizedWeights}. */
export interface QuantizedWeight {
  /** The weight's name in the model. */
  name: string;
  /** The quantized values, or null for a non-float32 weight kept as is. */
  quantized: QuantizedTensor | null;
  /** Bytes held for this weight. */
  bytes: number;
}

/** A model's weights held quantized in memory; see {@linkcode quantizeWeights}. */
export class QuantizedWeights {
  /** One entry per model weight, in `model.getWeights()` order. */
  readonly weights: QuantizedWeight[];
  private readonly kept: Tensor[];

  /** Use {@linkcode quantizeWeights}. */
  constructor(weights: QuantizedWeight[], kept: Tensor[]) {
    this.weights = weights;
    this.kept = kept;
  }

  /** Exact bytes held by the quantized weights (with scales and offsets). */
  get byteLength(): number {
    return this.weights.reduce((s, w) => s + w.bytes, 0);
  }

  /** Bytes of the same weights as the model holds them (float32). */
  get float32Bytes(): number {
    return this.weights.reduce(
      (s, w) => s + (w.quantized ? w.quantized.float32Bytes : w.bytes),
      0,
    );
  }

  /** Largest absolute error over all weights. */
  get maxError(): number {
    return Math.max(0, ...this.weights.map((w) => w.quantized?.maxError ?? 0));
  }

  /** Mean absolute error over all quantized weight values. */
  get meanError(): number {
    let sum = 0, n = 0;
    for (const w of this.weights) {
      if (!w.quantized) continue;
      sum += w.quantized.meanError * w.quantized.values.length;
      n += w.quantized.values.length;
    }
    return n ? sum / n : 0;
  }

  /**
   * Writes the dequantized weights into `model` (the same architecture), e.g.
   * to evaluate the quantized model. Creates no lasting tensors.
   */
  restore(model: LayersModel): void {
    const current = model.getWeights();
    if (current.length !== this.weights.length) {
      throw new TypeError(
        `Cannot restore quantized weights: the model has ${current.length} weights, expected ${this.weights.length}`,
      );
    }
    let k = 0;
    const tensors = this.weights.map((w) =>
      w.quantized ? w.quantized.dequantize() : this.kept[k++]
    );
    try {
      model.setWeights(tensors);
    } finally {
      tensors.forEach((t, i) => {
        if (this.weights[i].quantized) t.dispose();
      });
    }
  }

  /** Frees the non-float32 weights kept as tensors. */
  dispose(): void {
    tf.dispose(this.kept);
  }
}

/**
 * Quantizes every float32 weight of a tfjs layers model in memory (int8 per
 * output channel by default), reporting exact bytes and the max and mean
 * error; `restore(model)` writes the dequantized weights back to evaluate the
 * quantized model. The model itself is not changed.
 *
 * @param model A tfjs layers model.
 * @param options Bits and per tensor / per channel.
 * @returns The quantized weights with `byteLength`, `float32Bytes`, `maxError`, `meanError`.
 * @example
 * ```ts
 * import { quantizeWeights, useBackend } from "memkit";
 * import * as tf from "@tensorflow/tfjs";
 * await useBackend({ backend: "cpu" });
 * const model = tf.sequential({ layers: [tf.layers.dense({ units: 4, inputShape: [8] })] });
 * const q = quantizeWeights(model);
 * if (q.byteLength !== 32 + 4 * 8 + (4 + 8)) throw new Error(String(q.byteLength));
 * q.restore(model);
 * model.dispose();
 * ```
 */
export function quantizeWeights(
  model: LayersModel,
  options: QuantizeWeightsOptions = {},
): QuantizedWeights {
  if (!(model instanceof tf.LayersModel)) {
    throw new TypeError(
      `Cannot quantize weights: expected a tf.LayersModel, got ${
        Object.prototype.toString.call(model)
      }`,
    );
  }
  const per = options.per ?? "channel";
  const bits = options.bits ?? 8;
  const names = model.weights.map((w) => w.originalName);
  const kept: Tensor[] = [];
  const weights = model.getWeights().map((t, i) => {
    if (t.dtype !== "float32") {
      kept.push(tf.clone(t));
      return { name: names[i], quantized: null, bytes: t.size * 4 };
    }
    const q = quantize(t, { bits, per: t.rank >= 2 ? per : "tensor" });
    return { name: names[i], quantized: q, bytes: q.byteLength };
  });
  return new QuantizedWeights(weights, kept);
}
