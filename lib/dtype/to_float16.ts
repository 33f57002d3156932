import { tf } from "../_tf.ts";
import type { Tensor } from "../tf_types.ts";

/** A tensor's values stored as IEEE half floats (Float16Array), 2 bytes each. */
export class Float16Tensor {
  /** The values, row-major. */
  readonly values: Float16Array;
  /** The shape. */
  readonly shape: number[];
  /** Largest absolute rounding error against the original values. */
  readonly maxError: number;
  /** Mean absolute rounding error against the original values. */
  readonly meanError: number;

  /** Use {@linkcode toFloat16}. */
  constructor(values: Float16Array, shape: number[], maxError: number, meanError: number) {
    this.values = values;
    this.shape = shape;
    this.maxError = maxError;
    this.meanError = meanError;
  }

  /** Exact bytes held. */
  get byteLength(): number {
    return this.values.byteLength;
  }

  /** A new float32 tensor with these values; the caller disposes it. */
  dequantize(): Tensor {
    return tf.tensor(Float32Array.from(this.values), this.shape, "float32");
  }
}

/**
 * Stores a float32 tensor (or a float array) as float16 with Deno's
 * Float16Array: half the bytes, rounding reported as max and mean absolute
 * error. A finite value beyond float16's range (±65504) would become
 * infinite, so it throws a RangeError naming the index and value.
 *
 * @param input A float32 tensor (read, not disposed), or a Float32Array/Float64Array.
 * @param shape The shape when `input` is an array.
 * @returns The float16 storage with `byteLength`, `maxError`, `meanError` and `dequantize()`.
 * @example
 * ```ts
 * import { toFloat16 } from "memkit";
 * const h = toFloat16(new Float32Array([1, 0.1, 1000]));
 * if (h.byteLength !== 6 || h.values[0] !== 1) throw new Error("float16");
 * if (h.maxError > 0.5 || h.maxError === 0) throw new Error(String(h.maxError));
 * ```
 */
export function toFloat16(
  input: Tensor | Float32Array | Float64Array,
  shape?: number[],
): Float16Tensor {
  let x: Float32Array | Float64Array;
  if (input instanceof tf.Tensor) {
    if (input.dtype !== "float32") {
      throw new TypeError(
        `Cannot store as float16: the tensor is ${input.dtype}, expected float32`,
      );
    }
    x = input.dataSync() as Float32Array;
    shape = input.shape.slice();
  } else if (input instanceof Float32Array || input instanceof Float64Array) {
    x = input;
    shape ??= [input.length];
  } else {
    throw new TypeError(
      `Cannot store as float16: expected a tf.Tensor, Float32Array or Float64Array, got ${
        Object.prototype.toString.call(input)
      }`,
    );
  }
  if (shape.reduce((a, b) => a * b, 1) !== x.length) {
    throw new RangeError(
      `Cannot store as float16: shape [${shape}] does not hold ${x.length} values`,
    );
  }
  const values = new Float16Array(x);
  let maxError = 0, sum = 0, n = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i], h = values[i];
    if (Number.isFinite(v) && !Number.isFinite(h)) {
      throw new RangeError(
        `Cannot store as float16: value ${v} at index ${i} is beyond ±65504 and would become ${h}`,
      );
    }
    const e = Math.abs(h - v);
    if (e === e) {
      if (e > maxError) maxError = e;
      sum += e;
      n++;
    }
  }
  return new Float16Tensor(values, shape, maxError, n ? sum / n : 0);
}
