/**
 * Parquet leaves and levels to Arrow, exactly: each leaf's physical values
 * become its Arrow type (Decimal, Timestamp, Float16, FixedSizeBinary,
 * Binary, strict-UTF-8 Utf8, …); `_parquet_assemble.ts` nests them.
 * @module
 */
import {
  Binary,
  Bool,
  type Data,
  DataType,
  DateDay,
  Decimal,
  FixedSizeBinary,
  Float16,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  makeData,
  TimeMicrosecond,
  TimeMillisecond,
  TimeNanosecond,
  TimestampMicrosecond,
  TimestampMillisecond,
  TimestampNanosecond,
  Uint16,
  Uint32,
  Uint64,
  Uint8,
  Utf8,
} from "apache-arrow";
import type { SchemaElement } from "hyparquet";
import { countNulls, packValidity } from "./_batch.ts";
import { copy, ParquetCorrupt } from "./_parquet_pages.ts";
import type { Physical } from "./_parquet_values.ts";

type AnyData = Data<DataType>;

/** Options that choose lossy conversions (exact by default). */
export interface ConvertOptions {
  /** INT96 timestamps' unit: "ns" (exact, errors when out of range), "us" or "ms". */
  int96: "ns" | "us" | "ms";
}

/** Whether a leaf holds text. */
export function isText(el: SchemaElement): boolean {
  const lt = el.logical_type?.type;
  return el.type === "BYTE_ARRAY" &&
    (el.converted_type === "UTF8" || el.converted_type === "ENUM" || el.converted_type === "JSON" ||
      lt === "STRING" || lt === "ENUM" || lt === "JSON");
}

function decimalOf(el: SchemaElement): { scale: number; precision: number } | null {
  const lt = el.logical_type;
  if (lt?.type === "DECIMAL") return { scale: lt.scale ?? 0, precision: lt.precision };
  if (el.converted_type === "DECIMAL") {
    return { scale: el.scale ?? 0, precision: el.precision ?? 0 };
  }
  return null;
}

/** The exact Arrow type of a leaf (text as plain Utf8). */
export function leafType(el: SchemaElement, opts: ConvertOptions): DataType {
  const lt = el.logical_type;
  const ct = el.converted_type;
  const dec = decimalOf(el);
  if (dec && el.type !== "BOOLEAN" && el.type !== "FLOAT" && el.type !== "DOUBLE") {
    if (
      !(dec.precision > 0 && dec.precision <= 76 && dec.scale >= 0 && dec.scale <= dec.precision)
    ) {
      throw new ParquetCorrupt(`DECIMAL(${dec.precision}, ${dec.scale}) is not a valid decimal`);
    }
    return new Decimal(dec.scale, dec.precision, dec.precision > 38 ? 256 : 128);
  }
  switch (el.type) {
    case "BOOLEAN":
      return new Bool();
    case "INT32": {
      if (lt?.type === "DATE" || ct === "DATE") return new DateDay();
      if (lt?.type === "TIME" || ct === "TIME_MILLIS") return new TimeMillisecond();
      const bits = lt?.type === "INTEGER" ? lt.bitWidth : Number(/\d+/.exec(ct ?? "")?.[0] ?? 32);
      const unsigned = lt?.type === "INTEGER" ? !lt.isSigned : ct?.startsWith("UINT") === true;
      if (bits === 8) return unsigned ? new Uint8() : new Int8();
      if (bits === 16) return unsigned ? new Uint16() : new Int16();
      return unsigned ? new Uint32() : new Int32();
    }
    case "INT64": {
      const unit = lt?.type === "TIMESTAMP" || lt?.type === "TIME" ? lt.unit : null;
      if (lt?.type === "TIMESTAMP" || ct === "TIMESTAMP_MILLIS" || ct === "TIMESTAMP_MICROS") {
        const tz = lt?.type === "TIMESTAMP" && lt.isAdjustedToUTC ? "UTC" : undefined;
        if (unit === "MILLIS" || ct === "TIMESTAMP_MILLIS") return new TimestampMillisecond(tz);
        if (unit === "NANOS") return new TimestampNanosecond(tz);
        return new TimestampMicrosecond(tz);
      }
      if (lt?.type === "TIME" || ct === "TIME_MICROS") {
        return unit === "NANOS" ? new TimeNanosecond() : new TimeMicrosecond();
      }
      const unsigned = lt?.type === "INTEGER" ? !lt.isSigned : ct === "UINT_64";
      return unsigned ? new Uint64() : new Int64();
    }
    case "INT96":
      return opts.int96 === "us"
        ? new TimestampMicrosecond()
        : opts.int96 === "ms"
        ? new TimestampMillisecond()
        : new TimestampNanosecond();
    case "FLOAT":
      return new Float32();
    case "DOUBLE":
      return new Float64();
    case "FIXED_LEN_BYTE_ARRAY":
      if (lt?.type === "FLOAT16" && el.type_length === 2) return new Float16();
      return new FixedSizeBinary(el.type_length ?? 0);
    default:
      return isText(el) ? new Utf8() : new Binary();
  }
}

