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
export * from "./probes.ts";
export * from "./timeline.ts";
export * from "./load_timeline.ts";
export * from "./budget_exceeded_error.ts";
export * from "./memory_breakdown.ts";
export * from "./reclaim.ts";
export * from "./trim_malloc.ts";
// Types from other folders that this folder's signatures use.
export type { MimeBundle } from "../plot/display.ts";
export type { PlotlyFigure, PlotlyTrace } from "../plot/plotly_bundle.ts";
