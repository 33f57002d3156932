/**
 * The common case in one tight loop: rows whose selected fields are unquoted
 * numbers (float64, float32, int32, int64), ASCII strings and dictionary
 * strings (quoted or not; `_csv_fast_text.ts`) and skipped fields, ending in
 * LF, CRLF or CR (empty fields are nulls). Up to 15 significant digits without an exponent are read
 * inline (Clinger: one exact multiplication or division, the same double
 * `Number.parseFloat` gives); longer or exponent numbers go through
 * `parseFloatAt`. The first row that is anything else (a quote, an empty
 * field, junk, a wrong field count) stops the loop, and the parser's general
 * row reader takes it from its start, errors included.
 * @module
 */
import { type ColumnBuffer, KIND } from "./_csv_column.ts";
import { fourAt, numEnd, numLong, parseFloatAt, storeScaled } from "./_csv_number.ts";
import type { ByteDictionary, ByteStrings } from "./_csv_dict.ts";
import { copyField, dictField, fieldEnd, fieldLines } from "./_csv_fast_text.ts";

const QUOTE = 34;
const LF = 10;
const CR = 13;
const POW10 = new Float64Array(23);
for (let i = 0; i < 23; i++) POW10[i] = 10 ** i;

/** What the loop reads and writes (the parser refreshes `outs` after growing or flushing). */
export interface FastState {
  kinds: Int32Array;
  /** Per field: the typed array its values go to (null for skipped fields; int64: 2 words a row). */
  outs: (Float64Array | Float32Array | Int32Array | null)[];
  /** Per field: 1 while its numbers have more than 15 digits (then the general reader goes first). */
  long: Uint8Array;
  /** Per field: 1 while its integer parts have 8 digits or more (read four at a time at once). */
  many: Uint8Array;
  /** Per field: its validity bytes once it has had a null (set to 1 here), else null. */
  valids: (Uint8Array | null)[];
  /** Per field: the string column's bytes, or the dictionary (else null). */
  strs: (ByteStrings | null)[];
  dicts: (ByteDictionary | null)[];
  delim: number;
  /** Whether an empty field is null (nullValues holds ""). */
  emptyNull: boolean;
  /** The next row index; updated. */
  r: number;
  /** Stop before this row index (capacity or batch end). */
  stop: number;
  /** Bytes a row's fixed-width values take, and the batch's byte budget (strings count too). */
  rowBytes: number;
  batchBytes: number;
  /** String bytes in the batch so far; updated. */
  strBytes: number;
  /** Line breaks inside quoted fields of the rows taken; set. */
  lines: number;
  /** The longest row (a longer one is left to the general reader, which reports it). */
  maxLine: number;
  /** The buffer last parsed, and a DataView of it. */
  src: Uint8Array | null;
  view: DataView;
}

/** A fresh state for a parser's setup. */
export function fastState(
  kinds: Int32Array,
  setup: { delimiter: number; batchBytes: number; maxLineBytes: number },
  rowBytes: number,
  emptyNull: boolean,
): FastState {
  const width = kinds.length;
  return {
    kinds,
    outs: [],
    valids: [],
    strs: [],
    dicts: [],
    long: new Uint8Array(width),
    many: new Uint8Array(width),
    delim: setup.delimiter,
    emptyNull,
    r: 0,
    stop: 0,
    rowBytes,
    batchBytes: setup.batchBytes,
    strBytes: 0,
    lines: 0,
    maxLine: setup.maxLineBytes,
    src: null,
    view: new DataView(new ArrayBuffer(0)),
  };
}

/** Points the state at the columns' current arrays, from row r up to `stop` (exclusive) rows. */
export function prepareFast(
  st: FastState,
  cols: (ColumnBuffer | null)[],
  r: number,
  cap: number,
  byBytes: number,
  strBytes: number,
): void {
  st.r = r;
  st.strBytes = strBytes;
  st.stop = Math.min(cap, byBytes);
  for (let f = 0; f < cols.length; f++) {
    const c = cols[f];
    st.outs[f] = c === null
      ? null
      : c.kind === KIND.float64
      ? c.f64
      : c.kind === KIND.float32
      ? c.f32
      : c.kind === KIND.int64
      ? c.w32
      : c.i32;
    st.valids[f] = c === null ? null : c.valid;
    st.strs[f] = c === null ? null : c.str;
    st.dicts[f] = c === null ? null : c.dict;
  }
}

/** Whether every kind can take the fast path (text only when no null token but "" is set). */
export function fastKinds(kinds: ArrayLike<number>, text: boolean): boolean {
  for (let i = 0; i < kinds.length; i++) {
    const k = kinds[i];
    if (
      k !== KIND.skip && k !== KIND.float64 && k !== KIND.float32 && k !== KIND.int32 &&
      k !== KIND.int64 && !(text && (k === KIND.string || k === KIND.dictionary))
    ) {
      return false;
    }
  }
  return true;
}

/**
 * Parses whole rows from `pos` while they are plain; `end` must be just after
 * a line break (so no read passes the buffer). Returns the offset after the
 * last row taken; `st.r` counts them.
 */
