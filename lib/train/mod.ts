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
export { fit } from "./fit.ts";
export type { FitBatch, FitEpoch, FitHistory, FitOptions, FitStep } from "./fit.ts";
export { estimateMemory } from "./estimate_memory.ts";
export type { EstimateMemoryOptions, MemoryEstimate, OptimizerName } from "./estimate_memory.ts";
export { maxBatchSize } from "./max_batch_size.ts";
export type { MaxBatchSizeOptions, MaxBatchSizeResult } from "./max_batch_size.ts";
export { fusedPredict } from "./fused_predict.ts";
export { checkpoint } from "./checkpoint.ts";
export type { CheckpointOptions, Layer, Segment } from "./checkpoint.ts";
// Types from other folders that this folder's signatures use.
export type { LayersModel, LossFn, Scalar, Sequential, Tensor } from "../tf_types.ts";
export type { ProgressOptions } from "../plot/progress.ts";
