import { tf } from "../_tf.ts";
import type { Tensor, Tensor2D } from "../tf_types.ts";

/**
 * A sparse matrix in compressed sparse row (CSR) form, held in JS typed
 * arrays: memory is `4·(rows + 1) + 8·nnz` bytes, whatever the dense size.
 * Row `r`'s entries are `colIdx[rowPtr[r] … rowPtr[r + 1])` with `values` at
 * the same positions, columns ascending within a row.
 *
 * @example
 * ```ts
 * import { CsrMatrix, useBackend } from "memkit";
 * await useBackend({ backend: "cpu" });
 * const m = CsrMatrix.fromCOO([0, 2], [1, 0], [5, 7], [3, 2]);
 * const dense = m.toDense();
 * if (dense.arraySync()[2][0] !== 7 || m.nnz !== 2) throw new Error("wrong");
 * dense.dispose();
 * ```
 */
export class CsrMatrix {
  /** `[rows, cols]`. */
  readonly shape: readonly [number, number];
  /** Row start offsets into `colIdx`/`values`, length rows + 1. */
  readonly rowPtr: Int32Array;
  /** Column of each stored entry. */
  readonly colIdx: Int32Array;
  /** Value of each stored entry. */
  readonly values: Float32Array;

  /**
   * Wraps CSR arrays as they are (no copy), after checking them.
   * @param shape `[rows, cols]`.
   * @param rowPtr Row offsets, length rows + 1, non-decreasing, from 0 to nnz.
   * @param colIdx Column indices, each in [0, cols).
   * @param values Values, same length as colIdx.
   * @throws {RangeError} When the arrays are inconsistent, naming the first bad position.
   */
  constructor(
    shape: readonly [number, number],
    rowPtr: Int32Array,
    colIdx: Int32Array,
    values: Float32Array,
  ) {
    const [rows, cols] = shape;
    if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
      throw new RangeError(
        `Cannot make a CSR matrix: shape is [${shape}], expected two integers >= 0`,
      );
    }
    if (rowPtr.length !== rows + 1) {
      throw new RangeError(
        `Cannot make a CSR matrix: rowPtr has ${rowPtr.length} entries, expected rows + 1 = ${
          rows + 1
        }`,
      );
    }
    if (colIdx.length !== values.length || rowPtr[0] !== 0 || rowPtr[rows] !== colIdx.length) {
      throw new RangeError(
        `Cannot make a CSR matrix: rowPtr runs from ${rowPtr[0]} to ${rowPtr[rows]}, ` +
          `colIdx has ${colIdx.length} and values ${values.length} entries; expected 0 to nnz, all equal`,
      );
    }
    for (let r = 0; r < rows; r++) {
      if (rowPtr[r + 1] < rowPtr[r]) {
        throw new RangeError(`Cannot make a CSR matrix: rowPtr decreases at row ${r}`);
      }
    }
    for (let i = 0; i < colIdx.length; i++) {
      if (colIdx[i] < 0 || colIdx[i] >= cols) {
        throw new RangeError(
          `Cannot make a CSR matrix: colIdx[${i}] is ${colIdx[i]}, expected 0 to ${cols - 1}`,
        );
      }
    }
    this.shape = [rows, cols];
    this.rowPtr = rowPtr;
    this.colIdx = colIdx;
    this.values = values;
  }

  /** Stored entries. */
  get nnz(): number {
    return this.values.length;
  }

  /** Bytes held by the three arrays: `4·(rows + 1) + 8·nnz`. */
  get bytes(): number {
    return this.rowPtr.byteLength + this.colIdx.byteLength + this.values.byteLength;
  }

  /**
   * Builds a CSR matrix from a dense 2-D tensor or row-major array, keeping
   * the non-zero entries.
   * @param dense A rank-2 tensor, or a flat row-major array with `shape`.
   * @param shape `[rows, cols]`, required for a flat array.
   * @returns The CSR matrix.
   * @throws {RangeError} When the input is not 2-D or the shape does not match.
   */
  static fromDense(
    dense: Tensor | ArrayLike<number>,
    shape?: readonly [number, number],
  ): CsrMatrix {
    let data: ArrayLike<number>;
    let rows: number;
    let cols: number;
    if (dense instanceof tf.Tensor) {
      if (dense.rank !== 2) {
        throw new RangeError(
          `Cannot make a CSR matrix from a rank-${dense.rank} tensor: expected rank 2`,
        );
      }
      [rows, cols] = dense.shape as [number, number];
      data = dense.dataSync();
    } else {
      if (!shape || shape[0] * shape[1] !== dense.length) {
        throw new RangeError(
          `Cannot make a CSR matrix: the array has ${dense.length} values, shape is [${
            shape ?? ""
          }]`,
        );
      }
      [rows, cols] = shape;
      data = dense;
    }
    let nnz = 0;
    for (let i = 0; i < data.length; i++) if (data[i] !== 0) nnz++;
    const rowPtr = new Int32Array(rows + 1);
    const colIdx = new Int32Array(nnz);
    const values = new Float32Array(nnz);
    let k = 0;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const v = data[r * cols + c];
        if (v !== 0) {
          colIdx[k] = c;
          values[k++] = v;
        }
      }
      rowPtr[r + 1] = k;
    }
    return new CsrMatrix([rows, cols], rowPtr, colIdx, values);
  }

  /**
   * Builds a CSR matrix from coordinate (COO) triples in any order; duplicate
   * coordinates are summed.
   * @param rows Row index of each entry.
   * @param cols Column index of each entry.
   * @param values Value of each entry.
   * @param shape `[rows, cols]`.
   * @returns The CSR matrix.
   * @throws {RangeError} When lengths differ or an index is out of range.
   */
  static fromCOO(
    rows: ArrayLike<number>,
    cols: ArrayLike<number>,
    values: ArrayLike<number>,
    shape: readonly [number, number],
  ): CsrMatrix {
    const n = values.length;
    if (rows.length !== n || cols.length !== n) {
      throw new RangeError(
        `Cannot make a CSR matrix from COO: rows has ${rows.length}, cols ${cols.length} and values ${n} entries`,
      );
    }
    for (let i = 0; i < n; i++) {
      if (!(rows[i] >= 0 && rows[i] < shape[0] && Number.isInteger(rows[i]))) {
        throw new RangeError(
          `Cannot make a CSR matrix from COO: rows[${i}] is ${rows[i]}, expected 0 to ${
            shape[0] - 1
          }`,
        );
      }
      if (!(cols[i] >= 0 && cols[i] < shape[1] && Number.isInteger(cols[i]))) {
        throw new RangeError(
          `Cannot make a CSR matrix from COO: cols[${i}] is ${cols[i]}, expected 0 to ${
            shape[1] - 1
          }`,
        );
      }
    }
    // Sort entry positions by (row, col) so duplicates sit side by side.
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) =>
      rows[a] - rows[b] || cols[a] - cols[b]
    );
    const rowPtr = new Int32Array(shape[0] + 1);
    const colTmp = new Int32Array(n);
    const valTmp = new Float32Array(n);
    let k = 0;
    for (let j = 0; j < n; j++) {
      const i = order[j];
      if (k > 0 && j > 0 && rows[order[j - 1]] === rows[i] && colTmp[k - 1] === cols[i]) {
        valTmp[k - 1] += values[i];
        continue;
      }
      colTmp[k] = cols[i];
      valTmp[k] = values[i];
      rowPtr[rows[i] + 1]++;
      k++;
    }
    for (let r = 0; r < shape[0]; r++) rowPtr[r + 1] += rowPtr[r];
    return new CsrMatrix(shape, rowPtr, colTmp.slice(0, k), valTmp.slice(0, k));
  }

  /**
   * Expands to a dense float32 tensor (rows × cols × 4 bytes).
   * @returns A new tensor the caller owns.
   */
  toDense(): Tensor2D {
    const [rows, cols] = this.shape;
    const out = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      for (let k = this.rowPtr[r]; k < this.rowPtr[r + 1]; k++) {
        out[r * cols + this.colIdx[k]] += this.values[k];
      }
    }
    return tf.tensor2d(out, [rows, cols]);
  }

  /** The row index of every entry, length nnz (for segment sums). */
  rowIds(): Int32Array {
    const ids = new Int32Array(this.nnz);
    for (let r = 0; r < this.shape[0]; r++) ids.fill(r, this.rowPtr[r], this.rowPtr[r + 1]);
    return ids;
  }
}
