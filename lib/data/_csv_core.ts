/**
 * A byte-level RFC 4180 CSV parser that writes values straight into typed
 * arrays, one batch at a time. Numbers take a fast path (Clinger's: up to 15
 * significant digits and a power of ten ≤ 10^22 give the correctly rounded
 * double with one multiplication or division, the same value
 * Number.parseFloat returns) and fall back to Number.parseFloat on anything
 * else. Quoted fields, escaped quotes and newlines inside quotes go through
 * a slower general path. No Arrow here: workers import this module alone.
 * @module
 */
/** Turns strings into stable integer codes (a GrowingDictionary on the main thread). */
export interface Coder {
  code(s: string): number;
}

/** One column of a finished batch, as plain typed arrays (no Arrow: workers use this too). */
export interface RawColumn {
  kind: number;
  /** Numbers, dictionary codes (int32) or booleans (uint8), `rows` long; null for strings. */
  values: Float64Array | Float32Array | Int32Array | BigInt64Array | Uint8Array | null;
  strings: (string | null)[] | null;
  /** 1 = valid, 0 = null, one byte per row; null when no row is null. */
  valid: Uint8Array | null;
  dict: Coder | null;
}

/** A finished batch of rows, columns in output order. */
export interface RawBatch {
  rows: number;
  columns: RawColumn[];
}

/** Column types a CSV column can be read as. */
export type CsvType = "float64" | "float32" | "int32" | "int64" | "bool" | "string" | "dictionary";

const QUOTE = 34;
const LF = 10;
const CR = 13;

export const KIND = {
  skip: 0,
  float64: 1,
  float32: 2,
  int32: 3,
  int64: 4,
  bool: 5,
  dictionary: 6,
  string: 7,
} as const;

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
const DECIMAL = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;
const SPECIAL = /^\s*([+-]?)(inf|infinity|nan)\s*$/i;

/** A malformed row: where, and why. */
export class CsvRowError extends Error {
  /** 1-based line number where the row starts. */
  readonly line: number;
  /** What is wrong, without the line. */
  readonly reason: string;
  /** @param reason What is wrong. @param line The line. */
  constructor(reason: string, line: number) {
    super(`line ${line} ${reason}`);
    this.line = line;
    this.reason = reason;
  }
}

/** Options the parser needs, already validated by csv(). */
export interface ParserSetup {
  delimiter: number;
  /** Type per field position (KIND.skip for unselected fields). */
  types: (CsvType | null)[];
  /** Output names per field position (selected only). */
  names: string[];
  /** The order in which selected fields appear in the batch. */
  order: number[];
  batchRows: number;
  nullValues: Set<string>;
  /** Makes the dictionary for a dictionary column (kept for the whole pass). */
  newDictionary: () => Coder;
}

interface Column {
  kind: number;
  f64: Float64Array;
  f32: Float32Array;
  i32: Int32Array;
  i64: BigInt64Array;
  u8: Uint8Array;
  strings: (string | null)[];
  valid: Uint8Array | null;
  dict: Coder | null;
}

const EMPTY_F64 = new Float64Array(0);
const EMPTY_F32 = new Float32Array(0);
const EMPTY_I32 = new Int32Array(0);
const EMPTY_I64 = new BigInt64Array(0);
const EMPTY_U8 = new Uint8Array(0);

/** Parses CSV bytes into raw batches of typed arrays; see the module doc. */
export class CsvParser {
  readonly #setup: ParserSetup;
  readonly #kinds: Int32Array;
  readonly #columns: (Column | null)[];
  /** Per field: the typed array numbers go to (fast path), or null. */
  #outs: (Float64Array | Float32Array | Int32Array | null)[] = [];
  /** Whether every field is numeric or skipped, so the fast row path applies. */
  readonly #allNumeric: boolean;
  readonly #width: number;
  #row = 0; // rows filled in the current batch
  /** The line number (1-based) of the next row to parse. */
  line = 1;
  /** Rows skipped as malformed (with skipBadRows). */
  skipped = 0;
  /** Rows parsed into batches so far. */
  rows = 0;
  readonly #skipBad: ((e: CsvRowError) => void) | null;
  // The general path's result: the field's text and whether it was quoted.
  #text = "";
  #quoted = false;
  #newlines = 0;

