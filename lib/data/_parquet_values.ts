/**
 * Parquet value decoding for one leaf column: every encoding (PLAIN,
 * dictionary, RLE booleans, DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY,
 * DELTA_BYTE_ARRAY, BYTE_STREAM_SPLIT) into flat physical arrays: typed
 * arrays for numbers, bytes + offsets for BYTE_ARRAY, bytes × width for
 * FIXED_LEN_BYTE_ARRAY and INT96. Every read is bounds-checked.
 * @module
 */
import type { ParquetType } from "hyparquet";
import { copy, hybrid, ParquetCorrupt } from "./_parquet_pages.ts";

/** Physical values of one leaf (non-null values only). */
export type Physical =
  | { kind: "fixed"; data: Int32Array | BigInt64Array | Float32Array | Float64Array }
  | { kind: "bool"; data: Uint8Array }
  | { kind: "bytes"; offsets: Int32Array; data: Uint8Array }
  | { kind: "flba"; width: number; data: Uint8Array };

/** Physical length (number of values). */
export function physicalLength(p: Physical): number {
  if (p.kind === "bytes") return p.offsets.length - 1;
  if (p.kind === "flba") return p.width === 0 ? 0 : p.data.length / p.width;
  return p.data.length;
}

/** Byte width of fixed-size physical types (INT96 is 12-byte FLBA). */
export function fixedWidth(type: ParquetType, typeLength: number | undefined): number {
  switch (type) {
    case "INT32":
    case "FLOAT":
      return 4;
    case "INT64":
    case "DOUBLE":
      return 8;
    case "INT96":
      return 12;
    case "FIXED_LEN_BYTE_ARRAY":
      return typeLength ?? 0;
    default:
      return 0;
  }
}

function need(page: Uint8Array, pos: number, bytes: number, what: string): void {
  if (pos + bytes > page.length) {
    throw new ParquetCorrupt(
      `${what} needs ${bytes} bytes at byte ${pos} of a ${page.length}-byte page`,
    );
  }
}

function aligned<T>(
  page: Uint8Array,
  pos: number,
  n: number,
  C: { new (b: ArrayBuffer, o: number, n: number): T; BYTES_PER_ELEMENT: number },
): T {
  const bytes = copy(page, pos, pos + n * C.BYTES_PER_ELEMENT);
  return new C(bytes.buffer, 0, n);
}

/** PLAIN values of a physical type. */
export function plain(
  page: Uint8Array,
  pos: number,
  n: number,
  type: ParquetType,
  width: number,
): Physical {
  switch (type) {
    case "BOOLEAN": {
      need(page, pos, Math.ceil(n / 8), "PLAIN booleans");
      const data = new Uint8Array(n);
      for (let i = 0; i < n; i++) data[i] = (page[pos + (i >> 3)] >> (i & 7)) & 1;
      return { kind: "bool", data };
    }
    case "INT32":
      need(page, pos, 4 * n, "PLAIN INT32");
      return { kind: "fixed", data: aligned(page, pos, n, Int32Array) };
    case "FLOAT":
      need(page, pos, 4 * n, "PLAIN FLOAT");
      return { kind: "fixed", data: aligned(page, pos, n, Float32Array) };
    case "INT64":
      need(page, pos, 8 * n, "PLAIN INT64");
      return { kind: "fixed", data: aligned(page, pos, n, BigInt64Array) };
    case "DOUBLE":
      need(page, pos, 8 * n, "PLAIN DOUBLE");
      return { kind: "fixed", data: aligned(page, pos, n, Float64Array) };
    case "INT96":
    case "FIXED_LEN_BYTE_ARRAY":
      need(page, pos, width * n, `PLAIN ${type}`);
      return { kind: "flba", width, data: copy(page, pos, pos + width * n) };
    case "BYTE_ARRAY": {
      const offsets = new Int32Array(n + 1);
      const view = new DataView(page.buffer, page.byteOffset, page.byteLength);
      let p = pos;
      let total = 0;
      for (let i = 0; i < n; i++) {
        need(page, p, 4, "PLAIN BYTE_ARRAY length");
        const len = view.getUint32(p, true);
        need(page, p + 4, len, "PLAIN BYTE_ARRAY value");
        p += 4 + len;
        total += len;
        offsets[i + 1] = total;
      }
      const data = new Uint8Array(total);
      p = pos;
      for (let i = 0; i < n; i++) {
        const len = offsets[i + 1] - offsets[i];
        data.set(page.subarray(p + 4, p + 4 + len), offsets[i]);
        p += 4 + len;
      }
      return { kind: "bytes", offsets, data };
    }
    default:
      throw new ParquetCorrupt(`unknown physical type ${String(type)}`);
  }
}

