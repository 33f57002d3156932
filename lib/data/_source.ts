/**
 * Byte access for sources: random access (file reads at an offset, HTTP
 * range requests) and sequential streams (files, URLs, ReadableStreams).
 * @module
 */
import { open as openFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import {
  httpTarget,
  openRemote,
  openRemoteStream,
  RemoteFile,
  type RemoteTarget,
} from "./_http.ts";
import { parseS3, S3Client } from "./_s3.ts";

/** Bytes of a file or URL read by position, never whole. */
export interface RandomAccess {
  /** The path or URL, for messages. */
  readonly name: string;
  /** Total size in bytes. */
  readonly byteLength: number;
  /** Reads bytes [start, end). */
  read(start: number, end: number): Promise<Uint8Array>;
  /** Reads `target.length` bytes from `position` straight into `target`; returns the count. */
  readInto(target: Uint8Array, position: number): Promise<number>;
  /** Releases the file handle. */
  close(): Promise<void>;
}

/** A display name for a source: the path or URL as given. */
export function sourceName(src: string | URL): string {
  return src instanceof URL ? src.href : src;
}

/** The remote file behind an http(s):// or s3:// source (S3 keys from AWS_* variables), or null. */
function remoteOf(src: string | URL): RemoteFile | null {
  if (src instanceof RemoteFile) return src;
  const s = typeof src === "string" ? src : src.href;
  let target: RemoteTarget;
  if (/^https?:\/\//i.test(s)) target = httpTarget(new URL(s), sourceName(src));
  else if (/^s3:\/\//i.test(s)) {
    const { bucket, key } = parseS3(s);
    target = new S3Client().target(bucket, key);
  } else return null;
  return new RemoteFile(target);
}

/** A local path for a string path or a file: URL. */
export function localPath(src: string | URL): string {
  if (src instanceof URL) return fileURLToPath(src);
  return src.startsWith("file:") ? fileURLToPath(src) : src;
}

/** Opens a local path for reading; a failure is a TypeError naming the format and path. */
async function openLocal(src: string | URL, what: string, name: string) {
  try {
    return await openFile(localPath(src), "r");
  } catch (e) {
    throw new TypeError(`Cannot read ${what} "${name}": ${(e as Error).message}`, { cause: e });
  }
}

/** Opens a path or URL for random access. `what` names the format in errors ("parquet"). */
export async function openRandomAccess(
  src: string | URL,
  what: string,
  signal?: AbortSignal,
): Promise<RandomAccess> {
  const name = sourceName(src);
  const remote = remoteOf(src);
  if (remote) return await openRemote(remote.target, what, remote.options, signal);
  const handle = await openLocal(src, what, name);
  const size = (await handle.stat()).size;
  const readInto = async (out: Uint8Array, start: number): Promise<number> => {
    signal?.throwIfAborted();
    let done = 0;
    while (done < out.length) {
      const { bytesRead } = await handle.read(out, done, out.length - done, start + done);
      if (bytesRead === 0) {
        throw new RangeError(
          `Cannot read ${what} "${name}": unexpected end of file at byte ${start + done}`,
        );
      }
      done += bytesRead;
    }
    return done;
  };
  return {
    name,
    byteLength: size,
    async read(start, end) {
      const out = new Uint8Array(end - start);
      await readInto(out, start);
      return out;
    },
    readInto,
    async close() {
      await handle.close();
    },
  };
}

/** Bytes of a file, URL or stream read front to back, in chunks. */
export interface ByteStream {
  /** The path or URL, or "stream", for messages. */
  readonly name: string;
  /** Total size in bytes when known (files, URLs with Content-Length). */
  readonly size: number | undefined;
  /** The chunks, in order. */
  chunks(): AsyncGenerator<Uint8Array>;
}

/** Yields a byte stream's chunks, checking the signal between reads; cancels the stream when stopped early. */
async function* readAll(
  stream: ReadableStream<Uint8Array>,
  signal: AbortSignal | undefined,
): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    while (true) {
      signal?.throwIfAborted();
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

/** Opens a path, URL or ReadableStream for sequential reading. */
export async function openByteStream(
  src: string | URL | ReadableStream<Uint8Array>,
  what: string,
  signal?: AbortSignal,
  chunkBytes = 1 << 20,
  reuse = false,
): Promise<ByteStream> {
  if (src instanceof ReadableStream) {
    return {
      name: "stream",
      size: undefined,
      chunks: () => readAll(src, signal),
    };
  }
  const name = sourceName(src);
  const remote = remoteOf(src);
  if (remote) return await openRemoteStream(remote.target, remote.options, signal);
  const handle = await openLocal(src, what, name);
  const size = (await handle.stat()).size;
  const file = handle;
  return {
    name,
    size,
    async *chunks() {
      // One read ahead: the next chunk loads while the consumer parses this one.
      // With `reuse`, two buffers alternate: a chunk stays valid until the
      // next-but-one is read, for consumers that copy it at once.
      const spare = reuse ? [new Uint8Array(chunkBytes), new Uint8Array(chunkBytes)] : null;
      let turn = 0;
      const readChunk = async () => {
        const buf = spare ? spare[turn++ & 1] : new Uint8Array(chunkBytes);
        const { bytesRead } = await file.read(buf, 0, chunkBytes, null);
        return bytesRead === chunkBytes ? buf : buf.subarray(0, bytesRead);
      };
      let next: Promise<Uint8Array> | null = null;
      try {
        next = readChunk();
        while (true) {
          signal?.throwIfAborted();
          const chunk: Uint8Array = await next;
          if (chunk.length === 0) return;
          next = readChunk();
          yield chunk;
        }
      } finally {
        // Let an abandoned read-ahead finish before closing its handle.
        await next?.catch(() => {});
        await file.close();
      }
    },
  };
}