  constructor(setup: ParserSetup, skipBad: ((e: CsvRowError) => void) | null) {
    this.#setup = setup;
    this.#skipBad = skipBad;
    this.#width = setup.types.length;
    this.#kinds = Int32Array.from(setup.types, (t) => (t === null ? KIND.skip : KIND[t]));
    this.#columns = setup.types.map((t) => (t === null ? null : this.#newColumn(KIND[t])));
    this.#allNumeric = this.#kinds.every((k) => k <= KIND.int32);
    this.#refreshOuts();
  }

  #refreshOuts(): void {
    this.#outs = this.#columns.map((c) =>
      c === null
        ? null
        : c.kind === KIND.float64
        ? c.f64
        : c.kind === KIND.float32
        ? c.f32
        : c.kind === KIND.int32
        ? c.i32
        : null
    );
  }

  #newColumn(kind: number, previous?: Column): Column {
    const n = this.#setup.batchRows;
    return {
      kind,
      f64: kind === KIND.float64 ? new Float64Array(n) : EMPTY_F64,
      f32: kind === KIND.float32 ? new Float32Array(n) : EMPTY_F32,
      i32: kind === KIND.int32 || kind === KIND.dictionary ? new Int32Array(n) : EMPTY_I32,
      i64: kind === KIND.int64 ? new BigInt64Array(n) : EMPTY_I64,
      u8: kind === KIND.bool ? new Uint8Array(n) : EMPTY_U8,
      strings: kind === KIND.string ? new Array(n).fill(null) : [],
      valid: null,
      // The dictionary lives for the whole pass so codes stay stable.
      dict: kind === KIND.dictionary ? (previous?.dict ?? this.#setup.newDictionary()) : null,
    };
  }

  /** Rows waiting in the current, unfinished batch. */
  get pendingRows(): number {
    return this.#row;
  }

  /** Bytes held by the batch being filled. */
  get heldBytes(): number {
    let n = 0;
    for (const c of this.#columns) {
      if (!c) continue;
      n += c.f64.byteLength + c.f32.byteLength + c.i32.byteLength + c.i64.byteLength +
        c.u8.byteLength + (c.valid?.byteLength ?? 0) + c.strings.length * 8;
    }
    return n;
  }

  /**
   * Parses complete rows from `buf`, starting at `pos`. Returns the offset of
   * the first byte not consumed (the start of an incomplete last row unless
   * `final`). Full batches are pushed to `out`.
   */
  parse(buf: Uint8Array, pos: number, final: boolean, out: RawBatch[]): number {
    const end = buf.length;
    const batchRows = this.#setup.batchRows;
    // The fast path only starts rows before the last newline, so it never
    // reads past the buffer: one out-of-bounds read would make V8 treat every
    // byte as number-or-undefined and halve its speed.
    const safeEnd = buf.lastIndexOf(LF) + 1;
    // The per-row work lives in its own function: V8 optimises it by call
    // count, where one long loop here would run on-stack-replaced code that
    // deoptimises every time an inner loop exits.
    while (pos < end) {
      const first = buf[pos];
      // Blank lines (and the \n of a \r\n split across chunks) are skipped.
      if (first === LF || first === CR) {
        if (first === LF) this.line++;
        pos++;
        continue;
      }
      if (this.#allNumeric) {
        // Plain numeric rows in bulk; the first unusual row goes to #parseRow.
        const fast = pos < safeEnd ? this.#fastRows(buf, pos, safeEnd) : pos;
        if (fast !== pos) {
          pos = fast;
          if (this.#row === batchRows) out.push(this.flush()!);
          continue;
        }
      }
      const next = this.#parseRow(buf, pos, end, final);
      if (next < 0) return pos;
      pos = next;
      if (this.#row === batchRows) out.push(this.flush()!);
    }
    return pos;
  }

  /**
   * The common case in a few tight loops: every field an unquoted plain
   * decimal number (or a skipped field), the row ending in \n or \r\n.
   * Returns the next row's offset, or -1 to hand the row to #parseRow,
   * which handles everything else and reports errors.
   */
  #fastRows(buf: Uint8Array, pos: number, end: number): number {
    const width = this.#width;
    const delim = this.#setup.delimiter;
    const kinds = this.#kinds;
    const outs = this.#outs;
    const stopRow = this.#setup.batchRows;
    let r = this.#row;
    let done = pos;
    rows: while (r < stopRow && done < end) {
      let p = done;
      for (let f = 0; f < width; f++) {
        const kind = kinds[f];
        let c = buf[p];
        if (kind === KIND.skip) {
          while (p < end && c !== delim && c !== LF && c !== CR) {
            if (c === QUOTE) break rows;
            c = buf[++p];
          }
        } else {
          let neg = false;
          if (c === 45) {
            neg = true;
            c = buf[++p];
          } else if (c === 43) c = buf[++p];
          const s0 = p;
          let mant = 0;
          while (c >= 48 && c <= 57) {
            mant = mant * 10 + (c - 48);
            c = buf[++p];
          }
          let digits = p - s0;
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
          // Exact only while the mantissa is an exact integer and 10^scale is
          // exact: then one division rounds correctly, like parseFloat.
          if (digits === 0 || scale > 22 || mant > 9007199254740991) break rows;
          let v = scale === 0 ? mant : mant / POW10[scale];
          if (neg) v = -v;
          if (kind === KIND.int32 && (scale !== 0 || v > 2147483647 || v < -2147483648)) break rows;
          outs[f]![r] = v;
        }
        if (f < width - 1) {
          if (c !== delim) break rows;
          p++;
        } else if (c === LF) p++;
        else if (c === CR && buf[p + 1] === LF) p += 2;
        else break rows;
      }
      r++;
      done = p;
    }
    this.rows += r - this.#row;
    this.line += r - this.#row;
    this.#row = r;
    return done;
  }

  /** Parses one row starting at `pos`; returns the next row's offset, or -1 when incomplete. */
  #parseRow(buf: Uint8Array, pos: number, end: number, final: boolean): number {
    const width = this.#width;
    const delim = this.#setup.delimiter;
    const kinds = this.#kinds;
    const columns = this.#columns;
    {
      const lineStart = this.line;
      let lines = 0;
      const r = this.#row;
      let field = 0;
      let bad: string | null = null;
      while (true) {
        if (pos >= end) {
          if (!final) return -1;
        }
        const kind = field < width ? kinds[field] : -1;
        const b = pos < end ? buf[pos] : -1;
        let next: number; // position of the terminator after the field
        if (b === QUOTE || kind === -1 || kind >= KIND.int64 || kind === KIND.skip) {
          // General path: quoted fields, strings, bools, int64, skipped columns.
          next = this.#general(buf, pos, end, delim, final);
          if (next < 0) {
            if (final) bad = "has an unclosed quote";
            else {
              this.line = lineStart;
              return -1;
            }
            next = end;
          }
          lines += this.#newlines;
          if (kind > 0 && bad === null) bad = this.#store(columns[field]!, kind, r, field);
        } else {
          // Numeric fast path, straight from bytes.
          let p = pos;
          let neg = false;
          let c = buf[p];
          if (c === 45) {
            neg = true;
            c = buf[++p];
          } else if (c === 43) c = buf[++p];
          let mant = 0;
          let sig = 0;
          let scale = 0;
          let digits = 0;
          let ok = true;
          while (c >= 48 && c <= 57) {
            if (mant !== 0 || c !== 48) sig++;
            mant = mant * 10 + (c - 48);
            digits++;
            c = buf[++p];
          }
          if (c === 46) {
            c = buf[++p];
            while (c >= 48 && c <= 57) {
              if (mant !== 0 || c !== 48) sig++;
              mant = mant * 10 + (c - 48);
              scale++;
              digits++;
              c = buf[++p];
            }
          }
          let exp = 0;
          if ((c === 101 || c === 69) && digits > 0) {
            c = buf[++p];
            let eneg = false;
            if (c === 45) {
              eneg = true;
              c = buf[++p];
            } else if (c === 43) c = buf[++p];
            let ed = 0;
            while (c >= 48 && c <= 57) {
              exp = exp * 10 + (c - 48);
              ed++;
              c = buf[++p];
            }
            if (ed === 0 || ed > 4) ok = false;
            if (eneg) exp = -exp;
          }
          const e10 = exp - scale;
          if (
            !ok || digits === 0 || sig > 15 || e10 < -22 || e10 > 22 ||
            !(c === delim || c === LF || c === CR || (p >= end && final))
          ) {
            if (p >= end && !final) {
              this.line = lineStart;
              return -1;
            }
            // Anything unusual: whitespace, NaN, Infinity, many digits, junk, nulls.
            next = this.#general(buf, pos, end, delim, final);
            if (next < 0) {
              if (!final) {
                this.line = lineStart;
                return -1;
              }
              bad = "has an unclosed quote";
              next = end;
            }
            lines += this.#newlines;
            if (bad === null) bad = this.#store(columns[field]!, kind, r, field);
          } else {
            let v = e10 < 0 ? mant / POW10[-e10] : mant * POW10[e10];
            if (neg) v = -v;
            const col = columns[field]!;
            if (kind === KIND.float64) col.f64[r] = v;
            else if (kind === KIND.float32) col.f32[r] = v;
            else if (Number.isInteger(v) && v >= -2147483648 && v <= 2147483647) col.i32[r] = v;
            else if (bad === null) bad = this.#notA(field, buf, pos, p, "a 32-bit integer");
            if (col.valid !== null) col.valid[r] = 1;
            next = p;
          }
        }
        field++;
        pos = next;
        const t = pos < end ? buf[pos] : -1;
        if (t === delim) {
          pos++;
          continue;
        }
        // End of row: \n, \r\n, \r, or the end of the final chunk.
        if (t === CR) {
          pos++;
          if (pos < end && buf[pos] === LF) pos++;
        } else if (t === LF) pos++;
        else if (t !== -1) {
          bad ??= `has unexpected byte "${String.fromCharCode(t)}" after field ${field}`;
          // Resynchronise at the next newline.
          while (pos < end && buf[pos] !== LF) pos++;
          if (pos >= end && !final) {
            this.line = lineStart;
            return -1;
          }
          pos++;
        }
        lines++;
        break;
      }
      this.line = lineStart + lines;
      if (field !== width && bad === null) bad = `has ${field} fields, expected ${width}`;
      if (bad !== null) {
        const error = new CsvRowError(bad, lineStart);
        if (this.#skipBad === null) throw error;
        this.#skipBad(error);
        this.skipped++;
        this.#clearRow(r);
        return pos;
      }
      this.#row = r + 1;
      this.rows++;
      return pos;
    }
  }

  #clearRow(r: number): void {
    for (const c of this.#columns) if (c?.valid) c.valid[r] = 1;
  }

  #notA(field: number, buf: Uint8Array, from: number, to: number, what: string): string {
    let s = "";
    for (let i = from; i < to && i < from + 40; i++) s += String.fromCharCode(buf[i]);
    return `field "${this.#setup.names[field]}": "${s}" is not ${what}`;
  }

  /**
   * The general field reader: from `pos` to the terminator (delimiter, \r, \n
   * or the end), unquoting and unescaping. Sets #text/#quoted/#newlines and
   * returns the terminator's position, or -1 when the field is unfinished.
   */
  #general(buf: Uint8Array, pos: number, end: number, delim: number, final: boolean): number {
    this.#newlines = 0;
    if (pos < end && buf[pos] === QUOTE) {
      let p = pos + 1;
      let from = p;
      let text = "";
      while (true) {
        while (p < end && buf[p] !== QUOTE) {
          if (buf[p] === LF) this.#newlines++;
          p++;
        }
        if (p >= end) return -1;
        // A quote: either an escaped quote ("") or the closing one.
        if (p + 1 < end && buf[p + 1] === QUOTE) {
          text += decode(buf, from, p + 1);
          p += 2;
          from = p;
          continue;
        }
        if (p + 1 >= end && !final) return -1;
        text += decode(buf, from, p);
        p++;
        break;
      }
      this.#text = text;
      this.#quoted = true;
      // Bytes between the closing quote and the terminator are malformed.
      if (p < end && buf[p] !== delim && buf[p] !== LF && buf[p] !== CR) {
        this.#text = text;
        return p;
      }
      return p;
    }
    let p = pos;
    while (p < end) {
      const c = buf[p];
      if (c === delim || c === LF || c === CR) break;
      p++;
    }
    if (p >= end && !final) return -1;
    this.#text = decode(buf, pos, p);
    this.#quoted = false;
    return p;
  }

  /** Stores the general path's text into a column; returns an error or null. */
  #store(col: Column, kind: number, r: number, field: number): string | null {
    const text = this.#text;
    const name = this.#setup.names[field];
    if (!this.#quoted && this.#setup.nullValues.has(text)) {
      if (col.valid === null) col.valid = new Uint8Array(this.#setup.batchRows).fill(1);
      col.valid[r] = 0;
      if (kind === KIND.string) col.strings[r] = null;
      return null;
    }
    if (col.valid !== null) col.valid[r] = 1;
    switch (kind) {
      case KIND.string:
        col.strings[r] = text;
        return null;
      case KIND.dictionary:
        col.i32[r] = col.dict!.code(text);
        return null;
      case KIND.bool: {
        const t = text.trim().toLowerCase();
        if (t === "true" || t === "1") col.u8[r] = 1;
        else if (t === "false" || t === "0") col.u8[r] = 0;
        else return `field "${name}": "${clip(text)}" is not a boolean`;
        return null;
      }
      case KIND.int64: {
        const t = text.trim();
        if (!/^[+-]?\d+$/.test(t)) return `field "${name}": "${clip(text)}" is not an integer`;
        const v = BigInt(t);
        if (v !== BigInt.asIntN(64, v)) return `field "${name}": "${clip(text)}" is outside int64`;
        col.i64[r] = v;
        return null;
      }
      default: {
        const v = parseNumber(text);
        if (v === null) return `field "${name}": "${clip(text)}" is not a number`;
        if (kind === KIND.float64) col.f64[r] = v;
        else if (kind === KIND.float32) col.f32[r] = v;
        else if (Number.isInteger(v) && v >= -2147483648 && v <= 2147483647) col.i32[r] = v;
        else return `field "${name}": "${clip(text)}" is not a 32-bit integer`;
        return null;
      }
    }
  }

  /** Emits the rows filled so far as a raw batch (null when none) and starts a new one. */
  flush(): RawBatch | null {
    const n = this.#row;
    if (n === 0) return null;
    const columns: RawColumn[] = [];
    for (const f of this.#setup.order) {
      const c = this.#columns[f]!;
      const values = c.kind === KIND.float64
        ? c.f64
        : c.kind === KIND.float32
        ? c.f32
        : c.kind === KIND.int32 || c.kind === KIND.dictionary
        ? c.i32
        : c.kind === KIND.int64
        ? c.i64
        : c.kind === KIND.bool
        ? c.u8
        : null;
      let valid = c.valid;
      if (valid !== null && valid.subarray(0, n).every((v) => v === 1)) valid = null;
      columns.push({
        kind: c.kind,
        values: values === null ? null : values.subarray(0, n),
        strings: c.kind === KIND.string ? c.strings.slice(0, n) : null,
        valid: valid === null ? null : valid.subarray(0, n),
        dict: c.dict,
      });
      this.#columns[f] = this.#newColumn(c.kind, c);
    }
    this.#refreshOuts();
    this.#row = 0;
    return { rows: n, columns };
  }
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

