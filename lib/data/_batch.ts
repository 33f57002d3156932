/**
 * Internal helpers that build, measure, slice, concatenate and gather Arrow
 * RecordBatches straight from typed arrays (no row objects).
 * @module
 */
import {
  Bool,
  Data,
  DataType,
  Dictionary,
  Int32,
  makeData,
  RecordBatch,
  Type,
  Utf8,
  Vector,
  vectorFromArray,
} from "apache-arrow";
import { dtypeBytes } from "../dtype/dtype_bytes.ts";
import { dataBytes, makeBatch } from "../_arrow_data.ts";

export { dataBytes, makeBatch };

/** A typed array that backs a fixed-width Arrow column. */
export type Values =
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

type AnyData = Data<DataType>;

/**
 * Bytes held by a dataset element: a RecordBatch's buffers, a tensor's
 * bytes, or the sum over an array or a plain object's values; 0 otherwise.
 */
export function elementBytes(x: unknown, depth = 0): number {
  if (x === null || typeof x !== "object" || depth > 3) return 0;
  if (x instanceof RecordBatch) return dataBytes(x.data);
  if (ArrayBuffer.isView(x)) return x.byteLength;
  const maybeTensor = x as { size?: unknown; dtype?: unknown; isDisposed?: unknown };
  if (typeof maybeTensor.size === "number" && typeof maybeTensor.dtype === "string") {
    if (maybeTensor.isDisposed === true) return 0;
    return maybeTensor.size * dtypeBytes(maybeTensor.dtype);
  }
  let n = 0;
  if (Array.isArray(x)) { for (const v of x) n += elementBytes(v, depth + 1); }
  else if (Object.getPrototypeOf(x) === Object.prototype) {
    for (const v of Object.values(x)) n += elementBytes(v, depth + 1);
  }
  return n;
}

/** Packs a JS boolean-ish validity (1 = valid) into an Arrow bitmap, or undefined when all valid. */
export function packValidity(valid: Uint8Array, length: number): Uint8Array | undefined {
  let allValid = true;
  for (let i = 0; i < length; i++) {
    if (valid[i] === 0) {
      allValid = false;
      break;
    }
  }
  if (allValid) return undefined;
  const bitmap = new Uint8Array(((length + 63) & ~63) >> 3);
  for (let i = 0; i < length; i++) if (valid[i]) bitmap[i >> 3] |= 1 << (i & 7);
  return bitmap;
}

/** Counts zero bits among the first `length` bits of an Arrow validity bitmap. */
export function countNulls(bitmap: Uint8Array | undefined, length: number): number {
  if (!bitmap) return 0;
  let valid = 0;
  for (let i = 0; i < length; i++) valid += (bitmap[i >> 3] >> (i & 7)) & 1;
  return length - valid;
}

/**
 * A Bool column of `length` rows whose row `i` is true when `isSet(i)`, packed
 * into Arrow's bit layout (64-bit padded), with an optional validity bitmap.
 */
export function boolData(
  length: number,
  isSet: (i: number) => unknown,
  bitmap?: Uint8Array,
): AnyData {
  const bits = new Uint8Array(((length + 63) & ~63) >> 3);
  for (let i = 0; i < length; i++) if (isSet(i)) bits[i >> 3] |= 1 << (i & 7);
  return makeData({
    type: new Bool(),
    length,
    data: bits,
    nullBitmap: bitmap,
    nullCount: countNulls(bitmap, length),
  }) as unknown as AnyData;
}

/** A fixed-width column from a typed array and an optional validity bitmap (zero-copy). */
export function fixedData(type: DataType, values: Values, bitmap?: Uint8Array): AnyData {
  const length = values.length;
  return makeData({
    type,
    length,
    data: values,
    nullBitmap: bitmap,
    nullCount: countNulls(bitmap, length),
  } as never) as AnyData;
}

