import { tf } from "../_tf.ts";
import type { Tensor } from "../tf_types.ts";

/** Options for {@linkcode quantize}. */
export interface QuantizeOptions {
  /**
   * Bits per value: 8 (int8) or 16 (int16).
   * @default {8}
   */
  bits?: 8 | 16;
  /**
   * One scale and offset for the whole tensor, or one per channel along `axis`.
   * @default {"tensor"}
   */
  per?: "tensor" | "channel";
  /**
   * The channel axis for `per: "channel"`; negative counts from the end. The
   * last axis is the output channel of tfjs dense ([in, out]) and conv
   * ([h, w, in, out]) kernels.
   * @default {-1}
   */
  axis?: number;
}

/**
 * A float32 tensor stored as 8- or 16-bit integers with an affine scale and
 * offset per tensor or per channel: value ≈ (q − qmin)·scale + min.
 */
export class QuantizedTensor {
  /** 8 or 16. */
  readonly bits: 8 | 16;
  /** "tensor" or "channel". */
  readonly per: "tensor" | "channel";
  /** The channel axis (non-negative), or -1 for per tensor. */
  readonly axis: number;
  /** The original shape. */
  readonly shape: number[];
  /** The quantized values, row-major like the tensor. */
  readonly values: Int8Array | Int16Array;
  /** One scale per channel (one entry per tensor). */
  readonly scales: Float32Array;
  /** One minimum per channel (one entry per tensor). */
  readonly mins: Float32Array;
  /** Largest absolute difference between `dequantize()` and the original. */
  readonly maxError: number;
  /** Mean absolute difference between `dequantize()` and the original. */
  readonly meanError: number;

  /** Use {@linkcode quantize}. */
  constructor(fields: {
    bits: 8 | 16;
    per: "tensor" | "channel";
    axis: number;
    shape: number[];
    values: Int8Array | Int16Array;
    scales: Float32Array;
    mins: Float32Array;
    maxError: number;
    meanError: number;
  }) {
    this.bits = fields.bits;
    this.per = fields.per;
    this.axis = fields.axis;
    this.shape = fields.shape;
    this.values = fields.values;
    this.scales = fields.scales;
    this.mins = fields.mins;
    this.maxError = fields.maxError;
    this.meanError = fields.meanError;
  }

  /** Exact bytes held: quantized values plus scales and minimums. */
  get byteLength(): number {
    return this.values.byteLength + this.scales.byteLength + this.mins.byteLength;
  }

  /** Bytes the same tensor takes as float32. */
  get float32Bytes(): number {
    return this.values.length * 4;
  }

  /** The dequantized values as a Float32Array (no tensor). */
  toFloat32(): Float32Array {
    return dequantizeValues(this.values, this.scales, this.mins, this.bits, this.shape, this.axis);
  }

  /** A new float32 tensor with the dequantized values; the caller disposes it. */
  dequantize(): Tensor {
    return tf.tensor(this.toFloat32(), this.shape, "float32");
  }
}

function channelLayout(shape: number[], axis: number): { inner: number; channels: number } {
  if (axis < 0) return { inner: 1, channels: 1 };
  let inner = 1;
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i];
  return { inner, channels: shape[axis] };
}

function dequantizeValues(
  q: Int8Array | Int16Array,
  scales: Float32Array,
  mins: Float32Array,
  bits: number,
  shape: number[],
  axis: number,
): Float32Array {
  const { inner, channels } = channelLayout(shape, axis);
  const half = 2 ** (bits - 1);
  const out = new Float32Array(q.length);
  for (let i = 0; i < q.length; i++) {
    const c = channels === 1 ? 0 : Math.floor(i / inner) % channels;
    out[i] = (q[i] + half) * scales[c] + mins[c];
  }
  return out;
}

