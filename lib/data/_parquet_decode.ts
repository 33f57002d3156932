/**
 * A fast path for flat parquet columns: decodes a column chunk's pages
 * straight into typed arrays (values, dictionary codes, validity), with no
 * object per value. Everything else goes to the general decoder
 * (`_parquet_column.ts`); pages are read and checked by `_parquet_pages.ts`.
 * @module
 */
import type { ColumnMetaData, SchemaElement } from "hyparquet";
import type { GrowingDictionary, Values } from "./_batch.ts";
import { decompress, hybrid, ParquetCorrupt, readPage } from "./_parquet_pages.ts";
import { fixedWidth, type Physical, plain } from "./_parquet_values.ts";

/** A decoded column chunk: values (or dictionary codes) and validity (1 = valid) when nullable. */
export interface DecodedColumn {
  values: Values;
  valid: Uint8Array | null;
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

/** Throws for a dictionary index past the dictionary. */
function badIndex(c: number, size: number): never {
  throw new ParquetCorrupt(`dictionary index ${c} is out of range (${size} entries)`);
}

/**
 * Copies `n` dictionary entries selected by `codes` into `out` starting at
 * `at`, skipping null slots. 8-byte values move as two int32 halves: copying
 * through BigInt allocates, and through Float64 could change NaN bits. The
 * dense loops are split by width so each stays monomorphic.
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
  // Each loop checks its index as it goes (one pass over the codes, and a
  // branch that is never taken on sound data).
  const w = out.BYTES_PER_ELEMENT >> 2; // 32-bit words per value
  const o = new Int32Array(out.buffer, out.byteOffset, out.length * w);
  const d = new Int32Array(dict.buffer, dict.byteOffset, size * w);
  if (valid !== null) {
    let j = 0;
    for (let k = at; j < n; k++) {
      if (valid[k] === 0) continue;
      const c = codes[j++];
      if (c >>> 0 >= size) badIndex(c, size);
      o[k * w] = d[c * w];
      if (w === 2) o[k * w + 1] = d[c * w + 1];
    }
  } else if (w === 2) {
    for (let j = 0, k = 2 * at; j < n; j++, k += 2) {
      const c = codes[j];
      if (c >>> 0 >= size) badIndex(c, size);
      o[k] = d[2 * c];
      o[k + 1] = d[2 * c + 1];
    }
  } else {
    for (let j = 0; j < n; j++) {
      const c = codes[j];
      if (c >>> 0 >= size) badIndex(c, size);
      o[at + j] = d[c];
    }
  }
}

/**
 * Whether any 8-byte dictionary entry, read as a float64, is a NaN: only
 * those bit patterns may change when moved through a Float64Array (negative
 * int64s down to −2^52 are such patterns).
 */
function hasNaNBits(dict: Values): boolean {
  const f = new Float64Array(dict.buffer, dict.byteOffset, dict.length);
  for (let i = 0; i < f.length; i++) if (f[i] !== f[i]) return true;
  return false;
}

/** `scatter` without nulls for NaN-free 8-byte dictionaries: one float64 word per value. */
function gather64(out: Values, dict: Values, codes: Int32Array, n: number, at: number): void {
  const o = new Float64Array(out.buffer, out.byteOffset, out.length);
  const d = new Float64Array(dict.buffer, dict.byteOffset, dict.length);
  const size = d.length;
  for (let j = 0; j < n; j++) {
    const c = codes[j];
    if (c >>> 0 >= size) badIndex(c, size);
    o[at + j] = d[c];
  }
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

const decoder = new TextDecoder("utf-8", { fatal: true });

/** Dictionary codes of PLAIN strings (strict UTF-8). */
function stringCodes(p: Physical, strings: GrowingDictionary): Int32Array {
  const { offsets, data } = p as { offsets: Int32Array; data: Uint8Array };
  const n = offsets.length - 1;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let s: string;
    try {
      s = decoder.decode(data.subarray(offsets[i], offsets[i + 1]));
    } catch {
      throw new ParquetCorrupt(`string value ${i} of a page is not valid UTF-8`);
    }
    out[i] = strings.code(s);
  }
  return out;
}

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
 * dictionary-encoded into `strings` (codes in `values`). Pages in encodings
 * other than PLAIN and dictionary throw UnsupportedEncoding (the caller uses
 * the general decoder).
 */
export function decodeColumnChunk(
  bytes: Uint8Array,
  meta: ColumnMetaData,
  el: SchemaElement,
  rows: number,
  strings: GrowingDictionary | undefined,
  verify: boolean,
): DecodedColumn {
  const type = meta.type;
  const width = fixedWidth(type, el.type_length);
  const optional = el.repetition_type === "OPTIONAL";
  const values = makeValues(type, rows, strings !== undefined);
  // Scratch until a null shows up: most optional columns have none, and
  // garbage ArrayBuffers are freed lazily (they inflate peak RSS).
  const valid = optional ? scratchValid(rows) : null;
  let dict: Values | null = null; // numeric dictionary, or string remap to growing codes
  let wordCopy = false; // an 8-byte dictionary that moves exactly as float64 words
  let offset = 0;
  let row = 0;
  let totalNulls = 0;
  while (row < rows && offset < bytes.length) {
    const { page: raw, next } = readPage(bytes, offset, verify);
    offset = next;
    const header = raw.header;
    if (header.type === "DICTIONARY_PAGE") {
      if (dict) throw new ParquetCorrupt("a second dictionary page in one column chunk");
      const page = decompress(meta.codec, raw.body, header.uncompressed_page_size);
      const n = header.dictionary_page_header!.num_values;
      const p = plain(page, 0, n, type, width);
      dict = strings ? stringCodes(p, strings) : (p as { data: Values }).data;
      wordCopy = dict.BYTES_PER_ELEMENT === 8 && !hasNaNBits(dict);
      continue;
    }
    let count: number;
    let encoding: string;
    let page: Uint8Array;
    let pos = 0;
    let nulls = 0;
    if (header.type === "DATA_PAGE") {
      const h = header.data_page_header!;
      count = h.num_values;
      encoding = h.encoding;
      if (count > rows - row) {
        throw new ParquetCorrupt(`a page holds ${count} values, past the row group's ${rows} rows`);
      }
      page = decompress(meta.codec, raw.body, header.uncompressed_page_size);
      if (valid) {
        if (h.definition_level_encoding !== "RLE") {
          throw new UnsupportedEncoding(`${h.definition_level_encoding} levels`);
        }
        const defs = valid.subarray(row, row + count);
        if (page.length < 4) throw new ParquetCorrupt("definition levels past the page");
        const length = new DataView(page.buffer, page.byteOffset, 4).getUint32(0, true);
        if (4 + length > page.length) throw new ParquetCorrupt("definition levels past the page");
        hybrid(page, 4, 4 + length, 1, defs);
        pos = 4 + length;
        nulls = countZeros(defs);
      }
    } else if (header.type === "DATA_PAGE_V2") {
      const h = header.data_page_header_v2!;
      count = h.num_values;
      encoding = h.encoding;
      if (count > rows - row) {
        throw new ParquetCorrupt(`a page holds ${count} values, past the row group's ${rows} rows`);
      }
      const rl = h.repetition_levels_byte_length;
      const dl = h.definition_levels_byte_length;
      if (!(rl === 0 && dl >= 0 && dl <= raw.body.length)) {
        throw new ParquetCorrupt(`data page v2 level lengths ${rl} + ${dl} do not fit the page`);
      }
      if (valid) {
        const defs = valid.subarray(row, row + count);
        hybrid(raw.body, 0, dl, 1, defs);
        nulls = countZeros(defs);
      }
      if (nulls !== h.num_nulls) {
        throw new ParquetCorrupt(
          `data page v2 declares ${h.num_nulls} nulls, its levels hold ${nulls}`,
        );
      }
      const size = header.uncompressed_page_size - dl;
      if (size < 0) throw new ParquetCorrupt("data page v2 uncompressed size below its levels");
      page = decompress(
        h.is_compressed === false ? "UNCOMPRESSED" : meta.codec,
        raw.body.subarray(dl),
        size,
      );
    } else {
      continue; // index pages carry no values
    }
    const n = count - nulls;
    if (encoding === "RLE_DICTIONARY" || encoding === "PLAIN_DICTIONARY") {
      if (!dict) throw new ParquetCorrupt("a dictionary-encoded page without a dictionary page");
      const codes = scratchCodes(n);
      if (n > 0) {
        if (pos >= page.length) throw new ParquetCorrupt("dictionary indices past the page");
        const width = page[pos];
        if (width > 32) throw new ParquetCorrupt(`dictionary index bit width ${width}`);
        if (width) hybrid(page, pos + 1, page.length, width, codes);
        else codes.fill(0); // width 0: every index is 0 (the scratch holds old codes)
      }
      if (wordCopy && nulls === 0) gather64(values, dict, codes, n, row);
      else scatter(values, dict, codes, n, row, nulls === 0 ? null : valid);
    } else if (encoding === "PLAIN") {
      const p = plain(page, pos, n, type, width);
      const data = strings ? stringCodes(p, strings) : (p as { data: Values }).data;
      if ((data.constructor as Ctor) !== (values.constructor as Ctor)) {
        throw new ParquetCorrupt(`a plain page decoded as ${data.constructor.name}`);
      }
      place(values, data, n, row, nulls === 0 ? null : valid);
    } else {
      throw new UnsupportedEncoding(encoding);
    }
    totalNulls += nulls;
    row += count;
  }
  if (row !== rows) {
    throw new ParquetCorrupt(`the column chunk holds ${row} rows, its row group declares ${rows}`);
  }
  // Optional columns without a null need no validity bitmap.
  return { values, valid: totalNulls === 0 || valid === null ? null : valid.slice() };
}

/** Thrown for encodings the fast path leaves to the general decoder. */
export class UnsupportedEncoding extends Error {
  /** @param encoding The parquet encoding name. */
  constructor(encoding: string) {
    super(`encoding ${encoding} is not on the fast path`);
    this.name = "UnsupportedEncoding";
  }
}
