import {
  Bool,
  type Data,
  DataType,
  DateDay,
  Float32,
  Float64,
  Int32,
  Int64,
  makeData,
  type RecordBatch,
  TimestampMicrosecond,
  TimestampMillisecond,
  TimestampNanosecond,
  Uint32,
  Uint64,
  vectorFromArray,
} from "apache-arrow";
import {
  type FileMetaData,
  parquetMetadataAsync,
  parquetRead,
  type SchemaElement,
} from "hyparquet";
import { codecs as compressors } from "./_codecs.ts";
import {
  countNulls,
  dataBytes,
  fixedData,
  GrowingDictionary,
  makeBatch,
  packValidity,
} from "./_batch.ts";
import { Dataset, type StageOptions } from "./dataset.ts";
import { files, type ManyFilesOptions } from "./files.ts";
import { splitOptions, wantsFiles } from "./_multi.ts";
import { openRandomAccess, sourceName } from "./_source.ts";
import { RemoteReadError } from "./remote_read_error.ts";
import { trackProgress } from "./_progress.ts";
import {
  decodeColumnChunk,
  type DecodedColumn,
  fastColumn,
  UnsupportedEncoding,
} from "./_parquet_decode.ts";

/** Options for {@linkcode parquet}. */
export interface ParquetOptions extends StageOptions, ManyFilesOptions {
  /**
   * Columns to read (projection); others are never fetched or decoded.
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
   * The file's footer metadata (hyparquet's `FileMetaData`) when already
   * read: a many-file dataset passes it in, keeping only the row groups to
   * read; only its row groups are read.
   * @default {read from the file}
   */
  metadata?: object;
}

type AnyData = Data<DataType>;
type Decoded = ArrayLike<unknown> & { constructor: unknown };

/** The Arrow type for a flat parquet column, or null for "infer from the values". */
function arrowType(el: SchemaElement): DataType | null {
  const lt = el.logical_type;
  const ct = el.converted_type;
  if (lt?.type === "TIMESTAMP") {
    if (lt.unit === "MILLIS") return new TimestampMillisecond();
    if (lt.unit === "NANOS") return new TimestampNanosecond();
    return new TimestampMicrosecond();
  }
  if (ct === "TIMESTAMP_MILLIS") return new TimestampMillisecond();
  if (ct === "TIMESTAMP_MICROS") return new TimestampMicrosecond();
  if (ct === "DATE" || lt?.type === "DATE") return new DateDay();
  if (ct === "DECIMAL" || lt?.type === "DECIMAL") return new Float64();
  if (ct === "UTF8" || lt?.type === "STRING" || lt?.type === "ENUM" || ct === "ENUM") {
    return null; // dictionary-encoded below
  }
  const unsigned = ct === "UINT_32" || ct === "UINT_64" ||
    (lt?.type === "INTEGER" && lt.isSigned === false);
  switch (el.type) {
    case "BOOLEAN":
      return new Bool();
    case "INT32":
      return unsigned ? new Uint32() : new Int32();
    case "INT64":
      return unsigned ? new Uint64() : new Int64();
    case "FLOAT":
      return new Float32();
    case "DOUBLE":
      return new Float64();
    default:
      return null;
  }
}

function isString(el: SchemaElement): boolean {
  const lt = el.logical_type;
  return el.converted_type === "UTF8" || lt?.type === "STRING" || lt?.type === "ENUM" ||
    el.converted_type === "ENUM";
}

function typedFor(type: DataType, n: number) {
  const T = (type as unknown as { ArrayType: new (n: number) => ArrayLike<unknown> }).ArrayType;
  return new T(n);
}

