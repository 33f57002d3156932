import { DataType, type RecordBatch, type Table } from "apache-arrow";
import { CsrMatrix } from "./csr_matrix.ts";

/** Where one Arrow column's one-hot features sit in the CSR columns. */
export interface CsrFeature {
  /** The Arrow column. */
  column: string;
  /** First CSR column of this feature. */
  offset: number;
  /** Categories (dictionary entries), one CSR column each. */
  size: number;
}

/** The result of {@linkcode csrFromArrow}. */
export interface CsrFeatures {
  /** rows × (sum of dictionary sizes), one 1 per non-null cell. */
  matrix: CsrMatrix;
  /** The column layout, in the order asked for. */
  features: CsrFeature[];
}

/**
 * Turns Arrow dictionary columns (categorical data, e.g. airports or
 * carriers) into sparse one-hot features: one CSR column per dictionary
 * entry, one stored 1 per non-null cell, read straight from the dictionary
 * codes (no strings decoded). A batch of r rows and c columns costs
 * `4·(r + 1) + 8·r·c` bytes however many categories there are; the dense
 * one-hot would cost `4·r·Σ categories`. Multiply it with
 * {@linkcode sparseMatMul} by a weight matrix for a linear model or an
 * embedding sum.
 *
 * @param batch An Arrow RecordBatch or Table.
 * @param columns Names of dictionary-encoded columns.
 * @returns The CSR matrix and where each column's features sit.
 * @throws {TypeError} When a column is missing or not dictionary-encoded.
 * @example
 * ```ts
 * import { csrFromArrow } from "memkit";
 * import { Dictionary, Int32, Table, Utf8, vectorFromArray } from "apache-arrow";
 * const type = new Dictionary(new Utf8(), new Int32());
 * const table = new Table({ city: vectorFromArray(["a", "b", "a"], type) });
 * const { matrix } = csrFromArrow(table, ["city"]);
 * if (matrix.nnz !== 3 || matrix.shape[1] !== 2) throw new Error("wrong");
 * ```
 */
export function csrFromArrow(batch: RecordBatch | Table, columns: readonly string[]): CsrFeatures {
  const rows = batch.numRows;
  const features: CsrFeature[] = [];
  const vectors = columns.map((name) => {
    const vector = batch.getChild(name);
    if (vector === null) {
      const names = batch.schema.fields.map((f) => `"${f.name}"`).join(", ");
      throw new TypeError(
        `Cannot make sparse features: column "${name}" not found; columns are ${names}`,
      );
    }
    if (!DataType.isDictionary(vector.type)) {
      throw new TypeError(
        `Cannot make sparse features: column "${name}" has type ${vector.type}, expected a dictionary`,
      );
    }
    return vector;
  });
  let offset = 0;
  for (let c = 0; c < vectors.length; c++) {
    let size = 0;
    for (const data of vectors[c].data) size = Math.max(size, data.dictionary?.length ?? 0);
    features.push({ column: columns[c], offset, size });
    offset += size;
  }
  // Count non-null cells per row first, so the arrays are allocated once.
  const rowPtr = new Int32Array(rows + 1);
  for (const vector of vectors) {
    let base = 0;
    for (const data of vector.data) {
      for (let i = 0; i < data.length; i++) if (data.getValid(i)) rowPtr[base + i + 1]++;
      base += data.length;
    }
  }
  for (let r = 0; r < rows; r++) rowPtr[r + 1] += rowPtr[r];
  const nnz = rowPtr[rows];
  const colIdx = new Int32Array(nnz);
  const fill = rowPtr.slice(0, rows);
  // Columns are visited in order, so each row's column indices come out ascending.
  for (let c = 0; c < vectors.length; c++) {
    const off = features[c].offset;
    let base = 0;
    for (const data of vectors[c].data) {
      const codes = data.values as ArrayLike<number>;
      for (let i = 0; i < data.length; i++) {
        if (data.getValid(i)) colIdx[fill[base + i]++] = off + Number(codes[i]);
      }
      base += data.length;
    }
  }
  const matrix = new CsrMatrix([rows, offset], rowPtr, colIdx, new Float32Array(nnz).fill(1));
  return { matrix, features };
}
