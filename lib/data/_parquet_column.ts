/**
 * The general column-chunk decoder: any leaf (flat or nested), any page
 * kind (v1, v2, dictionary at any offset, empty and all-null pages), any
 * encoding. Returns the definition and repetition levels of every entry and
 * the physical non-null values, all checked against each other.
 * @module
 */
import type { ColumnMetaData } from "hyparquet";
import { decompress, hybrid, levelWidth, ParquetCorrupt, readPage } from "./_parquet_pages.ts";
import {
  concatPhysical,
  decodeValues,
  fixedWidth,
  fromDictionary,
  type Physical,
  physicalLength,
  plain,
} from "./_parquet_values.ts";
import type { SchemaNode } from "./_parquet_schema.ts";

/** A decoded leaf chunk. */
export interface LeafChunk {
  /** Entries (level pairs); equals rows for flat leaves. */
  entries: number;
  /** Definition levels, or null when every entry is at the max (all present). */
  def: Uint8Array | null;
  /** Repetition levels, or null for leaves outside any list. */
  rep: Uint8Array | null;
  /** Non-null values. */
  values: Physical;
}

function cat(parts: Uint8Array[], n: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(n);
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}

function checkLevels(levels: Uint8Array, max: number, what: string): void {
  if ((max & (max + 1)) === 0) return; // 2^k − 1: k-bit levels cannot exceed it
  for (let i = 0; i < levels.length; i++) {
    if (levels[i] > max) throw new ParquetCorrupt(`${what} level ${levels[i]} is above ${max}`);
  }
}

