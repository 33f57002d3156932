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

  /** The first `n` rows as a raw column; the buffer starts over. */
  finish(n: number): RawColumn {
    const k = this.kind;
    let values: RawColumn["values"] = null;
    if (k === KIND.float64) values = this.f64.slice(0, n);
    else if (k === KIND.float32) values = this.f32.slice(0, n);
    else if (k === KIND.int32 || k === KIND.dictionary || k === KIND.date) {
      values = this.i32.slice(0, n);
    } else if (k === KIND.int64 || k === KIND.timestamp || k === KIND.timestamptz) {
      values = new BigInt64Array(this.w32.buffer.slice(0, 8 * n));
    } else if (k === KIND.bool) values = this.u8.slice(0, n);
    let bitmap: Uint8Array | null = null;
    let nullCount = 0;
    const v = this.valid;
    if (v !== null) {
      for (let i = 0; i < n; i++) nullCount += v[i] ^ 1;
      if (nullCount > 0) {
        bitmap = new Uint8Array(((n + 63) & ~63) >> 3);
        const whole = n >> 3;
        for (let j = 0, o = 0; j < whole; j++, o += 8) {
          bitmap[j] = v[o] | (v[o + 1] << 1) | (v[o + 2] << 2) | (v[o + 3] << 3) |
            (v[o + 4] << 4) | (v[o + 5] << 5) | (v[o + 6] << 6) | (v[o + 7] << 7);
        }
        for (let i = whole << 3; i < n; i++) bitmap[i >> 3] |= v[i] << (i & 7);
        v.fill(1, 0, n);
      }
    }
    let data: Uint8Array | null = null;
    let offsets: Int32Array | null = null;
    if (this.str) {
      offsets = this.str.offsets.slice(0, n + 1);
      data = this.str.data.slice(0, offsets[n]);
      this.str.count = 0;
    }
    return { kind: k, values, data, offsets, bitmap, nullCount, dict: this.dict };
  }
}
