/**
 * The toTensors stage: RecordBatches → `{xs, ys}` tensors owned by the
 * dataset (disposed on the next pull and when the pass ends).
 * @module
 */
import { type Data, type DataType, RecordBatch, Type } from "apache-arrow";
import type { tf } from "../_tf.ts";
import { markOwned } from "../dispose/_ownership.ts";

import type { TensorBatch, ToTensorsOptions } from "./dataset_options.ts";
import { listColumns, listWidth, type Target, writeList } from "./_to_tensors_list.ts";

type AnyData = Data<DataType>;
type TF = typeof tf;

const F32_EXACT = 2 ** 24;
const I32_MIN = -(2 ** 31);
const I32_MAX = 2 ** 31 - 1;

function fillFor(spec: ToTensorsOptions, column: string): number | undefined {
  if (typeof spec.fill === "number") return spec.fill;
  return spec.fill?.[column];
}

function width(spec: ToTensorsOptions, column: string, batch: RecordBatch): number {
  const vector = batch.getChild(column);
  const t = vector?.type.typeId;
  if (t === Type.List || t === Type.FixedSizeList) return listColumns(spec, column, vector!.data);
  return spec.oneHot?.[column] ?? 1;
}

/**
 * Writes one column into `target` at column offset `col`, validating types,
 * nulls and exact ranges. `base` is the global row number of row 0 (for errors).
 */
function writeColumn(
  batch: RecordBatch,
  column: string,
  spec: ToTensorsOptions,
  target: Target,
  col: number,
  base: number,
): void {
  const vector = batch.getChild(column);
  if (!vector) {
    const names = batch.schema.fields.map((f) => f.name).join(", ");
    throw new TypeError(
      `Cannot make tensors: column "${column}" is not in the batch (columns: ${names})`,
    );
  }
  const fill = fillFor(spec, column);
  const depth = spec.oneHot?.[column];
  const { out, stride } = target;
  const [lo, hi] = target.dtype === "int32" ? [I32_MIN, I32_MAX] : [-F32_EXACT, F32_EXACT];
  let row0 = 0;
  for (const data of vector.data as AnyData[]) {
    const n = data.length;
    const type = data.type;
    if (type.typeId === Type.List || type.typeId === Type.FixedSizeList) {
      const k = listWidth(spec, column, vector.data as AnyData[]);
      writeList(data, column, spec, k, fill, target, col, row0, base);
      row0 += n;
      continue;
    }
    const hasNulls = data.nullCount > 0;
    const bitmap = data.nullBitmap;
    const off = data.offset;
    const isNull = (i: number) =>
      hasNulls && ((bitmap[(off + i) >> 3] >> ((off + i) & 7)) & 1) === 0;
    const nullValue = (i: number): number => {
      if (fill === undefined) {
        throw new TypeError(
          `Cannot make tensors: column "${column}" is null at row ${base + row0 + i}; ` +
            `pass fill: { ${column}: <number> } to replace nulls`,
        );
      }
      return fill;
    };
    const outOfRange = (i: number, v: bigint | number): never => {
      throw new RangeError(
        `Cannot make tensors: column "${column}" holds ${v} at row ${base + row0 + i}, ` +
          `outside ${target.dtype}'s exact integer range [${lo}, ${hi}]`,
      );
    };
    let get: (i: number) => number;
    switch (type.typeId) {
      case Type.Int:
      case Type.Float: {
        const values = data.values as ArrayLike<number | bigint>;
        if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
          const big = values as BigInt64Array;
          const blo = BigInt(lo);
          const bhi = BigInt(hi);
          get = (i) => {
            const v = big[i];
            if (v < blo || v > bhi) outOfRange(i, v);
            return Number(v);
          };
        } else if (values instanceof Uint16Array && type.typeId === Type.Float) {
          const vec = vector.data.length === 1 ? vector : null;
          get = (i) => Number((vec ?? vector).get(row0 + i));
        } else if (target.dtype === "int32" && type.typeId === Type.Float) {
          const f = values as Float64Array;
          get = (i) => {
            const v = f[i];
            if (!Number.isInteger(v) || v < lo || v > hi) outOfRange(i, v);
            return v;
          };
        } else {
          const f = values as Float64Array;
          // 32-bit integers (also downcast timestamps' counts) can exceed
          // float32's exact range, and uint32 can exceed int32's.
          if (
            (target.dtype === "float32" && (values instanceof Int32Array ||
              values instanceof Uint32Array)) ||
            (target.dtype === "int32" && values instanceof Uint32Array)
          ) {
            get = (i) => {
              const v = f[i];
              if (v < lo || v > hi) outOfRange(i, v);
              return v;
            };
          } else get = (i) => f[i];
        }
        break;
      }
      case Type.Dictionary: {
        const codes = data.values as Int32Array;
        get = (i) => codes[i];
        break;
      }
      case Type.Bool: {
        const bits = data.values as Uint8Array;
        get = (i) => (bits[(off + i) >> 3] >> ((off + i) & 7)) & 1;
        break;
      }
      case Type.Timestamp:
        throw new TypeError(
          `Cannot make tensors: column "${column}" is a 64-bit ${type}, whose values are ` +
            `beyond float32's exact integers; downcast it first (ds.downcast()), which stores ` +
            `exact int counts of a step from an epoch, and those become the feature`,
        );
      default:
        throw new TypeError(
          `Cannot make tensors: column "${column}" has type ${type}, which has no numeric ` +
            `tensor form; map it to numbers or dictionary-encode it first`,
        );
    }
    if (depth !== undefined) {
      if (type.typeId !== Type.Dictionary && type.typeId !== Type.Int) {
        throw new TypeError(
          `Cannot one-hot encode column "${column}": it has type ${type}, expected dictionary or integer codes`,
        );
      }
      for (let i = 0; i < n; i++) {
        const at = (row0 + i) * stride + col;
        if (isNull(i)) {
          const v = nullValue(i);
          for (let d = 0; d < depth; d++) out[at + d] = v;
          continue;
        }
        const code = get(i);
        if (code < 0 || code >= depth) {
          throw new RangeError(
            `Cannot one-hot encode column "${column}": code ${code} at row ${base + row0 + i} ` +
              `is outside the depth ${depth}`,
          );
        }
        out[at + code] = 1;
      }
    } else if (hasNulls) {
      for (let i = 0; i < n; i++) {
        out[(row0 + i) * stride + col] = isNull(i) ? nullValue(i) : get(i);
      }
    } else if (stride === 1) {
      for (let i = 0; i < n; i++) out[row0 + i] = get(i);
    } else {
      for (let i = 0; i < n; i++) out[(row0 + i) * stride + col] = get(i);
    }
    row0 += n;
  }
}

