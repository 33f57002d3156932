import type { RecordBatch } from "apache-arrow";
import { registerArrowCodecs } from "./_arrow_codecs.ts";
import { Dataset, type StageOptions } from "./dataset.ts";
import { files, type ManyFilesOptions } from "./files.ts";
import { splitOptions, wantsFiles } from "./_multi.ts";
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
import { MAGIC } from "./_arrow_ipc.ts";
import {
  type IpcBatch,
  mappedSource,
  type Positional,
  readIpc,
  type Sequential,
} from "./_arrow_read.ts";

/** Options for {@linkcode arrow}. */
export interface ArrowOptions extends StageOptions, ManyFilesOptions {
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

/**
 * A dataset over Apache Arrow IPC data: the file format (random access: the
 * footer first, then each record batch by offset, from a file or through
 * HTTP range requests) or the stream format (read front to back, from a
 * file, URL or ReadableStream). LZ4-frame and ZSTD compressed bodies are
 * decoded (codecs registered on import).
 *
 * Every length, offset and count in the file is checked against its real
 * size and the format's invariants before it is used, and the decoded
 * columns are checked against their buffers (offsets inside the data,
 * dictionary indices inside the dictionary, lengths equal to the batch's);
 * a fault is an {@linkcode ArrowFormatError} naming the file, batch and byte
 * offset. Long synchronous work yields to the event loop every ~20 ms, so an
 * abort or SIGINT gets through.
 *
 * @param source A path, file: or http(s) URL, or a ReadableStream of IPC bytes.
 * @param options Columns, progress and the signal.
 * @returns The dataset of the file's record batches.
 * @throws {ArrowFormatError} When the bytes are not valid Arrow IPC (while iterating).
 * @example
 * ```ts
 * import { arrow } from "memkit";
 * let rows = 0;
 * for await (const b of arrow("node_modules/vega-datasets/data/flights-200k.arrow")) rows += b.numRows;
 * if (rows !== 200000) throw new Error(`${rows}`);
 * ```
 */
export function arrow(
  source: string | URL | ReadableStream<Uint8Array> | (string | URL)[],
  options: ArrowOptions = {},
): Dataset<RecordBatch> {
  if (Array.isArray(source) || wantsFiles(source, options)) {
    return files(source as string | URL, splitOptions("arrow", { ...options }));
  }
  registerArrowCodecs();
  const name = source instanceof ReadableStream ? "stream" : sourceName(source);
  const base = name.split("/").pop() ?? name;
  const where = `Cannot read Arrow IPC "${name}"`;
  let streamUsed = false;
  let mapPath: string | null = null;
  if (options.mmap) {
    if (source instanceof ReadableStream || /^(https?|s3):\/\//i.test(sourceName(source))) {
      throw new TypeError(`${where}: mmap needs a local file, got ${name}`);
    }
    mapPath = localPath(source);
  }
  let warned = false;
  return new Dataset<RecordBatch>(`arrow(${base})`, async function* (ctx) {
    const signal = ctx.signal;
    let batches: AsyncGenerator<IpcBatch> | undefined;
    let file: RandomAccess | null = null;
    let release = () => {};
    let heldBytes = true;
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
        const src = mappedSource(mapped.bytes(), mapPath, name);
        release = () => src.close();
        batches = readIpc(src, name, { signal });
        // The stage holds no heap bytes: the views are file-backed pages.
        heldBytes = false;
      } else if (!warned) {
        warned = true;
        console.warn(
          `memkit arrow: not mapping "${name}" (${mapped.fallbackReason}); reading it by offset ` +
            `instead, one copy per batch. Run with --allow-ffi to map it zero-copy.`,
        );
      }
    }
    if (batches === undefined) {
      if (source instanceof ReadableStream) {
        if (streamUsed) throw new TypeError(`${where}: a ReadableStream can be read only once`);
        streamUsed = true;
        batches = readIpc(await sequentialOf(source, signal), name, { signal });
      } else {
        file = await openRandomAccess(source, "Arrow IPC", signal).catch((e) => {
          // Servers without range support still serve the stream format.
          if (/range requests/.test((e as Error).message)) return null;
          throw e;
        });
        const remote = /^(https?|s3):\/\//i.test(name);
        if (file && remote && file.byteLength >= 8 && !isFileFormat(await file.read(0, 8))) {
          // The stream format over HTTP: one sequential request, not ranges per message.
          await file.close();
          file = null;
        }
        batches = readIpc(file ? positionalOf(file) : await sequentialOf(source, signal), name, {
          signal,
        });
      }
    }
    let progress: ReturnType<typeof trackProgress> | undefined;
    let started = false;
    try {
      for await (const step of batches!) {
        if (!started) {
          started = true;
          const label = `arrow ${base}${heldBytes ? "" : " (mapped)"}`;
          progress = step.format === "file"
            ? trackProgress(options.progress, label, step.total, "batches")
            : trackProgress(options.progress, label, file?.byteLength, "bytes");
        }
        const batch = step.batch;
        const out = options.columns ? select(batch, options.columns, where) : batch;
        if (heldBytes) ctx.hold(elementBytes(batch));
        progress?.update(step.format === "file" ? step.index + 1 : step.position);
        yield out;
      }
      progress?.done();
    } finally {
      ctx.hold(0);
      release();
      if (file) await file.close().catch(() => {});
    }
  }, options);
}

function isFileFormat(head: Uint8Array): boolean {
  return MAGIC.every((b, i) => head[i] === b);
}

function positionalOf(file: RandomAccess): Positional {
  return { size: file.byteLength, read: (start, end) => file.read(start, end) };
}

async function sequentialOf(
  source: string | URL | ReadableStream<Uint8Array>,
  signal: AbortSignal | undefined,
): Promise<Sequential> {
  const stream = await openByteStream(source, "Arrow IPC", signal);
  return { size: stream.size, chunks: stream.chunks() };
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
