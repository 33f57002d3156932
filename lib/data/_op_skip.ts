import type { RecordBatch } from "apache-arrow";
import { type Operator, rowsOf } from "./_stage.ts";

/** `skip`: drops the first `n` rows (RecordBatches) or elements. */
export function skipOp<T>(n: number): Operator<T, T> {
  return async function* (up, ctx) {
    let left = n;
    for await (const x of up(ctx.signal)) {
      if (left <= 0) {
        yield x;
        continue;
      }
      const rows = rowsOf(x);
      if (rows <= left) left -= rows;
      else {
        yield (x as RecordBatch).slice(left, rows) as T;
        left = 0;
      }
    }
  };
}
