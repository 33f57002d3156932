/**
 * Listing for many-file datasets: expanding lists, folders, globs and s3://
 * prefixes into files (hidden and `_` files skipped), and settling the format
 * from the extensions.
 * @module
 */
import { readdir, stat } from "node:fs/promises";
import { httpTarget, RemoteFile, type RemoteOptions } from "./_http.ts";
import { parseS3, S3Client, type S3Options } from "./_s3.ts";
import { globBase, globToRegExp, hasGlob } from "./_glob.ts";
import { localPath, sourceName } from "./_source.ts";

/** A file format a many-file dataset reads. */
export type FileFormat = "parquet" | "csv" | "arrow";

const EXTENSIONS: Record<FileFormat, RegExp> = {
  parquet: /\.(parquet|parq|pq)$/i,
  csv: /\.(csv|tsv|txt)$/i,
  arrow: /\.(arrow|feather|ipc|arrows)$/i,
};

/** Options that decide what is listed and how it is reached. */
export interface ListOptions {
  format?: FileFormat;
  s3?: S3Options;
  remote?: RemoteOptions;
  listPageSize?: number;
  signal?: AbortSignal;
}

function formatOf(name: string): FileFormat | undefined {
  for (const f of ["parquet", "csv", "arrow"] as FileFormat[]) {
    if (EXTENSIONS[f].test(name)) return f;
  }
  return undefined;
}

/** Files under a folder, recursively, skipping hidden and `_` files (`_SUCCESS`, `.crc`). */
async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  const stack = [dir.replace(/\/+$/, "")];
  while (stack.length > 0) {
    const d = stack.pop()!;
    const entries = await readdir(d, { withFileTypes: true });
    for (const e of entries) {
      if (e.name.startsWith(".") || e.name.startsWith("_")) continue;
      const p = `${d}/${e.name}`;
      if (e.isDirectory()) stack.push(p);
      else if (e.isFile()) out.push(p);
    }
  }
  return out.sort();
}

function isRemoteName(s: string): boolean {
  return /^(s3|https?):\/\//i.test(s);
}

