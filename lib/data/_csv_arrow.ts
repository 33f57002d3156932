/**
 * Raw CSV batches (typed arrays from the parser, on this thread or a worker)
 * to Arrow RecordBatches, zero-copy for numbers and codes.
 * @module
 */
import {
  type Data,
  type DataType,
  Float32,
  Float64,
  Int32,
  Int64,
  type RecordBatch,
  Utf8,
  vectorFromArray,
} from "apache-arrow";
import { boolData, fixedData, type GrowingDictionary, makeBatch, packValidity } from "./_batch.ts";
import { KIND, type RawBatch, type RawColumn } from "./_csv_core.ts";

function column(c: RawColumn, n: number): Data<DataType> {
  const bitmap = c.valid ? packValidity(c.valid, n) : undefined;
  switch (c.kind) {
    case KIND.float64:
      return fixedData(new Float64(), c.values as Float64Array, bitmap);
    case KIND.float32:
      return fixedData(new Float32(), c.values as Float32Array, bitmap);
    case KIND.int32:
      return fixedData(new Int32(), c.values as Int32Array, bitmap);
    case KIND.int64:
      return fixedData(new Int64(), c.values as BigInt64Array, bitmap);
    case KIND.dictionary:
      return (c.dict as GrowingDictionary).data(c.values as Int32Array, bitmap);
    case KIND.bool: {
      const bytes = c.values as Uint8Array;
      return boolData(n, (i) => bytes[i], bitmap);
    }
    default:
      return vectorFromArray(c.strings!, new Utf8()).data[0] as Data<DataType>;
  }
}

/** A raw batch as a RecordBatch with the given column names. */
export function rawToBatch(raw: RawBatch, names: string[]): RecordBatch {
  return makeBatch(names, raw.columns.map((c) => column(c, raw.rows)), raw.rows);
}
