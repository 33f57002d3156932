/**
 * A fast path for flat parquet columns: decodes a column chunk's pages
 * straight into typed arrays (values, dictionary codes, validity), using
 * hyparquet's page primitives but none of its row-object assembly, which
 * makes a JS array (of BigInts, Dates, strings) per value.
 * @module
 */
import type { ColumnMetaData, Compressors, PageHeader, SchemaElement } from "hyparquet";
import { parquetHeader } from "hyparquet/src/column.js";
import { decompressPage } from "hyparquet/src/datapage.js";
import { readPlain } from "hyparquet/src/plain.js";
import type { GrowingDictionary, Values } from "./_batch.ts";

/** A decoded column chunk: values (or dictionary codes) and validity (1 = valid) when nullable. */
export interface DecodedColumn {
  values: Values;
  valid: Uint8Array | null;
}

const NUMERIC = new Set(["INT32", "INT64", "FLOAT", "DOUBLE"]);

/** Whether the fast path can decode this column. */
export function fastColumn(el: SchemaElement, stringColumn: boolean): boolean {
  if (el.converted_type === "DECIMAL" || el.logical_type?.type === "DECIMAL") return false;
  if (el.converted_type === "INTERVAL" || el.repetition_type === "REPEATED") return false;
  if (stringColumn) return el.type === "BYTE_ARRAY";
  return NUMERIC.has(el.type ?? "");
}

type Ctor = new (n: number) => Values;

function makeValues(type: string, rows: number, strings: boolean): Values {
  if (strings) return new Int32Array(rows);
  switch (type) {
    case "INT32":
      return new Int32Array(rows);
    case "INT64":
      return new BigInt64Array(rows);
    case "FLOAT":
      return new Float32Array(rows);
    default:
      return new Float64Array(rows);
  }
}

/**
 * Copies `n` dictionary entries selected by `codes` into `out` starting at
 * `at`, skipping null slots. 8-byte values move as two int32 halves: copying
 * through BigInt allocates, and through Float64 could change NaN bits. The
 * four loops are split so each stays monomorphic and branch-free.
 */
function scatter(
  out: Values,
  dict: Values,
  codes: Int32Array,
  n: number,
  at: number,
  valid: Uint8Array | null,
): void {
  const size = dict.length;
  for (let j = 0; j < n; j++) {
    if (codes[j] >>> 0 >= size) {
      throw new RangeError(`dictionary index ${codes[j]} out of range (${size})`);
    }
  }
  if (out.BYTES_PER_ELEMENT === 8) {
    const o = new Int32Array(out.buffer, out.byteOffset, out.length * 2);
    const d = new Int32Array(dict.buffer, dict.byteOffset, size * 2);
    if (valid === null) {
      for (let j = 0, k = 2 * at; j < n; j++, k += 2) {
        const c = 2 * codes[j];
        o[k] = d[c];
        o[k + 1] = d[c + 1];
      }
    } else {
      let j = 0;
      for (let k = at; j < n; k++) {
        if (valid[k] === 0) continue;
        const c = 2 * codes[j++];
        o[2 * k] = d[c];
        o[2 * k + 1] = d[c + 1];
      }
    }
    return;
  }
  const o = out as Int32Array;
  const d = dict as Int32Array;
  if (valid === null) {
    for (let j = 0; j < n; j++) o[at + j] = d[codes[j]];
  } else {
    let j = 0;
    for (let k = at; j < n; k++) if (valid[k] !== 0) o[k] = d[codes[j++]];
  }
}

/**
 * Unpacks bit-packed values [i, stop) of `width` ≤ 24 bits from `pos`. Its own
 * function, called per run: V8 optimises it by call count instead of
 * on-stack replacement, which deoptimises on every exit of an inner loop.
 */
function unpack(
  bytes: Uint8Array,
  pos: number,
  width: number,
  mask: number,
  out: Int32Array | Uint8Array,
  i: number,
  stop: number,
): void {
  let p = pos;
  let buf = 0;
  let bits = 0;
  while (i < stop) {
    if (bits < width) {
      buf |= bytes[p++] << bits;
      bits += 8;
      if (bits < width) {
        buf |= bytes[p++] << bits;
        bits += 8;
        if (bits < width) {
          buf |= bytes[p++] << bits;
          bits += 8;
        }
      }
    }
    out[i++] = buf & mask;
    buf >>>= width;
    bits -= width;
  }
}