export function fastRows(buf: Uint8Array, pos: number, end: number, st: FastState): number {
  const { kinds, outs, valids, long, many, delim, stop, strs, dicts, rowBytes, maxLine } = st;
  const { emptyNull, batchBytes: budget } = st;
  const width = kinds.length;
  if (st.src !== buf) {
    st.src = buf;
    st.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  const view = st.view;
  let strBytes = st.strBytes;
  let lines = 0;
  let r = st.r;
  let done = pos;
  rows: while (r < stop && done < end) {
    let p = done;
    let rowStrBytes = 0;
    let rowLines = 0;
    for (let f = 0; f < width; f++) {
      const kind = kinds[f];
      let c = buf[p];
      if (c === delim || c === LF || c === CR) {
        // An empty field (tested first: sparse files are mostly these): null,
        // once the column has validity bytes (the general reader makes them at
        // the column's first null); nothing for a skipped column.
        if (kind !== KIND.skip) {
          const valid = valids[f];
          if (!emptyNull || valid === null) break rows;
          valid[r] = 0;
          if (kind === KIND.string) {
            const str = strs[f]!;
            str.reserve(0);
            str.offsets[str.count + 1] = str.offsets[str.count];
            str.count++;
          }
        }
      } else if (kind === KIND.skip) {
        while (c !== delim && c !== LF && c !== CR) {
          if (c === QUOTE) break rows;
          c = buf[++p];
        }
      } else if (kind >= KIND.dictionary) {
        // Text (fastKinds lets only string and dictionary past): bytes appended, or a code.
        if (kind === KIND.string) {
          const n = copyField(buf, view, p, end, strs[f]!, delim);
          if (n < 0) break rows;
          rowStrBytes += n;
        } else {
          const code = dictField(buf, p, end, dicts[f]!, delim);
          if (code < 0) break rows;
          (outs[f] as Int32Array)[r] = code;
        }
        rowLines += fieldLines;
        p = fieldEnd;
        c = buf[p];
        const valid = valids[f];
        if (valid !== null) valid[r] = 1;
      } else if (long[f] === 1 && kind !== KIND.int32 && kind !== KIND.int64) {
        // A column of long numbers: the general reader at once (no second scan).
        const v = parseFloatAt(buf, p, end);
        p = numEnd;
        if (p < 0) break rows;
        if (!numLong) long[f] = 0;
        c = buf[p];
        outs[f]![r] = v;
        const valid = valids[f];
        if (valid !== null) valid[r] = 1;
      } else {
        const s0 = p;
        let neg = false;
        if (c === 45) {
          neg = true;
          c = buf[++p];
        } else if (c === 43) c = buf[++p];
        const d0 = p;
        // Up to 15 digits (exact in a double), four at a time once past the first four
        // (at once in a column whose last integer part had eight digits or more).
        let mant = 0;
        const swar = many[f] === 1;
        while (!swar && c >= 48 && c <= 57 && p - d0 < 4) {
          mant = mant * 10 + (c - 48);
          c = buf[++p];
        }
        if (c >= 48 && c <= 57) {
          for (let q; p + 4 <= end && p - d0 <= 11 && (q = fourAt(buf, p)) >= 0; p += 4) {
            mant = mant * 10000 + q;
          }
          c = buf[p];
        }
        while (c >= 48 && c <= 57 && p - d0 < 15) {
          mant = mant * 10 + (c - 48);
          c = buf[++p];
        }
        if (swar !== p - d0 >= 8) many[f] = swar ? 0 : 1;
        if (kind === KIND.int64) {
          // Exact int64: 16 to 19 digits are mant × 10^k + rest in two 32-bit words.
          if (p === d0) break rows;
          const w = outs[f] as Int32Array;
          if (c >= 48 && c <= 57) {
            const m0 = p;
            let rest = 0;
            while (c >= 48 && c <= 57) {
              rest = rest * 10 + (c - 48);
              c = buf[++p];
            }
            if (p - m0 > 4 || buf[d0] === 48) break rows;
            if (!storeScaled(w, r, mant, POW10[p - m0], rest, neg)) break rows;
          } else {
            const x = neg ? -mant : mant;
            const hi = Math.floor(x / 4294967296);
            w[2 * r] = (x - hi * 4294967296) | 0;
            w[2 * r + 1] = hi;
          }
        } else {
          // More than 15 digits are counted here and read exactly below.
          while (c >= 48 && c <= 57) {
            mant = mant * 10 + (c - 48);
            c = buf[++p];
          }
          let digits = p - d0;
          let scale = 0;
          if (c === 46) {
            const f0 = ++p;
            c = buf[p];
            while (c >= 48 && c <= 57) {
              mant = mant * 10 + (c - 48);
              c = buf[++p];
            }
            scale = p - f0;
            digits += scale;
          }
          if (digits === 0) break rows;
          let v: number;
          if (digits > 15 || c === 101 || c === 69) {
            // Long mantissas and exponents: the exact general reader.
            if (kind === KIND.int32) break rows;
            if (digits > 15) long[f] = 1;
            v = parseFloatAt(buf, s0, end);
            p = numEnd;
            if (p < 0) break rows;
            c = buf[p];
          } else {
            v = scale === 0 ? mant : mant / POW10[scale];
            if (neg) v = -v;
            if (kind === KIND.int32 && (scale !== 0 || v > 2147483647 || v < -2147483648)) {
              break rows;
            }
          }
          outs[f]![r] = v;
        }
        const valid = valids[f];
        if (valid !== null) valid[r] = 1;
      }
      if (f < width - 1) {
        if (c !== delim) break rows;
        p++;
      } else if (c === LF) p++;
      else if (c === CR) p += buf[p + 1] === LF ? 2 : 1;
      else break rows;
    }
    if (p - done > maxLine) break;
    r++;
    done = p;
    if (rowStrBytes !== 0 || rowLines !== 0) {
      lines += rowLines;
      strBytes += rowStrBytes;
      if (r * rowBytes + strBytes >= budget) break;
    }
  }
  // A row left half-read: drop the strings it appended.
  for (let f = 0; f < width; f++) {
    const str = strs[f];
    if (str !== null && str.count > r) str.count = r;
  }
  st.r = r;
  st.strBytes = strBytes;
  st.lines = lines;
  return done;
}
