import { Data, DataType, makeVector, RecordBatch, Table, Type } from "apache-arrow";
import {
  bitsOf,
  columnsOf,
  dataBytes,
  htmlTable,
  isColumnar,
  keyOf,
  numbersOf,
  textTable,
  typeName,
  validAt,
} from "./_arrow.ts";
import { humanBytes } from "../plot/human_bytes.ts";
import { DistinctCounter } from "./_distinct.ts";

/** One column of a {@linkcode Profile}. */
export interface ColumnProfile {
  /** Column name ("values" for a typed array). */
  column: string;
  /** Arrow type name, e.g. "int64", "utf8", "timestamp[us]". */
  type: string;
  /** Rows. */
  rows: number;
  /** Rows that are null. */
  nulls: number;
  /**
   * Smallest and largest valid value: numbers (bigint beyond ±2^53), ISO
   * strings for timestamps; null for strings and other types, or when all are null.
   */
  min: number | bigint | string | null;
  /** Largest valid value, like `min`. */
  max: number | bigint | string | null;
  /** Whether every valid value is an integer (numbers only; null for other types). */
  integral: boolean | null;
  /** Distinct valid values (null when not counted for this type). */
  distinct: number | null;
  /** True when `distinct` is a HyperLogLog estimate (about 0.8% error). */
  distinctApprox: boolean;
  /** Exact bytes now: values, offsets, validity and dictionaries. */
  bytes: number;
}

/** The result of {@linkcode profile}: per-column facts; prints as a table, renders in Jupyter. */
export class Profile {
  /** One entry per column. */
  readonly columns: ColumnProfile[];

  /** Use {@linkcode profile}. */
  constructor(columns: ColumnProfile[]) {
    this.columns = columns;
  }

  /** Total bytes of all columns. */
  get bytes(): number {
    return this.columns.reduce((s, c) => s + c.bytes, 0);
  }

  /** The header and one row per column, as strings. */
  private rows(): { rows: string[][]; right: boolean[] } {
    const rows = [[
      "column",
      "type",
      "rows",
      "nulls",
      "min",
      "max",
      "integral",
      "distinct",
      "bytes",
    ]];
    const show = (v: unknown) => v === null ? "" : String(v);
    for (const c of this.columns) {
      rows.push([
        c.column,
        c.type,
        String(c.rows),
        String(c.nulls),
        show(c.min),
        show(c.max),
        show(c.integral),
        c.distinct === null ? "" : `${c.distinctApprox ? "≈" : ""}${c.distinct}`,
        humanBytes(c.bytes),
      ]);
    }
    return { rows, right: [false, false, true, true, true, true, false, true, true] };
  }

  /** The profile as an aligned terminal table. */
  toString(): string {
    const { rows, right } = this.rows();
    return textTable(rows, right);
  }

  /** Deno's Jupyter kernel calls this to render the profile. */
  [Symbol.for("Jupyter.display")](): Record<string, string> {
    const { rows, right } = this.rows();
    return { "text/plain": this.toString(), "text/html": htmlTable(rows, right) };
  }
}

/** Options for {@linkcode profile}. */
export interface ProfileOptions {
  /**
   * Distinct values are counted exactly up to this many, then estimated
   * (HyperLogLog) and marked approximate.
   * @default {100000}
   */
  exactDistinct?: number;
}

/** A typed array that {@linkcode profile} accepts as one column named "values". */
export type ProfileArray =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

const UNIT_MS = [1000, 1, 1e-3, 1e-6];

