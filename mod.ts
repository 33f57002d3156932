/**
 * memkit: memory as a first-class, visible, controllable thing for machine
 * learning in Deno, on TensorFlow.js, Apache Arrow and plotly.js.
 *
 * Each section below is owned by one folder of lib/; mod.ts re-exports stable
 * files only, and tests/mod_test.ts checks that every public file is here.
 * @module
 */

// backend
export { useBackend } from "./lib/backend/use_backend.ts";
export type {
  AdapterFacts,
  BackendInfo,
  BackendName,
  UseBackendOptions,
} from "./lib/backend/use_backend.ts";
export { gpuMemory } from "./lib/backend/gpu_memory.ts";
export type { GpuMemory } from "./lib/backend/gpu_memory.ts";

// plot
export { display, inJupyter } from "./lib/plot/display.ts";
export type { DisplayOptions, MimeBundle } from "./lib/plot/display.ts";
export { progress } from "./lib/plot/progress.ts";
export type { Progress, ProgressOptions } from "./lib/plot/progress.ts";

// memory
export { probeBytes, registerProbe } from "./lib/memory/probes.ts";
export type { Probe } from "./lib/memory/probes.ts";

// dispose

// dtype

// data
export { pool } from "./lib/data/pool.ts";
export type { BatchPool, PoolOptions } from "./lib/data/pool.ts";
export { mmap } from "./lib/data/mmap.ts";
export type { MappedFile, MmapOptions } from "./lib/data/mmap.ts";

// sparse
export { CsrMatrix } from "./lib/sparse/csr_matrix.ts";
export { sparseMatMul } from "./lib/sparse/sparse_mat_mul.ts";
export { csrFromArrow } from "./lib/sparse/csr_from_arrow.ts";
export type { CsrFeature, CsrFeatures } from "./lib/sparse/csr_from_arrow.ts";

// train
export { estimateMemory } from "./lib/train/estimate_memory.ts";
export type {
  EstimateMemoryOptions,
  MemoryEstimate,
  OptimizerName,
} from "./lib/train/estimate_memory.ts";
export { maxBatchSize } from "./lib/train/max_batch_size.ts";
export type { MaxBatchSizeOptions, MaxBatchSizeResult } from "./lib/train/max_batch_size.ts";
export { fusedPredict } from "./lib/train/fused_predict.ts";
export { checkpoint } from "./lib/train/checkpoint.ts";
export type { CheckpointOptions, Layer, Segment } from "./lib/train/checkpoint.ts";
