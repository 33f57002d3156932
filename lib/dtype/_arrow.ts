/**
 * Arrow plumbing shared by profile, downcast and the memory report: integer
 * type tables, validity bitmaps, exact byte counts, numeric views of columns.
 * @module
 */
import { escapeHtml } from "../plot/escape_html.ts";
import {
  Data,
  DataType,
  Int16,
  Int32,
  Int64,
  Int8,
  RecordBatch,
  Schema,
  Table,
  Type,
  Uint16,
  Uint32,
  Uint64,
  Uint8,
} from "apache-arrow";
import { dataBytes, makeBatch } from "../_arrow_data.ts";
import type { ProfileArray } from "./profile.ts";

export { dataBytes, makeBatch };

/** The integer types downcast can choose. */
export type IntName =
  | "int8"
  | "uint8"
  | "int16"
  | "uint16"
  | "int32"
  | "uint32"
  | "int64"
  | "uint64";

/** The integer typed arrays. */
type IntArray = Exclude<ProfileArray, Float32Array | Float64Array>;

interface IntInfo {
  min: number;
  max: number;
  bytes: number;
  type: () => DataType;
  array: (n: number) => IntArray;
}

export const INTS: Record<IntName, IntInfo> = {
  int8: { min: -128, max: 127, bytes: 1, type: () => new Int8(), array: (n) => new Int8Array(n) },
  uint8: { min: 0, max: 255, bytes: 1, type: () => new Uint8(), array: (n) => new Uint8Array(n) },
  int16: {
    min: -32768,
    max: 32767,
    bytes: 2,
    type: () => new Int16(),
    array: (n) => new Int16Array(n),
  },
  uint16: {
    min: 0,
    max: 65535,
    bytes: 2,
    type: () => new Uint16(),
    array: (n) => new Uint16Array(n),
  },
  int32: {
    min: -2147483648,
    max: 2147483647,
    bytes: 4,
    type: () => new Int32(),
    array: (n) => new Int32Array(n),
  },
  uint32: {
    min: 0,
    max: 4294967295,
    bytes: 4,
    type: () => new Uint32(),
    array: (n) => new Uint32Array(n),
  },
  int64: {
    min: -(2 ** 63),
    max: 2 ** 63 - 1,
    bytes: 8,
    type: () => new Int64(),
    array: (n) => new BigInt64Array(n),
  },
  uint64: {
    min: 0,
    max: 2 ** 64 - 1,
    bytes: 8,
    type: () => new Uint64(),
    array: (n) => new BigUint64Array(n),
  },
};

const SIGNED: IntName[] = ["int8", "int16", "int32", "int64"];
const UNSIGNED: IntName[] = ["uint8", "uint16", "uint32", "uint64"];

/** The smallest integer type holding [min, max]; unsigned ones only when min ≥ 0 and allowed. */
export function smallestInt(min: number, max: number, unsigned: boolean): IntName {
  const list = unsigned && min >= 0 ? UNSIGNED : SIGNED;
  for (const name of list) if (min >= INTS[name].min && max <= INTS[name].max) return name;
  return list[list.length - 1];
}

/**
 * The smallest index type for a dictionary of `size` entries. Arrow allows
 * unsigned indices (it prefers signed ones for interop); 129–256 entries
 * fit uint8 where signed would need int16.
 */
export function indexTypeFor(size: number, unsigned: boolean): IntName {
  const name = smallestInt(0, Math.max(0, size - 1), unsigned);
  return name === "uint64" || name === "int64" ? "int32" : name;
}

/** The IntName of an Arrow integer type, or null. */
export function intNameOf(type: DataType): IntName | null {
  if (!DataType.isInt(type)) return null;
  const t = type as unknown as { bitWidth: number; isSigned: boolean };
  return `${t.isSigned ? "int" : "uint"}${t.bitWidth}` as IntName;
}

/** A readable type name, e.g. "int64", "utf8", "dictionary<utf8, int16>", "timestamp[us]". */
export function typeName(type: DataType): string {
  const int = intNameOf(type);
  if (int) return int;
  switch (type.typeId) {
    case Type.Float: {
      const p = (type as unknown as { precision: number }).precision;
      return ["float16", "float32", "float64"][p];
    }
    case Type.Utf8:
      return "utf8";
    case Type.LargeUtf8:
      return "large_utf8";
    case Type.Bool:
      return "bool";
    case Type.Timestamp: {
      const t = type as unknown as { unit: number; timezone?: string | null };
      const unit = ["s", "ms", "us", "ns"][t.unit];
      return `timestamp[${unit}${t.timezone ? `, ${t.timezone}` : ""}]`;
    }
    case Type.Dictionary: {
      const d = type as unknown as { dictionary: DataType; indices: DataType };
      return `dictionary<${typeName(d.dictionary)}, ${typeName(d.indices)}>`;
    }
    default:
      return String(type).toLowerCase();
  }
}

/** Reads validity bit `i` (relative to the data's offset). */
export function validAt(bits: Uint8Array | null, offset: number, i: number): boolean {
  if (bits === null) return true;
  const j = offset + i;
  return ((bits[j >> 3] >> (j & 7)) & 1) === 1;
}

