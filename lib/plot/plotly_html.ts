import type { PlotlyFigure } from "./_figure_types.ts";
import { plotFragment } from "./_fragment.ts";
import { escapeHtml } from "./escape_html.ts";

/** Options for {@linkcode plotlyHTML}. */
export interface PlotlyHtmlOptions {
  /** The page title. @default {"memkit plot"} */
  title?: string;
  /** Text shown under the plot, e.g. a summary (shown as preformatted text). */
  text?: string;
}

/**
 * A standalone HTML page for a plotly figure that works offline (file://, no
 * CDN): it carries plotly.js gzipped + base64 (~2 MB rather than 4.8 MB) and
 * inflates it in the browser, with the static SVG shown until then.
 *
 * @param figure The plotly figure.
 * @param options Page title and text.
 * @returns The HTML page.
 * @example
 * ```ts
 * import { plotlyHTML } from "memkit";
 * const page = plotlyHTML({ data: [{ x: [0, 1], y: [1, 2] }], layout: {} });
 * if (!page.includes("memkit-plotly-gz")) throw new Error("plotly.js not carried");
 * ```
 */
export function plotlyHTML(figure: PlotlyFigure, options: PlotlyHtmlOptions = {}): string {
  const title = escapeHtml(options.title ?? "memkit plot");
  const text = options.text
    ? `<pre style="font:12px monospace">${escapeHtml(options.text)}</pre>`
    : "";
  return `<!doctype html>\n<html><head><meta charset="utf-8"><title>${title}</title></head>` +
    `<body style="font-family:sans-serif;margin:16px">${
      plotFragment(figure, true)
    }${text}</body></html>\n`;
}
