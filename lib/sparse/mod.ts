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
export { CsrMatrix } from "./csr_matrix.ts";
export { sparseMatMul } from "./sparse_mat_mul.ts";
export { csrFromArrow } from "./csr_from_arrow.ts";
export type { CsrFeature, CsrFeatures } from "./csr_from_arrow.ts";
export { csrBatches } from "./csr_batches.ts";
export type { CsrBatch, CsrBatchesOptions } from "./csr_batches.ts";
// Types from other folders that this folder's signatures use.
export type { Tensor2D } from "../tf_types.ts";
