/**
 * plotly.js as text: `import "plotly.js-dist-min"` crashes in Deno (the
 * bundle touches `window` at load), and memkit only ever ships the library to
 * a browser, so it reads the file instead of importing it.
 * @module
 */
import { createRequire } from "node:module";
import { gzipSync } from "node:zlib";
import { Buffer } from "node:buffer";

let source: string | undefined;
let packed: string | undefined;

/** The file path of plotly.min.js, found through Node resolution, then beside this repo. */
export function plotlyPath(): string {
  try {
    return createRequire(import.meta.url).resolve("plotly.js-dist-min/plotly.min.js");
  } catch {
    return new URL("../../node_modules/plotly.js-dist-min/plotly.min.js", import.meta.url)
      .pathname;
  }
}

/** plotly.min.js as text (read once). */
export function plotlySource(): string {
  if (source !== undefined) return source;
  const path = plotlyPath();
  try {
    source = Deno.readTextFileSync(path);
  } catch (error) {
    throw new TypeError(
      `Cannot read plotly.js at "${path}": ${
        (error as Error).message
      }; run "deno install" in the project`,
    );
  }
  return source;
}

/** The plotly.js version, from the banner at the top of the file. */
export function plotlyVersion(): string {
  return /plotly\.js v(\d+\.\d+\.\d+)/.exec(plotlySource().slice(0, 200))?.[1] ?? "unknown";
}

/**
 * plotly.min.js gzipped and base64-encoded (~2 MB instead of 4.8 MB): the
 * browser inflates it with DecompressionStream, so no CDN is needed.
 */
export function plotlyGzipBase64(): string {
  if (packed !== undefined) return packed;
  const gz = gzipSync(new TextEncoder().encode(plotlySource()), { level: 9 });
  packed = Buffer.from(gz).toString("base64");
  return packed;
}
