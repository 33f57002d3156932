import { RecordBatch } from "apache-arrow";
import { type CsrFeature, csrFromArrow } from "./csr_from_arrow.ts";
import { CsrMatrix } from "./csr_matrix.ts";

/** Options for {@linkcode csrBatches}. */
export interface CsrBatchesOptions {
  /**
   * Categories per column: that column's CSR width in every batch, so one
   * weight matrix fits them all (a stream cannot know its final dictionary
   * size). A code at or past it throws. A column left out takes its
   * dictionary's size in each batch, so the width can grow between batches.
   * @default {{}}
   */
  depth?: Record<string, number>;
  /** Stops the stream when aborted (the source is closed). */
  signal?: AbortSignal;
}

/** One batch's sparse features, with the batch they came from (for the targets). */
export interface CsrBatch {
  /** rows × Σ depth, one stored 1 per non-null cell. */
  matrix: CsrMatrix;
  /** Where each column's one-hot features sit. */
  features: CsrFeature[];
  /** The source RecordBatch (e.g. for `y`). */
  batch: RecordBatch;
}

/**
 * Sparse one-hot features from a stream of Arrow RecordBatches, batch by
 * batch: the dataset form of {@linkcode csrFromArrow}. Dictionary codes stay
 * codes (no strings decoded, any index width, so downcast batches with uint8
 * indices work), each batch costs `4·(rows + 1) + 8·nnz` bytes whatever the
 * number of categories, and with `depth` every batch has the same width.
 * Re-iterable when the source is (each `for await` is a new pass: epochs).
 * Takes any `AsyncIterable<RecordBatch>`, such as a memkit Dataset.
 *
 * @param batches RecordBatches with dictionary columns, e.g. `parquet(path)`.
 * @param columns The dictionary columns to encode, in CSR column order.
 * @param options `depth` per column and the signal.
 * @returns An async iterable of `{ matrix, features, batch }`.
 * @throws {TypeError} When a column is missing or not a dictionary (on the first batch).
 * @throws {RangeError} When a code is at or past its column's depth, naming column, row and code.
 * @example
 * ```ts
 * import { csrBatches } from "memkit";
 * import { Dictionary, Int32, Table, Utf8, vectorFromArray } from "apache-arrow";
 * const type = new Dictionary(new Utf8(), new Int32());
 * const batches = [["a", "b"], ["c"]].map((v) =>
 *   new Table({ city: vectorFromArray(v, type) }).batches[0]
 * );
 * const widths: number[] = [];
 * for await (const { matrix } of csrBatches(batches, ["city"], { depth: { city: 10 } })) {
 *   widths.push(matrix.shape[1]);
 * }
 * if (widths.join() !== "10,10") throw new Error(widths.join());
 * ```
 */
export function csrBatches(
  batches: AsyncIterable<RecordBatch> | Iterable<RecordBatch>,
  columns: readonly string[],
  options: CsrBatchesOptions = {},
): AsyncIterable<CsrBatch> {
  if (!Array.isArray(columns) || columns.length === 0) {
    throw new TypeError(`Cannot make sparse batches: columns must be a non-empty array of names`);
  }
  const depth = options.depth ?? {};
  for (const [name, d] of Object.entries(depth)) {
    if (!Number.isInteger(d) || d < 1) {
      throw new RangeError(
        `Cannot make sparse batches: depth of "${name}" is ${d}, expected an integer >= 1`,
      );
    }
    if (!columns.includes(name)) {
      throw new TypeError(
        `Cannot make sparse batches: depth names "${name}", which is not in columns (${
          columns.join(", ")
        })`,
      );
    }
  }
  const signal = options.signal;
  async function* run(): AsyncGenerator<CsrBatch> {
    signal?.throwIfAborted();
    let base = 0;
    for await (const batch of batches as AsyncIterable<RecordBatch>) {
      signal?.throwIfAborted();
      if (!(batch instanceof RecordBatch)) {
        throw new TypeError(
          `Cannot make sparse batches: expected Arrow RecordBatches, got ${
            Object.prototype.toString.call(batch)
          }`,
        );
      }
      yield { ...widen(csrFromArrow(batch, columns), depth, base), batch };
      base += batch.numRows;
    }
  }
  return { [Symbol.asyncIterator]: () => run() };
}

/** Moves each column's features to a fixed width, checking every code against it. */
function widen(
  { matrix, features }: { matrix: CsrMatrix; features: CsrFeature[] },
  depth: Record<string, number>,
  base: number,
): { matrix: CsrMatrix; features: CsrFeature[] } {
  const out: CsrFeature[] = [];
  let offset = 0;
  for (const f of features) {
    const size = depth[f.column] ?? f.size;
    out.push({ column: f.column, offset, size });
    offset += size;
  }
  const { rowPtr, colIdx } = matrix;
  const rows = matrix.shape[0];
  // Entries of a row come in column order, at most one per column.
  for (let r = 0; r < rows; r++) {
    let f = 0;
    for (let i = rowPtr[r]; i < rowPtr[r + 1]; i++) {
      while (colIdx[i] >= features[f].offset + features[f].size) f++;
      const code = colIdx[i] - features[f].offset;
      if (code >= out[f].size) {
        throw new RangeError(
          `Cannot make sparse batches: column "${out[f].column}" has code ${code} at row ${
            base + r
          }, outside its depth ${out[f].size}`,
        );
      }
      colIdx[i] = out[f].offset + code;
    }
  }
  return {
    matrix: new CsrMatrix([rows, offset], rowPtr, colIdx, matrix.values),
    features: out,
  };
}
