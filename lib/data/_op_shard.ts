/**
 * The `shard` operator: deals a dataset's elements (for sources, batches —
 * one per Parquet row group) to `count` workers, deterministically.
 * @module
 */

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

/** The elements at positions k with k % count === index. */
export async function* shardElements<T>(
  upstream: AsyncIterable<T>,
  index: number,
  count: number,
): AsyncGenerator<T> {
  let k = 0;
  for await (const x of upstream) {
    if (k++ % count === index) yield x;
  }
}
