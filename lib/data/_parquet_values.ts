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
import { deltaBytes, deltaPacked } from "./_parquet_delta.ts";

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

const FIXED = {
  INT32: Int32Array,
  FLOAT: Float32Array,
  INT64: BigInt64Array,
  DOUBLE: Float64Array,
} as const;

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
    case "FLOAT":
    case "INT64":
    case "DOUBLE": {
      const C = FIXED[type];
      need(page, pos, C.BYTES_PER_ELEMENT * n, `PLAIN ${type}`);
      return { kind: "fixed", data: aligned(page, pos, n, C as typeof Int32Array) };
    }
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
  type: ParquetType,
  width: number,
  page: Uint8Array,
  pos: number,
  n: number,
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
