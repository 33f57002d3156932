import type { Data, DataType, RecordBatch } from "apache-arrow";
import type { ColumnMetaData, FileMetaData } from "hyparquet";
import { dataBytes, fixedData, GrowingDictionary, makeBatch, packValidity } from "./_batch.ts";
import { Dataset, type StageOptions } from "./dataset.ts";
import { files, type ManyFilesOptions } from "./files.ts";
import { splitOptions, wantsFiles } from "./_multi.ts";
import { openRandomAccess, type RandomAccess, sourceName } from "./_source.ts";
import { trackProgress } from "./_progress.ts";
import { decodeColumnChunk, UnsupportedEncoding } from "./_parquet_decode.ts";
import { decodeLeafChunk, type LeafChunk } from "./_parquet_column.ts";
import { ParquetCorrupt } from "./_parquet_pages.ts";
import { chunkRange, type Footer, readFooter } from "./_parquet_meta.ts";
import {
  pruneShape,
  type SchemaNode,
  type Shape,
  shapeLeaves,
  shapeOf,
} from "./_parquet_schema.ts";
import { type ConvertOptions, denseLeaf, isText, leafType } from "./_parquet_arrow.ts";
import { assemble, dictionaryLeaf, type LeafState } from "./_parquet_assemble.ts";
import { ParquetError } from "./parquet_error.ts";

/** Options for {@linkcode parquet}. */
export interface ParquetOptions extends StageOptions, ManyFilesOptions {
  /**
   * Columns to read (projection): top-level names, or dotted paths into
   * structs (`"s.a"` reads struct `s` with only its field `a`). Other
   * columns are never fetched or decoded.
   * @default {all columns}
   */
  columns?: string[];
  /**
   * Split each row group into batches of at most this many rows (zero-copy
   * slices); by default one batch per row group.
   * @default {undefined}
   */
  batchRows?: number;
  /**
   * Show progress (rows, rate, ETA) while reading; `true` or a label.
   * @default {false}
   */
  progress?: boolean | string;
  /**
   * The unit of INT96 timestamps (Spark, Impala, Hive). `"ns"` is exact and
   * a value outside int64 nanoseconds (years 1677–2262) is an error naming
   * its row; `"us"` and `"ms"` fit every date and drop the finer digits.
   * @default {"ns"}
   */
  int96?: "ns" | "us" | "ms";
  /**
   * Verify the CRC32 of every page that stores one (a mismatch is an error
   * naming the row group and column); `false` skips the check.
   * @default {true}
   */
  verifyChecksums?: boolean;
  /**
   * The file's footer metadata (hyparquet's `FileMetaData`) when already
   * read: a many-file dataset passes it in, keeping only the row groups to
   * read; only its row groups are read.
   * @default {read from the file}
   */
  metadata?: object;
}

type AnyData = Data<DataType>;

/** One output column: its shape, the leaves it reads, and how. */
interface Output {
  name: string;
  shape: Shape;
  leaves: SchemaNode[];
  /** Flat text: a dictionary column with codes stable across the pass. */
  dictionary?: GrowingDictionary;
  /** The flat leaf's Arrow type, when the fast path may decode it. */
  fast?: DataType;
}

/** What a pass needs to decode a row group. */
interface Plan {
  name: string;
  file: RandomAccess;
  footer: Footer;
  outputs: Output[];
  /** Leaves to fetch, in column order. */
  leaves: SchemaNode[];
  convert: ConvertOptions;
  verify: boolean;
  /**
   * Two sets of column-chunk buffers, reused across row groups: group g reads
   * into set g % 2 while group g − 1, in the other set, decodes. Nothing
   * decoded aliases them (values are copied out of pages).
   */
  buffers: [Map<SchemaNode, Uint8Array>, Map<SchemaNode, Uint8Array>];
}

const KNOWN = new Set([
  "columns",
  "batchRows",
  "progress",
  "int96",
  "verifyChecksums",
  "metadata",
  "signal",
  "probe",
  "name",
]);