/**
 * Quantizes a float32 tensor to 8- or 16-bit integers, per tensor or per
 * channel (affine: each channel's [min, max] maps onto the full integer
 * range), and reports the exact byte size and the max and mean error. tfjs
 * computes in float32 only, so the saving is in storage: call `dequantize()`
 * for a tensor to compute with.
 *
 * @param tensor A float32 tensor (it is read, not disposed).
 * @param options Bits (8 or 16), per tensor or per channel, and the channel axis.
 * @returns The quantized tensor: `values`, `scales`, `mins`, `byteLength`, `maxError`, `meanError`.
 * @example
 * ```ts
 * import { quantize, useBackend } from "memkit";
 * import * as tf from "@tensorflow/tfjs";
 * await useBackend({ backend: "cpu" });
 * const w = tf.tensor2d([[0, 10], [0.5, 20], [1, 30]]);
 * const q = quantize(w, { bits: 8, per: "channel" });
 * if (q.byteLength !== 6 + 16) throw new Error(String(q.byteLength));
 * if (q.maxError > 30 / 255) throw new Error(String(q.maxError));
 * w.dispose();
 * ```
 */
export function quantize(tensor: Tensor, options: QuantizeOptions = {}): QuantizedTensor {
  if (!(tensor instanceof tf.Tensor)) {
    throw new TypeError(
      `Cannot quantize: expected a tf.Tensor, got ${Object.prototype.toString.call(tensor)}`,
    );
  }
  if (tensor.dtype !== "float32") {
    throw new TypeError(`Cannot quantize: the tensor is ${tensor.dtype}, expected float32`);
  }
  const bits = options.bits ?? 8;
  if (bits !== 8 && bits !== 16) {
    throw new RangeError(`Cannot quantize: options.bits is ${bits}, expected 8 or 16`);
  }
  const per = options.per ?? "tensor";
  if (per !== "tensor" && per !== "channel") {
    throw new TypeError(`Cannot quantize: options.per is "${per}", expected "tensor" or "channel"`);
  }
  const shape = tensor.shape.slice();
  let axis = -1;
  if (per === "channel") {
    const a = options.axis ?? -1;
    axis = a < 0 ? shape.length + a : a;
    if (!Number.isInteger(a) || axis < 0 || axis >= shape.length) {
      throw new RangeError(
        `Cannot quantize: options.axis is ${a}, outside the tensor's ${shape.length} axes`,
      );
    }
  }
  const x = tensor.dataSync() as Float32Array;
  const { inner, channels } = channelLayout(shape, axis);
  const mins = new Float32Array(channels).fill(Infinity);
  const maxs = new Float32Array(channels).fill(-Infinity);
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (!Number.isFinite(v)) {
      throw new RangeError(`Cannot quantize: value ${v} at index ${i} is not finite`);
    }
    const c = channels === 1 ? 0 : Math.floor(i / inner) % channels;
    if (v < mins[c]) mins[c] = v;
    if (v > maxs[c]) maxs[c] = v;
  }
  const levels = 2 ** bits - 1;
  const half = 2 ** (bits - 1);
  const scales = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    if (mins[c] === Infinity) mins[c] = maxs[c] = 0; // an empty channel
    scales[c] = (maxs[c] - mins[c]) / levels;
  }
  const values = bits === 8 ? new Int8Array(x.length) : new Int16Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const c = channels === 1 ? 0 : Math.floor(i / inner) % channels;
    // Scales and mins are stored as float32: quantize against those exact values.
    const q = scales[c] === 0 ? 0 : Math.round((x[i] - mins[c]) / scales[c]);
    values[i] = Math.min(levels, Math.max(0, q)) - half;
  }
  const back = dequantizeValues(values, scales, mins, bits, shape, axis);
  let maxError = 0, sum = 0;
  for (let i = 0; i < x.length; i++) {
    const e = Math.abs(back[i] - x[i]);
    if (e > maxError) maxError = e;
    sum += e;
  }
  return new QuantizedTensor({
    bits,
    per,
    axis,
    shape,
    values,
    scales,
    mins,
    maxError,
    meanError: x.length ? sum / x.length : 0,
  });
}
