import { RecordBatch } from "apache-arrow";
import { concatBatches, elementBytes } from "./_batch.ts";
import type { Operator, StageContext } from "./_stage.ts";

/**
 * `batch`: re-chunks RecordBatches to exactly `n` rows (zero-copy slices;
 * only batches that straddle an input boundary are copied), or groups other
 * elements into arrays of `n`.
 */
export function batchOp<T, U>(n: number, dropRemainder: boolean): Operator<T, U> {
  return async function* (up, ctx) {
    const rows = new RowBatcher(n, ctx);
    let items: T[] = [];
    for await (const x of up(ctx.signal)) {
      if (x instanceof RecordBatch) {
        yield* rows.push(x) as Iterable<U>;
        ctx.hold(rows.bytes() + elementBytes(items));
        continue;
      }
      items.push(x);
      if (items.length === n) {
        const out = items;
        items = [];
        yield out as U;
      }
    }
    if (!dropRemainder) {
      const rest = rows.flush();
      if (rest !== null) yield rest as U;
      if (items.length > 0) yield items as U;
    }
    ctx.hold(0);
  };
}

/** Cuts RecordBatches into batches of exactly `n` rows. */
class RowBatcher {
  readonly #n: number;
  readonly #ctx: StageContext;
  #pending: RecordBatch[] = [];
  #pendingRows = 0;

  constructor(n: number, ctx: StageContext) {
    this.#n = n;
    this.#ctx = ctx;
  }

  bytes(): number {
    let b = 0;
    for (const p of this.#pending) b += elementBytes(p);
    return b;
  }

  *push(x: RecordBatch): Generator<RecordBatch> {
    const n = this.#n;
    let offset = 0;
    while (offset < x.numRows) {
      const available = x.numRows - offset;
      if (this.#pendingRows === 0 && available >= n) {
        yield x.slice(offset, offset + n);
        offset += n;
        continue;
      }
      const take = Math.min(n - this.#pendingRows, available);
      this.#pending.push(x.slice(offset, offset + take));
      this.#pendingRows += take;
      offset += take;
      if (this.#pendingRows === n) {
        const out = this.flush()!;
        this.#ctx.hold(this.bytes());
        yield out;
      }
    }
  }

  /** The pending rows as one batch (null when none). */
  flush(): RecordBatch | null {
    if (this.#pendingRows === 0) return null;
    this.#pendingRows = 0;
    return concatBatches(this.#pending.splice(0));
  }
}