/** Unpacks values wider than 24 bits, which overflow a 32-bit bit buffer. */
function unpackWide(
  bytes: Uint8Array,
  pos: number,
  width: number,
  out: Int32Array | Uint8Array,
  i: number,
  stop: number,
): void {
  let bitPos = pos * 8;
  while (i < stop) {
    let v = 0;
    for (let bit = 0; bit < width; bit++, bitPos++) {
      if ((bytes[bitPos >> 3] >> (bitPos & 7)) & 1) v += 2 ** bit;
    }
    out[i++] = v;
  }
}

/**
 * Decodes parquet's RLE / bit-packed hybrid into `out` (count = out.length)
 * straight from bytes [pos, end); returns the position after it. A Uint8Array
 * and an inline bit buffer instead of DataView calls per bit: this loop runs
 * once per value of every column.
 */
function hybrid(
  bytes: Uint8Array,
  pos: number,
  end: number,
  width: number,
  out: Int32Array | Uint8Array,
): number {
  const count = out.length;
  const mask = width === 32 ? -1 : (1 << width) - 1;
  const byteWidth = (width + 7) >> 3;
  let i = 0;
  while (i < count && pos < end) {
    let header = 0;
    let shift = 0;
    let b: number;
    do {
      b = bytes[pos++];
      header |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80);
    if (header & 1) {
      const groups = header >>> 1;
      const stop = Math.min(count, i + groups * 8);
      if (width > 24) unpackWide(bytes, pos, width, out, i, stop);
      else unpack(bytes, pos, width, mask, out, i, stop);
      i = stop;
      pos += groups * width;
    } else {
      const run = header >>> 1;
      let v = 0;
      for (let k = 0; k < byteWidth; k++) v |= bytes[pos++] << (8 * k);
      const stop = Math.min(count, i + run);
      out.fill(v, i, stop);
      i = stop;
    }
  }
  return pos;
}

/** Copies `n` plain values into `out` from `at`, skipping null slots. */
function place(out: Values, plain: Values, n: number, at: number, valid: Uint8Array | null): void {
  if (valid === null) {
    (out as Int32Array).set(plain as Int32Array, at);
    return;
  }
  const wide = out.BYTES_PER_ELEMENT === 8;
  const o = wide ? new Int32Array(out.buffer, out.byteOffset, out.length * 2) : out as Int32Array;
  const p = wide
    ? new Int32Array(plain.buffer, plain.byteOffset, plain.length * 2)
    : plain as Int32Array;
  let j = 0;
  for (let k = at; j < n; k++) {
    if (valid[k] === 0) continue;
    if (wide) {
      o[2 * k] = p[2 * j];
      o[2 * k + 1] = p[2 * j + 1];
    } else o[k] = p[j];
    j++;
  }
}

const decoder = new TextDecoder();

let codesScratch = new Int32Array(0);
let validScratch = new Uint8Array(0);

/** A reused Int32Array of exactly n elements (a view; valid until the next call). */
function scratchCodes(n: number): Int32Array {
  if (codesScratch.length < n) codesScratch = new Int32Array(n);
  return codesScratch.subarray(0, n);
}

/** A reused Uint8Array of exactly n elements (a view; valid until the next call). */
function scratchValid(n: number): Uint8Array {
  if (validScratch.length < n) validScratch = new Uint8Array(n);
  return validScratch.subarray(0, n);
}

/** Zeros (nulls) among definition levels; its own function to stay out of OSR. */
function countZeros(defs: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < defs.length; i++) n += defs[i] ^ 1;
  return n;
}

/**
 * Decodes one flat column chunk (all its pages) of `rows` rows. Strings are
 * dictionary-encoded into `strings` (codes in `values`).
 */