/** Parses a decimal float like Number.parseFloat, strictly (no trailing junk); null if not one. */
export function parseNumber(text: string): number | null {
  if (DECIMAL.test(text)) return Number.parseFloat(text);
  const m = SPECIAL.exec(text);
  if (!m) return null;
  if (m[2].toLowerCase() === "nan") return NaN;
  return m[1] === "-" ? -Infinity : Infinity;
}

const utf8 = new TextDecoder();

/** Bytes to a string: ASCII by char codes (fast for short fields), else UTF-8. */
function decode(buf: Uint8Array, from: number, to: number): string {
  if (to - from > 32) return utf8.decode(buf.subarray(from, to));
  let s = "";
  for (let i = from; i < to; i++) {
    const c = buf[i];
    if (c >= 0x80) return utf8.decode(buf.subarray(from, to));
    s += String.fromCharCode(c);
  }
  return s;
}

/**
 * Splits the first rows of a buffer into string fields (for the header and
 * for type inference). Returns the rows and the offset after the last
 * complete one.
 */
export function sampleRows(
  buf: Uint8Array,
  delimiter: number,
  maxRows: number,
  final: boolean,
): { rows: string[][]; end: number } {
  const rows: string[][] = [];
  let pos = 0;
  let end = 0;
  while (pos < buf.length && rows.length < maxRows) {
    const row: string[] = [];
    const c = buf[pos];
    if (c === LF || c === CR) {
      pos++;
      end = pos;
      continue;
    }
    let complete = false;
    while (true) {
      const r = readField(buf, pos, delimiter, final);
      if (r === null) break;
      row.push(r.text);
      pos = r.next;
      const t = pos < buf.length ? buf[pos] : -1;
      if (t === delimiter) {
        pos++;
        continue;
      }
      if (t === CR) {
        pos++;
        if (buf[pos] === LF) pos++;
      } else if (t === LF) pos++;
      else if (t !== -1) {
        while (pos < buf.length && buf[pos] !== LF) pos++;
        pos++;
      }
      complete = t !== -1 || final;
      break;
    }
    if (!complete) break;
    rows.push(row);
    end = pos;
  }
  return { rows, end };
}

