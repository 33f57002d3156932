/**
 * The one error type of {@linkcode parquet}: every problem with a Parquet
 * file (a corrupt footer or page, an unsupported feature, a value that does
 * not fit its type) names the file, and where known the row group, the column
 * path and the row.
 *
 * @example
 * ```ts
 * import { ParquetError } from "memkit";
 * const e = new ParquetError("a.parquet", "page CRC mismatch", { rowGroup: 0, column: "x" });
 * if (!e.message.includes("row group 0")) throw e;
 * ```
 */
export class ParquetError extends Error {
  /** The file or URL. */
  readonly file: string;
  /** The row group's index, when the problem is inside one. */
  readonly rowGroup?: number;
  /** The column path (dotted), when the problem is in one column. */
  readonly column?: string;
  /** The row (counted from the file's first row), when one row is at fault. */
  readonly row?: number;
  /** The problem alone, without the location. */
  readonly problem: string;

  /**
   * An error about `file`, located where known.
   *
   * @param file The file or URL.
   * @param problem What is wrong (the feature or the corruption).
   * @param where Row group, column path and row, when known.
   * @param cause The underlying error, if any.
   */
  constructor(
    file: string,
    problem: string,
    where: { rowGroup?: number; column?: string; row?: number } = {},
    cause?: unknown,
  ) {
    const at = [
      where.rowGroup === undefined ? "" : `row group ${where.rowGroup}`,
      where.column === undefined ? "" : `column "${where.column}"`,
      where.row === undefined ? "" : `row ${where.row}`,
    ].filter((s) => s).join(", ");
    super(`Cannot read parquet "${file}"${at ? ` (${at})` : ""}: ${problem}`, { cause });
    this.name = "ParquetError";
    this.file = file;
    this.rowGroup = where.rowGroup;
    this.column = where.column;
    this.row = where.row;
    this.problem = problem;
  }
}
