/**
 * memkit/memory: The memory timeline: sampled RSS and its named parts, heap,
 * external, tensors, GPU and dataset probes, with marks, peaks and budgets;
 * the RSS breakdown; giving memory back (reclaim, trimMalloc).
 *
 * @example
 * ```ts
 * import * as memory from "memkit/memory";
 * if (Object.keys(memory).length === 0) throw new Error("empty");
 * ```
 * @module
 */
export { probeBytes, registerProbe } from "./probes.ts";
export type { Probe } from "./probes.ts";
export { timeline } from "./timeline.ts";
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
} from "./timeline.ts";
export { loadTimeline } from "./load_timeline.ts";
export { BudgetExceededError } from "./budget_exceeded_error.ts";
export { memoryBreakdown } from "./memory_breakdown.ts";
export type {
  Category,
  MallocInfo,
  MemoryBreakdown,
  MemoryBreakdownOptions,
} from "./memory_breakdown.ts";
export { reclaim } from "./reclaim.ts";
export type { ReclaimResult } from "./reclaim.ts";
export { trimMalloc } from "./trim_malloc.ts";
export type { TrimOptions, TrimResult } from "./trim_malloc.ts";
// Types from other folders that this folder's signatures use.
export type { MimeBundle } from "../plot/display.ts";
export type { PlotlyFigure, PlotlyTrace } from "../plot/plotly_bundle.ts";
