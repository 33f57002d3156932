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
export { Dataset } from "./lib/data/dataset.ts";
export type {
  BatchOf,
  BatchOptions,
  FilterOptions,
  IterateOptions,
  OpenStage,
  RowOf,
  ShuffleOptions,
  StageContext,
  StageOptions,
} from "./lib/data/dataset.ts";
export type { TensorBatch, ToTensorsOptions } from "./lib/data/_to_tensors.ts";
export { from } from "./lib/data/from.ts";
export type { FromSource } from "./lib/data/from.ts";
export { arrow } from "./lib/data/arrow.ts";
export type { ArrowOptions } from "./lib/data/arrow.ts";
export { csv } from "./lib/data/csv.ts";
export type { CsvBadRow, CsvDataset, CsvOptions, CsvType } from "./lib/data/csv.ts";
export { jsonl } from "./lib/data/jsonl.ts";
export type { JsonlOptions } from "./lib/data/jsonl.ts";
export { parquet } from "./lib/data/parquet.ts";
export type { ParquetOptions } from "./lib/data/parquet.ts";

// sparse

// train
