/**
 * The CSV parser: bytes to typed columns, one batch at a time, with the one
 * scanner of `_csv_scan.ts` and the byte-level number, time and dictionary
 * readers. No string is made per value (strings are copied as UTF-8 bytes).
 * No Arrow here: workers import this module.
 * @module
 */
import { ColumnBuffer, finishBatch, growSlab, KIND, type RawBatch, WIDTH } from "./_csv_column.ts";
import { ByteDictionary, plainHigh } from "./_csv_dict.ts";
import { fastKinds, fastRows, type FastState, fastState, prepareFast } from "./_csv_fast.ts";
import { storeTyped } from "./_csv_typed.ts";
import { numEnd, parseFloatAt } from "./_csv_number.ts";
import {
  CR,
  LF,
  QUOTE,
  quotedEnd,
  quotedEscapes,
  quotedLines,
  scanPlain,
  scanQuoted,
  unescapeInto,
} from "./_csv_scan.ts";
import {
  clip,
  countBreaks,
  CsvRowError,
  invalidUtf8,
  isAscii,
  nextBreak,
  replaceInvalid,
  WHAT,
} from "./_csv_text.ts";

export { CsvRowError } from "./_csv_text.ts";

export { type CsvType, KIND, type RawBatch, type RawColumn } from "./_csv_column.ts";

/** What the parser needs, already validated by csv(). */
export interface ParserSetup {
  delimiter: number;
  /** Kind per field position (KIND.skip for unselected fields). */
  kinds: number[];
  /** Column names per field position. */
  names: string[];
  /** The order in which selected fields appear in the batch. */
  order: number[];
  batchRows: number;
  /** A batch also ends once its columns hold this many bytes. */
  batchBytes: number;
  /** Field texts that mean null (unquoted). */
  nullValues: string[];
  /** The longest row in bytes (a longer one is an error that cannot be skipped). */
  maxLineBytes: number;
  /** Invalid UTF-8 in strings: an error, or U+FFFD. */
  invalidUtf8: "error" | "replace";
  /** Dictionaries per field position (kept for the whole pass), made when absent. */
  dictionaries?: (ByteDictionary | null)[];
}

const encoder = new TextEncoder();

/** Parses CSV bytes into raw batches; see the module doc. */
export class CsvParser {
  readonly #kinds: Int32Array;
  readonly #names: string[];
  readonly #order: number[];
  readonly #cols: (ColumnBuffer | null)[];
  /** The selected columns, each once (they share one slab per batch). */
  readonly #live: ColumnBuffer[];
  /** Rows the current slab holds (0 between batches), the next batch's first size, the most. */
  #cap = 0;
  #nextCap: number;
  readonly #limit: number;
  readonly #width: number;
  readonly #delim: number;
  readonly #batchRows: number;
  readonly #batchBytes: number;
  readonly #maxLine: number;
  readonly #rowBytes: number;
  readonly #nulls: Uint8Array[];
  readonly #emptyIsNull: boolean;
  readonly #replace: boolean;
  readonly #skipBad: ((e: CsvRowError) => void) | null;
  #scratch = new Uint8Array(256);
  #strBytes = 0;
  #r = 0;
  #bad: string | null = null;
  /** The all-numeric fast path's state, or null when some column needs the general reader. */
  readonly #fast: FastState | null;
  #fastMisses = 0;
  /** The line number (1-based) of the next row. */
  line = 1;
  /** Rows skipped as malformed. */
  skipped = 0;
  /** Rows parsed into batches so far. */
  rows = 0;

