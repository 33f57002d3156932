import { tf } from "../_tf.ts";
import type { CsrMatrix } from "./csr_matrix.ts";
import type { Tensor, Tensor2D } from "../tf_types.ts";

/**
 * Multiplies a CSR matrix by a dense matrix: `a (rows × k) · b (k × n)`,
 * without densifying `a`: a loop over the stored entries in JS typed arrays,
 * `nnz × n` multiply-adds instead of `rows × k × n`, and no temporaries
 * beyond the output. It is a `tf.customGrad`, so gradients flow to `b`
 * (e.g. embedding or linear weights) as `aᵀ · dy`, computed the same way.
 * It reads `b` with `dataSync`, which is free on cpu, a copy on wasm and a
 * GPU readback on webgpu. (tfjs's own `gather` + `unsortedSegmentSum` route
 * was measured first: its cpu kernel is O(rows × nnz × n), over 1000× slower.)
 *
 * @param a The sparse left matrix.
 * @param b A dense rank-2 tensor with `a.shape[1]` rows.
 * @returns A new `rows × n` tensor, equal to `a.toDense() · b`.
 * @throws {RangeError} When the inner dimensions differ.
 * @example
 * ```ts
 * import { CsrMatrix, sparseMatMul, useBackend } from "memkit";
 * import * as tf from "@tensorflow/tfjs";
 * await useBackend({ backend: "cpu" });
 * const a = CsrMatrix.fromCOO([0, 1], [1, 0], [2, 3], [2, 2]);
 * const y = sparseMatMul(a, tf.tensor2d([[1, 10], [100, 1000]]));
 * if (y.arraySync()[0][1] !== 2000) throw new Error("wrong");
 * y.dispose();
 * ```
 */
export function sparseMatMul(a: CsrMatrix, b: Tensor2D): Tensor2D {
  const [rows, k] = a.shape;
  if (b.rank !== 2 || b.shape[0] !== k) {
    throw new RangeError(
      `Cannot multiply a ${rows}×${k} sparse matrix by a tensor of shape [${b.shape}]: ` +
        `expected [${k}, n]`,
    );
  }
  const n = b.shape[1];
  const { rowPtr, colIdx, values } = a;
  const product = tf.customGrad((...args: (Tensor | tf.GradSaveFunc)[]) => {
    const bv = (args[0] as Tensor).dataSync();
    const out = new Float32Array(rows * n);
    for (let r = 0; r < rows; r++) {
      const o = r * n;
      for (let e = rowPtr[r]; e < rowPtr[r + 1]; e++) {
        const v = values[e];
        const src = colIdx[e] * n;
        for (let j = 0; j < n; j++) out[o + j] += v * bv[src + j];
      }
    }
    return {
      value: tf.tensor2d(out, [rows, n]),
      // d(A·B)/dB = Aᵀ·dy, scattered the same way.
      gradFunc: (dy: Tensor) => {
        const g = new Float32Array(k * n);
        const dv = dy.dataSync();
        for (let r = 0; r < rows; r++) {
          const o = r * n;
          for (let e = rowPtr[r]; e < rowPtr[r + 1]; e++) {
            const v = values[e];
            const dst = colIdx[e] * n;
            for (let j = 0; j < n; j++) g[dst + j] += v * dv[o + j];
          }
        }
        return tf.tensor2d(g, [k, n]);
      },
    };
  });
  return product(b) as Tensor2D;
}