/** Builds one Arrow column from hyparquet's decoded chunks (in row order). */
function buildColumn(
  el: SchemaElement,
  chunks: Decoded[],
  length: number,
  dictionary: GrowingDictionary | undefined,
): AnyData {
  if (dictionary) {
    const all: (string | null | undefined)[] = chunks.length === 1
      ? chunks[0] as unknown as string[]
      : chunks.flatMap((c) => Array.from(c as ArrayLike<string>));
    return dictionary.encode(all);
  }
  const type = arrowType(el);
  if (type === null) {
    const all = chunks.flatMap((c) => Array.from(c));
    return vectorFromArray(all).data[0] as AnyData;
  }
  if (type instanceof Bool) {
    const bits = new Uint8Array(((length + 63) & ~63) >> 3);
    const valid = new Uint8Array(length).fill(1);
    let k = 0;
    for (const c of chunks) {
      for (let i = 0; i < c.length; i++, k++) {
        const v = c[i];
        if (v === null || v === undefined) valid[k] = 0;
        else if (v) bits[k >> 3] |= 1 << (k & 7);
      }
    }
    const bitmap = packValidity(valid, length);
    return makeData({
      type,
      length,
      data: bits,
      nullBitmap: bitmap,
      nullCount: countNulls(bitmap, length),
    }) as unknown as AnyData;
  }
  const Want = (type as unknown as { ArrayType: unknown }).ArrayType;
  // Zero-copy: a required column decoded straight into the right typed array.
  if (chunks.length === 1 && chunks[0].constructor === Want && chunks[0].length === length) {
    return fixedData(type, chunks[0] as unknown as Int32Array);
  }
  const out = typedFor(type, length) as unknown as (number | bigint)[];
  let valid: Uint8Array | null = null;
  let k = 0;
  const big = out instanceof BigInt64Array || out instanceof BigUint64Array;
  for (const c of chunks) {
    if (c.constructor === Want) {
      (out as unknown as Int32Array).set(c as unknown as Int32Array, k);
      k += c.length;
      continue;
    }
    for (let i = 0; i < c.length; i++, k++) {
      const v = c[i];
      if (v === null || v === undefined) {
        valid ??= new Uint8Array(length).fill(1);
        valid[k] = 0;
      } else if (big) out[k] = typeof v === "bigint" ? v : BigInt(v as number);
      else out[k] = typeof v === "bigint" ? Number(v) : v as number;
    }
  }
  return fixedData(
    type,
    out as unknown as Int32Array,
    valid ? packValidity(valid, length) : undefined,
  );
}

/** Wraps a fast-path decoded column as Arrow data (zero-copy; reinterprets unsigned ints). */
function toArrow(
  el: SchemaElement,
  decoded: DecodedColumn,
  dictionary: GrowingDictionary | undefined,
): AnyData {
  const rows = decoded.values.length;
  const bitmap = decoded.valid ? packValidity(decoded.valid, rows) : undefined;
  if (dictionary) return dictionary.data(decoded.values as Int32Array, bitmap);
  const type = arrowType(el)!;
  const Want =
    (type as unknown as { ArrayType: new (b: ArrayBuffer, o: number, n: number) => Int32Array })
      .ArrayType;
  let values = decoded.values;
  if (values.constructor !== Want) {
    values = new Want(values.buffer as ArrayBuffer, values.byteOffset, values.length);
  }
  return fixedData(type, values, bitmap);
}

// hyparquet's defaults make Date objects; keep raw integers for typed arrays.
const rawParsers = {
  timestampFromMilliseconds: (v: bigint) => v,
  timestampFromMicroseconds: (v: bigint) => v,
  timestampFromNanoseconds: (v: bigint) => v,
  dateFromDays: (v: number) => v,
};