  constructor(setup: ParserSetup, skipBad: ((e: CsvRowError) => void) | null) {
    this.#kinds = Int32Array.from(setup.kinds);
    this.#names = setup.names;
    this.#order = setup.order;
    this.#width = setup.kinds.length;
    this.#delim = setup.delimiter;
    this.#batchRows = setup.batchRows;
    this.#batchBytes = setup.batchBytes;
    this.#maxLine = setup.maxLineBytes;
    this.#skipBad = skipBad;
    this.#emptyIsNull = setup.nullValues.includes("");
    this.#nulls = setup.nullValues.filter((s) => s !== "").map((s) => encoder.encode(s));
    this.#replace = setup.invalidUtf8 === "replace";
    this.#rowBytes = setup.kinds.reduce((s, k) => s + WIDTH[k], 0);
    // A batch's slab starts small (≤ 4 MB) and grows with the rows really read, up to
    // the batch's end (batchRows, or batchBytes of values); later batches start at the
    // size the previous one reached.
    this.#limit = Math.min(setup.batchRows, Math.ceil(setup.batchBytes / this.#rowBytes));
    this.#nextCap = Math.min(
      this.#limit,
      Math.max(16, Math.min(1024, Math.floor((4 << 20) / (this.#rowBytes + 1)))),
    );
    this.#cols = setup.kinds.map((k, f) =>
      k === KIND.skip ? null : new ColumnBuffer(k, setup.dictionaries?.[f] ?? null)
    );
    this.#live = this.#cols.filter((c) => c !== null);
    this.#fast = fastKinds(setup.kinds, this.#nulls.length === 0)
      ? fastState(this.#kinds, setup, this.#rowBytes, this.#emptyIsNull)
      : null;
  }

  /** Bytes held by the batch being filled. */
  get heldBytes(): number {
    let n = this.#strBytes;
    for (const c of this.#cols) if (c) n += c.cap * (WIDTH[c.kind] + 1);
    return n;
  }

  /**
   * Parses complete rows from `buf` at `pos`; returns the offset of the first
   * byte not consumed (the start of an incomplete last row unless `final`).
   * Full batches are pushed to `out`. Throws a CsvRowError for a malformed
   * row unless rows are skipped.
   */
  parse(buf: Uint8Array, pos: number, final: boolean, out: RawBatch[]): number {
    const end = buf.length;
    // The fast path stops at the last LF, so it never reads past the buffer.
    const safeEnd = this.#fast === null ? 0 : buf.lastIndexOf(LF) + 1;
    while (pos < end) {
      if (pos < safeEnd && this.#fastMisses < 64) {
        const st = this.#fast!;
        if (this.#r === this.#cap) this.#grow();
        prepareFast(st, this.#cols, this.#r, this.#cap, this.#limit, this.#strBytes);
        const next = fastRows(buf, pos, safeEnd, st);
        const n = st.r - this.#r;
        if (n > 0) {
          this.#fastMisses = 0;
          this.#r = st.r;
          this.#strBytes = st.strBytes;
          this.rows += n;
          this.line += n + st.lines;
          pos = next;
          if (
            this.#r === this.#batchRows ||
            this.#r * this.#rowBytes + this.#strBytes >= this.#batchBytes
          ) out.push(this.flush()!);
          continue;
        }
        this.#fastMisses++;
      }
      const c0 = buf[pos];
      if (c0 === LF || c0 === CR) {
        if (c0 === CR) {
          if (pos + 1 >= end && !final) return pos;
          pos += buf[pos + 1] === LF ? 2 : 1;
        } else pos++;
        this.line++;
        continue;
      }
      if (this.#r === this.#cap) this.#grow();
      const next = this.#row(buf, pos, end, final);
      if (next < 0) return pos;
      pos = next;
      if (
        this.#r === this.#batchRows ||
        this.#r * this.#rowBytes + this.#strBytes >= this.#batchBytes
      ) out.push(this.flush()!);
    }
    return pos;
  }

  #grow(): void {
    const cap = this.#cap === 0 ? this.#nextCap : Math.min(this.#limit, 2 * this.#cap);
    growSlab(this.#live, cap, this.#r);
    this.#cap = cap;
  }

  /** One row at pos; returns the next row's offset, or -1 when the row is incomplete. */
  #row(buf: Uint8Array, pos: number, end: number, final: boolean): number {
    const width = this.#width;
    const delim = this.#delim;
    const kinds = this.#kinds;
    const cols = this.#cols;
    const r = this.#r;
    let lines = 1;
    let p = pos;
    this.#bad = null;
    for (let f = 0;; f++) {
      const kind = f < width ? kinds[f] : KIND.skip;
      let c = p < end ? buf[p] : -1;
      if (c === QUOTE) {
        const close = scanQuoted(buf, p, end, final);
        if (close < 0) {
          if (!final) return this.#rollback(r);
          throw new CsvRowError(
            `, column "${this.#name(f)}": unclosed quote (the rest of the file, ${
              countBreaks(buf, p, end) + (buf[end - 1] === LF ? 0 : 1)
            } lines, cannot be read)`,
            this.line,
            true,
          );
        }
        lines += quotedLines;
        if (kind !== KIND.skip && this.#bad === null) {
          this.#store(cols[f]!, kind, r, f, buf, p + 1, close, true, quotedEscapes);
        }
        p = quotedEnd;
      } else if (kind === KIND.skip) {
        p = scanPlain(buf, p, end, delim);
        if (p === end && !final) return this.#rollback(r);
      } else if ((c === delim || c === LF || c === CR) && this.#emptyIsNull) {
        // An empty field: null in every type.
        if (this.#bad === null) cols[f]!.setNull(r);
      } else if (kind === KIND.float64 || kind === KIND.float32) {
        const v = parseFloatAt(buf, p, end);
        const q = numEnd;
        const t = q >= 0 && q < end ? buf[q] : -1;
        if (q >= 0 && (t === delim || t === LF || t === CR || (t === -1 && final && q === end))) {
          const col = cols[f]!;
          if (kind === KIND.float64) col.f64[r] = v;
          else col.f32[r] = v;
          if (col.valid !== null) col.valid[r] = 1;
          p = q;
        } else {
          const e = scanPlain(buf, p, end, delim);
          if (e === end && !final) return this.#rollback(r);
          if (this.#bad === null) this.#store(cols[f]!, kind, r, f, buf, p, e, false, false);
          p = e;
        }
      } else if (kind === KIND.string && this.#nulls.length === 0 && this.#bad === null) {
        // Plain text (no null tokens to compare): scanned, copied and checked in one pass.
        const col = cols[f]!;
        const e = col.str!.pushPlain(buf, p, end, delim);
        this.#strBytes += e - p;
        if (e === end && !final) return this.#rollback(r);
        if (plainHigh) {
          // Not ASCII: the general store checks (or replaces) its UTF-8.
          col.str!.count--;
          this.#strBytes -= e - p;
          this.#store(col, kind, r, f, buf, p, e, false, false);
        } else if (col.valid !== null) col.valid[r] = 1;
        p = e;
      } else if (kind === KIND.dictionary && this.#nulls.length === 0) {
        // Plain text (no null tokens to compare): straight to the dictionary.
        const e = scanPlain(buf, p, end, delim);
        if (e === end && !final) return this.#rollback(r);
        if (this.#bad === null) {
          const col = cols[f]!;
          const code = col.dict!.code(buf, p, e, true);
          if (code >= 0) {
            col.i32[r] = code;
            if (col.valid !== null) col.valid[r] = 1;
          } else this.#store(col, kind, r, f, buf, p, e, false, false);
        }
        p = e;
      } else {
        const e = scanPlain(buf, p, end, delim);
        if (e === end && !final) return this.#rollback(r);
        if (this.#bad === null) this.#store(cols[f]!, kind, r, f, buf, p, e, false, false);
        p = e;
      }
      // After the field: a delimiter, a row end, or junk.
      c = p < end ? buf[p] : -1;
      if (c === delim) {
        p++;
        continue;
      }
      if (c === LF) p++;
      else if (c === CR) {
        if (p + 1 >= end && !final) return this.#rollback(r);
        p += buf[p + 1] === LF ? 2 : 1;
      } else if (c !== -1) {
        this.#bad ??= `, column "${this.#name(f)}": unexpected text after the closing quote`;
        const e = nextBreak(buf, p, end);
        if (e === end && !final) return this.#rollback(r);
        p = e;
        continue;
      } else if (!final) return this.#rollback(r);
      if (f !== width - 1) this.#bad = `has ${f + 1} fields, expected ${width}`;
      break;
    }
    const line = this.line;
    if (p - pos > this.#maxLine) {
      throw new CsvRowError(
        `is over ${this.#maxLine} bytes long (an unclosed quote? maxLineBytes)`,
        line,
        true,
      );
    }
    this.line += lines;
    if (this.#bad !== null) {
      const error = new CsvRowError(this.#bad, line);
      if (this.#skipBad === null) throw error;
      this.#skipBad(error);
      this.skipped++;
      this.#rollback(r);
      return p;
    }
    this.#r = r + 1;
    this.rows++;
    return p;
  }

  #name(f: number): string {
    return f < this.#width ? this.#names[f] : `#${f + 1}`;
  }

  /** Forgets what row r stored (strings pushed so far); returns -1. */
  #rollback(r: number): number {
    for (const c of this.#cols) {
      if (c?.str && c.str.count > r) {
        this.#strBytes -= c.str.byteLength - c.str.offsets[r];
        c.str.count = r;
      }
    }
    return -1;
  }

  #isNullToken(buf: Uint8Array, from: number, to: number): boolean {
    if (from === to) return this.#emptyIsNull;
    for (const t of this.#nulls) {
      if (t.length !== to - from) continue;
      let i = 0;
      while (i < t.length && t[i] === buf[from + i]) i++;
      if (i === t.length) return true;
    }
    return false;
  }

  /**
   * Stores one field that the fast path did not take. Quoted: "" is null except
   * in string columns, and escapes are undone first. Unquoted: a null token is null.
   */
  #store(
    col: ColumnBuffer,
    kind: number,
    r: number,
    f: number,
    buf: Uint8Array,
    from: number,
    to: number,
    quoted: boolean,
    escapes: boolean,
  ): void {
    if (!quoted) {
      if (this.#isNullToken(buf, from, to)) {
        col.setNull(r);
        return;
      }
    } else if (escapes) {
      if (this.#scratch.length < to - from) this.#scratch = new Uint8Array(2 * (to - from));
      to = unescapeInto(buf, from, to, this.#scratch, 0);
      from = 0;
      buf = this.#scratch;
    }
    if (kind === KIND.string) {
      const before = col.str!.byteLength;
      this.#pushString(col, f, buf, from, to);
      this.#strBytes += col.str!.byteLength - before;
      if (col.valid !== null) col.valid[r] = 1;
      return;
    }
    if (quoted && from === to && kind !== KIND.dictionary) {
      col.setNull(r);
      return;
    }
    if (kind !== KIND.dictionary) {
      // Spaces and tabs around a number, date or boolean are ignored.
      while (from < to && (buf[from] === 32 || buf[from] === 9)) from++;
      while (to > from && (buf[to - 1] === 32 || buf[to - 1] === 9)) to--;
    }
    let ok = true;
    if (kind === KIND.dictionary) {
      if (!isAscii(buf, from, to)) {
        if (this.#replace) {
          const fixed = replaceInvalid(buf, from, to);
          col.i32[r] = col.dict!.code(fixed, 0, fixed.length);
          if (col.valid !== null) col.valid[r] = 1;
          return;
        }
        this.#bad ??= invalidUtf8(this.#names[f], buf, from, to);
        if (this.#bad !== null) return;
      }
      col.i32[r] = col.dict!.code(buf, from, to);
    } else ok = storeTyped(col, kind, r, buf, from, to);
    if (!ok) {
      this.#bad = `, column "${this.#names[f]}": "${clip(buf, from, to)}" is not ${WHAT[kind]}`;
    }
    if (col.valid !== null) col.valid[r] = 1;
  }

  #pushString(col: ColumnBuffer, f: number, buf: Uint8Array, from: number, to: number): void {
    if (!isAscii(buf, from, to)) {
      if (this.#replace) {
        const fixed = replaceInvalid(buf, from, to);
        col.str!.push(fixed, 0, fixed.length);
        return;
      }
      this.#bad ??= invalidUtf8(this.#names[f], buf, from, to);
    }
    col.str!.push(buf, from, to);
  }

  /** Emits the rows filled so far (null when none) and starts a new batch. */
  flush(): RawBatch | null {
    const n = this.#r;
    if (n === 0) return null;
    const columns = finishBatch(this.#live, this.#order.map((f) => this.#cols[f]!), n);
    this.#cap = 0;
    this.#nextCap = n;
    this.#r = 0;
    this.#fastMisses = 0;
    this.#strBytes = 0;
    return { rows: n, columns };
  }
}
