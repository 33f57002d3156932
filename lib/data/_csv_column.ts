/**
 * The parser's per-column buffers for one batch: typed arrays that grow from
 * a small capacity up to the batch size (so memory follows the rows really
 * read, not a declared width), a byte-per-row validity array made only once
 * a null appears, and UTF-8 bytes for string columns. No Arrow here.
 * @module
 */
import { ByteDictionary, ByteStrings } from "./_csv_dict.ts";

/** Column types a CSV column can be read as. */
export type CsvType =
  | "float64"
  | "float32"
  | "int32"
  | "int64"
  | "bool"
  | "string"
  | "dictionary"
  | "date"
  | "timestamp"
  | "timestamptz";

/** Parser kinds (small integers for the hot loop); 0 = a skipped field. */
export const KIND = {
  skip: 0,
  float64: 1,
  float32: 2,
  int32: 3,
  int64: 4,
  bool: 5,
  dictionary: 6,
  string: 7,
  date: 8,
  timestamp: 9,
  timestamptz: 10,
} as const;

/** Every type name, for option checks and messages. */
export const CSV_TYPES = Object.keys(KIND).filter((k) => k !== "skip") as CsvType[];

/** Bytes per row of a kind's value buffer. */
export const WIDTH = [0, 8, 4, 4, 8, 1, 4, 8, 4, 8, 8];

/** One column of a finished batch, as plain arrays (workers send these back). */
export interface RawColumn {
  kind: number;
  /** Values `rows` long: numbers, int32 codes/days, uint8 booleans, int64 as BigInt64Array. */
  values: Float64Array | Float32Array | Int32Array | BigInt64Array | Uint8Array | null;
  /** For strings: UTF-8 bytes and `rows + 1` offsets. */
  data: Uint8Array | null;
  offsets: Int32Array | null;
  /** Arrow's validity bitmap (bit set = valid, 64-bit padded); null when no row is null. */
  bitmap: Uint8Array | null;
  /** Rows that are null. */
  nullCount: number;
  /** The pass's dictionary (dictionary columns on the main thread). */
  dict: ByteDictionary | null;
}

/** A finished batch. */
export interface RawBatch {
  rows: number;
  columns: RawColumn[];
}

/** Bytes per row a kind keeps in the batch's slab (strings keep theirs in a ByteStrings). */
const SLAB_WIDTH = WIDTH.map((w, k) => k === KIND.string ? 0 : w);

/**
 * A column being filled. Its value array is a view of the batch's slab (one
 * ArrayBuffer for every column of the batch), which the finished batch keeps:
 * values are written once, where the batch will read them, and the parser
 * takes a new slab for the next batch (see {@linkcode growSlab}).
 */
export class ColumnBuffer {
  readonly kind: number;
  /** Rows the value array has room for (0 between batches). */
  cap = 0;
  f64: Float64Array = new Float64Array(0);
  f32: Float32Array = new Float32Array(0);
  /** int32 values, dictionary codes, date days. */
  i32: Int32Array = new Int32Array(0);
  /** int64 and timestamps: two 32-bit words per row (little-endian), viewing a BigInt64Array. */
  w32: Int32Array = new Int32Array(0);
  u8: Uint8Array = new Uint8Array(0);
  /** A byte per row (1 = valid), made at the first null and reused from batch to batch. */
  valid: Uint8Array | null = null;
  str: ByteStrings | null;
  readonly dict: ByteDictionary | null;

  constructor(kind: number, dict: ByteDictionary | null) {
    this.kind = kind;
    this.str = kind === KIND.string ? new ByteStrings() : null;
    this.dict = kind === KIND.dictionary ? dict ?? new ByteDictionary() : null;
  }

  /** Points the value array at `slab` from byte `at`, `cap` rows, copying the first `keep` rows. */
  attach(slab: ArrayBuffer, at: number, cap: number, keep: number): void {
    const k = this.kind;
    if (k === KIND.float64) {
      const next = new Float64Array(slab, at, cap);
      next.set(this.f64.subarray(0, keep));
      this.f64 = next;
    } else if (k === KIND.float32) {
      const next = new Float32Array(slab, at, cap);
      next.set(this.f32.subarray(0, keep));
      this.f32 = next;
    } else if (k === KIND.int32 || k === KIND.dictionary || k === KIND.date) {
      const next = new Int32Array(slab, at, cap);
      next.set(this.i32.subarray(0, keep));
      this.i32 = next;
    } else if (k === KIND.int64 || k === KIND.timestamp || k === KIND.timestamptz) {
      const next = new Int32Array(slab, at, 2 * cap);
      next.set(this.w32.subarray(0, 2 * keep));
      this.w32 = next;
    } else if (k === KIND.bool) {
      const next = new Uint8Array(slab, at, cap);
      next.set(this.u8.subarray(0, keep));
      this.u8 = next;
    }
    if (this.valid && this.valid.length < cap) {
      const v = new Uint8Array(cap).fill(1);
      v.set(this.valid);
      this.valid = v;
    }
    this.cap = cap;
  }

  /** Marks row r null (validity made on first use). */
  setNull(r: number): void {
    if (this.valid === null) this.valid = new Uint8Array(this.cap).fill(1);
    this.valid[r] = 0;
    if (this.str !== null) this.str.push(this.str.data, 0, 0);
  }

  /** Rows among the first n that are null. */
  nullsIn(n: number): number {
    const v = this.valid;
    if (v === null) return 0;
    // Four validity bytes (each 0 or 1) at a time: their sum is the top byte of x × 0x01010101.
    const words = new Int32Array(v.buffer, v.byteOffset, n >> 2);
    let ones = 0;
    for (let i = 0; i < words.length; i++) ones += Math.imul(words[i], 0x01010101) >>> 24;
    for (let i = words.length << 2; i < n; i++) ones += v[i];
    return n - ones;
  }

