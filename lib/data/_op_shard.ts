/**
 * The `shard` operator: deals a dataset's elements (for sources, batches —
 * one per Parquet row group) to `count` workers, deterministically.
 * @module
 */
import type { Operator } from "./_stage.ts";

/** Checks shard arguments, naming the dataset. */
export function checkShard(index: number, count: number, name: string): void {
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(`Cannot shard ${name}: count must be a positive integer, got ${count}`);
  }
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw new RangeError(
      `Cannot shard ${name}: index must be an integer in [0, ${count}), got ${index}`,
    );
  }
}

/** `shard`: the elements at positions k with k % count === index. */
export function shardOp<T>(index: number, count: number): Operator<T, T> {
  return async function* (up, ctx) {
    let k = 0;
    for await (const x of up(ctx.signal)) {
      if (k++ % count === index) yield x;
    }
  };
}