/**
 * Two reused ArrayBuffers for one of xs/ys. tfjs's cpu backend stores the
 * very typed array a tensor is made from (and so does webgpu until it uploads),
 * and `clone`, `reshape` and `keep()` share that storage; so a slot is
 * refilled only when the engine no longer knows the tensor's data, else the
 * live tensor keeps the old buffer and the slot gets a new one. wasm copies on
 * creation, so there a slot is free at once. toTensors disposes the previous
 * element before filling the next, so in a plain loop two slots never collide.
 */
class Ring {
  readonly #tf: TF;
  readonly #copies: boolean;
  readonly #buffers: (ArrayBuffer | null)[] = [null, null];
  readonly #owners: (tf.Tensor | null)[] = [null, null];
  #next = 0;
  /** ArrayBuffers allocated by this ring. */
  allocations = 0;

  constructor(tf: TF) {
    this.#tf = tf;
    this.#copies = tf.getBackend() === "wasm";
  }

  #held(t: tf.Tensor): boolean {
    if (this.#copies) return false;
    // The engine forgets a data id when its last sharing tensor is disposed.
    return this.#tf.engine().state.tensorInfo.has(t.dataId);
  }

  take(length: number): { buffer: ArrayBuffer; slot: number } {
    const slot = this.#next;
    this.#next ^= 1;
    const owner = this.#owners[slot];
    if (owner !== null && this.#held(owner)) this.#buffers[slot] = null;
    this.#owners[slot] = null;
    let buffer = this.#buffers[slot];
    if (buffer === null || buffer.byteLength < 4 * length) {
      buffer = new ArrayBuffer(4 * length);
      this.#buffers[slot] = buffer;
      this.allocations++;
    }
    return { buffer, slot };
  }

  own(slot: number, t: tf.Tensor): void {
    this.#owners[slot] = t;
  }
}

function toMatrix(
  tf: TF,
  batch: RecordBatch,
  columns: string[],
  spec: ToTensorsOptions,
  dtype: "float32" | "int32",
  base: number,
  ring: Ring | null,
): tf.Tensor2D {
  const rows = batch.numRows;
  let stride = 0;
  for (const c of columns) stride += width(spec, c, batch);
  const length = rows * stride;
  let out: Float32Array | Int32Array;
  let slot = -1;
  if (ring === null) {
    out = dtype === "int32" ? new Int32Array(length) : new Float32Array(length);
  } else {
    const taken = ring.take(length);
    slot = taken.slot;
    out = dtype === "int32"
      ? new Int32Array(taken.buffer, 0, length)
      : new Float32Array(taken.buffer, 0, length);
    // One-hot writes only the ones; every other column writes every cell.
    if (columns.some((c) => spec.oneHot?.[c] !== undefined)) out.fill(0);
  }
  const target: Target = { out, stride, dtype };
  let col = 0;
  for (const c of columns) {
    writeColumn(batch, c, spec, target, col, base);
    col += width(spec, c, batch);
  }
  const t = tf.tensor2d(out, [rows, stride], dtype);
  ring?.own(slot, t);
  return t;
}

/** The toTensors stage body; see `Dataset.toTensors`. */
export async function* tensorStage(
  source: AsyncIterable<unknown>,
  spec: ToTensorsOptions,
  ctx: { hold(bytes: number): void },
): AsyncGenerator<TensorBatch> {
  if (!Array.isArray(spec.x) || spec.x.length === 0) {
    throw new TypeError(`Cannot make tensors: x must be a non-empty array of column names`);
  }
  const ys = typeof spec.y === "string" ? [spec.y] : spec.y;
  if (!Array.isArray(ys) || ys.length === 0) {
    throw new TypeError(`Cannot make tensors: y must be a column name or a non-empty array`);
  }
  const yDtype = spec.yDtype ?? "float32";
  if (yDtype !== "float32" && yDtype !== "int32") {
    throw new RangeError(
      `Cannot make tensors: yDtype must be "float32" or "int32", got "${yDtype}"`,
    );
  }
  const pooled = spec.pool ?? true;
  if (typeof pooled !== "boolean") {
    throw new TypeError(`Cannot make tensors: pool must be true or false, got ${pooled}`);
  }
  // Loaded on first use: reading data must not pay for starting tfjs.
  const { tf } = await import("../_tf.ts");
  const xRing = pooled ? new Ring(tf) : null;
  const yRing = pooled ? new Ring(tf) : null;
  let current: tf.Tensor[] = [];
  const release = () => {
    for (const t of current) if (!t.isDisposed) t.dispose();
    current = [];
    ctx.hold(0);
  };
  let base = 0;
  try {
    for await (const batch of source) {
      release();
      if (!(batch instanceof RecordBatch)) {
        throw new TypeError(
          `Cannot make tensors: expected Arrow RecordBatches, got ${
            Object.prototype.toString.call(batch)
          }`,
        );
      }
      const xs = toMatrix(tf, batch, spec.x, spec, "float32", base, xRing);
      let y: tf.Tensor2D;
      try {
        y = toMatrix(tf, batch, ys, spec, yDtype, base, yRing);
      } catch (e) {
        xs.dispose();
        throw e;
      }
      base += batch.numRows;
      // tf.keep: an enclosing tf.tidy must not dispose what the dataset owns.
      for (const t of [xs, y]) {
        tf.keep(t);
        markOwned(t);
      }
      current = [xs, y];
      ctx.hold(xs.size * 4 + y.size * 4);
      const mine = current;
      yield {
        xs,
        ys: y,
        rows: batch.numRows,
        keep() {
          if (current === mine) current = [];
          return { xs, ys: y };
        },
      };
    }
  } finally {
    release();
  }
}