/** Phase 1: options checked before anything opens. */
function checkOptions(name: string, options: ParquetOptions): void {
  const fail = (what: string) => new TypeError(`Cannot read parquet "${name}": ${what}`);
  const { batchRows, int96, columns, verifyChecksums } = options;
  if (batchRows !== undefined && !(Number.isInteger(batchRows) && batchRows > 0)) {
    throw new RangeError(
      `Cannot read parquet "${name}": batchRows must be a positive integer, got ${batchRows}`,
    );
  }
  if (int96 !== undefined && !["ns", "us", "ms"].includes(int96)) {
    throw fail(`int96 must be "ns", "us" or "ms", got ${JSON.stringify(int96)}`);
  }
  if (
    columns !== undefined &&
    !(Array.isArray(columns) && columns.every((c) => typeof c === "string"))
  ) {
    throw fail(`columns must be an array of names, got ${JSON.stringify(columns)}`);
  }
  if (verifyChecksums !== undefined && typeof verifyChecksums !== "boolean") {
    throw fail(`verifyChecksums must be a boolean, got ${JSON.stringify(verifyChecksums)}`);
  }
  for (const k of Object.keys(options)) {
    if (!KNOWN.has(k) && (options as Record<string, unknown>)[k] !== undefined) {
      // StageOptions may grow; only flag names that look like ours misspelt.
      if (/^(column|batch|int|verify|checksum)/i.test(k)) throw fail(`unknown option "${k}"`);
    }
  }
}

/** Fast-path Arrow types: a flat numeric leaf whose physical array is its Arrow storage. */
function fastType(node: SchemaNode, type: DataType): DataType | undefined {
  if (node.rep > 0 || node.el.repetition_type === "REPEATED") return undefined;
  const T = (type as unknown as { ArrayType?: { name: string } }).ArrayType?.name;
  const physical = node.el.type;
  if (type.typeId === 7 /* Decimal */) return undefined;
  if (physical === "INT32" && (T === "Int32Array" || T === "Uint32Array")) return type;
  if (physical === "INT64" && (T === "BigInt64Array" || T === "BigUint64Array")) return type;
  if (physical === "FLOAT" && T === "Float32Array") return type;
  if (physical === "DOUBLE" && T === "Float64Array") return type;
  return undefined;
}

/** Phase 2: the projection, resolved against the schema. */
function planColumns(
  name: string,
  footer: Footer,
  columns: string[] | undefined,
  convert: ConvertOptions,
): Output[] {
  const byName = new Map(footer.top.map((n) => [n.name, n]));
  const wanted = new Map<string, string[][]>();
  for (const c of columns ?? footer.top.map((n) => n.name)) {
    let top = byName.has(c) ? c : c.split(".")[0];
    let rest = byName.has(c) ? [] : c.split(".").slice(1);
    let node = byName.get(top);
    for (const part of rest) node = node?.children.find((x) => x.name === part);
    if (!node) {
      const all = footer.leaves.map((l) => l.path.join("."));
      throw new ParquetError(
        name,
        `no column "${c}" (columns: ${footer.top.map((n) => n.name).join(", ")}; leaves: ${
          all.join(", ")
        })`,
        { column: c },
      );
    }
    if (!wanted.has(top)) wanted.set(top, []);
    wanted.get(top)!.push(rest);
    top = "";
    rest = [];
  }
  const outputs: Output[] = [];
  for (const [top, paths] of wanted) {
    const node = byName.get(top)!;
    const shape = pruneShape(shapeOf(node), paths);
    const out: Output = { name: top, shape, leaves: shapeLeaves(shape) };
    if (shape.kind === "leaf") {
      try {
        const type = leafType(node.el, convert);
        if (isText(node.el)) out.dictionary = new GrowingDictionary();
        else out.fast = fastType(node, type);
      } catch (e) {
        throw new ParquetError(name, (e as Error).message, { column: top }, e);
      }
    }
    outputs.push(out);
  }
  return outputs;
}

