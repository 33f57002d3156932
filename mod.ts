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
export { profile } from "./lib/dtype/profile.ts";
export type { ColumnProfile, Profile, ProfileArray, ProfileOptions } from "./lib/dtype/profile.ts";
export { downcast } from "./lib/dtype/downcast.ts";
export type {
  DowncastBatch,
  DowncastOptions,
  DowncastTable,
  DowncastTarget,
} from "./lib/dtype/downcast.ts";
export { downcastStream } from "./lib/dtype/downcast_stream.ts";
export type { DowncastStream, DowncastStreamOptions } from "./lib/dtype/downcast_stream.ts";
export { restoreTimestamps } from "./lib/dtype/restore_timestamps.ts";
export { memoryReport } from "./lib/dtype/memory_report.ts";
export type { ColumnMemory, MemoryReport } from "./lib/dtype/memory_report.ts";
export { quantize } from "./lib/dtype/quantize.ts";
export type { QuantizedTensor, QuantizeOptions } from "./lib/dtype/quantize.ts";
export { toFloat16 } from "./lib/dtype/to_float16.ts";
export type { Float16Tensor } from "./lib/dtype/to_float16.ts";
export { quantizeWeights } from "./lib/dtype/quantize_weights.ts";
export type {
  QuantizedWeight,
  QuantizedWeights,
  QuantizeWeightsOptions,
} from "./lib/dtype/quantize_weights.ts";
export { saveQuantizedModel } from "./lib/dtype/save_quantized_model.ts";
export type {
  SavedQuantizedModel,
  SaveQuantizedModelOptions,
} from "./lib/dtype/save_quantized_model.ts";
export { loadQuantizedModel } from "./lib/dtype/load_quantized_model.ts";

// data

// sparse

// train
