/**
 * The one byte-level CSV scanner: field and row boundaries (RFC 4180 quotes,
 * `""` escapes, LF / CRLF / CR-only line endings), used by type sampling,
 * by cutting the input into whole-row pieces for workers, and by the parser.
 * No Arrow here: workers import it.
 * @module
 */

export const QUOTE = 34;
export const LF = 10;
export const CR = 13;

/** Where the last {@linkcode scanQuoted} stopped: the byte after the closing quote. */
export let quotedEnd = 0;
/** Whether the last quoted field held `""` escapes. */
export let quotedEscapes = false;
/** Line breaks (LF, CRLF or lone CR, each once) inside the last quoted field. */
export let quotedLines = 0;

/**
 * A quoted field at `p` (which holds the opening quote). Returns the offset
 * of the closing quote (the content is `[p + 1, result)`) and sets
 * {@linkcode quotedEnd}, {@linkcode quotedEscapes} and {@linkcode quotedLines};
 * returns -1 when the closing quote is not in `buf[..end)` (or might be an
 * escape whose second quote is past `end` and more input may come).
 */
export function scanQuoted(buf: Uint8Array, p: number, end: number, final: boolean): number {
  let q = p + 1;
  let escapes = false;
  let lines = 0;
  while (true) {
    const at = buf.indexOf(QUOTE, q);
    const close = at === -1 || at >= end ? -1 : at;
    if (close === -1) return -1;
    // Count line breaks in the run before this quote.
    for (let i = q; i < close; i++) {
      const c = buf[i];
      if (c === LF) lines++;
      else if (c === CR && (i + 1 >= close || buf[i + 1] !== LF)) lines++;
    }
    if (close + 1 < end && buf[close + 1] === QUOTE) {
      escapes = true;
      q = close + 2;
      continue;
    }
    if (close + 1 >= end && !final) return -1;
    quotedEnd = close + 1;
    quotedEscapes = escapes;
    quotedLines = lines;
    return close;
  }
}

/** Copies a quoted field's content into `out` at `at`, turning `""` into `"`; returns the new end. */
export function unescapeInto(
  buf: Uint8Array,
  from: number,
  to: number,
  out: Uint8Array,
  at: number,
): number {
  for (let i = from; i < to; i++) {
    const c = buf[i];
    out[at++] = c;
    if (c === QUOTE) i++;
  }
  return at;
}

/** The end of an unquoted field: the first delimiter, CR or LF at or after `p`, or `end`. */
export function scanPlain(buf: Uint8Array, p: number, end: number, delim: number): number {
  while (p < end) {
    const c = buf[p];
    if (c === delim || c === LF || c === CR) return p;
    p++;
  }
  return end;
}

/**
 * The offset just after the last row end in `buf[from..)` that is outside
 * quotes, or -1. A CR as the very last byte does not count (its LF may come
 * with the next chunk), so pieces never split a CRLF. Without any quote byte
 * this is a native lastIndexOf; with quotes, parity is tracked from `from`,
 * which must be a row start (an escaped quote toggles twice).
 */
export function lastRowBoundary(buf: Uint8Array, from: number): number {
  const n = buf.length;
  if (buf.indexOf(QUOTE, from) === -1) {
    const lf = buf.lastIndexOf(LF);
    let cr = buf.lastIndexOf(CR);
    if (cr === n - 1) cr = buf.lastIndexOf(CR, n - 2);
    const last = Math.max(lf, cr);
    return last >= from ? last + 1 : -1;
  }
  let quoted = false;
  let last = -1;
  for (let i = from; i < n; i++) {
    const c = buf[i];
    if (c === QUOTE) quoted = !quoted;
    else if (!quoted && (c === LF || (c === CR && i + 1 < n))) last = i;
  }
  return last >= 0 ? last + 1 : -1;
}

/** Line breaks in `buf[from..to)`: LF, CRLF and lone CR each count once. */
export function countLines(buf: Uint8Array, from: number, to: number): number {
  let n = 0;
  for (let i = buf.indexOf(LF, from); i !== -1 && i < to; i = buf.indexOf(LF, i + 1)) n++;
  for (let i = buf.indexOf(CR, from); i !== -1 && i < to; i = buf.indexOf(CR, i + 1)) {
    if (i + 1 >= to || buf[i + 1] !== LF) n++;
  }
  return n;
}

const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const lenient = new TextDecoder("utf-8", { ignoreBOM: true });

/**
 * The first rows of `buf` split into fields (for the header and type
 * inference) as byte offsets: no JS string per field, so sampling a wide
 * file does not grow the heap (see {@linkcode sampleText}).
 */
