import { type AsyncRecordBatchFileReader, type RecordBatch, RecordBatchReader } from "apache-arrow";
import { registerArrowCodecs } from "./_arrow_codecs.ts";
import { Dataset, type StageOptions } from "./dataset.ts";
import { elementBytes } from "./_batch.ts";
import {
  localPath,
  openByteStream,
  openRandomAccess,
  type RandomAccess,
  sourceName,
} from "./_source.ts";
import { mmap } from "./mmap.ts";
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
  /**
   * Map a local file read-only (lib/data/mmap.ts, libc `mmap` through FFI)
   * and read its batches as zero-copy views of the mapping: pages load when
   * touched and the OS can drop them again. Needs `--allow-ffi` (and Linux);
   * without it a note on stderr says so once and the file is read by offset
   * as usual. The mapping is released when no batch refers to it any more.
   * @default {false}
   */
  mmap?: boolean;
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
  registerArrowCodecs();
  const name = source instanceof ReadableStream ? "stream" : sourceName(source);
  const base = name.split("/").pop() ?? name;
  const where = `Cannot read Arrow IPC "${name}"`;
  let streamUsed = false;
  let mapPath: string | null = null;
  if (options.mmap) {
    if (source instanceof ReadableStream || /^https?:\/\//i.test(sourceName(source))) {
      throw new TypeError(`${where}: mmap needs a local file, got ${name}`);
    }
    mapPath = localPath(source);
  }
  let warned = false;
  return new Dataset<RecordBatch>(`arrow(${base})`, async function* (ctx) {
    if (mapPath !== null) {
      let mapped: ReturnType<typeof mmap>;
      try {
        mapped = mmap(mapPath, { warn: false });
      } catch (e) {
        throw new TypeError(`${where}: ${(e as Error).message}`, { cause: e });
      }
      if (mapped.mapped) {
        // Never closed here: batches (and a shuffle or batch stage holding
        // them after this pass ends) view the mapping; mmap() unmaps it
        // when its buffer is garbage collected.
        yield* mappedBatches(mapped.batches(), options, base, where, ctx);
        return;
      }
      if (!warned) {
        warned = true;
        console.warn(
          `memkit arrow: not mapping "${name}" (${mapped.fallbackReason}); reading it by offset ` +
            `instead, one copy per batch. Run with --allow-ffi to map it zero-copy.`,
        );
      }
    }
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

async function* mappedBatches(
  batches: AsyncIterable<RecordBatch>,
  options: ArrowOptions,
  base: string,
  where: string,
  ctx: { signal?: AbortSignal },
): AsyncGenerator<RecordBatch> {
  const progress = trackProgress(options.progress, `arrow ${base} (mapped)`, undefined, "batches");
  let n = 0;
  try {
    // The stage holds no heap bytes: the views are file-backed pages.
    for await (const batch of batches) {
      ctx.signal?.throwIfAborted();
      progress?.update(++n);
      yield options.columns ? select(batch, options.columns, where) : batch;
    }
    progress?.done();
  } catch (e) {
    if (ctx.signal?.aborted) throw ctx.signal.reason;
    if (e instanceof TypeError || e instanceof RangeError) throw e;
    throw new TypeError(`${where}: ${(e as Error).message}`, { cause: e });
  }
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