  /** Bytes {@linkcode finish} needs in `extra` for n rows with `nulls` nulls (and values, with `copy`). */
  extraBytes(n: number, nulls: number, copy: boolean): number {
    let b = (copy ? align(n * SLAB_WIDTH[this.kind]) : 0) +
      (nulls > 0 ? align(bitmapBytes(n)) : 0);
    if (this.str) b += align(4 * (n + 1)) + align(this.str.offsets[n]);
    return b;
  }

  /**
   * The first `n` rows as a finished column: values are the slab's (or, with
   * `copy`, copied into `extra` at `at`: a batch that filled less than half
   * its slab keeps exact-size values), bitmaps and strings are copied into
   * `extra`. The column leaves the slab (the next batch gets a new one).
   * `extraEnd` is where the next column goes.
   */
  finish(n: number, nulls: number, extra: ArrayBuffer, at: number, copy: boolean): RawColumn {
    const k = this.kind;
    let values: RawColumn["values"] = null;
    if (k === KIND.float64) values = this.f64.subarray(0, n);
    else if (k === KIND.float32) values = this.f32.subarray(0, n);
    else if (k === KIND.int32 || k === KIND.dictionary || k === KIND.date) {
      values = this.i32.subarray(0, n);
    } else if (k === KIND.int64 || k === KIND.timestamp || k === KIND.timestamptz) {
      const w = this.w32;
      values = new BigInt64Array(w.buffer, w.byteOffset, n);
    } else if (k === KIND.bool) values = this.u8.subarray(0, n);
    if (copy && values !== null) {
      const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
      new Uint8Array(extra, at, bytes.length).set(bytes);
      values = new (values.constructor as Float64ArrayConstructor)(extra, at, n) as typeof values;
      at += align(bytes.length);
    }
    let bitmap: Uint8Array | null = null;
    const v = this.valid;
    if (v !== null && nulls > 0) {
      bitmap = new Uint8Array(extra, at, bitmapBytes(n));
      at += align(bitmap.length);
      const whole = n >> 3;
      for (let j = 0, o = 0; j < whole; j++, o += 8) {
        bitmap[j] = v[o] | (v[o + 1] << 1) | (v[o + 2] << 2) | (v[o + 3] << 3) |
          (v[o + 4] << 4) | (v[o + 5] << 5) | (v[o + 6] << 6) | (v[o + 7] << 7);
      }
      for (let i = whole << 3; i < n; i++) bitmap[i >> 3] |= v[i] << (i & 7);
      v.fill(1, 0, n);
    }
    let data: Uint8Array | null = null;
    let offsets: Int32Array | null = null;
    if (this.str) {
      (offsets = new Int32Array(extra, at, n + 1)).set(this.str.offsets.subarray(0, n + 1));
      at += align(4 * (n + 1));
      (data = new Uint8Array(extra, at, offsets[n])).set(this.str.data.subarray(0, offsets[n]));
      at += align(offsets[n]);
      this.str.count = 0;
    }
    this.f64 = EMPTY_F64;
    this.f32 = EMPTY_F32;
    this.i32 = this.w32 = EMPTY_I32;
    this.u8 = EMPTY_U8;
    this.cap = 0;
    extraEnd = at;
    return { kind: k, values, data, offsets, bitmap, nullCount: nulls, dict: this.dict };
  }
}

const EMPTY_F64 = new Float64Array(0);
const EMPTY_F32 = new Float32Array(0);
const EMPTY_I32 = new Int32Array(0);
const EMPTY_U8 = new Uint8Array(0);

/** Where the last {@linkcode ColumnBuffer.finish} stopped in its extra buffer. */
let extraEnd = 0;

/**
 * Gives every column room for `cap` rows in one new slab, keeping the first
 * `keep` rows (a batch's first rows grow the slab by doubling; later batches
 * start at the size the previous one reached).
 */
export function growSlab(cols: ColumnBuffer[], cap: number, keep: number): void {
  let bytes = 0;
  for (const c of cols) bytes += align(cap * SLAB_WIDTH[c.kind]);
  const slab = new ArrayBuffer(bytes);
  let at = 0;
  for (const c of cols) {
    c.attach(slab, at, cap, keep);
    at += align(cap * SLAB_WIDTH[c.kind]);
  }
}

/**
 * The first n rows of every column (in `order`, which may name a column
 * twice): values stay in the slab they were parsed into, unless the batch
 * filled less than half of it (then they are copied to exact size); bitmaps
 * and strings go to one more buffer. The columns leave the slab.
 */
export function finishBatch(cols: ColumnBuffer[], order: ColumnBuffer[], n: number): RawColumn[] {
  const cap = cols.length > 0 ? cols[0].cap : 0;
  const copy = 2 * n < cap;
  const nulls = cols.map((c) => c.nullsIn(n));
  let bytes = 0;
  for (let i = 0; i < cols.length; i++) bytes += cols[i].extraBytes(n, nulls[i], copy);
  const extra = new ArrayBuffer(bytes);
  let at = 0;
  const done = new Map<ColumnBuffer, RawColumn>();
  for (let i = 0; i < cols.length; i++) {
    done.set(cols[i], cols[i].finish(n, nulls[i], extra, at, copy));
    at = extraEnd;
  }
  return order.map((c) => done.get(c)!);
}

function align(bytes: number): number {
  return (bytes + 7) & ~7;
}

/** Arrow's validity bitmap size for n rows (64-bit padded). */
function bitmapBytes(n: number): number {
  return ((n + 63) & ~63) >> 3;
}