/**
 * A dataset over a Parquet file or URL, read one row group at a time (only
 * the projected columns' bytes are fetched; URLs through HTTP range requests,
 * never whole) and yielded as Arrow RecordBatches built from typed arrays.
 * Snappy, gzip, ZSTD, Brotli and LZ4 pages decode through
 * hyparquet-compressors. Strings become dictionary columns whose codes are
 * stable for the whole pass; timestamps stay integer Arrow timestamps; int64
 * stays BigInt64.
 *
 * @param source A path, file: URL or http(s) URL.
 * @param options Columns, batchRows, progress and the signal.
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
  const batchRows = options.batchRows;
  if (batchRows !== undefined && !(Number.isInteger(batchRows) && batchRows > 0)) {
    throw new RangeError(
      `Cannot read parquet "${name}": batchRows must be a positive integer, got ${batchRows}`,
    );
  }
  return new Dataset<RecordBatch>(`parquet(${base})`, async function* (ctx) {
    const file = await openRandomAccess(source, "parquet", ctx.signal);
    try {
      const asyncBuffer = {
        byteLength: file.byteLength,
        async slice(start: number, end?: number): Promise<ArrayBuffer> {
          const bytes = await file.read(start, end ?? file.byteLength);
          return bytes.buffer as ArrayBuffer;
        },
      };
      let metadata: FileMetaData;
      try {
        metadata = (options.metadata as FileMetaData | undefined) ??
          await parquetMetadataAsync(asyncBuffer);
      } catch (e) {
        if (ctx.signal?.aborted) throw ctx.signal.reason;
        if (e instanceof RemoteReadError) throw e;
        throw new TypeError(`Cannot read parquet "${name}": ${(e as Error).message}`, { cause: e });
      }
      const leaves = metadata.schema.slice(1).filter((el) => !el.num_children);
      if (leaves.length !== metadata.schema.length - 1) {
        throw new TypeError(
          `Cannot read parquet "${name}": nested columns are not supported yet`,
        );
      }
      const byName = new Map(leaves.map((el) => [el.name, el]));
      const columns = options.columns ?? leaves.map((el) => el.name);
      for (const c of columns) {
        if (!byName.has(c)) {
          throw new TypeError(
            `Cannot read parquet "${name}": no column "${c}" (columns: ${
              [...byName.keys()].join(", ")
            })`,
          );
        }
      }
      const dictionaries = new Map<string, GrowingDictionary>();
      for (const c of columns) {
        if (isString(byName.get(c)!)) dictionaries.set(c, new GrowingDictionary());
      }
      const totalRows = Number(metadata.num_rows);
      const progress = trackProgress(options.progress, `parquet ${base}`, totalRows, "rows");
      let rowsDone = 0;
      let groupStart = 0;
      // The compressed bytes of one row group's fast-path column chunks, all
      // requested at once; the next group's are fetched while this one decodes
      // (read-ahead of one group keeps memory bounded).
      const fetchGroup = (g: number): Promise<(Uint8Array | null)[]> | null => {
        const group = metadata.row_groups[g];
        if (!group) return null;
        const reads = columns.map((c) => {
          const meta = group.columns.find((x) => x.meta_data?.path_in_schema[0] === c)?.meta_data;
          if (!meta || !fastColumn(byName.get(c)!, dictionaries.has(c))) return null;
          const start = Number(meta.dictionary_page_offset ?? meta.data_page_offset);
          return file.read(start, start + Number(meta.total_compressed_size));
        });
        const all = Promise.all(reads);
        all.catch(() => {}); // an abandoned read-ahead must not be an unhandled rejection
        return all;
      };
      let pending = fetchGroup(0);
      for (let g = 0; g < metadata.row_groups.length; g++) {
        const group = metadata.row_groups[g];
        ctx.signal?.throwIfAborted();
        const fetched = await pending!;
        pending = fetchGroup(g + 1);
        ctx.signal?.throwIfAborted();
        const groupRows = Number(group.num_rows);
        const data = new Array<AnyData>(columns.length);
        const slow: string[] = [];
        // Fast path: each projected column chunk decoded straight into typed arrays.
        for (let i = 0; i < columns.length; i++) {
          const c = columns[i];
          const el = byName.get(c)!;
          const meta = group.columns.find((x) => x.meta_data?.path_in_schema[0] === c)?.meta_data;
          const bytes = fetched[i];
          if (!meta || bytes === null) {
            slow.push(c);
            continue;
          }
          try {
            const decoded = decodeColumnChunk(
              bytes,
              meta,
              el,
              groupRows,
              compressors,
              dictionaries.get(c),
            );
            data[i] = toArrow(el, decoded, dictionaries.get(c));
          } catch (e) {
            if (e instanceof UnsupportedEncoding) slow.push(c);
            else {
              throw new TypeError(
                `Cannot read parquet "${name}": column "${c}" in the row group at row ${groupStart}: ${
                  (e as Error).message
                }`,
                { cause: e },
              );
            }
          }
        }
        if (slow.length > 0) {
          const chunks = new Map<string, { rowStart: number; data: Decoded }[]>();
          for (const c of slow) chunks.set(c, []);
          try {
            await parquetRead({
              file: asyncBuffer,
              metadata,
              columns: slow,
              rowStart: groupStart,
              rowEnd: groupStart + groupRows,
              compressors,
              parsers: rawParsers,
              onChunk(chunk) {
                chunks.get(chunk.columnName)?.push({
                  rowStart: chunk.rowStart,
                  data: chunk.columnData as unknown as Decoded,
                });
              },
            });
          } catch (e) {
            if (ctx.signal?.aborted) throw ctx.signal.reason;
            throw new TypeError(
              `Cannot read parquet "${name}": row group at row ${groupStart}: ${
                (e as Error).message
              }`,
              { cause: e },
            );
          }
          for (const c of slow) {
            const parts = chunks.get(c)!.sort((a, b) => a.rowStart - b.rowStart).map((p) => p.data);
            data[columns.indexOf(c)] = buildColumn(
              byName.get(c)!,
              parts,
              groupRows,
              dictionaries.get(c),
            );
          }
        }
        const batch = makeBatch(columns, data, groupRows);
        let held = 0;
        for (const d of data) held += dataBytes(d);
        ctx.hold(held);
        groupStart += groupRows;
        if (batchRows === undefined || batchRows >= groupRows) {
          rowsDone += groupRows;
          progress?.update(rowsDone);
          yield batch;
        } else {
          for (let at = 0; at < groupRows; at += batchRows) {
            const slice = batch.slice(at, Math.min(groupRows, at + batchRows));
            rowsDone += slice.numRows;
            progress?.update(rowsDone);
            yield slice;
          }
        }
        ctx.hold(0);
      }
      progress?.done();
    } finally {
      await file.close();
    }
  }, options);
}
