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
export { humanBytes } from "./lib/plot/human_bytes.ts";
export { lttb } from "./lib/plot/lttb.ts";
export type { LttbOptions, NumberArray } from "./lib/plot/lttb.ts";
export { plotlyBundle } from "./lib/plot/plotly_bundle.ts";
export type { PlotlyBundleOptions, PlotlyFigure, PlotlyTrace } from "./lib/plot/plotly_bundle.ts";
export { plotlyHTML } from "./lib/plot/plotly_html.ts";
export type { PlotlyHtmlOptions } from "./lib/plot/plotly_html.ts";

// memory
export { probeBytes, registerProbe } from "./lib/memory/probes.ts";
export type { Probe } from "./lib/memory/probes.ts";
export { timeline } from "./lib/memory/timeline.ts";
export type {
  Budget,
  FigureOptions,
  LedgerEntry,
  Peak,
  SeriesName,
  Timeline,
  TimelineData,
  TimelineMark,
  TimelineOptions,
} from "./lib/memory/timeline.ts";
export { loadTimeline } from "./lib/memory/load_timeline.ts";
export { BudgetExceededError } from "./lib/memory/budget_exceeded_error.ts";

// dispose
export { scope } from "./lib/dispose/scope.ts";
export type { Scope, ScopeOptions } from "./lib/dispose/scope.ts";
export { scoped } from "./lib/dispose/scoped.ts";
export type { ScopedOptions } from "./lib/dispose/scoped.ts";
export { trackLeaks } from "./lib/dispose/track_leaks.ts";
export type {
  CollectedLeaks,
  CollectedTensor,
  LeakReport,
  LeakRow,
  LeakTracker,
  TrackLeaksOptions,
} from "./lib/dispose/track_leaks.ts";
export { disposeModel } from "./lib/dispose/dispose_model.ts";
export type { DisposeModelOptions, DisposeModelReport } from "./lib/dispose/dispose_model.ts";

// dtype
export { profile } from "./lib/dtype/profile.ts";
export type { ColumnProfile, ProfileArray, ProfileOptions } from "./lib/dtype/profile.ts";
export { Profile } from "./lib/dtype/profile.ts";
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
export type { ColumnMemory } from "./lib/dtype/memory_report.ts";
export { MemoryReport } from "./lib/dtype/memory_report.ts";
export { quantize } from "./lib/dtype/quantize.ts";
export type { QuantizeOptions } from "./lib/dtype/quantize.ts";
export { QuantizedTensor } from "./lib/dtype/quantize.ts";
export { toFloat16 } from "./lib/dtype/to_float16.ts";
export { Float16Tensor } from "./lib/dtype/to_float16.ts";
export { quantizeWeights } from "./lib/dtype/quantize_weights.ts";
export type { QuantizedWeight, QuantizeWeightsOptions } from "./lib/dtype/quantize_weights.ts";
export { QuantizedWeights } from "./lib/dtype/quantize_weights.ts";
export { saveQuantizedModel } from "./lib/dtype/save_quantized_model.ts";
export type {
  SavedQuantizedModel,
  SaveQuantizedModelOptions,
} from "./lib/dtype/save_quantized_model.ts";
export { loadQuantizedModel } from "./lib/dtype/load_quantized_model.ts";

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
export type { DowncastDataset, DowncastDatasetOptions } from "./lib/data/dataset.ts";
export type { TensorBatch, ToTensorsOptions } from "./lib/data/_to_tensors.ts";
export { from } from "./lib/data/from.ts";
export type { FromSource } from "./lib/data/from.ts";
export { arrow } from "./lib/data/arrow.ts";
export type { ArrowOptions } from "./lib/data/arrow.ts";
export { ArrowFormatError } from "./lib/data/arrow_format_error.ts";
export { csv } from "./lib/data/csv.ts";
export type { CsvBadRow, CsvDataset, CsvOptions, CsvType } from "./lib/data/csv.ts";
export { jsonl } from "./lib/data/jsonl.ts";
export type { JsonlOptions } from "./lib/data/jsonl.ts";
export { parquet } from "./lib/data/parquet.ts";
export type { ParquetOptions } from "./lib/data/parquet.ts";
export { pool } from "./lib/data/pool.ts";
export type { BatchPool, PoolOptions } from "./lib/data/pool.ts";
export { mmap } from "./lib/data/mmap.ts";
export type { MappedFile, MmapOptions } from "./lib/data/mmap.ts";
// sparse
export { CsrMatrix } from "./lib/sparse/csr_matrix.ts";
export { sparseMatMul } from "./lib/sparse/sparse_mat_mul.ts";
export { csrFromArrow } from "./lib/sparse/csr_from_arrow.ts";
export type { CsrFeature, CsrFeatures } from "./lib/sparse/csr_from_arrow.ts";
export { csrBatches } from "./lib/sparse/csr_batches.ts";
export type { CsrBatch, CsrBatchesOptions } from "./lib/sparse/csr_batches.ts";

// train
export { fit } from "./lib/train/fit.ts";
export type { FitBatch, FitEpoch, FitHistory, FitOptions, FitStep } from "./lib/train/fit.ts";
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
