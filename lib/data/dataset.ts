import { RecordBatch, type StructRowProxy, type TypeMap } from "apache-arrow";
import { trackPass } from "./_interrupts.ts";
import { registerProbe } from "../memory/probes.ts";
import { downcastStream, type DowncastStreamOptions } from "../dtype/downcast_stream.ts";
import type { MemoryReport } from "../dtype/memory_report.ts";
import { concatBatches, elementBytes, gatherRows } from "./_batch.ts";
import { mulberry32, seedFrom } from "./_random.ts";
import { checkShard, shardElements } from "./_op_shard.ts";
import { type TensorBatch, tensorStage, type ToTensorsOptions } from "./_to_tensors.ts";

/** What a stage of a {@linkcode Dataset} gets when one pass over it starts. */
export interface StageContext {
  /** Aborts this pass: the stage must stop reading and release its buffers. */
  signal?: AbortSignal;
  /** Reports the bytes this stage holds now (read by the memory timeline's probes). */
  hold(bytes: number): void;
}

/** Opens one pass over a stage: called again for every `for await`. */
export type OpenStage<T> = (context: StageContext) => AsyncIterable<T>;

/** Options accepted by every source and transform. */
export interface StageOptions {
  /** Stops the pass (sources, prefetch, timers) when aborted. */
  signal?: AbortSignal;
}

/** Options for {@linkcode Dataset.prototype.iterate}. */
export interface IterateOptions {
  /** Stops this pass when aborted; the loop throws the signal's reason. */
  signal?: AbortSignal;
}

/** Options for {@linkcode Dataset.prototype.filter}. */
export interface FilterOptions extends StageOptions {
  /**
   * `"row"`: the function gets one row and returns whether to keep it.
   * `"batch"`: it gets a whole RecordBatch and returns a row mask (truthy = keep).
   * @default {"row"}
   */
  by?: "row" | "batch";
}

/** Options for {@linkcode Dataset.prototype.batch}. */
export interface BatchOptions extends StageOptions {
  /**
   * Drop the last, smaller batch.
   * @default {false}
   */
  dropRemainder?: boolean;
}

/** Options for {@linkcode Dataset.prototype.shuffle}. */
export interface ShuffleOptions extends StageOptions {
  /**
   * Seed for a reproducible order; without one every pass differs.
   * @default {undefined}
   */
  seed?: number;
  /**
   * With a seed, give each pass (epoch) its own order, still reproducible.
   * @default {true}
   */
  reshuffleEachIteration?: boolean;
}

/** Options for {@linkcode Dataset.prototype.downcast}: those of `downcastStream`. */
export type DowncastDatasetOptions = DowncastStreamOptions;

/** What {@linkcode Dataset.prototype.downcast} returns: the downcast batches, with a running report. */
export interface DowncastDataset extends Dataset<RecordBatch> {
  /**
   * Bytes per column before and after, over the batches of the latest pass so
   * far; null before the first batch.
   */
  readonly report: MemoryReport | null;
  /** The warnings given so far (columns widened), over all passes. */
  readonly warnings: readonly string[];
}

/** A row of a RecordBatch dataset, or the element itself for other datasets. */
export type RowOf<T> = T extends RecordBatch<infer S extends TypeMap> ? StructRowProxy<S> : T;

/** What {@linkcode Dataset.prototype.batch} yields: exact-size batches, or arrays of elements. */
export type BatchOf<T> = T extends RecordBatch ? T : T[];

function combine(...signals: (AbortSignal | undefined)[]): AbortSignal | undefined {
  const present = signals.filter((s) => s !== undefined);
  return present.length > 1 ? AbortSignal.any(present) : present[0];
}