/** The data's validity bitmap, or null when it has no nulls. */
export function bitsOf(d: Data): Uint8Array | null {
  return d.nullCount > 0 && d.nullBitmap && d.nullBitmap.length > 0 ? d.nullBitmap : null;
}

/** A validity bitmap starting at row 0 for new data (shared when aligned, copied when not). */
export function bitmapFor(d: Data): Uint8Array | undefined {
  const bits = bitsOf(d);
  if (bits === null) return undefined;
  const bytes = (d.length + 7) >> 3;
  if (d.offset % 8 === 0) return bits.subarray(d.offset >> 3, (d.offset >> 3) + bytes);
  const out = new Uint8Array(bytes);
  for (let i = 0; i < d.length; i++) if (validAt(bits, d.offset, i)) out[i >> 3] |= 1 << (i & 7);
  return out;
}

const TWO32 = 4294967296;

/**
 * The values of a numeric column as numbers, exact: 8/16/32-bit ints and
 * floats are returned as they are; 64-bit ints are converted, and `unsafe`
 * says that some valid value is beyond ±2^53 (so numbers would not be exact).
 */
export function numbersOf(d: Data): { values: ArrayLike<number>; unsafe: boolean } {
  const v = d.values as ArrayLike<number> | BigInt64Array | BigUint64Array;
  if (!(v instanceof BigInt64Array || v instanceof BigUint64Array)) {
    return { values: v as ArrayLike<number>, unsafe: false };
  }
  const signed = v instanceof BigInt64Array;
  const words = new Int32Array(v.buffer, v.byteOffset, v.length * 2);
  const out = new Float64Array(v.length);
  const bits = bitsOf(d);
  let unsafe = false;
  for (let i = 0; i < v.length; i++) {
    const lo = words[2 * i];
    const hi = words[2 * i + 1];
    // Fast path: the value is a sign-extended 32-bit int.
    if (signed && hi === lo >> 31) out[i] = lo;
    else if (!signed && hi === 0) out[i] = lo >>> 0;
    else {
      const hiN = signed ? hi : hi >>> 0;
      if (hiN >= 2097152 || hiN < -2097152) {
        if (validAt(bits, d.offset, i)) unsafe = true;
        out[i] = 0;
      } else out[i] = hiN * TWO32 + (lo >>> 0);
    }
  }
  return { values: out, unsafe };
}

/** Writes an exact integer `n` (|n| < 2^53) into a BigInt64Array's words without a BigInt. */
export function writeInt64(words: Int32Array, i: number, n: number): void {
  const hi = Math.floor(n / TWO32);
  words[2 * i] = (n - hi * TWO32) | 0;
  words[2 * i + 1] = hi;
}

/** A table or a record batch, the inputs of profile and downcast. */
export type Columnar = Table | RecordBatch;

/** The schema and, per column, its chunks. */
export function columnsOf(input: Columnar): { schema: Schema; chunks: Data[][] } {
  const batches = input instanceof Table ? input.batches : [input];
  const schema = input.schema;
  const chunks = schema.fields.map((_, i) => batches.map((b) => b.data.children[i]));
  return { schema, chunks };
}

/** Whether an input looks like an Arrow table or batch (checked by shape, not class). */
export function isColumnar(x: unknown): x is Columnar {
  return x instanceof Table || x instanceof RecordBatch;
}

/** Renders rows as an aligned terminal table (first row is the header). */
export function textTable(rows: string[][], rightAlign: boolean[]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: string[]) =>
    r.map((cell, c) => rightAlign[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c])).join(
      "  ",
    ).trimEnd();
  const out = [line(rows[0]), widths.map((w) => "─".repeat(w)).join("  ")];
  for (const r of rows.slice(1)) out.push(line(r));
  return out.join("\n");
}

/** Renders rows as an HTML table (first row is the header). */
export function htmlTable(rows: string[][], rightAlign: boolean[], caption?: string): string {
  const cell = (tag: string, s: string, c: number) =>
    `<${tag} style="text-align:${rightAlign[c] ? "right" : "left"}">${escapeHtml(s)}</${tag}>`;
  const head = `<tr>${rows[0].map((s, c) => cell("th", s, c)).join("")}</tr>`;
  const body = rows.slice(1).map((r) => `<tr>${r.map((s, c) => cell("td", s, c)).join("")}</tr>`)
    .join("");
  const cap = caption ? `<caption style="text-align:left">${escapeHtml(caption)}</caption>` : "";
  return `<table class="memkit-table">${cap}<thead>${head}</thead><tbody>${body}</tbody></table>`;
}

const latin1 = new TextDecoder("latin1");

// A Map key that is a bijection of the bytes: short strings build it by hand
// (cheaper than a decoder call), long ones through windows-1252, which maps
// every byte; the two never collide because their lengths differ.
export function keyOf(b: Uint8Array, s: number, e: number): string {
  if (e - s <= 24) {
    let k = "";
    for (let j = s; j < e; j++) k += String.fromCharCode(b[j]);
    return k;
  }
  return latin1.decode(b.subarray(s, e));
}