/** Phase 3: the compressed bytes of one row group's projected column chunks. */
function fetchGroup(plan: Plan, g: number): Promise<Map<SchemaNode, Uint8Array>> | null {
  const group = plan.footer.metadata.row_groups[g];
  if (!group) return null;
  const dataEnd = plan.file.byteLength - 8 - plan.footer.metadata.metadata_length;
  const set = plan.buffers[g % 2];
  const reads = plan.leaves.map(async (leaf) => {
    const meta = group.columns[leaf.column].meta_data!;
    const [start, end] = chunkRange(meta, dataEnd);
    let buffer = set.get(leaf);
    if (!buffer || buffer.length < end - start) {
      // Grow to the largest chunk seen (with headroom), so later groups reuse it.
      buffer = new Uint8Array(Math.max(end - start, Math.ceil((buffer?.length ?? 0) * 1.25)));
      set.set(leaf, buffer);
    }
    const bytes = buffer.subarray(0, end - start);
    await plan.file.readInto(bytes, start);
    return [leaf, bytes] as const;
  });
  const all = Promise.all(reads).then((pairs) => new Map(pairs));
  all.catch(() => {}); // an abandoned read-ahead must not be an unhandled rejection
  return all;
}

/** Restates any error inside a row group as a ParquetError naming file, group, column and row. */
function restate(plan: Plan, g: number, groupStart: number, column: string, e: unknown): Error {
  if (e instanceof ParquetError) return e;
  const row = e instanceof ParquetCorrupt && e.rowInGroup !== undefined
    ? groupStart + e.rowInGroup
    : undefined;
  return new ParquetError(plan.name, (e as Error).message, {
    rowGroup: g,
    column: column || undefined,
    row,
  }, e);
}

/** The row (in the row group) of non-null value k of a leaf chunk. */
function rowOfValue(chunk: LeafChunk, maxDef: number, k: number): number {
  let row = -1;
  let seen = -1;
  for (let i = 0; i < chunk.entries; i++) {
    if (chunk.rep === null || chunk.rep[i] === 0) row++;
    if (chunk.def === null || chunk.def[i] === maxDef) {
      if (++seen === k) return row;
    }
  }
  return row;
}

/** A flat leaf through the fast path, or null when a page needs the general decoder. */
function decodeFast(
  plan: Plan,
  out: Output,
  meta: ColumnMetaData,
  bytes: Uint8Array,
  rows: number,
): AnyData | null {
  const leaf = out.leaves[0];
  try {
    const decoded = decodeColumnChunk(bytes, meta, leaf.el, rows, out.dictionary, plan.verify);
    const bitmap = decoded.valid ? packValidity(decoded.valid, rows) : undefined;
    if (out.dictionary) return out.dictionary.data(decoded.values as Int32Array, bitmap);
    const type = out.fast!;
    const Want = (type as unknown as {
      ArrayType: new (b: ArrayBuffer, o: number, n: number) => Int32Array;
    }).ArrayType;
    let values = decoded.values;
    if (values.constructor !== Want) {
      values = new Want(values.buffer as ArrayBuffer, values.byteOffset, values.length);
    }
    return fixedData(type, values, bitmap);
  } catch (e) {
    if (e instanceof UnsupportedEncoding) return null;
    throw e;
  }
}

/** Phase 4: one row group decoded into Arrow columns. */
function decodeGroup(
  plan: Plan,
  g: number,
  groupStart: number,
  fetched: Map<SchemaNode, Uint8Array>,
): AnyData[] {
  const group = plan.footer.metadata.row_groups[g];
  const rows = plan.footer.groupRows[g];
  return plan.outputs.map((out) => {
    let column = out.name;
    try {
      if (out.shape.kind === "leaf" && (out.fast || out.dictionary)) {
        const leaf = out.leaves[0];
        const d = decodeFast(
          plan,
          out,
          group.columns[leaf.column].meta_data!,
          fetched.get(leaf)!,
          rows,
        );
        if (d) return d;
      }
      const states = new Map<SchemaNode, LeafState>();
      for (const leaf of out.leaves) {
        column = leaf.path.join(".");
        const meta = group.columns[leaf.column].meta_data!;
        const chunk = decodeLeafChunk(fetched.get(leaf)!, meta, leaf, rows, plan.verify);
        const type = leafType(leaf.el, plan.convert);
        const dense = denseLeaf(type, chunk.values, (k) => rowOfValue(chunk, leaf.def, k));
        states.set(leaf, { chunk, dense, valueIndex: null });
      }
      column = out.name;
      if (out.dictionary) {
        return dictionaryLeaf(states.get(out.leaves[0])!, out.leaves[0].def, out.dictionary);
      }
      return assemble(out.shape, states, rows);
    } catch (e) {
      throw restate(plan, g, groupStart, column, e);
    }
  });
}

