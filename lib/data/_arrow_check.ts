/**
 * Checks decoded Arrow data against its buffers: buffer sizes for each
 * length, offsets inside their data, views inside their data buffers,
 * union type ids and offsets inside their children, dictionary indices
 * inside the dictionary, child lengths.
 * @module
 */
import { type Data, type DataType, type Struct, Type, UnionMode, type Vector } from "apache-arrow";
import { fault } from "./_arrow_ipc.ts";

type AnyArray = ArrayLike<number | bigint> & { length: number; byteLength: number };

/** Checks decoded data (and children) against its buffers. */
export function checkData(d: Data, what: string): void {
  const len = d.offset + d.length;
  const t = d.type as DataType;
  const nullCount = (d as unknown as { _nullCount: number })._nullCount;
  const bitmap = d.nullBitmap as Uint8Array | undefined;
  if (nullCount > 0 && t.typeId !== Type.Null) {
    if (!bitmap || bitmap.length * 8 < len) {
      fault(
        `${what}: ${nullCount} nulls but a validity buffer of ${
          bitmap?.length ?? 0
        } bytes for ${len} rows`,
      );
    }
  }
  const values = d.values as AnyArray | undefined;
  const need = (n: number, have: number, unit: string) => {
    if (have < n) fault(`${what}: ${len} rows need ${n} ${unit}, the buffer has ${have}`);
  };
  switch (t.typeId) {
    case Type.Null:
      return;
    case Type.Bool:
      need(Math.ceil(len / 8), values?.byteLength ?? 0, "bytes");
      return;
    case Type.Utf8:
    case Type.Binary:
    case Type.LargeUtf8:
    case Type.LargeBinary:
      checkOffsets(d, what, values?.length ?? 0, "data bytes");
      return;
    case Type.Utf8View:
    case Type.BinaryView:
      checkViews(d, what);
      return;
    case Type.List:
    case Type.LargeList:
    case Type.Map:
      checkOffsets(d, what, d.children[0]?.length ?? 0, "child values");
      checkData(d.children[0], `${what} values`);
      return;
    case Type.FixedSizeList: {
      const size = (t as unknown as { listSize: number }).listSize;
      need(len * size, d.children[0]?.length ?? 0, "child values");
      checkData(d.children[0], `${what} values`);
      return;
    }
    case Type.Struct:
      d.children.forEach((c, i) => {
        need(len, c.length, `rows in child ${i}`);
        checkData(c, `${what}.${(t as Struct).children[i].name}`);
      });
      return;
    case Type.Union:
      checkUnion(d, what);
      return;
    case Type.Dictionary: {
      need(len * d.stride, values?.length ?? 0, "index values");
      const dict = d.dictionary as Vector | undefined;
      if (!dict) fault(`${what}: dictionary ${(t as unknown as { id: number }).id} was never sent`);
      const n = dict.length;
      for (let i = d.offset; i < len; i++) {
        if (bitmap && bitmap.length > 0 && nullCount !== 0 && !((bitmap[i >> 3] >> (i & 7)) & 1)) {
          continue;
        }
        const k = Number(values![i]);
        if (!(k >= 0 && k < n)) {
          fault(
            `${what}: row ${
              i - d.offset
            } has dictionary index ${k}, the dictionary has ${n} values`,
          );
        }
      }
      return;
    }
    default:
      // Fixed-width: ints, floats, decimals, dates, times, timestamps, intervals, durations, fixed binary.
      need(len * d.stride, values?.length ?? 0, "values");
  }
}

function checkOffsets(d: Data, what: string, dataLength: number, unit: string) {
  const len = d.offset + d.length;
  const offsets = d.valueOffsets as AnyArray | undefined;
  if (len === 0) return;
  if (!offsets || offsets.length < len + 1) {
    fault(
      `${what}: ${d.length} rows need ${len + 1} offsets, the buffer has ${offsets?.length ?? 0}`,
    );
  }
  let prev = Number(offsets[d.offset]);
  if (prev < 0) fault(`${what}: row 0 starts at offset ${prev}`);
  for (let i = d.offset + 1; i <= len; i++) {
    const o = Number(offsets[i]);
    if (o < prev) fault(`${what}: offsets decrease at row ${i - d.offset} (${prev} then ${o})`);
    prev = o;
  }
  if (prev > dataLength) {
    fault(`${what}: offsets end at ${prev}, past the ${dataLength} ${unit}`);
  }
}

function checkViews(d: Data, what: string) {
  const len = d.offset + d.length;
  const views = d.values as Uint8Array | undefined;
  const bytes = views ? new Uint8Array(views.buffer, views.byteOffset, views.byteLength) : null;
  if (!bytes || bytes.length < len * 16) {
    fault(
      `${what}: ${d.length} rows need ${len * 16} view bytes, the buffer has ${bytes?.length ?? 0}`,
    );
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const extra = d.variadicBuffers as Uint8Array[];
  for (let i = d.offset; i < len; i++) {
    const n = dv.getInt32(i * 16, true);
    if (n < 0) fault(`${what}: row ${i - d.offset} has view length ${n}`);
    if (n <= 12) continue;
    const b = dv.getInt32(i * 16 + 8, true);
    const o = dv.getInt32(i * 16 + 12, true);
    if (b < 0 || b >= extra.length || o < 0 || o + n > extra[b].byteLength) {
      fault(
        `${what}: row ${i - d.offset} views buffer ${b} bytes [${o}, ${o + n}) outside the data`,
      );
    }
  }
}

function checkUnion(d: Data, what: string) {
  const len = d.offset + d.length;
  const t = d.type as unknown as { mode: UnionMode; typeIdToChildIndex: Record<number, number> };
  const ids = d.typeIds as Int8Array | undefined;
  if (!ids || ids.length < len) fault(`${what}: ${d.length} rows need ${len} type ids`);
  const dense = t.mode === UnionMode.Dense;
  const offsets = d.valueOffsets as Int32Array | undefined;
  if (dense && (!offsets || offsets.length < len)) {
    fault(`${what}: ${d.length} rows need ${len} offsets`);
  }
  for (let i = d.offset; i < len; i++) {
    const child = d.children[t.typeIdToChildIndex[ids[i]]];
    if (!child) fault(`${what}: row ${i - d.offset} has type id ${ids[i]}, not in the union`);
    const at = dense ? offsets![i] : i;
    if (at < 0 || at >= child.length) {
      fault(`${what}: row ${i - d.offset} points at child row ${at}, past its ${child.length}`);
    }
  }
  d.children.forEach((c, i) => checkData(c, `${what} member ${i}`));
}
