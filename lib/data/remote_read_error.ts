/**
 * The error a remote read (HTTP range request, S3 object) ends with after its
 * last try.
 * @module
 */

/**
 * A remote read that failed for good: it names the URL, the byte range asked
 * for, the last HTTP status (0 when no response came: timeout, refused or
 * dropped connection) and how many tries were made. Retries with backoff
 * happen before this is thrown, only for failures that may pass (5xx, 429,
 * 408, timeouts, dropped connections); a 4xx other than those, or a file that
 * changed between two requests (ETag), ends at once.
 *
 * @example
 * ```ts
 * import { RemoteReadError } from "memkit";
 * const e = new RemoteReadError("http://127.0.0.1:9/x.parquet", 0, 100, 503, 5, "Service Unavailable");
 * if (!e.message.includes("bytes 0-99") || e.tries !== 5) throw e;
 * ```
 */
export class RemoteReadError extends Error {
  /** The URL read (s3:// URLs as given). */
  readonly url: string;
  /** First byte of the range asked for. */
  readonly start: number;
  /** One past the last byte of the range (undefined: to the end). */
  readonly end: number | undefined;
  /** The last HTTP status, or 0 when no response came. */
  readonly status: number;
  /** How many requests were made. */
  readonly tries: number;

  /**
   * Builds the error and its message from the parts.
   *
   * @param url The URL.
   * @param start First byte asked for.
   * @param end One past the last byte, or undefined for "to the end".
   * @param status The last HTTP status (0: no response).
   * @param tries Requests made.
   * @param reason What went wrong, in words.
   * @param options The cause.
   */
  constructor(
    url: string,
    start: number,
    end: number | undefined,
    status: number,
    tries: number,
    reason: string,
    options?: ErrorOptions,
  ) {
    const range = end === undefined ? `bytes ${start}-` : `bytes ${start}-${end - 1}`;
    const got = status === 0 ? "no response" : `HTTP ${status}`;
    super(
      `Cannot read "${url}" (${range}): ${got}, ${reason}, after ${tries} ${
        tries === 1 ? "try" : "tries"
      }`,
      options,
    );
    this.name = "RemoteReadError";
    this.url = url;
    this.start = start;
    this.end = end;
    this.status = status;
    this.tries = tries;
  }
}