/** Reads an unsigned LEB128 varint at `at[0]` (advancing it) as a BigInt. */
function varint(page: Uint8Array, at: number[]): bigint {
  let v = 0n;
  for (let shift = 0n; shift < 70n; shift += 7n) {
    need(page, at[0], 1, "DELTA_BINARY_PACKED varint");
    const b = page[at[0]++];
    v |= BigInt(b & 0x7f) << shift;
    if (!(b & 0x80)) return v;
  }
  throw new ParquetCorrupt("DELTA_BINARY_PACKED varint is too long");
}

const zigzag = (v: bigint) => (v >> 1n) ^ -(v & 1n);

/** `width` ≤ 32 bits at bit position `bit` of `page`, as an unsigned number. */
function bits(page: Uint8Array, bit: number, width: number): number {
  let v = 0;
  let got = 0;
  while (got < width) {
    const off = bit & 7;
    const take = Math.min(8 - off, width - got);
    v += ((page[bit >> 3] >> off) & ((1 << take) - 1)) * 2 ** got;
    got += take;
    bit += take;
  }
  return v;
}

/**
 * DELTA_BINARY_PACKED into `out` (Int32Array: arithmetic modulo 2^32, so
 * unsigned 32-bit values survive; BigInt64Array: modulo 2^64 in two 32-bit
 * halves, no BigInt per value). Returns the byte position after the data.
 */
export function deltaPacked(
  page: Uint8Array,
  pos: number,
  out: Int32Array | BigInt64Array,
): number {
  const at = [pos];
  const block = Number(varint(page, at));
  const minis = Number(varint(page, at));
  const total = Number(varint(page, at));
  if (block === 0 || block % 128 !== 0 || minis === 0 || block % minis || (block / minis) % 32) {
    throw new ParquetCorrupt(`DELTA_BINARY_PACKED block ${block} with ${minis} miniblocks`);
  }
  if (total !== out.length) {
    throw new ParquetCorrupt(
      `DELTA_BINARY_PACKED holds ${total} values, the page needs ${out.length}`,
    );
  }
  const wide = out instanceof BigInt64Array;
  const o = wide ? new Int32Array(out.buffer, out.byteOffset, out.length * 2) : out;
  const first = BigInt.asUintN(64, zigzag(varint(page, at)));
  let lo = Number(first & 0xffffffffn);
  let hi = Number(first >> 32n);
  const perMini = block / minis;
  let i = 0;
  const put = () => {
    if (wide) {
      o[2 * i] = lo;
      o[2 * i + 1] = hi;
    } else o[i] = lo;
    i++;
  };
  if (total > 0) put();
  while (i < total) {
    const min = BigInt.asUintN(64, zigzag(varint(page, at)));
    const minLo = Number(min & 0xffffffffn);
    const minHi = Number(min >> 32n);
    need(page, at[0], minis, "DELTA_BINARY_PACKED bit widths");
    const widths = at[0];
    let p = widths + minis;
    for (let m = 0; m < minis && i < total; m++) {
      const w = page[widths + m];
      if (w > (wide ? 64 : 32)) throw new ParquetCorrupt(`DELTA_BINARY_PACKED bit width ${w}`);
      need(page, p, (perMini * w) / 8, "DELTA_BINARY_PACKED miniblock");
      const base = p * 8;
      for (let j = 0; j < perMini && i < total; j++) {
        const bit = base + j * w;
        const rLo = w === 0 ? 0 : bits(page, bit, Math.min(w, 32));
        const rHi = w > 32 ? bits(page, bit + 32, w - 32) : 0;
        const sumLo = lo + minLo + rLo; // < 2^34: exact in a double
        const carry = Math.floor(sumLo / 4294967296);
        lo = sumLo >>> 0;
        hi = (hi + minHi + rHi + carry) >>> 0;
        put();
      }
      p += (perMini * w) / 8;
    }
    at[0] = p;
  }
  return at[0];
}

