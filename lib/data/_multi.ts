/**
 * Many-file datasets: expanding lists, folders, globs and s3:// prefixes
 * into files; hive partitions; pruning by partition values and Parquet
 * row-group statistics; the plan of units (Parquet row groups, or whole
 * CSV/Arrow files) that passes, shards and file shuffles work on.
 * @module
 */
import { type FileMetaData, parquetMetadataAsync } from "hyparquet";
import { type FileFormat, isMany, listFiles, type ListOptions } from "./_list.ts";
import {
  hivePairs,
  type PartitionColumn,
  type PartitionValue,
  typePartitions,
} from "./_partitions.ts";
import { mayMatch, type WhereCondition } from "./_where.ts";
import { openRandomAccess } from "./_source.ts";
import type { FilesOptions } from "./files.ts";

export type { FileFormat } from "./_list.ts";

/** One file of a dataset. */
export interface FileEntry {
  /** Its path or URL, for messages. */
  name: string;
  /** What the readers open: a path, or a RemoteFile carrying size, ETag and signing. */
  source: string | URL;
  /** Its size in bytes when known. */
  size?: number;
  /** Its hive `key=value` folders below the dataset's root. */
  pairs: [string, string][];
  /** Its typed partition values, in the order of the plan's partition columns. */
  values: PartitionValue[];
  /** The Parquet footer (hyparquet's `FileMetaData`), once read. */
  metadata?: object;
}

/** A piece of work: a Parquet row group, or a whole CSV/Arrow file. */
export interface Unit {
  /** Index into the plan's files. */
  file: number;
  /** The row group (Parquet), or -1 for the whole file. */
  rowGroup: number;
  /** Rows, when known (Parquet). */
  rows?: number;
}

/** What a many-file dataset will read, after listing and pruning. */
export interface Plan {
  /** The files' format. */
  format: FileFormat;
  /** The files left after partition pruning, in order. */
  files: FileEntry[];
  /** The hive partition columns, in folder order. */
  partitions: PartitionColumn[];
  /** What passes read: Parquet row groups left after pruning, or whole files. */
  units: Unit[];
  /** Files listed before partition pruning. */
  listed: number;
  /** Parquet row groups before and after statistics pruning. */
  rowGroups: { total: number; kept: number };
}

/** Partition filter: per column, or one predicate on the partition row. */
export type PartitionFilter =
  | Record<string, (value: PartitionValue) => boolean>
  | ((row: Record<string, PartitionValue>) => boolean);

/** Reads a Parquet footer, fetching the last `tail` bytes first (a footer is ~0.5 KB per row group; a longer one costs one more request). */
export async function readFooter(
  file: FileEntry,
  signal?: AbortSignal,
  tail = 2048,
): Promise<FileMetaData> {
  const ra = await openRandomAccess(file.source, "parquet", signal);
  try {
    const buffer = {
      byteLength: ra.byteLength,
      async slice(start: number, end?: number): Promise<ArrayBuffer> {
        return (await ra.read(start, end ?? ra.byteLength)).slice().buffer as ArrayBuffer;
      },
    };
    try {
      return await parquetMetadataAsync(buffer, { initialFetchSize: tail });
    } catch (e) {
      if (signal?.aborted) throw signal.reason;
      if ((e as Error).name === "RemoteReadError") throw e;
      throw new TypeError(`Cannot read parquet "${file.name}": ${(e as Error).message}`, {
        cause: e,
      });
    }
  } finally {
    await ra.close();
  }
}

/** Runs `f` over items with at most `n` at once, keeping order. */
async function bounded<T, U>(items: T[], n: number, f: (x: T) => Promise<U>): Promise<U[]> {
  const out = new Array<U>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return out;
}

