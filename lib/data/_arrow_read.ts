/**
 * Drives the checked Arrow IPC parser over a source: positional bytes (a
 * file, HTTP ranges, a mapping) or a sequential chunk stream. One parser
 * (a generator that asks for byte ranges) serves the async readers and the
 * synchronous `mmap().table()`.
 * @module
 */
import { type Message, MessageHeader, type RecordBatch, type Schema } from "apache-arrow";
import { ArrowFormatError } from "./arrow_format_error.ts";
import {
  blockMessage,
  decodeMessage,
  IpcFault,
  MAGIC,
  parseFooter,
  parseTrailer,
  prefixOf,
  restate,
} from "./_arrow_ipc.ts";
import { IpcDecoder } from "./_arrow_load.ts";

/** A byte range the parser needs, [start, end). */
interface Need {
  start: number;
  end: number;
}

/** One record batch out of the parser. */
export interface IpcBatch {
  /** The batch. */
  batch: RecordBatch;
  /** Its index in the file or stream. */
  index: number;
  /** "file" (footer, random access) or "stream". */
  format: "file" | "stream";
  /** Batches in the file (file format); undefined for streams. */
  total: number | undefined;
  /** Bytes consumed so far (stream format). */
  position: number;
}

type Step = Need | IpcBatch;

function fault(what: string, where: { offset?: number; batch?: number } = {}): never {
  throw new IpcFault(what, where);
}

function withBatch<T>(fn: () => T, where: { offset: number; batch?: number }): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof IpcFault) {
      e.offset ??= where.offset;
      e.batch ??= where.batch;
      throw e;
    }
    throw new IpcFault(`invalid data (${(e as Error).name}: ${(e as Error).message})`, where);
  }
}

/** The parser: yields byte ranges it needs (answered through next()) and batches. */
function* parse(size: number | undefined): Generator<Step, void, Uint8Array | undefined> {
  if (size === 0) fault("the file is empty (0 bytes)");
  const head = (yield { start: 0, end: 8 })!;
  if (head.length === 0) fault("the input is empty (0 bytes)");
  if (head.length >= 6 && MAGIC.every((b, i) => head[i] === b)) {
    if (size === undefined) {
      fault(
        "starts with the ARROW1 magic of the IPC file format, which needs random access: " +
          "pass a path or URL, or write the stream format",
      );
    }
    yield* parseFile(size);
  } else {
    yield* parseStream(size, head);
  }
}

function* parseFile(size: number): Generator<Step, void, Uint8Array | undefined> {
  if (size < 18) fault(`the file format needs at least 18 bytes, this file has ${size}`);
  const tail = (yield { start: size - 10, end: size })!;
  const footer = parseTrailer(tail, size);
  const bytes = (yield { start: footer.start, end: footer.start + footer.length })!;
  const layout = parseFooter(bytes, footer.start);
  const decoder = new IpcDecoder(layout.schema);
  for (const block of layout.dictionaries) {
    const end = block.offset + block.metaDataLength + block.bodyLength;
    const raw = (yield { start: block.offset, end })!;
    withBatch(() => {
      const { message, body } = blockMessage(raw, block, MessageHeader.DictionaryBatch);
      decoder.message(message, body);
    }, { offset: block.offset });
  }
  const total = layout.batches.length;
  for (let index = 0; index < total; index++) {
    const block = layout.batches[index];
    const end = block.offset + block.metaDataLength + block.bodyLength;
    const raw = (yield { start: block.offset, end })!;
    const batch = withBatch(() => {
      const { message, body } = blockMessage(raw, block, MessageHeader.RecordBatch, index);
      return decoder.message(message, body)!;
    }, { offset: block.offset, batch: index });
    yield { batch, index, format: "file", total, position: end };
  }
}