/** Whether a source names more than one file (or needs listing): lists, folders, globs, s3://. */
export function isMany(source: unknown): boolean {
  if (Array.isArray(source)) return true;
  if (source instanceof RemoteFile) return false;
  const s = source instanceof URL ? source.href : typeof source === "string" ? source : null;
  if (s === null) return false;
  if (/^s3:\/\//i.test(s)) return true;
  if (/^https?:\/\//i.test(s)) return false;
  if (hasGlob(s)) return true;
  try {
    return Deno.statSync(localPath(s)).isDirectory;
  } catch {
    return false;
  }
}

function commonFolder(names: string[]): string {
  if (names.length === 0) return "";
  let prefix = names[0].slice(0, names[0].lastIndexOf("/") + 1);
  for (const n of names) {
    while (!n.startsWith(prefix)) {
      prefix = prefix.slice(0, prefix.lastIndexOf("/", prefix.length - 2) + 1);
    }
  }
  return prefix;
}

interface Found {
  name: string;
  source: string | URL;
  size?: number;
  root: string;
}

async function expandOne(
  src: string | URL,
  options: ListOptions,
  client: () => S3Client,
): Promise<Found[]> {
  if (src instanceof RemoteFile) return [{ name: src.href, source: src, root: "" }];
  const s = sourceName(src);
  if (/^s3:\/\//i.test(s)) {
    const { bucket, key } = parseS3(s);
    const glob = hasGlob(key);
    const base = glob ? globBase(key) : key;
    const objects = await client().list(
      bucket,
      base,
      options.remote,
      options.signal,
      options.listPageSize,
    );
    const re = glob ? globToRegExp(key) : null;
    // As for local folders: keys with a "." or "_" file or folder below the
    // listed prefix (`_SUCCESS`, `_temporary/`, `.crc`) are not data.
    const hidden = (k: string) => /(^|\/)[._]/.test(k.slice(base.lastIndexOf("/") + 1));
    let chosen = objects.filter((o) =>
      (re
        ? re.test(o.key)
        : o.key === key || key === "" || key.endsWith("/") || o.key.startsWith(key + "/")) &&
      (o.key === key || !hidden(o.key))
    );
    // An exact key names one object; otherwise the key is a folder.
    const exact = chosen.find((o) => o.key === key);
    if (exact) chosen = [exact];
    const root = exact
      ? key.slice(0, key.lastIndexOf("/") + 1)
      : glob
      ? base
      : key.endsWith("/") || key === ""
      ? key
      : key + "/";
    return chosen.map((o) => {
      const target = client().target(bucket, o.key, { size: o.size, etag: o.etag });
      return {
        name: target.name,
        source: new RemoteFile(target, options.remote),
        size: o.size,
        root: `s3://${bucket}/${root}`,
      };
    });
  }
  if (isRemoteName(s)) {
    const source = new RemoteFile(httpTarget(new URL(s), s), options.remote);
    return [{ name: s, source, root: s.slice(0, s.lastIndexOf("/") + 1) }];
  }
  const path = localPath(src);
  if (hasGlob(path)) {
    const base = globBase(path);
    const re = globToRegExp(path);
    let all: string[];
    try {
      all = await walk(base === "" ? "." : base);
    } catch (e) {
      throw new TypeError(`Cannot list "${path}": ${(e as Error).message}`, { cause: e });
    }
    return all.map((p) => base === "" ? p.replace(/^\.\//, "") : p).filter((p) => re.test(p)).map((
      p,
    ) => ({
      name: p,
      source: p,
      root: base,
    }));
  }
  let info;
  try {
    info = await stat(path);
  } catch (e) {
    throw new TypeError(`Cannot read "${path}": ${(e as Error).message}`, { cause: e });
  }
  if (info.isDirectory()) {
    const root = path.replace(/\/*$/, "/");
    return (await walk(path)).map((p) => ({ name: p, source: p, size: undefined, root }));
  }
  return [{
    name: path,
    source: path,
    size: info.size,
    root: path.slice(0, path.lastIndexOf("/") + 1),
  }];
}

/** Lists the files of a source (one entry per file, in order) and settles the format. */
export async function listFiles(
  source: string | URL | (string | URL)[],
  options: ListOptions,
): Promise<{ format: FileFormat; found: Found[] }> {
  let s3: S3Client | undefined;
  const client = () => (s3 ??= new S3Client(options.s3));
  const list = Array.isArray(source) ? source : [source];
  const what = Array.isArray(source) ? `${list.length} sources` : `"${sourceName(source)}"`;
  let found: Found[] = [];
  for (const src of list) {
    const one = await expandOne(src, options, client);
    found.push(...one);
  }
  if (Array.isArray(source)) {
    // Explicit lists: partitions below the folder the files share.
    const root = commonFolder(found.map((f) => f.name));
    for (const f of found) if (f.root.startsWith(root)) f.root = root;
  }
  let format = options.format;
  if (format === undefined) {
    const kinds = new Set(found.map((f) => formatOf(f.name)).filter((x) => x !== undefined));
    if (kinds.size !== 1) {
      throw new TypeError(
        `Cannot read ${what}: ${
          kinds.size === 0
            ? "no file with a known extension"
            : `files of several formats (${[...kinds].join(", ")})`
        } found; pass format: "parquet" | "csv" | "arrow"`,
      );
    }
    format = [...kinds][0]!;
  }
  if (!Array.isArray(source) || found.length > list.length) {
    // Listed files: keep those of the format; named files are taken as they are.
    found = found.filter((f) => EXTENSIONS[format!].test(f.name) || list.includes(f.name));
  }
  if (found.length === 0) throw new TypeError(`Cannot read ${what}: no ${format} files found`);
  return { format, found };
}
