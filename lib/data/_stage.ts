/**
 * What every Dataset operator shares: the pass context, the upstream opener
 * and the small checks. Operators live one per file (`_op_<name>.ts`); each
 * exports a function that returns an {@linkcode Operator}, and dataset.ts
 * only wires them into thin fluent methods.
 * @module
 */
import { RecordBatch } from "apache-arrow";

/** What a stage of a Dataset gets when one pass over it starts. */
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

/** Starts one pass over the upstream dataset, stopping when `signal` aborts. */
export type Upstream<T> = (signal?: AbortSignal) => AsyncGenerator<T>;

/** One operator: given the upstream opener and this pass's context, the elements it yields. */
export type Operator<T, U> = (up: Upstream<T>, ctx: StageContext) => AsyncIterable<U>;

/** The one signal that aborts when any of `signals` does (undefined when none). */
export function combine(...signals: (AbortSignal | undefined)[]): AbortSignal | undefined {
  const present = signals.filter((s) => s !== undefined);
  return present.length > 1 ? AbortSignal.any(present) : present[0];
}

/** Rows in an element: a RecordBatch's row count, 1 for any other element. */
export function rowsOf(x: unknown): number {
  return x instanceof RecordBatch ? x.numRows : 1;
}

/** Throws a RangeError unless `n` is an integer (or Infinity) of at least `min`. */
export function checkCount(what: string, n: number, min = 0): void {
  if (!(Number.isInteger(n) || n === Infinity) || n < min) {
    throw new RangeError(
      `Cannot ${what}: the count must be an integer of at least ${min}, got ${n}`,
    );
  }
}
