/**
 * Simple predicates for many-file datasets: `[column, op, value]` conditions,
 * all of which must hold. They prune partitions and Parquet row groups by
 * their min/max statistics before anything is read, then filter the rows
 * exactly (a null never matches, as in SQL).
 * @module
 */
import { type RecordBatch, Type } from "apache-arrow";
import type { Statistics } from "hyparquet";

/** A comparison operator. */
export type WhereOp = "==" | "!=" | "<" | "<=" | ">" | ">=" | "in";

/**
 * A scalar a column is compared with: numbers also match int64 columns;
 * a Date becomes epoch milliseconds, as timestamp and date columns give them.
 */
export type WhereValue = number | bigint | string | boolean | Date;

/** One condition: `[column, op, value]`; for `"in"` the value is a list. */
export type WhereCondition =
  | [column: string, op: Exclude<WhereOp, "in">, value: WhereValue]
  | [column: string, op: "in", values: WhereValue[]];

const OPS = new Set(["==", "!=", "<", "<=", ">", ">=", "in"]);

/** Checks conditions, naming the first bad one. */
export function checkWhere(where: unknown, what: string): WhereCondition[] {
  if (where === undefined) return [];
  if (!Array.isArray(where)) {
    throw new TypeError(
      `${what}: where must be a list of [column, op, value], got ${typeof where}`,
    );
  }
  const out: WhereCondition[] = [];
  // Dates compare as epoch milliseconds, which is what timestamp and date columns give.
  const ms = (v: unknown) => v instanceof Date ? v.getTime() : v;
  for (const [i, c] of where.entries()) {
    if (!Array.isArray(c) || c.length !== 3 || typeof c[0] !== "string" || !OPS.has(c[1])) {
      throw new TypeError(
        `${what}: where[${i}] must be [column, op, value] with op one of ${
          [...OPS].join(" ")
        }, got ${JSON.stringify(c, (_, v) => typeof v === "bigint" ? `${v}n` : v)}`,
      );
    }
    const values = c[1] === "in" ? (Array.isArray(c[2]) ? c[2].map(ms) : c[2]) : [ms(c[2])];
    if (
      !Array.isArray(values) ||
      values.some((v) => !["number", "bigint", "string", "boolean"].includes(typeof v))
    ) {
      throw new TypeError(
        `${what}: where[${i}] on "${c[0]}" needs ${
          c[1] === "in" ? "a list of " : ""
        }numbers, bigints, strings, booleans or Dates`,
      );
    }
    out.push([c[0], c[1], c[1] === "in" ? values : values[0]] as WhereCondition);
  }
  return out;
}

type Scalar = WhereValue | null | undefined;

function comparable(a: unknown, b: unknown): boolean {
  const na = typeof a === "number" || typeof a === "bigint";
  const nb = typeof b === "number" || typeof b === "bigint";
  return (na && nb) || (typeof a === typeof b && (typeof a === "string" || typeof a === "boolean"));
}

/** Whether a value passes one condition (null never does). */
export function test(v: Scalar, op: WhereOp, want: WhereValue | WhereValue[]): boolean {
  if (v === null || v === undefined) return false;
  if (op === "in") return (want as WhereValue[]).some((w) => comparable(v, w) && v == w);
  const w = want as WhereValue;
  if (!comparable(v, w)) return op === "!=";
  switch (op) {
    case "==":
      return v == w;
    case "!=":
      return v != w;
    case "<":
      return v < w;
    case "<=":
      return v <= w;
    case ">":
      return v > w;
    default:
      return v >= w;
  }
}

const ASCII = /^[ -~\t\n\r]*$/; // printable ASCII: byte order = UTF-16 order

function usable(x: unknown): x is number | bigint | string {
  if (typeof x === "number") return !Number.isNaN(x);
  if (typeof x === "bigint") return true;
  return typeof x === "string" && ASCII.test(x);
}

/**
 * Whether a Parquet column chunk may hold a row passing the condition, by
 * its statistics; true whenever the statistics cannot tell.
 */
export function mayMatch(
  stats: Statistics | undefined,
  valueCount: number,
  op: WhereOp,
  want: WhereValue | WhereValue[],
): boolean {
  if (!stats) return true;
  if (stats.null_count !== undefined && Number(stats.null_count) === valueCount && valueCount > 0) {
    return false; // only nulls: nothing matches
  }
  const min = stats.min_value, max = stats.max_value;
  if (!usable(min) || !usable(max)) return true;
  const inside = (w: WhereValue) =>
    !usable(w) || !comparable(min, w) ? true : !(w < min || w > max);
  switch (op) {
    case "==":
      return inside(want as WhereValue);
    case "in":
      return (want as WhereValue[]).some(inside);
    case "!=":
      return !(comparable(min, want) && min == want && max == want);
  }
  const w = want as WhereValue;
  if (!usable(w) || !comparable(min, w)) return true;
  switch (op) {
    case "<":
      return min < w;
    case "<=":
      return min <= w;
    case ">":
      return max > w;
    default:
      return max >= w;
  }
}

/** The rows of a batch that pass every condition, as a mask (1 = keep). */
export function whereMask(batch: RecordBatch, where: WhereCondition[], file: string): Uint8Array {
  const n = batch.numRows;
  const mask = new Uint8Array(n).fill(1);
  for (const [column, op, want] of where) {
    const col = batch.getChild(column);
    if (!col) {
      throw new TypeError(
        `Cannot filter "${file}": where names column "${column}", which it does not have (columns: ${
          batch.schema.fields.map((f) => f.name).join(", ")
        })`,
      );
    }
    // Fast path: plain numbers of one chunk without nulls; others through get().
    const half = col.type.typeId === Type.Float &&
      (col.type as { precision?: number }).precision === 0;
    const plain = (col.type.typeId === Type.Int || (col.type.typeId === Type.Float && !half)) &&
      col.data.length === 1 && col.nullCount === 0;
    const values = plain ? col.data[0].values as ArrayLike<number | bigint> : null;
    const d = col.data[0];
    if (values) {
      for (let i = 0; i < n; i++) if (mask[i] && !test(values[i], op, want)) mask[i] = 0;
    } else if (col.data.length === 1 && d.dictionary && d.values instanceof Int32Array) {
      // Dictionary strings: test each dictionary entry once, then look codes up.
      const dict = d.dictionary;
      const pass = new Uint8Array(dict.length);
      for (let k = 0; k < dict.length; k++) pass[k] = test(dict.get(k) as Scalar, op, want) ? 1 : 0;
      const codes = d.values;
      for (let i = 0; i < n; i++) {
        if (mask[i] && (!pass[codes[i]] || (d.nullCount > 0 && !d.getValid(i)))) mask[i] = 0;
      }
    } else {
      for (let i = 0; i < n; i++) if (mask[i] && !test(col.get(i) as Scalar, op, want)) mask[i] = 0;
    }
  }
  return mask;
}