/**
 * A dataset over a Parquet file or URL, read one row group at a time (only
 * the projected columns' bytes are fetched; URLs through HTTP range requests,
 * never whole) and yielded as Arrow RecordBatches. Types are exact: DECIMAL
 * becomes Arrow Decimal, INT96 Timestamp(ns), FLOAT16 Float16, binary
 * Binary / FixedSizeBinary; LIST, MAP and STRUCT become Arrow List, Map and
 * Struct. Flat text columns become dictionary columns whose codes are stable
 * for the whole pass. Every problem is a {@linkcode ParquetError} naming the
 * file, row group and column. The README's "Parquet: types, pages and
 * errors" section has the full table.
 *
 * @param source A path, file: URL or http(s) URL.
 * @param options Columns, batchRows, progress, int96, verifyChecksums and the signal.
 * @returns The dataset.
 * @example
 * ```ts
 * import { parquet } from "memkit";
 * const path = "node_modules/vega-datasets/data/flights-3m.parquet";
 * let rows = 0;
 * for await (const b of parquet(path, { columns: ["delay"] }).take(1000)) rows += b.numRows;
 * if (rows !== 1000) throw new Error(`${rows}`);
 * ```
 */
export function parquet(
  source: string | URL | (string | URL)[],
  options: ParquetOptions = {},
): Dataset<RecordBatch> {
  if (Array.isArray(source) || wantsFiles(source, options)) {
    return files(source, splitOptions("parquet", { ...options }));
  }
  const name = sourceName(source);
  const base = name.split("/").pop() ?? name;
  checkOptions(name, options);
  const batchRows = options.batchRows;
  const convert: ConvertOptions = { int96: options.int96 ?? "ns" };
  return new Dataset<RecordBatch>(`parquet(${base})`, async function* (ctx) {
    const file = await openRandomAccess(source, "parquet", ctx.signal);
    try {
      const footer = await readFooter(file, name, options.metadata as FileMetaData | undefined);
      const outputs = planColumns(name, footer, options.columns, convert);
      const leaves = [...new Set(outputs.flatMap((o) => o.leaves))].sort((a, b) =>
        a.column - b.column
      );
      const plan: Plan = {
        name,
        file,
        footer,
        outputs,
        leaves,
        convert,
        verify: options.verifyChecksums ?? true,
        buffers: [new Map(), new Map()],
      };
      const totalRows = footer.groupRows.reduce((a, b) => a + b, 0);
      const progress = trackProgress(options.progress, `parquet ${base}`, totalRows, "rows");
      let rowsDone = 0;
      let groupStart = 0;
      // The next group's bytes are fetched while this one decodes (read-ahead
      // of one group keeps memory bounded).
      let pending = fetchGroup(plan, 0);
      for (let g = 0; g < footer.groupRows.length; g++) {
        ctx.signal?.throwIfAborted();
        let fetched: Map<SchemaNode, Uint8Array>;
        try {
          fetched = await pending!;
        } catch (e) {
          if (ctx.signal?.aborted) throw ctx.signal.reason;
          throw restate(plan, g, groupStart, "", e);
        }
        pending = fetchGroup(plan, g + 1);
        ctx.signal?.throwIfAborted();
        const rows = footer.groupRows[g];
        const data = decodeGroup(plan, g, groupStart, fetched);
        fetched.clear();
        const batch = makeBatch(outputs.map((o) => o.name), data, rows);
        let held = 0;
        for (const d of data) held += dataBytes(d);
        ctx.hold(held);
        groupStart += rows;
        // An empty row group yields nothing.
        const step = batchRows === undefined || batchRows >= rows ? rows : batchRows;
        for (let at = 0; at < rows; at += step) {
          const slice = step === rows ? batch : batch.slice(at, Math.min(rows, at + step));
          rowsDone += slice.numRows;
          progress?.update(rowsDone);
          yield slice;
        }
        ctx.hold(0);
      }
      progress?.done();
    } finally {
      await file.close();
    }
  }, options);
}