/** Lists, types partitions, prunes files and row groups: what a pass will read. */
export async function makePlan(
  source: string | URL | (string | URL)[],
  options: ListOptions & {
    partitions?: boolean | PartitionFilter;
    where: WhereCondition[];
  },
): Promise<Plan> {
  const { format, found } = await listFiles(source, options);
  const hive = options.partitions !== false;
  const withPairs = found.map((f) => ({
    ...f,
    pairs: hive ? hivePairs(f.name.startsWith(f.root) ? f.name.slice(f.root.length) : f.name) : [],
  }));
  const typed = typePartitions(withPairs);
  const names = typed.columns.map((c) => c.name);
  let files: FileEntry[] = withPairs.map((f, i) => ({
    name: f.name,
    source: f.source,
    size: f.size,
    pairs: f.pairs,
    values: typed.values[i],
  }));
  const listed = files.length;
  const filter = options.partitions;
  if (filter && typeof filter === "object") {
    for (const key of Object.keys(filter)) {
      if (!names.includes(key)) {
        throw new TypeError(
          `Cannot filter partitions: no partition "${key}" (partitions: ${
            names.join(", ") || "none"
          })`,
        );
      }
    }
  }
  const rowOf = (f: FileEntry) => Object.fromEntries(names.map((n, j) => [n, f.values[j]]));
  files = files.filter((f) => {
    if (typeof filter === "function" && !filter(rowOf(f))) return false;
    if (filter && typeof filter === "object") {
      for (const [key, keep] of Object.entries(filter)) {
        if (!keep(f.values[names.indexOf(key)])) return false;
      }
    }
    for (const [column, op, want] of options.where) {
      const j = names.indexOf(column);
      if (j >= 0 && !whereValue(f.values[j], op, want)) return false;
    }
    return true;
  });
  const units: Unit[] = [];
  let total = 0, kept = 0;
  if (format === "parquet") {
    const metas = await bounded(files, 8, (f) => readFooter(f, options.signal));
    const fileWhere = options.where.filter(([c]) => !names.includes(c));
    for (const [i, f] of files.entries()) {
      const meta = metas[i];
      f.metadata = meta;
      const leaves = new Set(meta.schema.slice(1).map((e) => e.name));
      for (const [c] of fileWhere) {
        if (!leaves.has(c)) {
          throw new TypeError(
            `Cannot read parquet "${f.name}": where names column "${c}", which it does not have ` +
              `(columns: ${[...leaves].join(", ")}${
                names.length ? `; partitions: ${names.join(", ")}` : ""
              })`,
          );
        }
      }
      for (const [g, group] of meta.row_groups.entries()) {
        total++;
        const rows = Number(group.num_rows);
        const ok = fileWhere.every(([c, op, want]) => {
          const chunk = group.columns.find((x) => x.meta_data?.path_in_schema[0] === c)?.meta_data;
          return mayMatch(chunk?.statistics, Number(chunk?.num_values ?? rows), op, want);
        });
        if (!ok || rows === 0) continue;
        kept++;
        units.push({ file: i, rowGroup: g, rows });
      }
    }
  } else {
    for (const i of files.keys()) units.push({ file: i, rowGroup: -1 });
  }
  return { format, files, partitions: typed.columns, units, listed, rowGroups: { total, kept } };
}

function whereValue(v: PartitionValue, op: WhereCondition[1], want: WhereCondition[2]): boolean {
  if (v === null) return false;
  const values = op === "in" ? want as unknown[] : [want];
  const test = (w: unknown): boolean => {
    const a: unknown = v;
    const b: unknown = typeof w === "bigint" ? Number(w) : w;
    if (typeof a !== typeof b) return op === "!=";
    const x = a as number | string, y = b as number | string;
    switch (op) {
      case "==":
      case "in":
        return x === y;
      case "!=":
        return x !== y;
      case "<":
        return x < y;
      case "<=":
        return x <= y;
      case ">":
        return x > y;
      default:
        return x >= y;
    }
  };
  return op === "in" ? values.some(test) : test(values[0]);
}

const OWN = new Set([
  "format",
  "columns",
  "partitions",
  "where",
  "shuffleFiles",
  "s3",
  "remote",
  "listPageSize",
  "progress",
  "reader",
  "signal",
]);

/** Splits a reader's options into files() options and the reader's own (for the readers' hooks). */
export function splitOptions(
  format: FileFormat,
  options: Record<string, unknown>,
): FilesOptions {
  const reader: Record<string, unknown> = {};
  const own: Record<string, unknown> = { format };
  for (const [k, v] of Object.entries(options)) {
    if (OWN.has(k)) own[k] = v;
    else reader[k] = v;
  }
  return { ...own, reader } as FilesOptions;
}

/** Whether a reader's call goes to {@linkcode files}: many sources, or many-file options. */
export function wantsFiles(source: unknown, options: object): boolean {
  if (isMany(source)) return true;
  for (const k of ["partitions", "where", "shuffleFiles", "s3", "remote", "listPageSize"]) {
    if ((options as Record<string, unknown>)[k] !== undefined) return true;
  }
  return false;
}
