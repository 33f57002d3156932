/**
 * The static picture inside every plot's text/html: the figure drawn as SVG
 * in Deno and embedded as `<img src="data:image/svg+xml;base64,…">`. Both
 * notebook sanitizers (the classic Notebook's and JupyterLab's, applied to
 * untrusted notebooks) strip inline `<svg>` and keep only its text, but keep
 * an `<img>` with a data URL; scripts are stripped too, so this picture is
 * what an untrusted notebook or an nbconvert page without scripts shows.
 * @module
 */
import { escapeHtml } from "./escape_html.ts";
import type { PlotlyFigure } from "./_figure_types.ts";
import { staticSvg } from "./_svg.ts";

const encoder = new TextEncoder();

/** Base64 of a string's UTF-8 bytes. */
export function base64Utf8(text: string): string {
  const bytes = encoder.encode(text);
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(bin);
}

/** The figure's title as plain text (for the picture's alt text). */
function titleOf(figure: PlotlyFigure): string {
  const t = figure.layout.title;
  const text = typeof t === "string" ? t : (t as { text?: unknown } | undefined)?.text;
  return typeof text === "string" ? text.replace(/<[^>]*>/g, " ").trim() : "";
}

/** An `<img>` element showing `figure` as an SVG data URL, `width`×`height` pixels. */
export function staticImage(figure: PlotlyFigure, width: number, height: number): string {
  const svg = staticSvg(figure, width, height);
  const alt = escapeHtml(titleOf(figure) || "memkit plot");
  return `<img class="memkit-static-img" alt="${alt}" width="${width}" height="${height}" ` +
    `style="max-width:100%;height:auto" src="data:image/svg+xml;base64,${base64Utf8(svg)}">`;
}

/** The SVG sources of every static picture in an HTML string (for tests and tools). */
export function staticSvgs(html: string): string[] {
  const out: string[] = [];
  for (const m of html.matchAll(/src="data:image\/svg\+xml;base64,([A-Za-z0-9+/=]+)"/g)) {
    const bin = atob(m[1]);
    out.push(new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0))));
  }
  return out;
}
