import type { RecordBatch } from "apache-arrow";
import { type Operator, rowsOf } from "./_stage.ts";

/** `take`: the first `n` rows (RecordBatches) or elements; stops reading after them. */
export function takeOp<T>(n: number): Operator<T, T> {
  return async function* (up, ctx) {
    let left = n;
    if (left <= 0) return;
    for await (const x of up(ctx.signal)) {
      const rows = rowsOf(x);
      if (rows <= left) {
        left -= rows;
        yield x;
      } else {
        yield (x as RecordBatch).slice(0, left) as T;
        left = 0;
      }
      if (left <= 0) return;
    }
  };
}
