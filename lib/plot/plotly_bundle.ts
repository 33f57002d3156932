import type { MimeBundle } from "./display.ts";
import type { PlotlyFigure } from "./_figure_types.ts";
import { plotFragment } from "./_fragment.ts";

export type { PlotlyFigure, PlotlyTrace } from "./_figure_types.ts";
export type { MimeBundle } from "./display.ts";

/** Options for {@linkcode plotlyBundle}. */
export interface PlotlyBundleOptions {
  /** The text/plain part (what terminals and plain frontends show). @default {"<plotly figure>"} */
  text?: string;
  /**
   * Whether the HTML part carries plotly.js (gzip + base64, ~2 MB):
   * `"auto"` carries it in the first bundle made by this process only (each
   * kernel session), `"always"` and `"never"` do what they say.
   * @default {"auto"}
   */
  plotly?: "auto" | "always" | "never";
}

let carried = false;

/**
 * Builds a Jupyter MIME bundle for a plotly figure: `application/vnd.plotly.v1+json`
 * for frontends with a plotly renderer, `text/html` for the rest, and
 * `text/plain`. The HTML needs no network: it holds a static picture of
 * the figure (an SVG data URL in an `<img>`, kept by untrusted notebooks), which a small loader upgrades to interactive plotly.js found on the
 * page (another output carries it once per kernel process), or in the
 * browser's IndexedDB cache. The README's memory section explains why.
 *
 * @param figure The plotly figure.
 * @param options The text part and whether to carry plotly.js.
 * @returns The MIME bundle, ready for `display` or `[Symbol.for("Jupyter.display")]`.
 * @example
 * ```ts
 * import { plotlyBundle } from "memkit";
 * const b = plotlyBundle({ data: [{ x: [0, 1], y: [2, 3] }], layout: {} }, { plotly: "never" });
 * if (!String(b["text/html"]).includes("data:image/svg+xml;base64,")) throw new Error("no picture");
 * ```
 */
export function plotlyBundle(figure: PlotlyFigure, options: PlotlyBundleOptions = {}): MimeBundle {
  const mode = options.plotly ?? "auto";
  if (!["auto", "always", "never"].includes(mode)) {
    throw new TypeError(
      `plotlyBundle: options.plotly is "${mode}", expected "auto", "always" or "never"`,
    );
  }
  const carry = mode === "always" || (mode === "auto" && !carried);
  if (carry) carried = true;
  return {
    "application/vnd.plotly.v1+json": figure,
    "text/html": plotFragment(figure, carry),
    "text/plain": options.text ?? "<plotly figure>",
  };
}
