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
import { boolData, countNulls, makeBatch } from "./_batch.ts";
import { KIND, type RawBatch, type RawColumn } from "./_csv_column.ts";
import type { ByteDictionary } from "./_csv_dict.ts";

type AnyData = Data<DataType>;

let nextId = 2_000_000;
const dictionaries = new WeakMap<
  ByteDictionary,
  { type: Dictionary<Utf8, Int32>; version: number; vector: Vector<Utf8> | null }
>();

/** An Arrow Data from its parts (bitmap and null count already made by the parser). */
function data(
  type: DataType,
  length: number,
  parts: { data?: unknown; valueOffsets?: Int32Array; dictionary?: Vector },
  bitmap: Uint8Array | null,
  nullCount: number,
): AnyData {
  return makeData({
    type,
    length,
    ...parts,
    nullBitmap: bitmap ?? undefined,
    nullCount,
  } as never) as unknown as AnyData;
}

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

function dictionaryData(
  dict: ByteDictionary,
  codes: Int32Array,
  bitmap: Uint8Array | null,
  nullCount: number,
): AnyData {
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
  return data(d.type, codes.length, { data: codes, dictionary: d.vector }, bitmap, nullCount);
}

/** One type object per kind (Arrow types are immutable): batches share them. */
const TYPES: (DataType | null)[] = [];
TYPES[KIND.float64] = new Float64();
TYPES[KIND.float32] = new Float32();
TYPES[KIND.int32] = new Int32();
TYPES[KIND.int64] = new Int64();
TYPES[KIND.date] = new DateDay();
TYPES[KIND.timestamp] = new TimestampMicrosecond();
TYPES[KIND.timestamptz] = new TimestampMicrosecond("UTC");
const UTF8 = new Utf8();

function column(c: RawColumn, n: number): AnyData {
  switch (c.kind) {
    case KIND.dictionary:
      return dictionaryData(c.dict!, c.values as Int32Array, c.bitmap, c.nullCount);
    case KIND.bool: {
      const bytes = c.values as Uint8Array;
      return boolData(n, (i) => bytes[i], c.bitmap ?? undefined);
    }
    case KIND.string:
      return data(
        UTF8,
        n,
        { data: c.data!, valueOffsets: c.offsets! },
        c.bitmap,
        c.nullCount,
      );
    default:
      return data(TYPES[c.kind]!, n, { data: c.values }, c.bitmap, c.nullCount);
  }
}

/** A raw batch as a RecordBatch with the given column names. */
export function rawToBatch(raw: RawBatch, names: string[]): RecordBatch {
  return makeBatch(names, raw.columns.map((c) => column(c, raw.rows)), raw.rows);
}
