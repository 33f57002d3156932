/**
 * List columns in toTensors: a `list<number>` (or fixed-size list) column
 * becomes `k` columns of the matrix, `k` shared by all its rows (ragged
 * lists throw, or pad with `padLists`).
 * @module
 */
import { type Data, type DataType, Type } from "apache-arrow";
import type { ToTensorsOptions } from "./dataset_options.ts";

type AnyData = Data<DataType>;

/** The matrix a column is written into (see `_to_tensors.ts`). */
export interface Target {
  out: Float32Array | Int32Array;
  stride: number;
  dtype: "float32" | "int32";
}

/** How a list column is padded: to `length` elements, plus a lengths column when asked. */
function padOf(
  spec: ToTensorsOptions,
  column: string,
): { length: number; lengths: boolean } | null {
  const pad = spec.padLists?.[column];
  if (pad === undefined) return null;
  const length = typeof pad === "number" ? pad : pad?.length;
  if (!(Number.isInteger(length) && length! > 0)) {
    throw new RangeError(
      `Cannot make tensors: padLists.${column} must be a positive integer or ` +
        `{ length, lengths }, got ${JSON.stringify(pad)}`,
    );
  }
  return { length: length!, lengths: typeof pad === "object" && pad.lengths === true };
}

/** Columns a list column takes in the matrix: its elements, and its lengths column if asked. */
export function listColumns(spec: ToTensorsOptions, column: string, parts: readonly AnyData[]) {
  return listWidth(spec, column, parts) + (padOf(spec, column)?.lengths ? 1 : 0);
}

/** Elements per row of a list column: the one length all its rows share (or padLists). */
export function listWidth(
  spec: ToTensorsOptions,
  column: string,
  parts: readonly AnyData[],
): number {
  const pad = padOf(spec, column);
  if (pad) return pad.length;
  let k = -1;
  for (const data of parts) {
    if (data.type.typeId === Type.FixedSizeList) {
      return (data.type as unknown as { listSize: number }).listSize;
    }
    const offs = data.valueOffsets as Int32Array;
    for (let i = 0; i < data.length; i++) {
      const len = offs[i + 1] - offs[i];
      const isNull = data.nullCount > 0 &&
        ((data.nullBitmap![(data.offset + i) >> 3] >> ((data.offset + i) & 7)) & 1) === 0;
      if (isNull) continue;
      if (k < 0) k = len;
      else if (len !== k) {
        throw new RangeError(
          `Cannot make tensors: list column "${column}" is ragged (a row holds ${len} elements, ` +
            `an earlier one ${k}); pass padLists: { ${column}: <length> } to pad`,
        );
      }
    }
  }
  return Math.max(k, 0);
}

/**
 * Writes a list column's elements as `k` columns from `col`; equal-length
 * float32 lists with no nulls move in one bulk copy.
 */
export function writeList(
  data: AnyData,
  column: string,
  spec: ToTensorsOptions,
  k: number,
  fill: number | undefined,
  target: Target,
  col: number,
  row0: number,
  base: number,
): void {
  const n = data.length;
  if (padOf(spec, column)?.lengths) {
    // The lengths column, after the k elements: 0 for a null list.
    const offs = data.valueOffsets as Int32Array | undefined;
    for (let i = 0; i < n; i++) {
      const isNull = data.nullCount > 0 &&
        ((data.nullBitmap![(data.offset + i) >> 3] >> ((data.offset + i) & 7)) & 1) === 0;
      const len = isNull ? 0 : offs ? offs[i + 1] - offs[i] : k;
      target.out[(row0 + i) * target.stride + col + k] = len;
    }
  }
  const { out, stride } = target;
  const child = data.children[0] as AnyData;
  const fixed = data.type.typeId === Type.FixedSizeList;
  const offs = fixed ? null : data.valueOffsets as Int32Array;
  const start = (i: number) => (fixed ? (data.offset + i) * k : offs![i]);
  const childType = child.type.typeId;
  if (childType !== Type.Float && childType !== Type.Int) {
    throw new TypeError(
      `Cannot make tensors: list column "${column}" holds ${child.type}, expected numbers`,
    );
  }
  const values = child.values as unknown as ArrayLike<number | bigint>;
  const nulls = (d: AnyData, i: number) =>
    d.nullCount > 0 && ((d.nullBitmap![(d.offset + i) >> 3] >> ((d.offset + i) & 7)) & 1) === 0;
  if (
    stride === k && data.nullCount === 0 && child.nullCount === 0 &&
    values instanceof Float32Array && out instanceof Float32Array &&
    start(n) - start(0) === n * k
  ) {
    out.set(values.subarray(start(0), start(0) + n * k), row0 * k); // one bulk copy
    return;
  }
  const miss = (i: number, what: string): number => {
    if (fill === undefined) {
      throw new TypeError(
        `Cannot make tensors: list column "${column}" has ${what} at row ${base + row0 + i}; ` +
          `pass fill: { ${column}: <number> } to replace nulls`,
      );
    }
    return fill;
  };
  for (let i = 0; i < n; i++) {
    const at = (row0 + i) * stride + col;
    if (nulls(data, i)) {
      const v = miss(i, "a null list");
      for (let j = 0; j < k; j++) out[at + j] = v;
      continue;
    }
    const s = start(i);
    const len = fixed ? k : offs![i + 1] - s;
    if (len > k) {
      throw new RangeError(
        `Cannot make tensors: list column "${column}" holds ${len} elements at row ${
          base + row0 + i
        }, more than ${k}`,
      );
    }
    for (let j = 0; j < len; j++) {
      out[at + j] = nulls(child, s + j) ? miss(i, "a null element") : Number(values[s + j]);
    }
    for (let j = len; j < k; j++) out[at + j] = fill ?? 0;
  }
}
