import type { RecordBatch } from "apache-arrow";
import { tensorStage } from "./_to_tensors.ts";
import type {
  BatchOf,
  BatchOptions,
  DowncastDataset,
  DowncastDatasetOptions,
  FilterOptions,
  IterateOptions,
  RowOf,
  ShuffleOptions,
  TensorBatch,
  ToTensorsOptions,
} from "./dataset_options.ts";
import { checkCount, combine, type OpenStage, type Operator, type StageOptions } from "./_stage.ts";
import { runPass } from "./_pass.ts";
import { mapOp } from "./_op_map.ts";
import { type BatchMask, filterOp, type RowPredicate } from "./_op_filter.ts";
import { takeOp } from "./_op_take.ts";
import { checkShard, shardOp } from "./_op_shard.ts";
import { skipOp } from "./_op_skip.ts";
import { batchOp } from "./_op_batch.ts";
import { shuffleOp } from "./_op_shuffle.ts";
import { prefetchOp } from "./_op_prefetch.ts";
import { repeatOp } from "./_op_repeat.ts";
import { concatenateOp } from "./_op_concatenate.ts";
import { downcastOp } from "./_op_downcast.ts";

export type { OpenStage, StageContext, StageOptions } from "./_stage.ts";
export type * from "./dataset_options.ts";

/**
 * A lazy, re-iterable stream of elements: by default Apache Arrow
 * RecordBatches read one bounded chunk at a time from a source (`csv`,
 * `parquet`, `arrow`, `jsonl`, `from`). Every `for await` starts a new pass
 * from the source, so epochs work; transforms are lazy and pull-based; a
 * `break`, `return` or aborted signal stops the whole chain (prefetch, reads)
 * and releases its buffers. While a pass runs, every stage reports the bytes
 * it holds through `registerProbe`, so the memory timeline shows them.
 *
 * `take`, `skip`, `batch` and `filter` count rows for RecordBatches and
 * elements otherwise.
 *
 * @example
 * ```ts
 * import { from } from "memkit";
 * const ds = from([1, 2, 3, 4, 5, 6]).filter((x) => x % 2 === 0).map((x) => x * 10);
 * const seen: number[] = [];
 * for await (const x of ds) seen.push(x);
 * for await (const x of ds) seen.push(x); // a second pass starts again
 * if (seen.join() !== "20,40,60,20,40,60") throw new Error(seen.join());
 * ```
 */
export class Dataset<T = RecordBatch> implements AsyncIterable<T> {
  /** A short label for this stage, used for probe names and errors. */
  readonly name: string;
  readonly #open: OpenStage<T>;
  readonly #signal?: AbortSignal;
  readonly #terminal: boolean;

  /**
   * Builds a dataset from a function that opens one pass. Sources and
   * transforms use this; users usually call a source such as `from()`.
   *
   * @param name A short label, e.g. `parquet(flights.parquet)`.
   * @param open Opens one pass; receives the signal and a `hold(bytes)` reporter.
   * @param options The signal, and whether this stage must be the last (tensors).
   * @returns The dataset.
   * @example
   * ```ts
   * import { Dataset } from "memkit";
   * const ds = new Dataset<number>("count to 3", async function* () {
   *   yield 1;
   *   yield 2;
   *   yield 3;
   * });
   * let sum = 0;
   * for await (const x of ds) sum += x;
   * if (sum !== 6) throw new Error(`${sum}`);
   * ```
   */
  constructor(
    name: string,
    open: OpenStage<T>,
    options: StageOptions & { terminal?: boolean } = {},
  ) {
    this.name = name;
    this.#open = open;
    this.#signal = options.signal;
    this.#terminal = options.terminal ?? false;
  }