function readField(
  buf: Uint8Array,
  pos: number,
  delimiter: number,
  final: boolean,
): { text: string; next: number } | null {
  if (buf[pos] === QUOTE) {
    let p = pos + 1;
    let text = "";
    let from = p;
    while (true) {
      while (p < buf.length && buf[p] !== QUOTE) p++;
      if (p >= buf.length) return null;
      if (buf[p + 1] === QUOTE) {
        text += decode(buf, from, p + 1);
        p += 2;
        from = p;
        continue;
      }
      if (p + 1 >= buf.length && !final) return null;
      text += decode(buf, from, p);
      return { text, next: p + 1 };
    }
  }
  let p = pos;
  while (p < buf.length && buf[p] !== delimiter && buf[p] !== LF && buf[p] !== CR) p++;
  if (p >= buf.length && !final) return null;
  return { text: decode(buf, pos, p), next: p };
}

/** Infers a column type from sample values (nulls ignored). */
export function inferType(values: string[], nullValues: Set<string>): CsvType {
  let numbers = 0;
  let bools = 0;
  let seen = 0;
  const distinct = new Set<string>();
  for (const v of values) {
    if (nullValues.has(v)) continue;
    seen++;
    if (parseNumber(v) !== null) numbers++;
    const t = v.trim().toLowerCase();
    if (t === "true" || t === "false") bools++;
    if (distinct.size <= 1000) distinct.add(v);
  }
  if (seen === 0) return "string";
  if (numbers === seen) return "float64";
  if (bools === seen) return "bool";
  // Low cardinality: dictionary-encode (codes + one copy of each string).
  if (distinct.size <= Math.max(16, seen / 2) && distinct.size <= 1000) return "dictionary";
  return "string";
}
