/**
 * Hive partitions: `key=value/` folders in a file's path become typed
 * columns (int32 when every value is an integer in range, float64 when every
 * value is a number, else a dictionary string column; `__HIVE_DEFAULT_PARTITION__`
 * and empty values are null).
 * @module
 */
import { type Data, type DataType, Float64, Int32 } from "apache-arrow";
import { fixedData, GrowingDictionary, packValidity } from "./_batch.ts";

type AnyData = Data<DataType>;

/** A partition value: a number, a string, or null. */
export type PartitionValue = number | string | null;

/** The `key=value` pairs in a path relative to the dataset's root, folders only, in order. */
export function hivePairs(relative: string): [string, string][] {
  const parts = relative.split("/").slice(0, -1);
  const out: [string, string][] = [];
  for (const p of parts) {
    const eq = p.indexOf("=");
    if (eq <= 0) continue;
    let key = p.slice(0, eq), value = p.slice(eq + 1);
    try {
      key = decodeURIComponent(key);
      value = decodeURIComponent(value);
    } catch { /* keep it as written */ }
    out.push([key, value]);
  }
  return out;
}

/** The name and type of one partition column over all files. */
export interface PartitionColumn {
  /** The key in the `key=value` folders. */
  name: string;
  /** int32 when every value is an integer in range, float64 when every value is a number, else string. */
  kind: "int32" | "float64" | "string";
}

/** A partition column with its dictionary, for strings (codes stable for the dataset). */
export interface TypedPartition extends PartitionColumn {
  dictionary?: GrowingDictionary;
}

const NULLS = new Set(["", "__HIVE_DEFAULT_PARTITION__"]);

/**
 * Infers the partition columns of a set of files (each a list of pairs) and
 * returns their typed values per file. Every file must have the same keys in
 * the same order; otherwise the error names the first file that differs.
 */
export function typePartitions(
  files: { name: string; pairs: [string, string][] }[],
): { columns: TypedPartition[]; values: PartitionValue[][] } {
  if (files.length === 0) return { columns: [], values: [] };
  const keys = files[0].pairs.map(([k]) => k);
  for (const f of files) {
    const ks = f.pairs.map(([k]) => k);
    if (ks.join("/") !== keys.join("/")) {
      throw new TypeError(
        `Cannot read partitioned files: "${f.name}" has partition folders ${
          ks.join("/") || "(none)"
        } but "${files[0].name}" has ${keys.join("/") || "(none)"}`,
      );
    }
  }
  const columns: TypedPartition[] = keys.map((name, j) => {
    let ints = true, nums = true;
    for (const f of files) {
      const v = f.pairs[j][1];
      if (NULLS.has(v)) continue;
      const n = Number(v);
      if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(v) || !Number.isFinite(n)) {
        ints = nums = false;
        break;
      }
      if (!(/^[-+]?\d+$/.test(v) && Number.isInteger(n) && Math.abs(n) <= 2147483647)) ints = false;
    }
    return {
      name,
      kind: ints ? "int32" : nums ? "float64" : "string",
      dictionary: ints || nums ? undefined : new GrowingDictionary(),
    };
  });
  // Dictionary codes in sorted order of the values, the same in every process.
  for (const [j, c] of columns.entries()) {
    if (!c.dictionary) continue;
    const all = new Set<string>();
    for (const f of files) if (!NULLS.has(f.pairs[j][1])) all.add(f.pairs[j][1]);
    for (const v of [...all].sort()) c.dictionary.code(v);
  }
  const values = files.map((f) =>
    f.pairs.map(([, v], j): PartitionValue =>
      NULLS.has(v) ? null : columns[j].kind === "string" ? v : Number(v)
    )
  );
  return { columns, values };
}

/** A column of `rows` copies of one partition value. */
export function partitionData(
  column: TypedPartition,
  value: PartitionValue,
  rows: number,
): AnyData {
  const bitmap = value === null ? packValidity(new Uint8Array(rows), rows) : undefined;
  if (column.kind === "string") {
    const codes = new Int32Array(rows);
    if (value !== null) codes.fill(column.dictionary!.code(value as string));
    return column.dictionary!.data(codes, bitmap);
  }
  if (column.kind === "int32") {
    return fixedData(
      new Int32(),
      new Int32Array(rows).fill(value === null ? 0 : value as number),
      bitmap,
    );
  }
  return fixedData(
    new Float64(),
    new Float64Array(rows).fill(value === null ? 0 : value as number),
    bitmap,
  );
}