  /** Starts a pass; the same as {@linkcode Dataset.prototype.iterate} without options. */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return this.#run(undefined);
  }

  /**
   * Starts a pass that stops when `signal` aborts.
   *
   * @param options The signal.
   * @returns An async iterator over the elements.
   * @example
   * ```ts
   * import { from } from "memkit";
   * const controller = new AbortController();
   * let n = 0;
   * try {
   *   for await (const _ of from([1, 2, 3]).iterate({ signal: controller.signal })) {
   *     if (++n === 2) controller.abort(new Error("enough"));
   *   }
   * } catch (e) {
   *   if ((e as Error).message !== "enough") throw e;
   * }
   * if (n !== 2) throw new Error(`${n}`);
   * ```
   */
  iterate(options: IterateOptions = {}): AsyncGenerator<T, void, undefined> {
    return this.#run(options.signal);
  }

  #run(outer: AbortSignal | undefined): AsyncGenerator<T, void, undefined> {
    return runPass(this.name, this.#open, combine(this.#signal, outer));
  }

  #derive<U>(
    name: string,
    op: Operator<T, U>,
    options: StageOptions & { terminal?: boolean } = {},
  ): Dataset<U> {
    if (this.#terminal) {
      throw new TypeError(
        `Cannot add ${name} after ${this.name}: toTensors must be the last stage, ` +
          `because it disposes each element's tensors when the next one is pulled`,
      );
    }
    return new Dataset<U>(
      name,
      (ctx) => op((signal) => this.#run(signal), ctx),
      options,
    );
  }

  /**
   * Maps each element (for RecordBatch datasets: each batch) through `fn`.
   *
   * @param fn The function; may be async.
   * @param options The signal.
   * @returns The mapped dataset.
   * @example
   * ```ts
   * import { from } from "memkit";
   * const out: number[] = [];
   * for await (const x of from([1, 2]).map(async (x) => x + 1)) out.push(x);
   * if (out.join() !== "2,3") throw new Error(out.join());
   * ```
   */
  map<U>(fn: (x: T, index: number) => U | Promise<U>, options: StageOptions = {}): Dataset<U> {
    return this.#derive<U>("map", mapOp(fn), options);
  }

  /**
   * Keeps the rows (or elements) for which `fn` is truthy. With `{by: "batch"}`
   * `fn` gets a whole RecordBatch and returns a row mask, the fast path.
   *
   * @param fn A row predicate, or with `by: "batch"` a batch → mask function.
   * @param options `by` and the signal.
   * @returns The filtered dataset; empty batches are skipped.
   * @example
   * ```ts
   * import { from } from "memkit";
   * import { tableFromArrays } from "apache-arrow";
   * const batch = tableFromArrays({ v: Float64Array.from([1, -2, 3]) }).batches[0];
   * let rows = 0;
   * for await (const b of from([batch]).filter((row) => row.v > 0)) rows += b.numRows;
   * if (rows !== 2) throw new Error(`${rows}`);
   * ```
   */
  filter(
    fn: (row: RowOf<T>, index: number) => unknown,
    options?: FilterOptions & { by?: "row" },
  ): Dataset<T>;
  /** Keeps the rows where the mask that `fn` returns for each batch is truthy. */
  filter(
    fn: (batch: T) => ArrayLike<unknown>,
    options: FilterOptions & { by: "batch" },
  ): Dataset<T>;
  filter(
    fn: ((row: RowOf<T>, index: number) => unknown) | ((batch: T) => ArrayLike<unknown>),
    options: FilterOptions = {},
  ): Dataset<T> {
    const by = options.by ?? "row";
    if (by !== "row" && by !== "batch") {
      throw new RangeError(`Cannot filter ${this.name}: by must be "row" or "batch", got "${by}"`);
    }
    return this.#derive<T>("filter", filterOp<T>(fn as RowPredicate | BatchMask, by), options);
  }

  /**
   * This worker's share of the elements (for sources: batches, one per
   * Parquet row group by default): those at positions `k` with
   * `k % count === index`. `count` workers over the same deterministic
   * source see every element exactly once between them. Many-file datasets
   * (`files()`, and `parquet()` of a folder, glob or s3:// prefix) deal row
   * groups before reading, so each worker fetches only its own.
   *
   * @param index This worker's index, 0 ≤ index < count.
   * @param count The number of workers.
   * @param options The signal.
   * @returns The sharded dataset.
   * @example
   * ```ts
   * import { from } from "memkit";
   * const out: number[] = [];
   * for await (const x of from([0, 1, 2, 3, 4, 5, 6]).shard(1, 3)) out.push(x);
   * if (out.join() !== "1,4") throw new Error(out.join());
   * ```
   */
  shard(index: number, count: number, options: StageOptions = {}): Dataset<T> {
    checkShard(index, count, this.name);
    return this.#derive<T>(`shard(${index}, ${count})`, shardOp<T>(index, count), options);
  }

  /**
   * The first `n` rows (RecordBatches) or elements; stops reading after them.
   *
   * @param n How many rows or elements.
   * @param options The signal.
   * @returns The shortened dataset.
   * @example
   * ```ts
   * import { from } from "memkit";
   * const out: number[] = [];
   * for await (const x of from([1, 2, 3]).take(2)) out.push(x);
   * if (out.join() !== "1,2") throw new Error(out.join());
   * ```
   */
  take(n: number, options: StageOptions = {}): Dataset<T> {
    checkCount("take", n);
    return this.#derive<T>(`take(${n})`, takeOp<T>(n), options);
  }

  /**
   * Skips the first `n` rows (RecordBatches) or elements.
   *
   * @param n How many rows or elements.
   * @param options The signal.
   * @returns The dataset without its first `n` rows.
   * @example
   * ```ts
   * import { from } from "memkit";
   * const out: number[] = [];
   * for await (const x of from([1, 2, 3]).skip(2)) out.push(x);
   * if (out.join() !== "3") throw new Error(out.join());
   * ```
   */
  skip(n: number, options: StageOptions = {}): Dataset<T> {
    checkCount("skip", n);
    return this.#derive<T>(`skip(${n})`, skipOp<T>(n), options);
  }

  /**
   * Re-chunks RecordBatches to exactly `n` rows each (slices are zero-copy;
   * only batches that straddle an input boundary are copied), or groups other
   * elements into arrays of `n`.
   *
   * @param n Rows (or elements) per batch.
   * @param options `dropRemainder` and the signal.
   * @returns The re-batched dataset.
   * @example
   * ```ts
   * import { from } from "memkit";
   * const out: number[][] = [];
   * for await (const b of from([1, 2, 3, 4, 5]).batch(2)) out.push(b);
   * if (JSON.stringify(out) !== "[[1,2],[3,4],[5]]") throw new Error(JSON.stringify(out));
   * ```
   */
  batch(n: number, options: BatchOptions = {}): Dataset<BatchOf<T>> {
    checkCount("batch", n, 1);
    const drop = options.dropRemainder ?? false;
    return this.#derive<BatchOf<T>>(`batch(${n})`, batchOp<T, BatchOf<T>>(n, drop), options);
  }

  /**
   * Shuffles rows through a buffer of `bufferRows` rows (elements for
   * non-RecordBatch datasets), like tf.data's shuffle: a uniform random
   * permutation when the buffer holds the whole dataset, a local one
   * otherwise. Output batches have the size of the latest input batch.
   * Reproducible with `seed`.
   *
   * @param bufferRows Rows held for shuffling; memory grows with it.
   * @param options `seed`, `reshuffleEachIteration` and the signal.
   * @returns The shuffled dataset.
   * @example
   * ```ts
   * import { from } from "memkit";
   * const once = async () => {
   *   const out: number[] = [];
   *   for await (const x of from([1, 2, 3, 4, 5]).shuffle(10, { seed: 7 })) out.push(x);
   *   return out;
   * };
   * const [a, b] = [await once(), await once()];
   * if (a.join() !== b.join()) throw new Error("not reproducible");
   * if ([...a].sort().join() !== "1,2,3,4,5") throw new Error("not a permutation");
   * ```
   */
  shuffle(bufferRows: number, options: ShuffleOptions = {}): Dataset<T> {
    checkCount("shuffle", bufferRows, 1);
    const reshuffle = options.reshuffleEachIteration ?? true;
    const op = shuffleOp<T>(bufferRows, options.seed, reshuffle);
    return this.#derive<T>(`shuffle(${bufferRows})`, op, options);
  }

  /**
   * Reads up to `n` elements ahead in the background while the consumer works
   * on the current one, then waits (backpressure): never more than `n` held.
   *
   * @param n Elements to read ahead.
   * @param options The signal.
   * @returns The prefetching dataset.
   * @example
   * ```ts
   * import { from } from "memkit";
   * let sum = 0;
   * for await (const x of from([1, 2, 3]).prefetch(2)) sum += x;
   * if (sum !== 6) throw new Error(`${sum}`);
   * ```
   */
  prefetch(n: number, options: StageOptions = {}): Dataset<T> {
    checkCount("prefetch", n, 1);
    return this.#derive<T>(`prefetch(${n})`, prefetchOp<T>(n), options);
  }

  /**
   * Repeats the dataset `count` times (each repeat is a new pass).
   *
   * @param count How many passes.
   * @default {Infinity}
   * @param options The signal.
   * @returns The repeated dataset.
   * @example
   * ```ts
   * import { from } from "memkit";
   * const out: number[] = [];
   * for await (const x of from([1, 2]).repeat(2)) out.push(x);
   * if (out.join() !== "1,2,1,2") throw new Error(out.join());
   * ```
   */
  repeat(count = Infinity, options: StageOptions = {}): Dataset<T> {
    if (!(count >= 0)) {
      throw new RangeError(`Cannot repeat: count must be 0 or more, got ${count}`);
    }
    return this.#derive<T>(`repeat(${count})`, repeatOp<T>(count), options);
  }

  /**
   * This dataset followed by `other`.
   *
   * @param other The dataset to read after this one.
   * @param options The signal.
   * @returns The concatenation.
   * @example
   * ```ts
   * import { from } from "memkit";
   * const out: number[] = [];
   * for await (const x of from([1]).concatenate(from([2, 3]))) out.push(x);
   * if (out.join() !== "1,2,3") throw new Error(out.join());
   * ```
   */
  concatenate(other: Dataset<T>, options: StageOptions = {}): Dataset<T> {
    return this.#derive<T>(`concatenate(${other.name})`, concatenateOp(other), options);
  }

  /**
   * Downcasts each batch to the smallest types that hold its values exactly,
   * as a stream: lib/dtype's `downcastStream` learns the types from the first
   * `learnBatches` batches of the first pass and keeps them for every later
   * batch and pass (epoch), so the schema is stable. A later value that does
   * not fit widens its column with a warning, or throws with
   * `onOverflow: "fail"`; nothing is truncated. Compacted timestamps are int
   * counts of a step from an epoch kept in the field metadata
   * (`restoreTimestamps` turns them back). `report` is the running memory
   * report (latest pass); the stage reports the bytes of the batch it holds
   * to the memory timeline as `data downcast`.
   *
   * @param options Downcast options, `learnBatches`, `onOverflow`, `onWarning`, the signal.
   * @returns The downcast dataset, with `report` and `warnings`.
   * @example
   * ```ts
   * import { from } from "memkit";
   * import { tableFromArrays } from "apache-arrow";
   * const batch = tableFromArrays({ n: Float64Array.from([1, 2, 300]) }).batches[0];
   * const ds = from([batch, batch]).downcast();
   * let sum = 0;
   * for await (const b of ds) {
   *   if (String(b.schema.fields[0].type) !== "Uint16") throw new Error(`${b.schema}`);
   *   for (const v of b.getChild("n")!) sum += v as number;
   * }
   * if (sum !== 606) throw new Error(`${sum}`);
   * if (ds.report!.columns[0].bytesAfter !== 12) throw new Error(`${ds.report}`);
   * ```
   */
  downcast(this: Dataset<RecordBatch>, options: DowncastDatasetOptions = {}): DowncastDataset {
    const { signal, ...rest } = options;
    const parts = downcastOp(rest);
    const ds = this.#derive<RecordBatch>("downcast", parts.op, { signal });
    return Object.defineProperties(ds, {
      report: { get: parts.report, enumerable: true },
      warnings: { get: parts.warnings, enumerable: true },
    }) as DowncastDataset;
  }

  /**
   * Turns RecordBatches into tensors for training: `xs` one float32 tensor
   * `[rows, features]` from the `x` columns, `ys` from `y`. The tensors belong
   * to the dataset: they are disposed when the next element is pulled and
   * when the loop ends (break, return, error), so a loop leaks nothing and a
   * user scope never captures them; call `keep()` on an element to retain it.
   * Dictionary columns become int32 codes (one-hot with `oneHot`); int64
   * values outside float32's exact range throw; nulls throw unless `fill`.
   * `xs` and `ys` are filled through a 2-slot ring of reused ArrayBuffers
   * (`pool: false` turns it off), so a steady-state loop allocates none; a
   * slot whose tensor is still alive (kept, cloned, reshaped) is never
   * overwritten. This must be the last stage.
   *
   * @param spec Columns for `x` and `y`, with `fill`, `oneHot`, `yDtype`.
   * @returns A dataset of `{xs, ys, rows, keep}`.
   * @example
   * ```ts
   * import { from, useBackend } from "memkit";
   * import { tableFromArrays } from "apache-arrow";
   * import { tf } from "../_tf.ts";
   * await useBackend({ backend: "cpu" });
   * const t = tableFromArrays({ a: Float32Array.from([1, 2]), b: Float32Array.from([3, 4]) });
   * const before = tf.memory().numTensors;
   * for await (const { xs, ys } of from(t.batches).toTensors({ x: ["a"], y: "b" })) {
   *   if (xs.shape.join() !== "2,1" || ys.shape.join() !== "2,1") throw new Error("shape");
   * }
   * if (tf.memory().numTensors !== before) throw new Error("leaked a tensor");
   * ```
   */
  toTensors(spec: ToTensorsOptions): Dataset<TensorBatch> {
    return this.#derive<TensorBatch>(
      "toTensors",
      (up, ctx) => tensorStage(up(ctx.signal) as AsyncIterable<unknown>, spec, ctx),
      { signal: spec.signal, terminal: true },
    );
  }
}