function rowsOf(x: unknown): number {
  return x instanceof RecordBatch ? x.numRows : 1;
}

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

  async *#run(outer: AbortSignal | undefined): AsyncGenerator<T, void, undefined> {
    const interrupt = new AbortController();
    const signal = combine(this.#signal, outer, interrupt.signal);
    signal?.throwIfAborted();
    let held = 0;
    const off = registerProbe(`data ${this.name}`, () => held);
    const untrack = trackPass(interrupt);
    try {
      const context: StageContext = {
        signal,
        hold(bytes) {
          held = bytes;
        },
      };
      for await (const x of this.#open(context)) {
        signal?.throwIfAborted();
        yield x;
      }
    } finally {
      held = 0;
      off();
      untrack();
    }
  }

  #derive<U>(
    name: string,
    open: (
      upstream: (signal?: AbortSignal) => AsyncGenerator<T>,
      ctx: StageContext,
    ) => AsyncIterable<U>,
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
      (ctx) => open((signal) => this.#run(signal), ctx),
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
    return this.#derive<U>(`map`, async function* (up, ctx) {
      let i = 0;
      for await (const x of up(ctx.signal)) yield await fn(x, i++);
    }, options);
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
    return this.#derive<T>(`filter`, async function* (up, ctx) {
      for await (const x of up(ctx.signal)) {
        if (!(x instanceof RecordBatch)) {
          if ((fn as (row: T, i: number) => unknown)(x, 0)) yield x;
          continue;
        }
        const n = x.numRows;
        const keep = new Uint32Array(n);
        let k = 0;
        if (by === "batch") {
          const mask = (fn as (b: T) => ArrayLike<unknown>)(x);
          if (mask.length !== n) {
            throw new RangeError(
              `Cannot filter: the mask has ${mask.length} entries, expected ${n} (one per row)`,
            );
          }
          for (let i = 0; i < n; i++) if (mask[i]) keep[k++] = i;
        } else {
          const pred = fn as (row: unknown, i: number) => unknown;
          for (let i = 0; i < n; i++) if (pred(x.get(i), i)) keep[k++] = i;
        }
        if (k === n) yield x;
        else if (k > 0) {
          yield gatherRows([x], new Uint32Array(k), keep.subarray(0, k)) as T;
        }
      }
    }, options);
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
    return this.#derive<T>(
      `shard ${index}/${count}`,
      (up, ctx) => shardElements(up(ctx.signal), index, count),
      options,
    );
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
    return this.#derive<T>(`take(${n})`, async function* (up, ctx) {
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
    }, options);
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
    return this.#derive<T>(`skip(${n})`, async function* (up, ctx) {
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
    }, options);
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
    const dropRemainder = options.dropRemainder ?? false;
    return this.#derive<BatchOf<T>>(`batch(${n})`, async function* (up, ctx) {
      const pending: RecordBatch[] = [];
      let pendingRows = 0;
      let items: T[] = [];
      const hold = () => {
        let b = 0;
        for (const p of pending) b += elementBytes(p);
        ctx.hold(b + elementBytes(items));
      };
      for await (const x of up(ctx.signal)) {
        if (!(x instanceof RecordBatch)) {
          items.push(x);
          if (items.length === n) {
            const out = items;
            items = [];
            yield out as BatchOf<T>;
          }
          continue;
        }
        let offset = 0;
        while (offset < x.numRows) {
          const want = n - pendingRows;
          const available = x.numRows - offset;
          if (pendingRows === 0 && available >= n) {
            yield x.slice(offset, offset + n) as BatchOf<T>;
            offset += n;
            continue;
          }
          const take = Math.min(want, available);
          pending.push(x.slice(offset, offset + take));
          pendingRows += take;
          offset += take;
          if (pendingRows === n) {
            const out = concatBatches(pending.splice(0));
            pendingRows = 0;
            hold();
            yield out as BatchOf<T>;
          }
        }
        hold();
      }
      if (!dropRemainder) {
        if (pendingRows > 0) yield concatBatches(pending.splice(0)) as BatchOf<T>;
        if (items.length > 0) yield items as BatchOf<T>;
      }
      ctx.hold(0);
    }, options);
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
    let pass = 0;
    return this.#derive<T>(`shuffle(${bufferRows})`, async function* (up, ctx) {
      const seed = options.seed === undefined
        ? seedFrom(Math.random() * 2 ** 32)
        : seedFrom(options.seed + (reshuffle ? pass++ * 0x9e3779b9 : 0));
      const random = mulberry32(seed);
      yield* shuffleRows<T>(up(ctx.signal), bufferRows, random, ctx);
    }, options);
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
    return this.#derive<T>(`prefetch(${n})`, (up, ctx) => prefetchFrom(up(ctx.signal), n, ctx), {
      ...options,
    });
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
    return this.#derive<T>(`repeat(${count})`, async function* (up, ctx) {
      for (let i = 0; i < count; i++) yield* up(ctx.signal);
    }, options);
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
    return this.#derive<T>(`concatenate(${other.name})`, async function* (up, ctx) {
      yield* up(ctx.signal);
      yield* other.iterate({ signal: ctx.signal });
    }, options);
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
    // One stream for every pass keeps the learned types across epochs; each
    // pass hands it its own upstream iterator (taken synchronously by the
    // stream's first next(), so concurrent passes cannot swap them).
    const upstreams: AsyncIterable<RecordBatch>[] = [];
    const source: AsyncIterable<RecordBatch> = {
      [Symbol.asyncIterator]: () => upstreams.shift()![Symbol.asyncIterator](),
    };
    const stream = downcastStream(source, rest);
    const ds = this.#derive<RecordBatch>("downcast", async function* (up, ctx) {
      const mine = up(ctx.signal);
      upstreams.push(mine);
      try {
        for await (const b of stream) {
          ctx.hold(elementBytes(b));
          yield b;
        }
      } finally {
        // If the stream failed before taking it, do not hand it to a later pass.
        const i = upstreams.indexOf(mine);
        if (i >= 0) {
          upstreams.splice(i, 1);
          await mine.return(undefined);
        }
        ctx.hold(0);
      }
    }, { signal });
    return Object.defineProperties(ds, {
      report: { get: () => stream.report, enumerable: true },
      warnings: { get: () => stream.warnings, enumerable: true },
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
      `toTensors`,
      (up, ctx) => tensorStage(up(ctx.signal) as AsyncIterable<unknown>, spec, ctx),
      { signal: spec.signal, terminal: true },
    );
  }
}