function* parseStream(
  size: number | undefined,
  head: Uint8Array,
): Generator<Step, void, Uint8Array | undefined> {
  let carry = head;
  let pos = 0;
  // n bytes at pos (fewer only at the end of the input); advances pos.
  function* take(n: number): Generator<Step, Uint8Array, Uint8Array | undefined> {
    let out: Uint8Array;
    if (carry.length >= n) {
      out = carry.subarray(0, n);
      carry = carry.subarray(n);
    } else {
      const more = (yield { start: pos + carry.length, end: pos + n })!;
      out = carry.length === 0 ? more : concat(carry, more);
      carry = new Uint8Array(0);
    }
    pos += out.length;
    return out;
  }
  let decoder: IpcDecoder | null = null;
  let index = 0;
  let sawEos = false;
  while (true) {
    const at = pos;
    const first = yield* take(4);
    if (first.length === 0) break;
    if (first.length < 4) {
      fault(`truncated: ${first.length} bytes where a message starts`, { offset: at });
    }
    let metaLength: number;
    let prefix = 4;
    if (first[0] === 0xff && first[1] === 0xff && first[2] === 0xff && first[3] === 0xff) {
      const second = yield* take(4);
      if (second.length < 4) fault("truncated message prefix", { offset: at });
      metaLength = prefixOf(concat(first, second), at).metaLength;
      prefix = 8;
    } else {
      metaLength = prefixOf(first, at).metaLength;
    }
    if (metaLength === 0) {
      sawEos = true;
      break;
    }
    if (size !== undefined && at + prefix + metaLength > size) {
      fault(`message metadata length ${metaLength} runs past the end (${size} bytes)`, {
        offset: at,
      });
    }
    const meta = yield* take(metaLength);
    if (meta.length < metaLength) {
      fault(`truncated: metadata of ${metaLength} bytes, ${meta.length} present`, { offset: at });
    }
    const m = decodeMessage(meta, at, size === undefined ? undefined : size - pos);
    const body = yield* take(m.bodyLength);
    if (body.length < m.bodyLength) {
      fault(`truncated: message body of ${m.bodyLength} bytes, ${body.length} present`, {
        offset: at,
        batch: m.type === MessageHeader.RecordBatch ? index : undefined,
      });
    }
    if (m.type === MessageHeader.Schema) {
      if (decoder) fault("a second schema message in the stream", { offset: at });
      const schema = withBatch(() => m.message.header() as Schema, { offset: at });
      if (!schema || !Array.isArray(schema.fields)) {
        fault("the schema message is empty", { offset: at });
      }
      decoder = new IpcDecoder(schema);
      continue;
    }
    if (!decoder) fault("the first message is not a schema", { offset: at });
    const d = decoder;
    if (m.type === MessageHeader.DictionaryBatch) {
      withBatch(() => d.message(m.message as Message, body), { offset: at });
      continue;
    }
    const batch = withBatch(() => d.message(m.message as Message, body)!, {
      offset: at,
      batch: index,
    });
    yield { batch, index, format: "stream", total: undefined, position: pos };
    index++;
  }
  if (decoder && sawEos && size !== undefined && pos < size) {
    fault(`${size - pos} bytes after the end-of-stream marker`, { offset: pos });
  }
  if (!decoder) {
    fault(
      sawEos && pos <= 8
        ? "only an end-of-stream marker, no schema"
        : "no schema message before the end",
      { offset: 0 },
    );
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Bytes read by position. */
export interface Positional {
  /** Total size. */
  size: number;
  /** Bytes [start, end), end ≤ size. */
  read(start: number, end: number): Promise<Uint8Array> | Uint8Array;
}

/** Bytes read front to back. */
export interface Sequential {
  /** Total size when known. */
  size: number | undefined;
  /** The chunks in order. */
  chunks: AsyncIterator<Uint8Array>;
}

/** Options of {@linkcode readIpc}. */
export interface ReadIpcOptions {
  /** Ends the read between messages. */
  signal?: AbortSignal;
  /** Yield to the event loop after this many ms of work. @default {20} */
  sliceMs?: number;
}

const macrotask = () => new Promise<void>((r) => setTimeout(r, 0));

// When a reader last let the event loop run. One clock for every pass and
// every reader: a consumer that never awaits runs `repeat()` passes, the
// consumer's own work and the next pass's setup as one synchronous stretch
// of microtasks, so a per-pass clock (or one restarted after each batch is
// handed out) can stay under the slice forever once the passes are fast,
// and timers, aborts and SIGINT never run.
let lastTurn = performance.now();

/** Runs the parser one step; its faults are restated as ArrowFormatError naming `file`. */
function advance(
  steps: Generator<Step, void, Uint8Array | undefined>,
  input: Uint8Array | undefined,
  file: string,
  signal?: AbortSignal,
): IteratorResult<Step, void> {
  try {
    return steps.next(input);
  } catch (e) {
    throw restate(e, file, {}, signal);
  }
}

/**
 * Reads checked record batches; every format fault is an ArrowFormatError
 * naming `file`. Work is sliced so timers, aborts and SIGINT run every ~20 ms.
 */
export async function* readIpc(
  src: Positional | Sequential,
  file: string,
  options: ReadIpcOptions = {},
): AsyncGenerator<IpcBatch> {
  const { signal } = options;
  const slice = options.sliceMs ?? 20;
  const steps = parse(src.size);
  const read = "read" in src ? positional(src) : sequential(src);
  let input: Uint8Array | undefined;
  try {
    while (true) {
      const r = advance(steps, input, file, signal);
      input = undefined;
      if (r.done) return;
      // Measured since the loop last ran, the consumer's time between
      // batches included: that time also keeps timers waiting.
      if (performance.now() - lastTurn > slice) {
        await macrotask();
        lastTurn = performance.now();
      }
      signal?.throwIfAborted();
      const step = r.value;
      if ("batch" in step) {
        yield step;
        continue;
      }
      try {
        input = await read(step.start, step.end);
      } catch (e) {
        // I/O errors keep their class; the file is named in every message.
        if (signal?.aborted || e instanceof ArrowFormatError) throw signal?.reason ?? e;
        const m = (e as Error)?.message ?? String(e);
        if (m.includes(file)) throw e;
        throw new TypeError(`Cannot read Arrow IPC "${file}" at byte ${step.start}: ${m}`, {
          cause: e,
        });
      }
    }
  } finally {
    steps.return();
    if (!("read" in src)) await src.chunks.return?.();
  }
}

/** The same, synchronously, over bytes in memory (a mapping). */
export function* readIpcSync(src: Positional, file: string): Generator<IpcBatch> {
  const steps = parse(src.size);
  let input: Uint8Array | undefined;
  const read = positional(src);
  try {
    while (true) {
      const r = advance(steps, input, file);
      input = undefined;
      if (r.done) return;
      const step = r.value;
      if ("batch" in step) yield step;
      else input = read(step.start, step.end) as Uint8Array;
    }
  } finally {
    steps.return();
  }
}

function positional(src: Positional) {
  return (start: number, end: number) => src.read(start, Math.min(end, src.size));
}

function sequential(src: Sequential) {
  let pos = 0;
  const queue: Uint8Array[] = [];
  let queued = 0;
  let ended = false;
  return async (start: number, end: number): Promise<Uint8Array> => {
    if (start !== pos) throw new Error(`internal: sequential read at ${start}, stream at ${pos}`);
    const n = end - start;
    while (queued < n && !ended) {
      const r = await src.chunks.next();
      if (r.done) ended = true;
      else if (r.value.length) {
        queue.push(r.value);
        queued += r.value.length;
      }
    }
    const want = Math.min(n, queued);
    let out: Uint8Array;
    if (queue.length && queue[0].length >= want) {
      out = queue[0].subarray(0, want);
      queue[0] = queue[0].subarray(want);
      if (queue[0].length === 0) queue.shift();
    } else {
      out = new Uint8Array(want);
      let k = 0;
      while (k < want) {
        const c = queue[0];
        const m = Math.min(c.length, want - k);
        out.set(c.subarray(0, m), k);
        k += m;
        if (m === c.length) queue.shift();
        else queue[0] = c.subarray(m);
      }
    }
    queued -= want;
    pos += want;
    return out;
  };
}

/**
 * Positional access over a mapping that checks (fstat) before each read
 * that the file still has the mapped size: reading a page past a truncated
 * end would kill the process with SIGBUS.
 */
export function mappedSource(bytes: Uint8Array, path: string, file: string): Positional & {
  close(): void;
} {
  let handle: Deno.FsFile | null = null;
  try {
    handle = Deno.openSync(path, { read: true });
  } catch {
    handle = null;
  }
  return {
    size: bytes.length,
    read(start: number, end: number) {
      const now = handle ? handle.statSync().size : Deno.statSync(path).size;
      if (now < bytes.length) {
        throw restate(
          new IpcFault(
            `the file shrank to ${now} bytes while mapped (${bytes.length} mapped); ` +
              `reading on would crash the process (SIGBUS)`,
            { offset: start },
          ),
          file,
        );
      }
      return bytes.subarray(start, end);
    },
    close() {
      try {
        handle?.close();
      } catch {
        // already closed
      }
      handle = null;
    },
  };
}