/** Decodes a whole column chunk of a leaf for a row group of `rows` rows. */
export function decodeLeafChunk(
  bytes: Uint8Array,
  meta: ColumnMetaData,
  leaf: SchemaNode,
  rows: number,
  verify: boolean,
): LeafChunk {
  const type = meta.type;
  const width = fixedWidth(type, leaf.el.type_length);
  if ((type === "FIXED_LEN_BYTE_ARRAY" && !(width > 0))) {
    throw new ParquetCorrupt(`FIXED_LEN_BYTE_ARRAY without a positive type_length`);
  }
  const maxDef = leaf.def;
  const maxRep = leaf.rep;
  const chunkValues = Number(meta.num_values);
  const defs: Uint8Array[] = [];
  const reps: Uint8Array[] = [];
  const values: Physical[] = [];
  let dict: Physical | null = null;
  let entries = 0;
  let rowsSeen = 0;
  let offset = 0;
  while (offset < bytes.length && (rowsSeen < rows || maxRep > 0)) {
    const { page, next } = readPage(bytes, offset, verify);
    offset = next;
    const h = page.header;
    if (h.type === "INDEX_PAGE") continue;
    if (h.type === "DICTIONARY_PAGE") {
      if (dict) throw new ParquetCorrupt("a second dictionary page in one column chunk");
      const raw = decompress(meta.codec, page.body, h.uncompressed_page_size);
      dict = plain(raw, 0, h.dictionary_page_header!.num_values, type, width);
      continue;
    }
    let n: number;
    let encoding: string;
    let def: Uint8Array | null = null;
    let rep: Uint8Array | null = null;
    let data: Uint8Array;
    let pos = 0;
    // Checked before any allocation sized by it: no page holds more entries
    // than its column chunk declares (nor, for flat leaves, than rows remain).
    const declared = (h.data_page_header ?? h.data_page_header_v2)!.num_values;
    const room = maxRep > 0 ? chunkValues - entries : rows - rowsSeen;
    if (declared > room) {
      throw new ParquetCorrupt(
        `a page holds ${declared} values, past the ${room} its column chunk has left`,
      );
    }
    if (h.type === "DATA_PAGE") {
      const d = h.data_page_header!;
      n = d.num_values;
      encoding = d.encoding;
      data = decompress(meta.codec, page.body, h.uncompressed_page_size);
      const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
      const levels = (max: number, what: string, enc: string): Uint8Array => {
        if (enc !== "RLE") throw new ParquetCorrupt(`${what} levels encoded as ${enc}`);
        if (pos + 4 > data.length) throw new ParquetCorrupt(`${what} levels past the page`);
        const len = view.getUint32(pos, true);
        if (pos + 4 + len > data.length) throw new ParquetCorrupt(`${what} levels past the page`);
        const out = new Uint8Array(n);
        hybrid(data, pos + 4, pos + 4 + len, levelWidth(max), out);
        pos += 4 + len;
        return out;
      };
      if (maxRep > 0) rep = levels(maxRep, "repetition", d.repetition_level_encoding);
      if (maxDef > 0) def = levels(maxDef, "definition", d.definition_level_encoding);
    } else {
      const d = h.data_page_header_v2!;
      n = d.num_values;
      encoding = d.encoding;
      const rl = d.repetition_levels_byte_length;
      const dl = d.definition_levels_byte_length;
      if (!(rl >= 0 && dl >= 0 && rl + dl <= page.body.length)) {
        throw new ParquetCorrupt(`data page v2 level lengths ${rl} + ${dl} exceed the page`);
      }
      if (maxRep > 0) {
        rep = new Uint8Array(n);
        hybrid(page.body, 0, rl, levelWidth(maxRep), rep);
      }
      if (maxDef > 0) {
        def = new Uint8Array(n);
        hybrid(page.body, rl, rl + dl, levelWidth(maxDef), def);
      }
      const body = page.body.subarray(rl + dl);
      const size = h.uncompressed_page_size - rl - dl;
      if (size < 0) throw new ParquetCorrupt("data page v2 uncompressed size below its levels");
      data = d.is_compressed === false
        ? decompress("UNCOMPRESSED", body, size)
        : decompress(meta.codec, body, size);
    }
    if (def) checkLevels(def, maxDef, "definition");
    if (rep) checkLevels(rep, maxRep, "repetition");
    let present = n;
    if (def) {
      present = 0;
      for (let i = 0; i < n; i++) if (def[i] === maxDef) present++;
    }
    if (h.type === "DATA_PAGE_V2" && h.data_page_header_v2!.num_nulls !== n - present) {
      throw new ParquetCorrupt(
        `data page v2 declares ${h.data_page_header_v2!.num_nulls} nulls, its levels hold ${
          n - present
        }`,
      );
    }
    let pageRows = n;
    if (rep) {
      pageRows = 0;
      for (let i = 0; i < n; i++) if (rep[i] === 0) pageRows++;
      if (entries === 0 && n > 0 && rep[0] !== 0) {
        throw new ParquetCorrupt("the first repetition level of the column chunk is not 0");
      }
    }
    if (encoding === "RLE_DICTIONARY" || encoding === "PLAIN_DICTIONARY") {
      if (!dict) throw new ParquetCorrupt("a dictionary-encoded page without a dictionary page");
      const codes = new Int32Array(present);
      if (present > 0) {
        if (pos >= data.length) throw new ParquetCorrupt("dictionary indices past the page");
        const bw = data[pos];
        if (bw > 32) throw new ParquetCorrupt(`dictionary index bit width ${bw}`);
        if (bw > 0) hybrid(data, pos + 1, data.length, bw, codes);
      }
      values.push(fromDictionary(dict, codes));
    } else {
      values.push(decodeValues(encoding, type, width, data, pos, present));
    }
    if (physicalLength(values[values.length - 1]) !== present) {
      throw new ParquetCorrupt(
        `a page decoded ${physicalLength(values.at(-1)!)} of ${present} values`,
      );
    }
    if (def) defs.push(def);
    if (rep) reps.push(rep);
    entries += n;
    rowsSeen += pageRows;
  }
  if (rowsSeen !== rows) {
    throw new ParquetCorrupt(
      `the column chunk holds ${rowsSeen} rows, its row group declares ${rows}`,
    );
  }
  const def = maxDef > 0 ? cat(defs, entries) : null;
  return {
    entries,
    def,
    rep: maxRep > 0 ? cat(reps, entries) : null,
    values: concatPhysical(values, type, width),
  };
}
