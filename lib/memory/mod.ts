/**
 * memkit/memory: The memory timeline: sampled RSS, heap, external, tensors,
 * GPU and dataset probes, with marks, peaks and budgets.
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
// Types from other folders that this folder's signatures use.
export type { MimeBundle } from "../plot/display.ts";
export type { PlotlyFigure, PlotlyTrace } from "../plot/plotly_bundle.ts";
