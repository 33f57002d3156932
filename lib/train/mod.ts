/**
 * memkit/train: Training memory: `fit` with per-step disposal, gradient
 * checkpointing, memory estimates, max batch size and fused inference.
 *
 * @example
 * ```ts
 * import * as train from "memkit/train";
 * if (Object.keys(train).length === 0) throw new Error("empty");
 * ```
 * @module
 */
export * from "./fit.ts";
export * from "./estimate_memory.ts";
export * from "./max_batch_size.ts";
export * from "./fused_predict.ts";
export * from "./checkpoint.ts";
// Types from other folders that this folder's signatures use.
export type { LayersModel, LossFn, Scalar, Sequential, Tensor } from "../tf_types.ts";
export type { ProgressOptions } from "../plot/progress.ts";
