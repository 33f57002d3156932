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

// dtype

// data

// sparse

// train
