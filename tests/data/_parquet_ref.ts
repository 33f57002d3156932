/**
 * Helpers for the Parquet tests: DuckDB as the reference reader, and our
 * Arrow values in the canonical forms the DuckDB queries produce.
 * @module
 */
import { DuckDBInstance } from "@duckdb/node-api";
import { type Data, type DataType, makeVector, type RecordBatch, Type } from "apache-arrow";
import { parquet, type ParquetOptions } from "../../mod.ts";

/** Runs SQL in a fresh in-memory DuckDB; rows as JSON-safe objects. */
export async function duck(sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(":memory:", { threads: "1" });
  const connection = await instance.connect();
  try {
    const statements = sql.split(/;\s*\n/).filter((s) => s.trim());
    let rows: Record<string, unknown>[] = [];
    for (const s of statements) {
      rows = (await connection.runAndReadAll(s)).getRowObjectsJson() as Record<string, unknown>[];
    }
    return rows;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("").toUpperCase();
}

function wordsToBigInt(w: Uint32Array, at: number, words: number): bigint {
  let v = 0n;
  for (let k = words - 1; k >= 0; k--) v = (v << 32n) | BigInt(w[at + k]);
  return BigInt.asIntN(words * 32, v);
}

function isValid(data: Data, i: number): boolean {
  if (data.nullCount === 0 || !data.nullBitmap) return true;
  const k = data.offset + i;
  return ((data.nullBitmap[k >> 3] >> (k & 7)) & 1) === 1;
}

/** A nested value (from Vector.get) as plain JSON-like data, bigints as numbers. */
export function plainNested(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === "bigint") return Number(v);
  if (v instanceof Uint8Array) return hex(v);
  if (typeof v !== "object") return v;
  const o = v as { type?: DataType; toJSON?: () => Record<string, unknown> };
  if (o.type !== undefined) return Array.from(v as Iterable<unknown>, plainNested); // a Vector
  if (typeof o.toJSON === "function") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o.toJSON())) out[k] = plainNested(x);
    return out;
  }
  return v;
}

/**
 * Value i of a column in a canonical form: integers, decimals (unscaled),
 * timestamps, times and dates as decimal strings of their raw integer; binary
 * as upper-case hex; text as itself; floats as numbers; nested values through
 * {@linkcode plainNested} (compare with DuckDB's `to_json`).
 */
export function canonical(data: Data, i: number): unknown {
  if (!isValid(data, i)) return null;
  const t = data.type;
  switch (t.typeId) {
    case Type.Dictionary:
    case Type.Utf8:
    case Type.Float:
    case Type.Bool:
      return makeVector(data).get(i);
    case Type.Decimal: {
      const words = (t as unknown as { bitWidth: number }).bitWidth / 32;
      return wordsToBigInt(data.values as Uint32Array, i * words, words).toString();
    }
    case Type.Int:
    case Type.Timestamp:
    case Type.Time:
    case Type.Date:
      return String((data.values as unknown as ArrayLike<number | bigint>)[i]);
    case Type.Binary:
    case Type.FixedSizeBinary:
      return hex(makeVector(data).get(i) as Uint8Array);
    default:
      return plainNested(makeVector(data).get(i));
  }
}

/** Every row of a parquet file read by memkit, canonical per column. */
export async function readAll(
  path: string,
  options: ParquetOptions = {},
): Promise<{ rows: Record<string, unknown>[]; batches: RecordBatch[] }> {
  const rows: Record<string, unknown>[] = [];
  const batches: RecordBatch[] = [];
  for await (const b of parquet(path, options)) {
    batches.push(b);
    const cols = b.schema.fields.map((f) => [f.name, b.getChild(f.name)!.data[0]] as const);
    for (let r = 0; r < b.numRows; r++) {
      const row: Record<string, unknown> = {};
      for (const [name, data] of cols) row[name] = canonical(data, r);
      rows.push(row);
    }
  }
  return { rows, batches };
}
