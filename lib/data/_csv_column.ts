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

/** A column being filled. */
export class ColumnBuffer {
  readonly kind: number;
  cap: number;
  f64: Float64Array = new Float64Array(0);
  f32: Float32Array = new Float32Array(0);
  /** int32 values, dictionary codes, date days. */
  i32: Int32Array = new Int32Array(0);
  /** int64 and timestamps: two 32-bit words per row (little-endian), viewing a BigInt64Array. */
  w32: Int32Array = new Int32Array(0);
  u8: Uint8Array = new Uint8Array(0);
  valid: Uint8Array | null = null;
  str: ByteStrings | null;
  readonly dict: ByteDictionary | null;

  constructor(kind: number, cap: number, dict: ByteDictionary | null) {
    this.kind = kind;
    this.cap = 0;
    this.str = kind === KIND.string ? new ByteStrings() : null;
    this.dict = kind === KIND.dictionary ? dict ?? new ByteDictionary() : null;
    this.grow(cap);
  }

  /** Makes room for `cap` rows, keeping what is there. */
  grow(cap: number): void {
    const k = this.kind;
    const copy = <T extends { set(a: T): void }>(old: T, make: (n: number) => T): T => {
      const next = make(cap);
      next.set(old);
      return next;
    };
    if (k === KIND.float64) this.f64 = copy(this.f64, (n) => new Float64Array(n));
    else if (k === KIND.float32) this.f32 = copy(this.f32, (n) => new Float32Array(n));
    else if (k === KIND.int32 || k === KIND.dictionary || k === KIND.date) {
      this.i32 = copy(this.i32, (n) => new Int32Array(n));
    } else if (k === KIND.int64 || k === KIND.timestamp || k === KIND.timestamptz) {
      const next = new Int32Array(new BigInt64Array(cap).buffer);
      next.set(this.w32);
      this.w32 = next;
    } else if (k === KIND.bool) this.u8 = copy(this.u8, (n) => new Uint8Array(n));
    if (this.valid) {
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
    let nulls = 0;
    if (v !== null) { for (let i = 0; i < n; i++) nulls += v[i] ^ 1; }
    return nulls;
  }

  /** Bytes {@linkcode finish} needs in the batch's slab for n rows with `nulls` nulls. */
  slabBytes(n: number, nulls: number): number {
    let b = align(n * WIDTH[this.kind]) + (nulls > 0 ? align(bitmapBytes(n)) : 0);
    if (this.str) b += align(4 * (n + 1)) + align(this.str.offsets[n]);
    return b;
  }

  /**
   * Copies the first `n` rows into `slab` at `at` (one ArrayBuffer per batch
   * for every column: one large allocation that is returned to the system as
   * a whole, instead of many small ones that fragment the heap) and starts
   * over. Returns the raw column; `slabEnd` is where the next column goes.
   */
  finish(n: number, nulls: number, slab: ArrayBuffer, at: number): RawColumn {
    const k = this.kind;
    let values: RawColumn["values"] = null;
    if (k === KIND.float64) (values = new Float64Array(slab, at, n)).set(this.f64.subarray(0, n));
    else if (k === KIND.float32) {
      (values = new Float32Array(slab, at, n)).set(this.f32.subarray(0, n));
    } else if (k === KIND.int32 || k === KIND.dictionary || k === KIND.date) {
      (values = new Int32Array(slab, at, n)).set(this.i32.subarray(0, n));
    } else if (k === KIND.int64 || k === KIND.timestamp || k === KIND.timestamptz) {
      new Int32Array(slab, at, 2 * n).set(this.w32.subarray(0, 2 * n));
      values = new BigInt64Array(slab, at, n);
    } else if (k === KIND.bool) (values = new Uint8Array(slab, at, n)).set(this.u8.subarray(0, n));
    at += align(n * WIDTH[k]);
    let bitmap: Uint8Array | null = null;
    const v = this.valid;
    if (v !== null && nulls > 0) {
      bitmap = new Uint8Array(slab, at, bitmapBytes(n));
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
      (offsets = new Int32Array(slab, at, n + 1)).set(this.str.offsets.subarray(0, n + 1));
      at += align(4 * (n + 1));
      (data = new Uint8Array(slab, at, offsets[n])).set(this.str.data.subarray(0, offsets[n]));
      at += align(offsets[n]);
      this.str.count = 0;
    }
    slabEnd = at;
    return { kind: k, values, data, offsets, bitmap, nullCount: nulls, dict: this.dict };
  }
}

/** Where the last {@linkcode ColumnBuffer.finish} stopped in its slab. */
let slabEnd = 0;

/** The first n rows of every column, in one slab (one ArrayBuffer for the batch). */
export function finishBatch(cols: ColumnBuffer[], n: number): RawColumn[] {
  const nulls = cols.map((c) => c.nullsIn(n));
  const slab = new ArrayBuffer(cols.reduce((b, c, i) => b + c.slabBytes(n, nulls[i]), 0));
  let at = 0;
  return cols.map((c, i) => {
    const column = c.finish(n, nulls[i], slab, at);
    at = slabEnd;
    return column;
  });
}

function align(bytes: number): number {
  return (bytes + 7) & ~7;
}

/** Arrow's validity bitmap size for n rows (64-bit padded). */
function bitmapBytes(n: number): number {
  return ((n + 63) & ~63) >> 3;
}
