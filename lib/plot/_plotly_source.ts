/**
 * plotly.js as text: `import "plotly.js-dist-min"` crashes in Deno (the
 * bundle touches `window` at load), and memkit only ever ships the library to
 * a browser, so it reads the file instead of importing it. Nothing here
 * imports a `node:` module at load time (that alone costs ~8 MB of RSS, and
 * `memkit/plot` must stay light): zlib is fetched when plotly is first packed.
 * @module
 */

type Zlib = { gzipSync(data: Uint8Array, options: { level: number }): Uint8Array };
type Process = { getBuiltinModule(name: string): unknown };

let source: string | undefined;
let packed: string | undefined;

/**
 * The file path of plotly.min.js: through the import map (`import.meta.resolve`), else in the
 * node_modules beside this checkout (code running where no import map names plotly, such as
 * the memkit kernel's engine in a folder without a deno.json).
 */
export function plotlyPath(): string {
  try {
    const url = import.meta.resolve("plotly.js-dist-min/plotly.min.js");
    if (url.startsWith("file:")) return decodeURIComponent(new URL(url).pathname);
  } catch {
    // not in this process's import map: try beside the checkout
  }
  const beside = new URL("../../node_modules/plotly.js-dist-min/plotly.min.js", import.meta.url);
  try {
    Deno.statSync(beside);
    return decodeURIComponent(beside.pathname);
  } catch {
    throw new TypeError(
      `Cannot find plotly.js: "plotly.js-dist-min" is not in this import map and not in ` +
        `${decodeURIComponent(beside.pathname)}; add "plotly.js-dist-min" (memkit's pinned ` +
        `version) to your import map`,
    );
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
  const process = (globalThis as unknown as { process: Process }).process;
  const zlib = process.getBuiltinModule("node:zlib") as Zlib;
  const gz = zlib.gzipSync(new TextEncoder().encode(plotlySource()), { level: 9 });
  packed = (gz as Uint8Array & { toBase64(): string }).toBase64();
  return packed;
}