function checkCount(what: string, n: number, min = 0): void {
  if (!(Number.isInteger(n) || n === Infinity) || n < min) {
    throw new RangeError(
      `Cannot ${what}: the count must be an integer of at least ${min}, got ${n}`,
    );
  }
}

async function* shuffleRows<T>(
  source: AsyncIterable<T>,
  bufferRows: number,
  random: () => number,
  ctx: StageContext,
): AsyncGenerator<T> {
  // Elements other than RecordBatches: the classic element buffer.
  const items: T[] = [];
  // RecordBatches: a pool of (batch, row) references, gathered on output.
  let batches: RecordBatch[] = [];
  let live: number[] = []; // rows still referenced, per batch
  let which = new Uint32Array(1024);
  let rows = new Uint32Array(1024);
  let count = 0;
  let outRows = 1;
  let heldBytes = 0;

  const report = () => ctx.hold(heldBytes + elementBytes(items));
  const pick = (k: number): RecordBatch => {
    const w = new Uint32Array(k);
    const r = new Uint32Array(k);
    for (let i = 0; i < k; i++) {
      const j = Math.floor(random() * count);
      w[i] = which[j];
      r[i] = rows[j];
      count--;
      which[j] = which[count];
      rows[j] = rows[count];
      live[w[i]]--;
    }
    const out = gatherRows(batches, w, r);
    // Drop batches no row refers to any more, renumbering the pool.
    if (live.some((n) => n === 0)) {
      const renumber = new Int32Array(batches.length).fill(-1);
      const keptBatches: RecordBatch[] = [];
      const keptLive: number[] = [];
      heldBytes = 0;
      for (let b = 0; b < batches.length; b++) {
        if (live[b] > 0) {
          renumber[b] = keptBatches.length;
          keptBatches.push(batches[b]);
          keptLive.push(live[b]);
          heldBytes += elementBytes(batches[b]);
        }
      }
      for (let i = 0; i < count; i++) which[i] = renumber[which[i]];
      batches = keptBatches;
      live = keptLive;
    }
    // A few rows can pin many batches; compact when the pool holds far more
    // rows than it references, so memory stays proportional to bufferRows.
    let pooled = 0;
    for (const b of batches) pooled += b.numRows;
    if (pooled > 4 * (bufferRows + outRows) && count > 0) {
      const compact = gatherRows(batches, which.subarray(0, count), rows.subarray(0, count));
      batches = [compact];
      live = [count];
      for (let i = 0; i < count; i++) {
        which[i] = 0;
        rows[i] = i;
      }
      heldBytes = elementBytes(compact);
    }
    report();
    return out;
  };

  for await (const x of source) {
    if (!(x instanceof RecordBatch)) {
      if (items.length < bufferRows) items.push(x);
      else {
        const j = Math.floor(random() * items.length);
        const out = items[j];
        items[j] = x;
        yield out;
      }
      report();
      continue;
    }
    const n = x.numRows;
    if (n === 0) continue;
    outRows = n;
    if (count + n > which.length) {
      const size = Math.max(count + n, which.length * 2);
      const w = new Uint32Array(size);
      const r = new Uint32Array(size);
      w.set(which.subarray(0, count));
      r.set(rows.subarray(0, count));
      which = w;
      rows = r;
    }
    const b = batches.length;
    batches.push(x);
    live.push(n);
    heldBytes += elementBytes(x);
    for (let i = 0; i < n; i++) {
      which[count] = b;
      rows[count] = i;
      count++;
    }
    report();
    while (count >= bufferRows + outRows) yield pick(outRows) as T;
  }
  while (count > 0) yield pick(Math.min(outRows, count)) as T;
  while (items.length > 0) {
    const j = Math.floor(random() * items.length);
    const out = items[j];
    items[j] = items[items.length - 1];
    items.pop();
    yield out;
  }
  ctx.hold(0);
}