/**
 * The index of the first byte of [start, end) that breaks UTF-8 (overlong
 * forms, surrogates and code points above U+10FFFF included), or −1. Its
 * own loop: decoding to a JS string just to validate would allocate the text.
 */
export function utf8Error(b: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (c >= 0xc2 && c <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else return i;
    if (i + need >= end) return i;
    let cp = c & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const x = b[i + k];
      if (i + k >= end || (x & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (x & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

/** Checks that every value of a byte-array column is valid UTF-8. */
export function checkUtf8(offsets: Int32Array, data: Uint8Array): void {
  const n = offsets.length - 1;
  if (utf8Error(data, 0, data.length) < 0) {
    // The whole is valid; a value starting on a continuation byte splits a character.
    let i = 0;
    for (; i < n; i++) {
      const o = offsets[i];
      if (o < offsets[i + 1] && (data[o] & 0xc0) === 0x80) break;
    }
    if (i === n) return;
  }
  for (let i = 0; i < n; i++) {
    const at = utf8Error(data, offsets[i], offsets[i + 1]);
    if (at >= 0) {
      const hex = Array.from(data.subarray(at, Math.min(offsets[i + 1], at + 4)))
        .map((x) => x.toString(16).padStart(2, "0")).join(" ");
      throw new ParquetCorrupt(
        `string value ${i} is not valid UTF-8 (bytes ${hex} at its byte ${at - offsets[i]})`,
      );
    }
  }
}

const JULIAN_EPOCH = 2440588n;
const NS_PER_DAY = 86_400_000_000_000n;
const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

/**
 * Dense Arrow data (non-null values only) of a leaf. `rowOf(k)` gives the
 * row (in the row group) of value k, for errors.
 */
export function denseLeaf(
  type: DataType,
  values: Physical,
  rowOf: (k: number) => number,
): AnyData {
  const n = values.kind === "bytes"
    ? values.offsets.length - 1
    : values.kind === "flba"
    ? values.data.length / values.width
    : values.data.length;
  const make = (data: ArrayBufferView, extra: Record<string, unknown> = {}) =>
    makeData({ type, length: n, data, nullCount: 0, ...extra } as never) as AnyData;
  if (type instanceof Decimal) return make(decimalWords(type, values, rowOf));
  switch (values.kind) {
    case "bool": {
      const bits = new Uint8Array(((n + 63) & ~63) >> 3);
      for (let i = 0; i < n; i++) if (values.data[i]) bits[i >> 3] |= 1 << (i & 7);
      return make(bits);
    }
    case "bytes":
      if (type instanceof Utf8) checkUtf8(values.offsets, values.data);
      return make(values.data, { valueOffsets: values.offsets });
    case "flba": {
      if (values.width === 12 && !(type instanceof FixedSizeBinary)) {
        return make(int96(values.data, n, type, rowOf));
      }
      if (type instanceof Float16) {
        return make(new Uint16Array(copy(values.data).buffer, 0, n));
      }
      return make(values.data);
    }
    case "fixed": {
      const T = (type as unknown as {
        ArrayType: new (b: ArrayBufferLike, o: number, n: number) => ArrayBufferView;
      }).ArrayType;
      const d = values.data;
      if (T === (d.constructor as unknown)) return make(d);
      if (
        d instanceof Int32Array &&
        (T === Int8Array || T === Int16Array || T === Uint8Array || T === Uint16Array)
      ) {
        const out = new (T as unknown as new (n: number) => Int8Array)(n);
        out.set(d);
        return make(out);
      }
      const B = (T as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
      if (B !== d.BYTES_PER_ELEMENT) {
        throw new ParquetCorrupt(`${d.constructor.name} values for an Arrow ${type} column`);
      }
      return make(new T(d.buffer, d.byteOffset, n));
    }
  }
}

function int96(data: Uint8Array, n: number, type: DataType, rowOf: (k: number) => number) {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out = new BigInt64Array(n);
  const div = type instanceof TimestampMicrosecond
    ? 1000n
    : type instanceof TimestampMillisecond
    ? 1_000_000n
    : 1n;
  for (let i = 0; i < n; i++) {
    const nanos = view.getBigInt64(12 * i, true);
    const day = BigInt(view.getInt32(12 * i + 8, true));
    let v = (day - JULIAN_EPOCH) * NS_PER_DAY + nanos;
    if (div !== 1n) v = v >= 0n ? v / div : -((-v + div - 1n) / div); // floor
    if (v < I64_MIN || v > I64_MAX) {
      throw new ParquetCorrupt(
        `INT96 timestamp (Julian day ${day}, ${nanos} ns) is outside the int64 nanosecond range ` +
          `(years 1677–2262); read it with int96: "us" or "ms"`,
        rowOf(i),
      );
    }
    out[i] = v;
  }
  return out;
}

function decimalWords(type: Decimal, values: Physical, rowOf: (k: number) => number): Uint32Array {
  const words = type.bitWidth / 32;
  const bytesPer = words * 4;
  if (values.kind === "fixed") {
    const d = values.data;
    const n = d.length;
    const out = new Uint32Array(n * words);
    if (d instanceof Int32Array) {
      for (let i = 0; i < n; i++) {
        out[i * words] = d[i];
        const sign = d[i] < 0 ? 0xffffffff : 0;
        for (let w = 1; w < words; w++) out[i * words + w] = sign;
      }
    } else if (d instanceof BigInt64Array) {
      const h = new Int32Array(d.buffer, d.byteOffset, n * 2);
      if (words === 4) {
        for (let i = 0, o = 0; i < n; i++, o += 4) {
          const hi = h[2 * i + 1];
          const sign = hi >> 31;
          out[o] = h[2 * i];
          out[o + 1] = hi;
          out[o + 2] = sign;
          out[o + 3] = sign;
        }
        return out;
      }
      for (let i = 0; i < n; i++) {
        out[i * words] = h[2 * i];
        out[i * words + 1] = h[2 * i + 1];
        const sign = h[2 * i + 1] < 0 ? 0xffffffff : 0;
        for (let w = 2; w < words; w++) out[i * words + w] = sign;
      }
    } else throw new ParquetCorrupt(`DECIMAL stored as ${d.constructor.name}`);
    return out;
  }
  if (values.kind === "bool") throw new ParquetCorrupt("DECIMAL stored as BOOLEAN");
  const n = values.kind === "bytes" ? values.offsets.length - 1 : values.data.length / values.width;
  const out = new Uint8Array(n * bytesPer);
  for (let i = 0; i < n; i++) {
    const s = values.kind === "bytes" ? values.offsets[i] : i * values.width;
    const e = values.kind === "bytes" ? values.offsets[i + 1] : s + values.width;
    const len = e - s;
    const neg = len > 0 && (values.data[s] & 0x80) !== 0;
    const fill = neg ? 0xff : 0;
    for (let k = 0; k < len; k++) {
      const b = values.data[e - 1 - k]; // big-endian in parquet
      if (k < bytesPer) out[i * bytesPer + k] = b;
      else if (b !== fill) {
        throw new ParquetCorrupt(`a DECIMAL value of ${len} bytes exceeds ${type}`, rowOf(i));
      }
    }
    if (len > bytesPer && ((out[i * bytesPer + bytesPer - 1] & 0x80) !== 0) !== neg) {
      throw new ParquetCorrupt(`a DECIMAL value of ${len} bytes exceeds ${type}`, rowOf(i));
    }
    for (let k = len; k < bytesPer; k++) out[i * bytesPer + k] = fill;
  }
  return new Uint32Array(out.buffer);
}

/** Gathers dense values by index (−1 = null) into a column of idx.length rows. */
export function gather(dense: AnyData, idx: Int32Array, valid: Uint8Array | null): AnyData {
  const n = idx.length;
  const type = dense.type;
  const bitmap = valid ? packValidity(valid, n) : undefined;
  const base = { type, length: n, nullBitmap: bitmap, nullCount: countNulls(bitmap, n) };
  if (type instanceof Bool) {
    const src = dense.values as Uint8Array;
    const bits = new Uint8Array(((n + 63) & ~63) >> 3);
    for (let i = 0; i < n; i++) {
      const k = idx[i];
      if (k >= 0 && (src[k >> 3] >> (k & 7)) & 1) bits[i >> 3] |= 1 << (i & 7);
    }
    return makeData({ ...base, data: bits } as never) as AnyData;
  }
  if (type instanceof Utf8 || type instanceof Binary) {
    const offs = dense.valueOffsets as Int32Array;
    const src = dense.values as Uint8Array;
    const offsets = new Int32Array(n + 1);
    let total = 0;
    for (let i = 0; i < n; i++) {
      const k = idx[i];
      if (k >= 0) total += offs[k + 1] - offs[k];
      offsets[i + 1] = total;
    }
    const data = new Uint8Array(total);
    for (let i = 0; i < n; i++) {
      const k = idx[i];
      if (k < 0) continue;
      let o = offsets[i];
      const e = offs[k + 1];
      if (e - offs[k] > 32) data.set(src.subarray(offs[k], e), o);
      else for (let b = offs[k]; b < e; b++) data[o++] = src[b];
    }
    return makeData({ ...base, data, valueOffsets: offsets } as never) as AnyData;
  }
  const src = dense.values as ArrayBufferView & { length: number };
  const width = dense.length === 0 ? 0 : src.byteLength / dense.length;
  const elementBytes = type instanceof Decimal
    ? type.bitWidth / 8
    : type instanceof FixedSizeBinary
    ? type.byteWidth
    : (src as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
  if (dense.length > 0 && width !== elementBytes) {
    throw new ParquetCorrupt(`${type} values of ${width} bytes`);
  }
  const out = new Uint8Array(n * elementBytes);
  const bytes = new Uint8Array(src.buffer, src.byteOffset, src.byteLength);
  if (elementBytes % 4 === 0) {
    const w = elementBytes / 4;
    const o = new Int32Array(out.buffer);
    const s = new Int32Array(copy(bytes).buffer);
    for (let i = 0; i < n; i++) {
      const k = idx[i];
      if (k >= 0) { for (let j = 0; j < w; j++) o[i * w + j] = s[k * w + j]; }
    }
  } else {
    for (let i = 0; i < n; i++) {
      const k = idx[i];
      if (k >= 0) {
        out.set(bytes.subarray(k * elementBytes, (k + 1) * elementBytes), i * elementBytes);
      }
    }
  }
  const C = src.constructor as new (b: ArrayBuffer, o: number, n: number) => ArrayBufferView;
  const typed = new C(
    out.buffer,
    0,
    out.byteLength / (src as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT,
  );
  return makeData({ ...base, data: typed } as never) as AnyData;
}
