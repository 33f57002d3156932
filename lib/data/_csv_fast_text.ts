/**
 * The fast path's text fields: a string field copied four bytes at a time
 * (SWAR on 32-bit words: one load, a test for "a byte below 0x20, the
 * delimiter or a byte ≥ 0x80", one store), quoted fields included (`""`
 * undone, line breaks counted), and dictionary fields looked up in place.
 * Anything the general row reader must judge (a byte ≥ 0x80, whose UTF-8 it
 * checks; an unclosed quote; text after a closing quote) declines with -1,
 * having appended nothing. No Arrow here: workers import it.
 * @module
 */
import type { ByteDictionary, ByteStrings } from "./_csv_dict.ts";

const QUOTE = 34;
const LF = 10;
const CR = 13;

/** Where the last text field ended (the byte after it: its delimiter or row end). */
export let fieldEnd = 0;
/** Line breaks inside the last quoted field (LF, CRLF and lone CR each once). */
export let fieldLines = 0;

/** True when a byte of the little-endian word `w` is < 0x20, ≥ 0x80 or equal to the byte in `m` × 0x01010101. */
function special(w: number, m: number): boolean {
  const x = w ^ m;
  return ((((w - 0x20202020) & ~w) | ((x - 0x01010101) & ~x) | w) & 0x80808080) !== 0;
}

/**
 * Appends the field at `buf[p..)` (view: a DataView of buf) to `str` as one
 * value and returns its byte length, or -1 (nothing appended; see the module
 * doc). `end` must be just after a line break. Sets {@linkcode fieldEnd} and
 * {@linkcode fieldLines}.
 */
export function copyField(
  buf: Uint8Array,
  view: DataView,
  p: number,
  end: number,
  str: ByteStrings,
  delim: number,
): number {
  str.reserve(0);
  const at0 = str.offsets[str.count];
  let at = at0;
  let lines = 0;
  if (buf[p] !== QUOTE) {
    // Unquoted: up to the delimiter or line break (a quote inside is text).
    const m = Math.imul(delim, 0x01010101);
    let i = p;
    while (true) {
      for (let w; i + 4 <= end && !special(w = view.getInt32(i, true), m); i += 4) {
        if (at + 4 > str.data.length) str.grow(at, 4);
        str.view.setInt32(at, w, true);
        at += 4;
      }
      // The word with the special byte, one byte at a time.
      const stop = Math.min(i + 4, end);
      for (; i < stop; i++) {
        const c = buf[i];
        if (c === delim || c === LF || c === CR) {
          fieldEnd = i;
          fieldLines = 0;
          str.offsets[++str.count] = at;
          return at - at0;
        }
        if (c >= 0x80) return -1;
        if (at === str.data.length) str.grow(at, 1);
        str.data[at++] = c;
      }
      if (i >= end) return -1;
    }
  }
  // Quoted: runs between quotes; "" is one quote.
  let i = p + 1;
  while (true) {
    const close = buf.indexOf(QUOTE, i);
    if (close === -1 || close + 1 >= end) return -1;
    if (at + (close - i) + 1 > str.data.length) str.grow(at, close - i + 1);
    const data = str.data;
    const out = str.view;
    while (i < close) {
      if (i + 4 <= close) {
        const w = view.getInt32(i, true);
        if (((((w - 0x20202020) & ~w) | w) & 0x80808080) === 0) {
          out.setInt32(at, w, true);
          at += 4;
          i += 4;
          continue;
        }
      }
      const stop = Math.min(i + 4, close);
      for (; i < stop; i++) {
        const c = buf[i];
        if (c >= 0x80) return -1;
        if (c === LF || (c === CR && buf[i + 1] !== LF)) lines++;
        data[at++] = c;
      }
    }
    if (buf[close + 1] !== QUOTE) {
      const after = buf[close + 1];
      if (after !== delim && after !== LF && after !== CR) return -1;
      fieldEnd = close + 1;
      fieldLines = lines;
      str.offsets[++str.count] = at;
      return at - at0;
    }
    data[at++] = QUOTE;
    i = close + 2;
  }
}

/**
 * The dictionary code of the field at `buf[p..)`, or -1 (see the module doc;
 * also for a quoted value with `""` or a new value that is not ASCII). Sets
 * {@linkcode fieldEnd} and {@linkcode fieldLines}.
 */
export function dictField(
  buf: Uint8Array,
  p: number,
  end: number,
  dict: ByteDictionary,
  delim: number,
): number {
  if (buf[p] !== QUOTE) {
    let i = p;
    for (let c = buf[i]; c !== delim && c !== LF && c !== CR; c = buf[++i]) {
      if (i >= end) return -1;
    }
    fieldEnd = i;
    fieldLines = 0;
    return dict.code(buf, p, i, true);
  }
  const close = buf.indexOf(QUOTE, p + 1);
  if (close === -1 || close + 1 >= end) return -1;
  const after = buf[close + 1];
  if (after !== delim && after !== LF && after !== CR) return -1;
  let lines = 0;
  for (let i = p + 1; i < close; i++) {
    const c = buf[i];
    if (c === LF || (c === CR && buf[i + 1] !== LF)) lines++;
  }
  fieldEnd = close + 1;
  fieldLines = lines;
  return dict.code(buf, p + 1, close, true);
}