export interface SampledRows {
  /** The bytes the offsets point into. */
  buf: Uint8Array;
  /** Rows sampled. */
  count: number;
  /** The field number where each row starts (`count + 1` entries). */
  rowStart: Int32Array;
  /** Three numbers a field: content start, content end, 1 when quoted (3 with `""` escapes). */
  fields: Int32Array;
  /** The offset after the last complete row. */
  end: number;
  /** Lines consumed up to `end` (for numbering the first parsed row). */
  lines: number;
  /** Whether more rows may follow (stopped at maxRows or an incomplete row). */
  more: boolean;
  /** Why sampling stopped early at a malformed row, if it did. */
  problem: string | null;
  /** The index of the first row with invalid UTF-8, or -1. */
  badUtf8: number;
}

/** Fields in sampled row r. */
export function sampleWidth(s: SampledRows, r: number): number {
  return s.rowStart[r + 1] - s.rowStart[r];
}

/** Field i of sampled row r as text (escapes undone; invalid UTF-8 as U+FFFD). */
export function sampleText(s: SampledRows, r: number, i: number): string {
  const k = 3 * (s.rowStart[r] + i);
  const text = lenient.decode(s.buf.subarray(s.fields[k], s.fields[k + 1]));
  return s.fields[k + 2] === 3 ? text.replaceAll('""', '"') : text;
}

/**
 * Up to `maxRows` rows from the start of `buf`, skipping blank lines; a row
 * is complete when its terminator is in `buf` (or `final`); sampling stops
 * at a row with an unclosed quote (the parser reports it). Invalid UTF-8 is
 * noted in `badUtf8` (the parser names the line and column). Rows wider than
 * `maxFields` stop with a RangeError.
 */
export function sampleRows(
  buf: Uint8Array,
  delim: number,
  maxRows: number,
  final: boolean,
  maxFields = 100_000,
): SampledRows {
  let rowStart = new Int32Array(Math.min(maxRows, 1024) + 1);
  let fields = new Int32Array(3 * 1024);
  let nf = 0;
  let count = 0;
  const n = buf.length;
  let pos = 0;
  let end = 0;
  let lines = 0;
  let linesAtEnd = 0;
  let problem: string | null = null;
  let badUtf8 = -1;
  while (pos < n && count < maxRows && problem === null) {
    const c = buf[pos];
    if (c === LF || c === CR) {
      if (c === CR && pos + 1 >= n && !final) break;
      pos += c === CR && buf[pos + 1] === LF ? 2 : 1;
      lines++;
      end = pos;
      linesAtEnd = lines;
      continue;
    }
    const first = nf;
    let rowLines = 0;
    let complete = false;
    while (true) {
      let from: number;
      let to: number;
      let next: number;
      let flags = 0;
      if (pos < n && buf[pos] === QUOTE) {
        const close = scanQuoted(buf, pos, n, final);
        if (close < 0) {
          // Unclosed (or not read yet): the parser reports it.
          if (final) problem = `line ${lines + 1} has an unclosed quote`;
          break;
        }
        from = pos + 1;
        to = close;
        next = quotedEnd;
        rowLines += quotedLines;
        flags = quotedEscapes ? 3 : 1;
      } else {
        from = pos;
        to = scanPlain(buf, pos, n, delim);
        next = to;
      }
      if (badUtf8 < 0) {
        let ascii = true;
        for (let i = from; ascii && i < to; i++) if (buf[i] >= 0x80) ascii = false;
        if (!ascii) {
          try {
            strict.decode(buf.subarray(from, to));
          } catch {
            badUtf8 = count;
          }
        }
      }
      if (3 * nf + 3 > fields.length) {
        const bigger = new Int32Array(2 * fields.length);
        bigger.set(fields);
        fields = bigger;
      }
      fields[3 * nf] = from;
      fields[3 * nf + 1] = to;
      fields[3 * nf + 2] = flags;
      nf++;
      if (nf - first > maxFields) {
        throw new RangeError(`line ${lines + 1} has over ${maxFields} fields`);
      }
      pos = next;
      const t = pos < n ? buf[pos] : -1;
      if (t === delim) {
        pos++;
        continue;
      }
      if (t === -1) {
        complete = final;
        break;
      }
      if (t === CR) {
        if (pos + 1 >= n && !final) break;
        pos += buf[pos + 1] === LF ? 2 : 1;
      } else if (t === LF) pos++;
      else {
        problem = `line ${lines + 1} has unexpected text after the closing quote of field ${
          nf - first
        }`;
        break;
      }
      complete = true;
      break;
    }
    if (!complete) {
      nf = first;
      break;
    }
    lines += rowLines + 1;
    if (count + 2 > rowStart.length) {
      const bigger = new Int32Array(2 * rowStart.length);
      bigger.set(rowStart);
      rowStart = bigger;
    }
    rowStart[count] = first;
    rowStart[++count] = nf;
    end = pos;
    linesAtEnd = lines;
  }
  return {
    buf,
    count,
    rowStart,
    fields,
    end,
    lines: linesAtEnd,
    more: !final || end < n,
    problem,
    badUtf8: badUtf8 < count ? badUtf8 : -1,
  };
}