async function* prefetchFrom<T>(
  source: AsyncGenerator<T>,
  n: number,
  ctx: StageContext,
): AsyncGenerator<T> {
  const queue: IteratorResult<T>[] = [];
  let failure: { error: unknown } | null = null;
  let stopped = false;
  let wakeConsumer = null as (() => void) | null;
  let wakePump = null as (() => void) | null;
  const wake = () => {
    wakeConsumer?.();
    wakeConsumer = null;
  };
  const report = () => {
    let b = 0;
    for (const r of queue) if (!r.done) b += elementBytes(r.value);
    ctx.hold(b);
  };
  const onAbort = () => {
    stopped = true;
    wake();
    wakePump?.();
  };
  ctx.signal?.addEventListener("abort", onAbort);

  const pump = (async () => {
    try {
      while (!stopped) {
        if (queue.length >= n) {
          await new Promise<void>((resolve) => (wakePump = resolve));
          wakePump = null;
          continue;
        }
        const r = await source.next();
        queue.push(r);
        report();
        wake();
        if (r.done) return;
      }
    } catch (error) {
      failure = { error };
      wake();
    }
  })();

  try {
    while (true) {
      ctx.signal?.throwIfAborted();
      if (queue.length === 0) {
        if (failure) throw (failure as { error: unknown }).error;
        await new Promise<void>((resolve) => (wakeConsumer = resolve));
        continue;
      }
      const r = queue.shift()!;
      report();
      wakePump?.();
      if (r.done) return;
      yield r.value;
    }
  } finally {
    stopped = true;
    ctx.signal?.removeEventListener("abort", onAbort);
    wakePump?.();
    await pump;
    queue.length = 0;
    ctx.hold(0);
    // Closing the source runs its finally blocks (file handles, probes).
    await source.return(undefined);
  }
}