export function decodeColumnChunk(
  bytes: Uint8Array,
  meta: ColumnMetaData,
  el: SchemaElement,
  rows: number,
  compressors: Compressors,
  strings: GrowingDictionary | undefined,
): DecodedColumn {
  const type = meta.type;
  const optional = el.repetition_type === "OPTIONAL";
  const values = makeValues(type, rows, strings !== undefined);
  // Scratch until a null shows up: most optional columns have none, and
  // garbage ArrayBuffers are freed lazily (they inflate peak RSS).
  const valid = optional ? scratchValid(rows) : null;
  let dict: Values | null = null; // numeric dictionary, or string remap to growing codes
  const reader = {
    view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    offset: 0,
  };
  let row = 0;
  let totalNulls = 0;
  const plainStrings = (list: Uint8Array[]): Int32Array =>
    Int32Array.from(list, (b) => strings!.code(decoder.decode(b)));

  while (row < rows && reader.offset < bytes.length) {
    const header: PageHeader = parquetHeader(reader);
    const compressed = bytes.subarray(reader.offset, reader.offset + header.compressed_page_size);
    reader.offset += header.compressed_page_size;
    if (header.type === "DICTIONARY_PAGE") {
      const page = decompressPage(
        compressed,
        header.uncompressed_page_size,
        meta.codec,
        compressors,
      );
      const r = { view: new DataView(page.buffer, page.byteOffset, page.byteLength), offset: 0 };
      const n = header.dictionary_page_header!.num_values;
      const raw = readPlain(r, type, n, el.type_length);
      dict = strings ? plainStrings(raw as Uint8Array[]) : raw as Values;
      continue;
    }
    let count: number;
    let encoding: string;
    let page: Uint8Array;
    let nulls = 0;
    if (header.type === "DATA_PAGE") {
      const h = header.data_page_header!;
      count = h.num_values;
      encoding = h.encoding;
      page = decompressPage(compressed, header.uncompressed_page_size, meta.codec, compressors);
      const r = { view: new DataView(page.buffer, page.byteOffset, page.byteLength), offset: 0 };
      if (valid) {
        const defs = valid.subarray(row, row + count);
        const length = r.view.getUint32(r.offset, true);
        r.offset += 4;
        hybrid(page, r.offset, r.offset + length, 1, defs);
        r.offset += length;
        nulls = countZeros(defs);
      }
      page = page.subarray(r.offset);
    } else if (header.type === "DATA_PAGE_V2") {
      const h = header.data_page_header_v2!;
      count = h.num_values;
      encoding = h.encoding;
      const levels = h.repetition_levels_byte_length + h.definition_levels_byte_length;
      if (valid) {
        const start = h.repetition_levels_byte_length;
        const end = start + h.definition_levels_byte_length;
        hybrid(compressed, start, end, 1, valid.subarray(row, row + count));
      }
      nulls = h.num_nulls;
      page = compressed.subarray(levels);
      if (h.is_compressed !== false) {
        page = decompressPage(
          page,
          header.uncompressed_page_size - levels,
          meta.codec,
          compressors,
        );
      }
    } else {
      continue; // index pages carry no values
    }
    if (count > rows - row) {
      throw new RangeError(`page holds ${count} values, past the row group's ${rows} rows`);
    }
    const n = count - nulls;
    const r = { view: new DataView(page.buffer, page.byteOffset, page.byteLength), offset: 0 };
    if (encoding === "RLE_DICTIONARY" || encoding === "PLAIN_DICTIONARY") {
      if (!dict) throw new TypeError("dictionary-encoded page without a dictionary page");
      const width = r.view.getUint8(r.offset++);
      const codes = scratchCodes(n);
      if (width) hybrid(page, r.offset, page.byteLength, width, codes);
      else codes.fill(0); // width 0: every index is 0 (the scratch holds old codes)
      scatter(values, dict, codes, n, row, valid);
    } else if (encoding === "PLAIN") {
      const raw = readPlain(r, type, n, el.type_length);
      const plain = strings ? plainStrings(raw as Uint8Array[]) : raw as Values;
      if (!strings && (plain.constructor as Ctor) !== (values.constructor as Ctor)) {
        throw new TypeError(`plain page decoded as ${plain.constructor.name}`);
      }
      place(values, plain, n, row, valid);
    } else {
      throw new UnsupportedEncoding(encoding);
    }
    totalNulls += nulls;
    row += count;
  }
  if (row !== rows) throw new RangeError(`column chunk holds ${row} rows, expected ${rows}`);
  // Optional columns without a null need no validity bitmap.
  return { values, valid: totalNulls === 0 || valid === null ? null : valid.slice() };
}

/** Thrown for encodings the fast path leaves to hyparquet's general reader. */
export class UnsupportedEncoding extends Error {
  /** @param encoding The parquet encoding name. */
  constructor(encoding: string) {
    super(`encoding ${encoding} is not on the fast path`);
    this.name = "UnsupportedEncoding";
  }
}