function profileColumn(name: string, type: DataType, chunks: Data[], exact: number): ColumnProfile {
  const seen = new Set<unknown>();
  const p: ColumnProfile = {
    column: name,
    type: typeName(type),
    rows: 0,
    nulls: 0,
    min: null,
    max: null,
    integral: null,
    distinct: null,
    distinctApprox: false,
    bytes: 0,
  };
  for (const d of chunks) {
    p.rows += d.length;
    p.nulls += d.nullCount;
    p.bytes += dataBytes(d, seen);
  }
  const counter = new DistinctCounter(exact);
  const numeric = DataType.isInt(type) || DataType.isFloat(type);
  if (numeric || DataType.isTimestamp(type)) {
    let min = Infinity, max = -Infinity, integral = true, unsafe = false;
    let bigMin: bigint | null = null, bigMax: bigint | null = null;
    const half = DataType.isFloat(type) &&
      (type as unknown as { precision: number }).precision === 0;
    for (const d of chunks) {
      const { values, unsafe: u } = half
        ? {
          values: new Float16Array(
            (d.values as Uint16Array).buffer,
            (d.values as Uint16Array).byteOffset,
            d.length,
          ),
          unsafe: false,
        }
        : numbersOf(d);
      const bits = bitsOf(d);
      for (let i = 0; i < d.length; i++) {
        if (bits !== null && !validAt(bits, d.offset, i)) continue;
        const v = values[i];
        counter.add(v);
        if (v < min) min = v;
        if (v > max) max = v;
        if (integral && !Number.isInteger(v)) integral = false;
      }
      if (u) {
        unsafe = true;
        // numbersOf zeroes values beyond ±2^53; take their extremes as bigints.
        const big = d.values as BigInt64Array;
        for (let i = 0; i < d.length; i++) {
          if (!validAt(bits, d.offset, i)) continue;
          const b = big[i];
          if (bigMin === null || b < bigMin) bigMin = b;
          if (bigMax === null || b > bigMax) bigMax = b;
        }
      }
    }
    if (min <= max) {
      if (DataType.isTimestamp(type)) {
        const ms = UNIT_MS[(type as unknown as { unit: number }).unit];
        const iso = (v: number) => new Date(Math.round(v * ms)).toISOString();
        p.min = iso(min);
        p.max = iso(max);
      } else if (unsafe) {
        p.min = bigMin!;
        p.max = bigMax!;
      } else {
        p.min = min;
        p.max = max;
      }
    }
    if (numeric) p.integral = integral;
    if (unsafe) p.distinctApprox = true; // values beyond 2^53 were counted as one
  } else if (type.typeId === Type.Utf8 || type.typeId === Type.LargeUtf8) {
    for (const d of chunks) {
      const off = d.valueOffsets as Int32Array;
      const bytes = d.values as Uint8Array;
      const bits = bitsOf(d);
      for (let i = 0; i < d.length; i++) {
        if (bits !== null && !validAt(bits, d.offset, i)) continue;
        counter.add(keyOf(bytes, Number(off[i]), Number(off[i + 1])));
      }
    }
  } else if (DataType.isDictionary(type)) {
    for (const d of chunks) {
      const keys: (string | undefined)[] = [];
      const idx = d.values as Int32Array;
      const bits = bitsOf(d);
      for (let i = 0; i < d.length; i++) {
        if (bits !== null && !validAt(bits, d.offset, i)) continue;
        const k = idx[i];
        counter.add(keys[k] ??= JSON.stringify(d.dictionary!.get(k)));
      }
    }
  } else if (type.typeId === Type.Bool) {
    for (const d of chunks) {
      const bits = bitsOf(d);
      for (let i = 0; i < d.length; i++) {
        if (validAt(bits, d.offset, i)) {
          counter.add(validAt(d.values as Uint8Array, d.offset, i) ? 1 : 0);
        }
      }
    }
  } else return p;
  p.distinct = counter.count();
  p.distinctApprox ||= counter.approximate;
  return p;
}

/**
 * Profiles each column of an Arrow table or batch, or a typed array: type,
 * rows, nulls, min/max, whether the numbers are all integers, the distinct
 * count (exact up to `exactDistinct` values, then estimated and marked so),
 * and the exact bytes it holds now.
 *
 * @param input An Arrow Table or RecordBatch, or a typed array (one column "values").
 * @param options How many distinct values to count exactly.
 * @returns The profile: `columns`, `bytes`; prints as a table, renders in Jupyter.
 * @example
 * ```ts
 * import { profile } from "memkit";
 * const p = profile(new Float64Array([1, 2, 2, 40]));
 * const c = p.columns[0];
 * if (c.max !== 40 || c.distinct !== 3 || c.integral !== true || c.bytes !== 32) {
 *   throw new Error(p.toString());
 * }
 * ```
 */
export function profile(
  input: Table | RecordBatch | ProfileArray,
  options: ProfileOptions = {},
): Profile {
  const exact = options.exactDistinct ?? 100_000;
  if (!(exact >= 0)) {
    throw new RangeError(`Cannot profile: options.exactDistinct is ${exact}, expected ≥ 0`);
  }
  if (ArrayBuffer.isView(input) && !(input instanceof DataView)) {
    const v = makeVector(input as ProfileArray);
    return new Profile([profileColumn("values", v.type, [...v.data], exact)]);
  }
  if (!isColumnar(input)) {
    throw new TypeError(
      `Cannot profile: expected an Arrow Table, RecordBatch or typed array, got ${
        Object.prototype.toString.call(input)
      }`,
    );
  }
  const { schema, chunks } = columnsOf(input);
  return new Profile(schema.fields.map((f, i) => profileColumn(f.name, f.type, chunks[i], exact)));
}
