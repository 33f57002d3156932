/**
 * Thrown by {@linkcode arrow} (and `mmap(...).batches()`/`table()`) when
 * Arrow IPC bytes break the format: a length, offset or count that does not
 * fit the file's real size or the format's invariants, a message of the
 * wrong type, a truncated file. The message always names the file, and the
 * batch and byte offset where known; errors from apache-arrow are restated
 * as this class (the original is the `cause`). A subclass of TypeError, like
 * memkit's other "cannot read" errors.
 *
 * @example
 * ```ts
 * import { arrow, ArrowFormatError } from "memkit";
 * const path = await Deno.makeTempFile({ suffix: ".arrow" });
 * await Deno.writeFile(path, new Uint8Array([0x41]));
 * try {
 *   let n = 0;
 *   for await (const b of arrow(path)) n += b.numRows;
 *   throw new Error(`no error after ${n} rows`);
 * } catch (e) {
 *   if (!(e instanceof ArrowFormatError) || e.file !== path) throw e;
 * } finally {
 *   await Deno.remove(path);
 * }
 * ```
 */
export class ArrowFormatError extends TypeError {
  /** The path or URL (or "stream") as given. */
  readonly file: string;
  /** The record batch index (0-based) when the fault is in one, else undefined. */
  readonly batch: number | undefined;
  /** The byte offset of the faulty part (message, footer, block) when known. */
  readonly offset: number | undefined;

  /**
   * Makes the error; the readers do this.
   * @param file The path or URL.
   * @param what What is wrong, without the file name.
   * @param where Batch index and byte offset, each when known; the cause.
   */
  constructor(
    file: string,
    what: string,
    where: { batch?: number; offset?: number; cause?: unknown } = {},
  ) {
    const at = [
      where.batch === undefined ? "" : `batch ${where.batch}`,
      where.offset === undefined ? "" : `byte ${where.offset}`,
    ].filter(Boolean).join(" at ");
    super(
      `Cannot read Arrow IPC "${file}"${at ? `, ${at}` : ""}: ${what}`,
      where.cause === undefined ? undefined : { cause: where.cause },
    );
    this.name = "ArrowFormatError";
    this.file = file;
    this.batch = where.batch;
    this.offset = where.offset;
  }
}
