import type { PlotlyFigure } from "./_figure_types.ts";
import { LOADER_JS } from "./_loader.ts";
import { plotlyGzipBase64, plotlyVersion } from "./_plotly_source.ts";
import { staticImage } from "./_static_image.ts";

let serial = 0;

/** JSON that is safe inside a `<script>` element. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c");
}

/**
 * One plot as an HTML fragment: a static picture (an SVG data URL in an
 * `<img>`, which survives notebook sanitizers), a div for plotly, and the
 * loader call; with `carry`, also plotly.js itself (gzip + base64).
 */
export function plotFragment(figure: PlotlyFigure, carry: boolean): string {
  const id = `memkit-plot-${Date.now().toString(36)}-${(serial++).toString(36)}-${
    Math.random().toString(36).slice(2, 8)
  }`;
  const height = typeof figure.layout.height === "number" ? figure.layout.height : 420;
  const version = plotlyVersion();
  const carrier = carry
    ? `<script type="text/plain" class="memkit-plotly-gz" data-version="${version}">${plotlyGzipBase64()}</script>`
    : "";
  return `<div id="${id}" class="memkit-plot" style="max-width:100%">` +
    `<div class="memkit-static" style="overflow-x:auto">${staticImage(figure, 860, height)}</div>` +
    `<div class="memkit-plotly" style="display:none;width:100%;height:${height}px"></div>` +
    `<div class="memkit-note" style="display:none;font:11px sans-serif;color:#777"></div>` +
    `</div>${carrier}` +
    `<script type="text/javascript">${LOADER_JS}(${JSON.stringify(id)}, ${scriptJson(figure)}, ${
      JSON.stringify(version)
    });</script>`;
}