/** DELTA_LENGTH_BYTE_ARRAY and DELTA_BYTE_ARRAY values. */
function deltaBytes(page: Uint8Array, pos: number, n: number, encoding: string): Physical {
  if (encoding === "DELTA_LENGTH_BYTE_ARRAY") {
    const lengths = new Int32Array(n);
    let p = deltaPacked(page, pos, lengths);
    const offsets = new Int32Array(n + 1);
    let total = 0;
    for (let i = 0; i < n; i++) {
      if (lengths[i] < 0) throw new ParquetCorrupt(`negative byte array length ${lengths[i]}`);
      offsets[i + 1] = total += lengths[i];
    }
    need(page, p, total, "DELTA_LENGTH_BYTE_ARRAY data");
    const data = copy(page, p, p + total);
    p += total;
    return { kind: "bytes", offsets, data };
  }
  const prefix = new Int32Array(n);
  const suffix = new Int32Array(n);
  let p = deltaPacked(page, pos, prefix);
  p = deltaPacked(page, p, suffix);
  const offsets = new Int32Array(n + 1);
  let total = 0;
  let suffixes = 0;
  for (let i = 0; i < n; i++) {
    const prev = i === 0 ? 0 : offsets[i] - offsets[i - 1];
    if (prefix[i] < 0 || suffix[i] < 0 || prefix[i] > prev) {
      throw new ParquetCorrupt(
        `DELTA_BYTE_ARRAY prefix ${prefix[i]} / suffix ${suffix[i]} at value ${i}`,
      );
    }
    offsets[i + 1] = total += prefix[i] + suffix[i];
    suffixes += suffix[i];
  }
  need(page, p, suffixes, "DELTA_BYTE_ARRAY suffixes");
  const data = new Uint8Array(total);
  for (let i = 0; i < n; i++) {
    const o = offsets[i];
    if (prefix[i] > 0) data.copyWithin(o, offsets[i - 1], offsets[i - 1] + prefix[i]);
    data.set(page.subarray(p, p + suffix[i]), o + prefix[i]);
    p += suffix[i];
  }
  return { kind: "bytes", offsets, data };
}

/** BYTE_STREAM_SPLIT: byte k of value i is at k * n + i. */
function byteStreamSplit(page: Uint8Array, pos: number, n: number, width: number): Uint8Array {
  need(page, pos, n * width, "BYTE_STREAM_SPLIT");
  const out = new Uint8Array(n * width);
  for (let k = 0; k < width; k++) {
    const from = pos + k * n;
    for (let i = 0; i < n; i++) out[i * width + k] = page[from + i];
  }
  return out;
}

function reinterpret(bytes: Uint8Array, type: ParquetType, width: number, n: number): Physical {
  switch (type) {
    case "INT32":
      return { kind: "fixed", data: new Int32Array(bytes.buffer, 0, n) };
    case "FLOAT":
      return { kind: "fixed", data: new Float32Array(bytes.buffer, 0, n) };
    case "INT64":
      return { kind: "fixed", data: new BigInt64Array(bytes.buffer, 0, n) };
    case "DOUBLE":
      return { kind: "fixed", data: new Float64Array(bytes.buffer, 0, n) };
    default:
      return { kind: "flba", width, data: bytes };
  }
}

/** Values of a data page (not dictionary-coded) in any non-dictionary encoding. */
export function decodeValues(
  encoding: string,
  page: Uint8Array,
  pos: number,
  n: number,
  type: ParquetType,
  width: number,
): Physical {
  switch (encoding) {
    case "PLAIN":
      return plain(page, pos, n, type, width);
    case "RLE": {
      if (type !== "BOOLEAN") throw new ParquetCorrupt(`RLE encoding for ${type} values`);
      need(page, pos, 4, "RLE booleans");
      const len = new DataView(page.buffer, page.byteOffset).getUint32(pos, true);
      const data = new Uint8Array(n);
      hybrid(page, pos + 4, Math.min(page.length, pos + 4 + len), 1, data);
      return { kind: "bool", data };
    }
    case "DELTA_BINARY_PACKED": {
      if (type !== "INT32" && type !== "INT64") {
        throw new ParquetCorrupt(`DELTA_BINARY_PACKED encoding for ${type} values`);
      }
      const data = type === "INT32" ? new Int32Array(n) : new BigInt64Array(n);
      deltaPacked(page, pos, data);
      return { kind: "fixed", data };
    }
    case "DELTA_LENGTH_BYTE_ARRAY":
    case "DELTA_BYTE_ARRAY": {
      if (type !== "BYTE_ARRAY" && type !== "FIXED_LEN_BYTE_ARRAY") {
        throw new ParquetCorrupt(`${encoding} encoding for ${type} values`);
      }
      const bytes = deltaBytes(page, pos, n, encoding) as { offsets: Int32Array; data: Uint8Array };
      if (type === "FIXED_LEN_BYTE_ARRAY") {
        if (bytes.data.length !== n * width) {
          throw new ParquetCorrupt(`${encoding} values are not all ${width} bytes long`);
        }
        return { kind: "flba", width, data: bytes.data };
      }
      return { kind: "bytes", ...bytes };
    }
    case "BYTE_STREAM_SPLIT": {
      if (type === "BOOLEAN" || type === "BYTE_ARRAY" || type === "INT96") {
        throw new ParquetCorrupt(`BYTE_STREAM_SPLIT encoding for ${type} values`);
      }
      return reinterpret(byteStreamSplit(page, pos, n, width), type, width, n);
    }
    default:
      throw new ParquetCorrupt(`encoding ${encoding} is not valid for data values`);
  }
}

