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
export * from "./display.ts";
export * from "./progress.ts";
export * from "./human_bytes.ts";
export * from "./lttb.ts";
export * from "./plotly_bundle.ts";
export * from "./plotly_html.ts";
export * from "./escape_html.ts";
