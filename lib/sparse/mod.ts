/**
 * memkit/sparse: Sparse matrices: CSR tensors from Arrow, batches and
 * `sparseMatMul` with a gradient.
 *
 * @example
 * ```ts
 * import * as sparse from "memkit/sparse";
 * if (Object.keys(sparse).length === 0) throw new Error("empty");
 * ```
 * @module
 */
export * from "./csr_matrix.ts";
export * from "./sparse_mat_mul.ts";
export * from "./csr_from_arrow.ts";
export * from "./csr_batches.ts";
// Types from other folders that this folder's signatures use.
export type { Tensor2D } from "../tf_types.ts";
