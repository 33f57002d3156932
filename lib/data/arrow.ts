import * as zlib from "node:zlib";
import {
  type AsyncRecordBatchFileReader,
  compressionRegistry,
  CompressionType,
  type RecordBatch,
  RecordBatchReader,
} from "apache-arrow";
import lz4 from "lz4js";
import { Dataset, type StageOptions } from "./dataset.ts";
import { elementBytes } from "./_batch.ts";
import { openByteStream, openRandomAccess, type RandomAccess, sourceName } from "./_source.ts";
import { trackProgress } from "./_progress.ts";

/** Options for {@linkcode arrow}. */
export interface ArrowOptions extends StageOptions {
  /**
   * Columns to keep (the others are dropped from each batch after reading).
   * @default {all columns}
   */
  columns?: string[];
  /**
   * Show progress (bytes or batches, rate) while reading; `true` or a label.
   * @default {false}
   */
  progress?: boolean | string;
}

type Zstd = { zstdDecompressSync?: (b: Uint8Array) => Uint8Array };

// IPC bodies compressed with LZ4 frames or ZSTD decode through these; an
// application's own registration wins.
if (!compressionRegistry.get(CompressionType.LZ4_FRAME)) {
  compressionRegistry.set(CompressionType.LZ4_FRAME, {
    decode: (data) => Uint8Array.from(lz4.decompress(data)),
  });
}
if (!compressionRegistry.get(CompressionType.ZSTD) && (zlib as Zstd).zstdDecompressSync) {
  compressionRegistry.set(CompressionType.ZSTD, {
    decode: (data) => new Uint8Array((zlib as Zstd).zstdDecompressSync!(data)),
  });
}

const MAGIC = [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31]; // "ARROW1"

/**
 * A node FileHandle look-alike over random-access bytes (a file or HTTP range
 * requests): apache-arrow's file reader then reads the footer and each
 * batch by offset, never the whole file.
 */
function handleFor(file: RandomAccess) {
  return {
    fd: -1,
    stat: () => Promise.resolve({ size: file.byteLength }),
    async read(buffer: Uint8Array, offset: number, length: number, position: number) {
      const n = Math.max(0, Math.min(length, file.byteLength - position));
      const bytesRead = await file.readInto(buffer.subarray(offset, offset + n), position);
      return { bytesRead, buffer };
    },
    close: () => file.close(),
  };
}

/**
 * A dataset over Apache Arrow IPC data: the file format (random access: the
 * footer first, then each record batch by offset, from a file or through
 * HTTP range requests) or the stream format (read front to back, from a
 * file, URL or ReadableStream). LZ4-frame and ZSTD compressed bodies are
 * decoded (codecs registered on import).
 *
 * @param source A path, file: or http(s) URL, or a ReadableStream of IPC bytes.
 * @param options Columns, progress and the signal.
 * @returns The dataset of the file's record batches.
 * @example
 * ```ts
 * import { arrow } from "memkit";
 * let rows = 0;
 * for await (const b of arrow("node_modules/vega-datasets/data/flights-200k.arrow")) rows += b.numRows;
 * if (rows !== 200000) throw new Error(`${rows}`);
 * ```
 */
export function arrow(
  source: string | URL | ReadableStream<Uint8Array>,
  options: ArrowOptions = {},
): Dataset<RecordBatch> {
  const name = source instanceof ReadableStream ? "stream" : sourceName(source);
  const base = name.split("/").pop() ?? name;
  const where = `Cannot read Arrow IPC "${name}"`;
  let streamUsed = false;
  return new Dataset<RecordBatch>(`arrow(${base})`, async function* (ctx) {
    let reader: AsyncIterable<RecordBatch> & { cancel?: () => unknown };
    let total: number | undefined;
    let unit = "bytes";
    let file: RandomAccess | null = null;
    let cleanup = async () => {};
    if (source instanceof ReadableStream) {
      if (streamUsed) throw new TypeError(`${where}: a ReadableStream can be read only once`);
      streamUsed = true;
    } else {
      file = await openRandomAccess(source, "Arrow IPC", ctx.signal).catch((e) => {
        // Servers without range support still serve the stream format.
        if (/range requests/.test((e as Error).message)) return null;
        throw e;
      });
    }
    try {
      const isFile = file !== null && file.byteLength >= 12 &&
        (await file.read(0, 6)).every((b, i) => b === MAGIC[i]);
      if (isFile) {
        const f = file!;
        const opened = (await RecordBatchReader.from(
          handleFor(f) as unknown as Parameters<typeof RecordBatchReader.from>[0],
        )) as unknown as AsyncRecordBatchFileReader;
        await opened.open();
        if (!opened.isFile()) throw new TypeError(`${where}: not an Arrow IPC file`);
        reader = opened as unknown as AsyncIterable<RecordBatch>;
        total = opened.numRecordBatches;
        unit = "batches";
        cleanup = async () => {
          await opened.cancel();
        };
      } else {
        if (file) await file.close();
        file = null;
        const stream = await openByteStream(source, "Arrow IPC", ctx.signal);
        total = stream.size;
        const chunks = stream.chunks();
        let read = 0;
        const counted = (async function* () {
          for await (const c of chunks) {
            read += c.length;
            yield c;
          }
        })();
        const opened = await RecordBatchReader.from(counted);
        await opened.open();
        reader = opened as unknown as AsyncIterable<RecordBatch>;
        cleanup = async () => {
          await opened.cancel();
          await chunks.return(undefined);
        };
        const progress = trackProgress(options.progress, `arrow ${base}`, total, "bytes");
        for await (const batch of reader) {
          ctx.signal?.throwIfAborted();
          const out = options.columns ? select(batch, options.columns, where) : batch;
          ctx.hold(elementBytes(batch));
          progress?.update(read);
          yield out;
        }
        progress?.done();
        return;
      }
      const progress = trackProgress(options.progress, `arrow ${base}`, total, unit);
      let n = 0;
      for await (const batch of reader) {
        ctx.signal?.throwIfAborted();
        const out = options.columns ? select(batch, options.columns, where) : batch;
        ctx.hold(elementBytes(batch));
        progress?.update(++n);
        yield out;
      }
      progress?.done();
    } catch (e) {
      if (ctx.signal?.aborted) throw ctx.signal.reason;
      if (e instanceof TypeError || e instanceof RangeError) throw e;
      throw new TypeError(`${where}: ${(e as Error).message}`, { cause: e });
    } finally {
      ctx.hold(0);
      await cleanup().catch(() => {});
      if (file) await file.close().catch(() => {});
    }
  }, options);
}

function select(batch: RecordBatch, columns: string[], where: string): RecordBatch {
  const names = batch.schema.fields.map((f) => f.name);
  for (const c of columns) {
    if (!names.includes(c)) {
      throw new TypeError(`${where}: no column "${c}" (columns: ${names.join(", ")})`);
    }
  }
  return batch.select(columns);
}
