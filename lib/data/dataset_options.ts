/**
 * The options and element types of `Dataset`'s methods.
 * @module
 */
import type { DowncastStreamOptions } from "../dtype/downcast_stream.ts";
import type { RecordBatch } from "apache-arrow";
import type { MemoryReport } from "../dtype/memory_report.ts";
import type { StageOptions } from "./_stage.ts";
import type { Dataset } from "./dataset.ts";
import type { Tensor2D } from "../tf_types.ts";

/** Options for `Dataset.iterate`. */
export interface IterateOptions {
  /** Stops this pass when aborted; the loop throws the signal's reason. */
  signal?: AbortSignal;
}

/** Options for `Dataset.filter`. */
export interface FilterOptions extends StageOptions {
  /**
   * `"row"`: the function gets one row and returns whether to keep it.
   * `"batch"`: it gets a whole RecordBatch and returns a row mask (truthy = keep).
   * @default {"row"}
   */
  by?: "row" | "batch";
}

/** Options for `Dataset.batch`. */
export interface BatchOptions extends StageOptions {
  /**
   * Drop the last, smaller batch.
   * @default {false}
   */
  dropRemainder?: boolean;
}

/** Options for `Dataset.shuffle`. */
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

/** Options for `Dataset.downcast`: those of `downcastStream`. */
export type DowncastDatasetOptions = DowncastStreamOptions;

/** Options for `Dataset.toTensors`. */
export interface ToTensorsOptions {
  /** Feature columns, in order; each becomes one column of `xs` (or `depth` with one-hot). */
  x: string[];
  /** Target column(s); `ys` has shape `[rows, columns]` (or `[rows, depth]` one-hot). */
  y: string | string[];
  /**
   * Value for nulls: one for all columns, or per column. Without one, a null throws.
   * @default {undefined}
   */
  fill?: number | Record<string, number>;
  /**
   * Dictionary columns to one-hot encode, with their depth (number of
   * categories); a code at or past the depth throws.
   * @default {{}}
   */
  oneHot?: Record<string, number>;
  /**
   * dtype of `ys`: `"int32"` for class labels, else float32.
   * @default {"float32"}
   */
  yDtype?: "float32" | "int32";
  /**
   * List columns (e.g. embeddings, `list<float>`) take `k` columns of `xs`,
   * one per element, and every row must hold the same `k`: ragged lists
   * throw, naming the row. A length here pads shorter lists of that column
   * to it with its `fill` value (or 0); a longer list still throws. With
   * `{ length, lengths: true }` one more column follows the elements,
   * holding each row's true length (0 for a null list), to mask the padding.
   * @default {{}}
   */
  padLists?: Record<string, number | { length: number; lengths?: boolean }>;
  /**
   * Fill `xs` and `ys` through a 2-slot ring of reused ArrayBuffers, so a
   * steady-state loop allocates none. A slot is refilled only once the tensor
   * made from it is gone (the cpu and webgpu backends keep the array, and
   * `clone`/`reshape`/`keep()` share it); otherwise it gets a new buffer.
   * @default {true}
   */
  pool?: boolean;
  /** Stops the pass when aborted. */
  signal?: AbortSignal;
}

/** One training step's tensors; they belong to the dataset until `keep()`. */
export interface TensorBatch {
  /** Features, float32 `[rows, features]`. */
  xs: Tensor2D;
  /** Targets, `[rows, targets]`. */
  ys: Tensor2D;
  /** The number of rows. */
  rows: number;
  /** Retains both tensors: the dataset no longer disposes them; you must. */
  keep(): { xs: Tensor2D; ys: Tensor2D };
}

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

/**
 * One row of a RecordBatch whose columns have the Arrow types `S`: `row.name`
 * reads that column's value (at run time, Arrow's row proxy). For a batch of
 * unknown schema (`RecordBatch<any>`, what the sources return) each column
 * reads as `any`, as with Arrow's own row type.
 */
export type BatchRow<S> = {
  readonly [P in keyof S]: 0 extends (1 & S[P]) // deno-lint-ignore no-explicit-any
    ? any
    : S[P] extends { TValue: infer V } ? V
    : unknown;
};

/** A row of a RecordBatch dataset, or the element itself for other datasets. */
export type RowOf<T> = T extends RecordBatch<infer S> ? BatchRow<S> : T;

/** What {@linkcode Dataset.prototype.batch} yields: exact-size batches, or arrays of elements. */
export type BatchOf<T> = T extends RecordBatch ? T : T[];
