import {
  Data,
  Field,
  makeData,
  RecordBatch,
  Table,
  Timestamp,
  TimestampMicrosecond,
  TimestampMillisecond,
  TimestampNanosecond,
  TimestampSecond,
} from "apache-arrow";
import {
  bitmapFor,
  bitsOf,
  columnsOf,
  isColumnar,
  makeBatch,
  validAt,
  writeInt64,
} from "./_arrow.ts";
import { TIMESTAMP_KEY, type TimestampMeta } from "./_codecs.ts";

function timestampType(unit: number, tz: string | null): Timestamp {
  const T =
    [TimestampSecond, TimestampMillisecond, TimestampMicrosecond, TimestampNanosecond][unit];
  return new T(tz);
}

function restore(d: Data, meta: TimestampMeta): Data {
  const epoch = BigInt(meta.epoch);
  const step = BigInt(meta.step);
  const src = d.values as ArrayLike<number>;
  const out = new BigInt64Array(d.length);
  const words = new Int32Array(out.buffer);
  const bits = bitsOf(d);
  const e = Number(epoch), s = Number(step);
  // Doubles are exact while epoch + count·step stays below 2^53 (µs until year 2255).
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < d.length; i++) {
    const c = src[i];
    if (c < lo) lo = c;
    if (c > hi) hi = c;
  }
  const numeric = d.length === 0 ||
    (Number.isSafeInteger(e + lo * s) && Number.isSafeInteger(e + hi * s) &&
      Number.isSafeInteger(e) && Number.isSafeInteger(s));
  for (let i = 0; i < d.length; i++) {
    if (bits !== null && !validAt(bits, d.offset, i)) continue;
    if (numeric) writeInt64(words, i, e + src[i] * s);
    else out[i] = epoch + BigInt(src[i]) * step;
  }
  return makeData({
    type: timestampType(meta.unit, meta.timezone),
    length: d.length,
    nullCount: d.nullCount,
    nullBitmap: bitmapFor(d),
    data: out,
  });
}

/**
 * Turns the integer timestamp columns made by `downcast` (counts of a step
 * from an epoch, recorded under the field metadata key "memkit:timestamp")
 * back into exact 64-bit Arrow timestamps with their original unit and time
 * zone. Other columns are returned as they are (zero-copy).
 *
 * @param input A downcast Arrow Table or RecordBatch.
 * @returns The same kind of input with timestamps restored.
 * @example
 * ```ts
 * import { downcast, restoreTimestamps } from "memkit";
 * import { tableFromArrays } from "apache-arrow";
 * const t = tableFromArrays({ when: [new Date("2024-01-01"), new Date("2024-01-02")] });
 * const { table } = downcast(t);
 * if (String(table.schema.fields[0].type) !== "Uint8") throw new Error("not compacted");
 * const back = restoreTimestamps(table);
 * if (back.getChild("when")!.get(1) !== Date.parse("2024-01-02")) throw new Error("not exact");
 * ```
 */
export function restoreTimestamps(input: Table): Table;
/** Restores the timestamps of a record batch: see the table overload. */
export function restoreTimestamps(input: RecordBatch): RecordBatch;
export function restoreTimestamps(input: Table | RecordBatch): Table | RecordBatch {
  if (!isColumnar(input)) {
    throw new TypeError(
      `Cannot restore timestamps: expected an Arrow Table or RecordBatch, got ${
        Object.prototype.toString.call(input)
      }`,
    );
  }
  const { schema, chunks } = columnsOf(input);
  const metas = schema.fields.map((f) => {
    const raw = f.metadata.get(TIMESTAMP_KEY);
    if (raw === undefined) return null;
    try {
      return JSON.parse(raw) as TimestampMeta;
    } catch {
      throw new TypeError(
        `Cannot restore timestamps: column "${f.name}" has invalid "${TIMESTAMP_KEY}" metadata: ${raw}`,
      );
    }
  });
  if (metas.every((m) => m === null)) return input;
  const fields = schema.fields.map((f, i) => {
    const m = metas[i];
    if (m === null) return f;
    const meta = new Map(f.metadata);
    meta.delete(TIMESTAMP_KEY);
    return new Field(f.name, timestampType(m.unit, m.timezone), f.nullable, meta);
  });
  const cols = chunks.map((col, i) => col.map((d) => metas[i] ? restore(d, metas[i]!) : d));
  const nBatches = chunks.length ? chunks[0].length : 0;
  const batches = Array.from(
    { length: nBatches },
    (_, b) => makeBatch(fields, cols.map((c) => c[b]), undefined, schema.metadata),
  );
  if (input instanceof RecordBatch) return batches[0];
  return new Table(batches);
}