/** Gathers dictionary entries by index (every index checked). */
export function fromDictionary(dict: Physical, codes: Int32Array): Physical {
  const size = physicalLength(dict);
  for (let i = 0; i < codes.length; i++) {
    if (codes[i] >>> 0 >= size) {
      throw new ParquetCorrupt(`dictionary index ${codes[i]} is out of range (${size} entries)`);
    }
  }
  const n = codes.length;
  switch (dict.kind) {
    case "fixed": {
      const C = dict.data.constructor as new (n: number) => typeof dict.data;
      const out = new C(n);
      if (out instanceof BigInt64Array) {
        const o = new Int32Array(out.buffer);
        const d = new Int32Array(dict.data.buffer, dict.data.byteOffset, size * 2);
        for (let i = 0; i < n; i++) {
          o[2 * i] = d[2 * codes[i]];
          o[2 * i + 1] = d[2 * codes[i] + 1];
        }
      } else {
        // Float data moved as raw bits keeps NaN payloads.
        const bits = dict.data.BYTES_PER_ELEMENT === 8
          ? null
          : new Int32Array(dict.data.buffer, dict.data.byteOffset, size);
        if (bits) {
          const o = new Int32Array(out.buffer);
          for (let i = 0; i < n; i++) o[i] = bits[codes[i]];
        } else {
          const d = new Int32Array(dict.data.buffer, dict.data.byteOffset, size * 2);
          const o = new Int32Array(out.buffer);
          for (let i = 0; i < n; i++) {
            o[2 * i] = d[2 * codes[i]];
            o[2 * i + 1] = d[2 * codes[i] + 1];
          }
        }
      }
      return { kind: "fixed", data: out as Int32Array };
    }
    case "bool": {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = dict.data[codes[i]];
      return { kind: "bool", data: out };
    }
    case "flba": {
      const w = dict.width;
      const out = new Uint8Array(n * w);
      const src = dict.data;
      for (let i = 0; i < n; i++) {
        for (let b = codes[i] * w, o = i * w, e = b + w; b < e; b++) out[o++] = src[b];
      }
      return { kind: "flba", width: w, data: out };
    }
    case "bytes":
      return gatherBytes(dict, codes);
  }
}

/** Dictionary byte arrays gathered by code (its own function: one shape, optimised alone). */
function gatherBytes(dict: { offsets: Int32Array; data: Uint8Array }, codes: Int32Array): Physical {
  const n = codes.length;
  const offsets = new Int32Array(n + 1);
  let total = 0;
  for (let i = 0; i < n; i++) {
    total += dict.offsets[codes[i] + 1] - dict.offsets[codes[i]];
    offsets[i + 1] = total;
  }
  const data = new Uint8Array(total);
  const src = dict.data;
  const offs = dict.offsets;
  for (let i = 0; i < n; i++) {
    const s = offs[codes[i]];
    const e = offs[codes[i] + 1];
    let o = offsets[i];
    if (e - s > 32) data.set(src.subarray(s, e), o);
    else for (let b = s; b < e; b++) data[o++] = src[b];
  }
  return { kind: "bytes", offsets, data };
}

/** Concatenates the physical values of a chunk's pages. */
export function concatPhysical(parts: Physical[], type: ParquetType, width: number): Physical {
  if (parts.length === 1) return parts[0];
  if (parts.length === 0) return plain(new Uint8Array(0), 0, 0, type, width);
  const first = parts[0];
  if (first.kind === "bytes") {
    let n = 0;
    let total = 0;
    for (const p of parts as { offsets: Int32Array; data: Uint8Array }[]) {
      n += p.offsets.length - 1;
      total += p.data.length;
    }
    const offsets = new Int32Array(n + 1);
    const data = new Uint8Array(total);
    let i = 0;
    let at = 0;
    for (const p of parts as { offsets: Int32Array; data: Uint8Array }[]) {
      data.set(p.data, at);
      for (let k = 1; k < p.offsets.length; k++) offsets[++i] = at + p.offsets[k];
      at += p.data.length;
    }
    return { kind: "bytes", offsets, data };
  }
  const arrays = parts.map((p) => (p as { data: ArrayLike<unknown> & { length: number } }).data);
  const n = arrays.reduce((s, a) => s + a.length, 0);
  const C = first.data.constructor as new (n: number) => Uint8Array;
  const out = new C(n);
  let at = 0;
  for (const a of arrays as Uint8Array[]) {
    out.set(a, at);
    at += a.length;
  }
  if (first.kind === "flba") return { kind: "flba", width: first.width, data: out };
  return { ...first, data: out } as Physical;
}
