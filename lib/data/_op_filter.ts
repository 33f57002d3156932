import { RecordBatch } from "apache-arrow";
import { gatherRows } from "./_batch.ts";
import type { Operator } from "./_stage.ts";

/** A row predicate: the row (or element) and its index over the whole pass. */
export type RowPredicate = (row: unknown, index: number) => unknown;
/** A batch mask function: one truthy entry per row to keep. */
export type BatchMask = (batch: RecordBatch) => ArrayLike<unknown>;

/**
 * `filter`: keeps the rows (RecordBatches) or elements for which `fn` is
 * truthy. The index passed to a row predicate counts rows (or elements) over
 * the whole pass, as `map`'s does; with `by: "batch"` `fn` returns a mask.
 */
export function filterOp<T>(
  fn: RowPredicate | BatchMask,
  by: "row" | "batch",
): Operator<T, T> {
  return async function* (up, ctx) {
    let index = 0; // rows (or elements) seen so far in this pass
    for await (const x of up(ctx.signal)) {
      if (!(x instanceof RecordBatch)) {
        if ((fn as RowPredicate)(x, index++)) yield x;
        continue;
      }
      const out = by === "batch"
        ? keepMasked(x, (fn as BatchMask)(x))
        : keepRows(x, fn as RowPredicate, index);
      index += x.numRows;
      if (out !== null) yield out as T;
    }
  };
}

function keepRows(x: RecordBatch, pred: RowPredicate, first: number): RecordBatch | null {
  const n = x.numRows;
  const keep = new Uint32Array(n);
  let k = 0;
  for (let i = 0; i < n; i++) if (pred(x.get(i), first + i)) keep[k++] = i;
  return gathered(x, keep, k);
}

function keepMasked(x: RecordBatch, mask: ArrayLike<unknown>): RecordBatch | null {
  const n = x.numRows;
  if (mask.length !== n) {
    throw new RangeError(
      `Cannot filter: the mask has ${mask.length} entries, expected ${n} (one per row)`,
    );
  }
  const keep = new Uint32Array(n);
  let k = 0;
  for (let i = 0; i < n; i++) if (mask[i]) keep[k++] = i;
  return gathered(x, keep, k);
}

/** The batch itself when every row is kept, null when none, else the kept rows. */
function gathered(x: RecordBatch, keep: Uint32Array, k: number): RecordBatch | null {
  if (k === x.numRows) return x;
  if (k === 0) return null;
  return gatherRows([x], new Uint32Array(k), keep.subarray(0, k));
}
