/**
 * Raw CSV batches (from the parser, on this thread or a worker) to Arrow
 * RecordBatches, zero-copy for numbers, codes and string bytes.
 * @module
 */
import {
  type Data,
  type DataType,
  DateDay,
  Dictionary,
  Float32,
  Float64,
  Int32,
  Int64,
  makeData,
  makeVector,
  type RecordBatch,
  TimestampMicrosecond,
  Utf8,
  type Vector,
} from "apache-arrow";
import { boolData, countNulls, fixedData, makeBatch, packValidity } from "./_batch.ts";
import { KIND, type RawBatch, type RawColumn } from "./_csv_column.ts";
import type { ByteDictionary } from "./_csv_dict.ts";

type AnyData = Data<DataType>;

let nextId = 2_000_000;
const dictionaries = new WeakMap<
  ByteDictionary,
  { type: Dictionary<Utf8, Int32>; version: number; vector: Vector<Utf8> | null }
>();

function utf8Data(data: Uint8Array, offsets: Int32Array, bitmap?: Uint8Array): AnyData {
  const length = offsets.length - 1;
  return makeData({
    type: new Utf8(),
    length,
    valueOffsets: offsets,
    data,
    nullBitmap: bitmap,
    nullCount: countNulls(bitmap, length),
  }) as unknown as AnyData;
}

function dictionaryData(dict: ByteDictionary, codes: Int32Array, bitmap?: Uint8Array): AnyData {
  let d = dictionaries.get(dict);
  if (!d) {
    d = { type: new Dictionary(new Utf8(), new Int32(), nextId++), version: -1, vector: null };
    dictionaries.set(dict, d);
  }
  if (d.version !== dict.version || d.vector === null) {
    const s = dict.strings;
    const offsets = s.offsets.slice(0, s.count + 1);
    d.vector = makeVector(utf8Data(s.data.slice(0, offsets[s.count]), offsets)) as Vector<Utf8>;
    d.version = dict.version;
  }
  return makeData({
    type: d.type,
    length: codes.length,
    data: codes,
    nullBitmap: bitmap,
    nullCount: countNulls(bitmap, codes.length),
    dictionary: d.vector,
  }) as unknown as AnyData;
}

function column(c: RawColumn, n: number): AnyData {
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
    case KIND.date:
      return fixedData(new DateDay(), c.values as Int32Array, bitmap);
    case KIND.timestamp:
      return fixedData(new TimestampMicrosecond(), c.values as BigInt64Array, bitmap);
    case KIND.timestamptz:
      return fixedData(new TimestampMicrosecond("UTC"), c.values as BigInt64Array, bitmap);
    case KIND.dictionary:
      return dictionaryData(c.dict!, c.values as Int32Array, bitmap);
    case KIND.bool: {
      const bytes = c.values as Uint8Array;
      return boolData(n, (i) => bytes[i], bitmap);
    }
    default:
      return utf8Data(c.data!, c.offsets!, bitmap);
  }
}

/** A raw batch as a RecordBatch with the given column names. */
export function rawToBatch(raw: RawBatch, names: string[]): RecordBatch {
  return makeBatch(names, raw.columns.map((c) => column(c, raw.rows)), raw.rows);
}
