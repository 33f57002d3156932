/**
 * memkit/plot: Plots and display: `humanBytes`, plotly figures for Jupyter and
 * HTML files, `lttb` downsampling, progress lines.
 *
 * @example
 * ```ts
 * import * as plot from "memkit/plot";
 * if (Object.keys(plot).length === 0) throw new Error("empty");
 * ```
 * @module
 */
export { display, inJupyter } from "./display.ts";
export type { DisplayOptions, MimeBundle } from "./display.ts";
export { progress } from "./progress.ts";
export type { Progress, ProgressOptions } from "./progress.ts";
export { humanBytes } from "./human_bytes.ts";
export { lttb } from "./lttb.ts";
export type { LttbOptions, NumberArray } from "./lttb.ts";
export { plotlyBundle } from "./plotly_bundle.ts";
export type { PlotlyBundleOptions, PlotlyFigure, PlotlyTrace } from "./plotly_bundle.ts";
export { plotlyHTML } from "./plotly_html.ts";
export type { PlotlyHtmlOptions } from "./plotly_html.ts";
export { escapeHtml } from "./escape_html.ts";
