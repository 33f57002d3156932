/**
 * Arrow helpers shared by lib/data and lib/dtype: the bytes a Data holds,
 * and a RecordBatch from columns. One implementation each, so the dataset
 * probes and the memory reports count the same bytes.
 * @module
 */
import {
  type Data,
  type DataType,
  Field,
  makeData,
  RecordBatch,
  Schema,
  Struct,
} from "apache-arrow";

/**
 * Bytes held by the buffers of one Data, children and dictionary included.
 * A dictionary shared by several Data is counted once per `seen` set: pass
 * one set across the chunks of a column or table to count each dictionary
 * once overall.
 */
export function dataBytes(d: Data<DataType>, seen: Set<unknown> = new Set()): number {
  let n = 0;
  if (d.values) n += (d.values as ArrayBufferView).byteLength;
  if (d.valueOffsets) n += d.valueOffsets.byteLength;
  if (d.nullBitmap) n += d.nullBitmap.byteLength;
  if (d.typeIds) n += d.typeIds.byteLength;
  for (const child of d.children) n += dataBytes(child, seen);
  if (d.dictionary && !seen.has(d.dictionary)) {
    seen.add(d.dictionary);
    for (const chunk of d.dictionary.data) n += dataBytes(chunk, seen);
  }
  return n;
}

/**
 * A RecordBatch from one Data per column. `fields` are Arrow fields, or
 * names (each becomes a nullable field of its column's type).
 */
export function makeBatch(
  fields: readonly (Field | string)[],
  columns: Data<DataType>[],
  length: number = columns.length ? columns[0].length : 0,
  metadata?: Map<string, string>,
): RecordBatch {
  const fs = fields.map((f, i) => typeof f === "string" ? new Field(f, columns[i].type, true) : f);
  const struct = makeData({ type: new Struct(fs), length, nullCount: 0, children: columns });
  return new RecordBatch(new Schema(fs, metadata), struct);
}
