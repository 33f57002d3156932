/**
 * Reads node_modules/vega-datasets/data/flights-3m.parquet with hyparquet into
 * Arrow record batches (one per row group) in the "naive" representation the
 * dtype goal is measured against: timestamp[us] (64-bit), two int64, two utf8
 * with 32-bit offsets — 38 bytes a row. Used by tests/dtype and tests/bench;
 * independent of lib/data on purpose.
 * @module
 */
import { parquetMetadataAsync, parquetRead } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import {
  Field,
  Int64,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  TimestampMicrosecond,
  Utf8,
} from "apache-arrow";

export const FLIGHTS = new URL(
  "../../node_modules/vega-datasets/data/flights-3m.parquet",
  import.meta.url,
);

function utf8Column(values: ArrayLike<unknown>, name: string) {
  // hyparquet decodes UTF8 columns to strings even with utf8: false; encode
  // them back once, with an ASCII fast path (airport codes).
  const encoder = new TextEncoder();
  let bytes = new Uint8Array(values.length * 4 + 16);
  const offsets = new Int32Array(values.length + 1);
  let at = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== "string") {
      throw new TypeError(`flights: ${name} row ${i} is ${v}, expected a string`);
    }
    if (bytes.length - at < v.length * 3) {
      const grown = new Uint8Array(bytes.length * 2 + v.length * 3);
      grown.set(bytes.subarray(0, at));
      bytes = grown;
    }
    let ascii = true;
    for (let j = 0; j < v.length; j++) {
      const c = v.charCodeAt(j);
      if (c >= 0x80) {
        ascii = false;
        break;
      }
      bytes[at + j] = c;
    }
    at += ascii ? v.length : encoder.encodeInto(v, bytes.subarray(at)).written;
    offsets[i + 1] = at;
  }
  return makeData({
    type: new Utf8(),
    length: values.length,
    nullCount: 0,
    valueOffsets: offsets,
    data: bytes.slice(0, at),
  });
}

function int64Column(values: ArrayLike<unknown>, type: Int64 | TimestampMicrosecond) {
  const out = values instanceof BigInt64Array
    ? values
    : BigInt64Array.from(values as ArrayLike<bigint>);
  return makeData(
    { type, length: out.length, nullCount: 0, data: out } as Parameters<typeof makeData>[0],
  );
}

/** Reads `rowGroups` row groups (all by default) as naive Arrow batches. */
export async function readFlights(rowGroups?: number): Promise<RecordBatch[]> {
  const buf = await Deno.readFile(FLIGHTS);
  const file = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
  const metadata = await parquetMetadataAsync(file);
  const fields = [
    new Field("date", new TimestampMicrosecond(), true),
    new Field("delay", new Int64(), true),
    new Field("distance", new Int64(), true),
    new Field("origin", new Utf8(), true),
    new Field("destination", new Utf8(), true),
  ];
  const schema = new Schema(fields);
  const batches: RecordBatch[] = [];
  let rowStart = 0;
  const n = Math.min(rowGroups ?? metadata.row_groups.length, metadata.row_groups.length);
  for (let g = 0; g < n; g++) {
    const rows = Number(metadata.row_groups[g].num_rows);
    const cols = new Map<string, unknown[]>();
    await parquetRead({
      file,
      metadata,
      compressors,
      rowStart,
      rowEnd: rowStart + rows,
      utf8: false,
      parsers: { timestampFromMicroseconds: (v: bigint) => v as unknown as Date },
      onChunk(chunk) {
        const parts = cols.get(chunk.columnName) ?? [];
        parts.push({ start: chunk.rowStart, data: chunk.columnData });
        cols.set(chunk.columnName, parts);
      },
    });
    const column = (name: string): ArrayLike<unknown> => {
      const parts = (cols.get(name) ?? []) as { start: number; data: ArrayLike<unknown> }[];
      parts.sort((a, b) => a.start - b.start);
      if (parts.length === 1 && parts[0].start === rowStart && parts[0].data.length === rows) {
        return parts[0].data;
      }
      const all: unknown[] = [];
      for (const p of parts) {
        for (let i = 0; i < p.data.length; i++) {
          const r = p.start + i;
          if (r >= rowStart && r < rowStart + rows) all[r - rowStart] = p.data[i];
        }
      }
      return all;
    };
    const children = [
      int64Column(column("date"), new TimestampMicrosecond()),
      int64Column(column("delay"), new Int64()),
      int64Column(column("distance"), new Int64()),
      utf8Column(column("origin"), "origin"),
      utf8Column(column("destination"), "destination"),
    ];
    const data = makeData({ type: new Struct(fields), length: rows, nullCount: 0, children });
    batches.push(new RecordBatch(schema, data));
    rowStart += rows;
  }
  return batches;
}