/**
 * A dictionary that grows as batches arrive, so that codes stay stable across
 * every batch of one pass: code 3 means the same string in batch 1 and batch
 * 900, which toTensors relies on. Each batch carries the dictionary as it
 * stood when the batch was made (a prefix of every later one).
 */
export class GrowingDictionary {
  readonly type: Dictionary<Utf8, Int32>;
  #codes = new Map<string, number>();
  #values: string[] = [];
  #vector: Vector<Utf8> | null = null;
  static #nextId = 1_000_000;

  constructor() {
    this.type = new Dictionary(new Utf8(), new Int32(), GrowingDictionary.#nextId++);
  }

  /** The number of distinct strings seen. */
  get size(): number {
    return this.#values.length;
  }

  /** The code for a string, adding it when new. */
  code(s: string): number {
    let c = this.#codes.get(s);
    if (c === undefined) {
      c = this.#values.length;
      this.#codes.set(s, c);
      this.#values.push(s);
      this.#vector = null;
    }
    return c;
  }

  /** The dictionary so far, as an Arrow vector (rebuilt only after growth). */
  vector(): Vector<Utf8> {
    this.#vector ??= vectorFromArray(this.#values, new Utf8());
    return this.#vector;
  }

  /** A dictionary column for the given codes (zero-copy). */
  data(codes: Int32Array, bitmap?: Uint8Array): AnyData {
    return makeData({
      type: this.type,
      length: codes.length,
      data: codes,
      nullBitmap: bitmap,
      nullCount: countNulls(bitmap, codes.length),
      dictionary: this.vector(),
    }) as unknown as AnyData;
  }

  /** Encodes strings (null/undefined become nulls) into a dictionary column. */
  encode(strings: ArrayLike<string | null | undefined>): AnyData {
    const n = strings.length;
    const codes = new Int32Array(n);
    let valid: Uint8Array | null = null;
    for (let i = 0; i < n; i++) {
      const s = strings[i];
      if (s === null || s === undefined) {
        valid ??= new Uint8Array(n).fill(1);
        valid[i] = 0;
      } else codes[i] = this.code(s);
    }
    return this.data(codes, valid ? packValidity(valid, n) : undefined);
  }
}

function isFixedWidth(type: DataType): boolean {
  switch (type.typeId) {
    case Type.Int:
    case Type.Float:
    case Type.Date:
    case Type.Timestamp:
    case Type.Time:
    case Type.Duration:
      return true;
    default:
      return false;
  }
}

function bit(bitmap: Uint8Array, i: number): number {
  return (bitmap[i >> 3] >> (i & 7)) & 1;
}

/** Whether dictionary `a` is a prefix of dictionary `b` (same strings, same order). */
function isPrefix(a: Vector, b: Vector): boolean {
  if (a === b) return true;
  if (a.length > b.length) return false;
  for (let i = 0; i < a.length; i++) if (a.get(i) !== b.get(i)) return false;
  return true;
}

/**
 * Gathers rows from several batches of the same schema into one new batch:
 * row k of the result is row `rows[k]` of `batches[which[k]]`. Fixed-width,
 * boolean and dictionary columns are copied with typed loops; other types
 * fall back to value-by-value rebuilding.
 */
export function gatherRows(
  batches: RecordBatch[],
  which: Uint32Array | Int32Array,
  rows: Uint32Array | Int32Array,
): RecordBatch {
  const schema = batches[0].schema;
  const length = rows.length;
  const names = schema.fields.map((f) => f.name);
  const columns: AnyData[] = [];
  for (let c = 0; c < names.length; c++) {
    const field = schema.fields[c];
    const sources = batches.map((b) => b.getChildAt(c)!.data[0] as AnyData);
    columns.push(gatherColumn(field.type, sources, which, rows, length));
  }
  return makeBatch(names, columns, length);
}

function gatherValidity(
  sources: AnyData[],
  which: ArrayLike<number>,
  rows: ArrayLike<number>,
  length: number,
): Uint8Array | undefined {
  if (!sources.some((s) => s.nullCount > 0)) return undefined;
  const bitmap = new Uint8Array(((length + 63) & ~63) >> 3);
  for (let k = 0; k < length; k++) {
    const s = sources[which[k]];
    const ok = s.nullCount === 0 || bit(s.nullBitmap, s.offset + rows[k]);
    if (ok) bitmap[k >> 3] |= 1 << (k & 7);
  }
  return bitmap;
}

function gatherColumn(
  type: DataType,
  sources: AnyData[],
  which: ArrayLike<number>,
  rows: ArrayLike<number>,
  length: number,
): AnyData {
  const bitmap = gatherValidity(sources, which, rows, length);
  if (isFixedWidth(type) && sources.every((s) => s.stride === 1)) {
    const first = sources[0].values as Values;
    const Ctor = first.constructor as new (n: number) => Values;
    const out = new Ctor(length);
    const vals = sources.map((s) => s.values as Values);
    if (vals.length === 1) {
      const v = vals[0] as Float64Array;
      for (let k = 0; k < length; k++) (out as Float64Array)[k] = v[rows[k]];
    } else {
      for (let k = 0; k < length; k++) {
        (out as Float64Array)[k] = (vals[which[k]] as Float64Array)[rows[k]];
      }
    }
    return fixedData(type, out, bitmap);
  }
  if (type.typeId === Type.Bool) {
    return boolData(length, (k) => {
      const s = sources[which[k]];
      return bit(s.values as Uint8Array, s.offset + rows[k]);
    }, bitmap);
  }
  if (type.typeId === Type.Dictionary) {
    const dicts = sources.map((s) => s.dictionary!);
    let longest = dicts[0];
    for (const d of dicts) if (d.length > longest.length) longest = d;
    const codes = new Int32Array(length);
    const srcCodes = sources.map((s) => s.values as Int32Array);
    if (dicts.every((d) => isPrefix(d, longest))) {
      for (let k = 0; k < length; k++) codes[k] = srcCodes[which[k]][rows[k]];
    } else {
      // Dictionaries from unrelated sources (e.g. concatenate): remap by value.
      const strings: unknown[] = [];
      const index = new Map<unknown, number>();
      const remap = dicts.map((d) => {
        const m = new Int32Array(d.length);
        for (let i = 0; i < d.length; i++) {
          const v = d.get(i);
          let code = index.get(v);
          if (code === undefined) {
            code = strings.length;
            index.set(v, code);
            strings.push(v);
          }
          m[i] = code;
        }
        return m;
      });
      for (let k = 0; k < length; k++) {
        codes[k] = remap[which[k]][srcCodes[which[k]][rows[k]]];
      }
      longest = vectorFromArray(strings, (type as Dictionary).dictionary) as Vector;
    }
    return makeData({
      type: type as Dictionary,
      length,
      data: codes,
      nullBitmap: bitmap,
      nullCount: countNulls(bitmap, length),
      dictionary: longest,
    }) as unknown as AnyData;
  }
  // Variable-width and nested types: rebuild from values.
  const values: unknown[] = new Array(length);
  const vectors = sources.map((s) => new Vector([s]));
  for (let k = 0; k < length; k++) values[k] = vectors[which[k]].get(rows[k]);
  return vectorFromArray(values, type).data[0] as AnyData;
}

/** Concatenates batches of one schema into one contiguous batch (copies). */
export function concatBatches(batches: RecordBatch[]): RecordBatch {
  if (batches.length === 1) return batches[0];
  let total = 0;
  for (const b of batches) total += b.numRows;
  const which = new Uint32Array(total);
  const rows = new Uint32Array(total);
  let k = 0;
  for (let i = 0; i < batches.length; i++) {
    const n = batches[i].numRows;
    for (let r = 0; r < n; r++, k++) {
      which[k] = i;
      rows[k] = r;
    }
  }
  return gatherRows(batches, which, rows);
}
