/**
 * csv()'s (and jsonl()'s) view of its input: the unparsed tail of the previous chunk followed
 * by the next chunk, in one reused buffer (reading allocates nothing per
 * chunk), with the byte count checked against the file's size at the end
 * (a file that shrinks while read is an error, not a short dataset).
 * @module
 */
import { localPath, openByteStream } from "./_source.ts";

const CHUNK = 1 << 20;

/** The bytes read so far and not yet consumed. */
export class CsvInput {
  #store = new Uint8Array(0);
  #chunks: AsyncGenerator<Uint8Array> | null;
  /** A local file, read synchronously straight into the store (no copy, no thread hop). */
  #file: Deno.FsFile | null;
  /** Unconsumed bytes (a view of the store). */
  buf: Uint8Array = new Uint8Array(0);
  /** Whether the input is exhausted (buf holds the end of the file). */
  final = false;
  /** Bytes read so far. */
  read = 0;
  /** The size announced when opened, if known. */
  readonly size: number | undefined;
  readonly #where: string;

  private constructor(
    chunks: AsyncGenerator<Uint8Array> | null,
    file: Deno.FsFile | null,
    size: number | undefined,
    where: string,
  ) {
    this.#chunks = chunks;
    this.#file = file;
    this.size = size;
    this.#where = where;
  }

  /** Opens a path, URL or stream. */
  static async open(
    source: string | URL | ReadableStream<Uint8Array>,
    signal: AbortSignal | undefined,
    where: string,
    what = "CSV",
  ): Promise<CsvInput> {
    const local = typeof source === "string"
      ? source.startsWith("file:") || !/^[a-z][a-z0-9+.-]*:\/\//i.test(source)
      : source instanceof URL && source.protocol === "file:";
    if (local) {
      let file: Deno.FsFile;
      try {
        file = await Deno.open(localPath(source as string | URL));
      } catch (e) {
        throw new TypeError(`${where}: ${(e as Error).message}`, { cause: e });
      }
      return new CsvInput(null, file, (await file.stat()).size, where);
    }
    // Reused read buffers are safe: every chunk is copied into the store at once.
    const bytes = await openByteStream(source, what, signal, CHUNK, true);
    return new CsvInput(bytes.chunks(), null, bytes.size, where);
  }

  /** Drops the first `n` bytes of buf (consumed). */
  consume(n: number): void {
    this.buf = this.buf.subarray(n);
  }

  /** Appends the next chunk to buf; false at the end of the input. */
  async pull(): Promise<boolean> {
    if (this.#file) return this.#pullFile(this.#file);
    const r = await this.#chunks!.next();
    if (r.done) {
      this.final = true;
      if (this.size !== undefined && this.read < this.size) {
        throw new RangeError(
          `${this.#where}: the file shrank while being read (${this.read} of ${this.size} bytes)`,
        );
      }
      return false;
    }
    const chunk = r.value;
    this.read += chunk.length;
    const carry = this.buf.length;
    if (this.#store.length < carry + chunk.length) {
      const bigger = new Uint8Array(Math.max(carry + chunk.length, 2 * this.#store.length));
      bigger.set(this.buf);
      this.#store = bigger;
    } else if (this.buf.buffer === this.#store.buffer) {
      const start = this.buf.byteOffset;
      this.#store.copyWithin(0, start, start + carry);
    } else this.#store.set(this.buf);
    this.#store.set(chunk, carry);
    this.buf = this.#store.subarray(0, carry + chunk.length);
    return true;
  }

  /** Moves the unconsumed bytes to the front of a store with room for `more` bytes after them. */
  #makeRoom(more: number): void {
    const carry = this.buf.length;
    if (this.#store.length < carry + more) {
      const bigger = new Uint8Array(Math.max(carry + more, 2 * this.#store.length));
      bigger.set(this.buf);
      this.#store = bigger;
    } else if (this.buf.byteOffset !== 0 || this.buf.buffer !== this.#store.buffer) {
      if (this.buf.buffer === this.#store.buffer) {
        this.#store.copyWithin(0, this.buf.byteOffset, this.buf.byteOffset + carry);
      } else this.#store.set(this.buf);
    }
    this.buf = this.#store.subarray(0, carry);
  }

  #pullFile(file: Deno.FsFile): boolean {
    this.#makeRoom(CHUNK);
    const carry = this.buf.length;
    const n = file.readSync(this.#store.subarray(carry, carry + CHUNK));
    if (n === null || n === 0) {
      this.final = true;
      if (this.size !== undefined && this.read < this.size) {
        throw new RangeError(
          `${this.#where}: the file shrank while being read (${this.read} of ${this.size} bytes)`,
        );
      }
      return false;
    }
    this.read += n;
    this.buf = this.#store.subarray(0, carry + n);
    return true;
  }

  /** Bytes held by the store. */
  get heldBytes(): number {
    return this.#store.byteLength;
  }

  /** Stops reading (closes the file). */
  async close(): Promise<void> {
    if (this.#file) {
      this.#file.close();
      this.#file = null;
    }
    await this.#chunks?.return(undefined);
  }
}
