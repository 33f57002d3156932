import { type RecordBatch, Table } from "apache-arrow";
import { registerArrowCodecs } from "./_arrow_codecs.ts";
import { mappedSource, readIpc, readIpcSync } from "./_arrow_read.ts";

/** Options for {@linkcode mmap}. */
export interface MmapOptions {
  /**
   * Whether to warn on stderr when FFI is not allowed and the file is read
   * instead of mapped.
   * @default {true}
   */
  warn?: boolean;
}

/** A file opened by {@linkcode mmap}. */
export interface MappedFile extends Disposable {
  /** The path as given. */
  readonly path: string;
  /** The file's size in bytes. */
  readonly byteLength: number;
  /** True when the bytes are a zero-copy mapping; false when FFI was not allowed. */
  readonly mapped: boolean;
  /** Why the file is not mapped (absent when it is). */
  readonly fallbackReason?: string;
  /**
   * The file's bytes: the mapping itself (pages load when touched), or on
   * the fallback path the whole file read into memory.
   */
  bytes(): Uint8Array;
  /**
   * The Arrow IPC file or stream as a Table whose columns view the bytes.
   * Checked like {@linkcode arrow}: a fault throws an ArrowFormatError.
   */
  table(): Table;
  /**
   * The Arrow IPC batches one at a time: over the mapping when mapped, else
   * streamed from the file in chunks (bounded memory). Checked like
   * {@linkcode arrow}; before each batch the file's size is checked (fstat)
   * so a file truncated while mapped is an error, not a SIGBUS.
   */
  batches(): AsyncIterable<RecordBatch>;
  /** Unmaps the file; every view taken from it becomes empty (detached). */
  close(): void;
}

type Libc = Deno.DynamicLibrary<{
  open: { parameters: ["buffer", "i32"]; result: "i32" };
  close: { parameters: ["i32"]; result: "i32" };
  mmap: { parameters: ["pointer", "usize", "i32", "i32", "i32", "i64"]; result: "pointer" };
  munmap: { parameters: ["pointer", "usize"]; result: "i32" };
}>;

let libc: Libc | null = null;

function openLibc(): Libc {
  libc ??= Deno.dlopen("libc.so.6", {
    open: { parameters: ["buffer", "i32"], result: "i32" },
    close: { parameters: ["i32"], result: "i32" },
    mmap: { parameters: ["pointer", "usize", "i32", "i32", "i32", "i64"], result: "pointer" },
    munmap: { parameters: ["pointer", "usize"], result: "i32" },
  });
  return libc;
}

// A mapping nobody closed is unmapped once its ArrayBuffer (which every view,
// and so every Arrow vector over it, keeps alive) is garbage collected.
const unmapOnCollect = new FinalizationRegistry<{ pointer: Deno.PointerObject; length: number }>(
  ({ pointer, length }) => {
    libc?.symbols.munmap(pointer, BigInt(length));
  },
);

const PROT_READ = 1;
const MAP_PRIVATE = 2;
const O_RDONLY = 0;

function ffiAllowed(): string | null {
  if (Deno.build.os !== "linux") {
    return `mmap through libc.so.6 needs Linux, this is ${Deno.build.os}`;
  }
  const state = Deno.permissions.querySync({ name: "ffi" }).state;
  return state === "granted" ? null : "--allow-ffi is not granted";
}

/**
 * Maps a file read-only into memory through Deno FFI (libc `mmap`) and hands
 * out zero-copy views: opening costs address space, not memory; pages load
 * from the OS page cache only when touched, and the OS can drop them again
 * under pressure. Apache Arrow IPC files (`table()`, `batches()`) and raw
 * arrays (`bytes()` plus a typed-array view) read straight from the mapping.
 *
 * Without `--allow-ffi` (or off Linux) it falls back to ordinary reads,
 * prints a warning saying so and sets `mapped: false` with the reason:
 * `batches()` then streams the file in chunks and `bytes()`/`table()` read
 * it whole.
 *
 * Danger: after `close()` the memory is unmapped. memkit detaches the
 * ArrayBuffer so views taken from it read as empty rather than crash, but a
 * copy of a pointer or a view held by native code would fault. Do not use
 * anything derived from the file after closing it; `using` makes the end of
 * the scope that point. A file never closed is unmapped when its buffer
 * (kept alive by every view of it) is garbage collected.
 *
 * @param path The file to map.
 * @param options Whether to warn on the fallback path.
 * @returns The mapped file; close it (or `using`) to unmap.
 * @throws {Deno.errors.NotFound} When the file does not exist.
 * @throws {Error} When libc refuses to open or map the file, with errno's reason.
 * @example
 * ```ts
 * import { mmap } from "memkit";
 * const path = await Deno.makeTempFile();
 * await Deno.writeFile(path, new Uint8Array([1, 2, 3, 4]));
 * {
 *   using file = mmap(path, { warn: false });
 *   if (file.bytes()[3] !== 4) throw new Error("wrong byte");
 * }
 * await Deno.remove(path);
 * ```
 */
export function mmap(path: string, options: MmapOptions = {}): MappedFile {
  registerArrowCodecs(); // table() and batches() may meet compressed IPC bodies
  const byteLength = Deno.statSync(path).size;
  const reason = ffiAllowed();
  if (reason !== null) {
    if (options.warn ?? true) {
      console.warn(
        `memkit mmap: not mapping "${path}" (${reason}); falling back to streamed reads, ` +
          `which copy the file into memory. Run with --allow-ffi to map it zero-copy.`,
      );
    }
    return fallback(path, byteLength, reason);
  }
  const lib = openLibc();
  const cpath = new TextEncoder().encode(path + "\0");
  const fd = lib.symbols.open(cpath, O_RDONLY);
  if (fd < 0) throw new Error(`Cannot map "${path}": open failed`);
  let pointer: Deno.PointerValue = null;
  let buffer: ArrayBuffer;
  try {
    if (byteLength === 0) {
      buffer = new ArrayBuffer(0);
    } else {
      pointer = lib.symbols.mmap(null, BigInt(byteLength), PROT_READ, MAP_PRIVATE, fd, 0n);
      // MAP_FAILED is (void *) -1.
      if (pointer === null || Deno.UnsafePointer.value(pointer) === 0xffffffffffffffffn) {
        throw new Error(`Cannot map "${path}" (${byteLength} bytes): mmap failed`);
      }
      buffer = Deno.UnsafePointerView.getArrayBuffer(pointer, byteLength);
    }
  } finally {
    // The mapping keeps its own reference to the file; the descriptor can go.
    lib.symbols.close(fd);
  }
  let open = true;
  const token = {};
  if (pointer !== null) unmapOnCollect.register(buffer, { pointer, length: byteLength }, token);
  const file: MappedFile = {
    path,
    byteLength,
    mapped: true,
    bytes() {
      if (!open) throw new TypeError(`Cannot read "${path}": the mapping is closed`);
      return new Uint8Array(buffer);
    },
    table() {
      const src = mappedSource(file.bytes(), path, path);
      try {
        return tableOf(readIpcSync(src, path));
      } finally {
        src.close();
      }
    },
    async *batches() {
      const src = mappedSource(file.bytes(), path, path);
      try {
        for await (const step of readIpc(src, path)) yield step.batch;
      } finally {
        src.close();
      }
    },
    close() {
      if (!open) return;
      open = false;
      unmapOnCollect.unregister(token);
      // Detach the ArrayBuffer first (transfer moves the backing store to a
      // clone we drop, no copy), so JS views read as empty instead of
      // touching unmapped memory.
      try {
        structuredClone(buffer, { transfer: [buffer] });
      } catch {
        // Not detachable in this runtime: the documented danger remains.
      }
      if (pointer !== null) lib.symbols.munmap(pointer, BigInt(byteLength));
    },
    [Symbol.dispose]() {
      file.close();
    },
  };
  return file;
}

function fallback(path: string, byteLength: number, reason: string): MappedFile {
  let cache: Uint8Array | null = null;
  const file: MappedFile = {
    path,
    byteLength,
    mapped: false,
    fallbackReason: reason,
    bytes() {
      cache ??= Deno.readFileSync(path);
      return cache;
    },
    table() {
      const bytes = file.bytes();
      return tableOf(
        readIpcSync({ size: bytes.length, read: (s, e) => bytes.subarray(s, e) }, path),
      );
    },
    async *batches() {
      const handle = await Deno.open(path, { read: true });
      const size = (await handle.stat()).size;
      try {
        const read = async (start: number, end: number) => {
          const out = new Uint8Array(end - start);
          let done = 0;
          while (done < out.length) {
            const n = await handle.read(out.subarray(done));
            if (n === null) break;
            done += n;
          }
          return out.subarray(0, done);
        };
        let pos = 0;
        const src = {
          size,
          read: async (start: number, end: number) => {
            if (start !== pos) await handle.seek(start, Deno.SeekMode.Start);
            const out = await read(start, end);
            pos = start + out.length;
            return out;
          },
        };
        for await (const step of readIpc(src, path)) yield step.batch;
      } finally {
        try {
          handle.close();
        } catch {
          // already closed
        }
      }
    },
    close() {
      cache = null;
    },
    [Symbol.dispose]() {
      file.close();
    },
  };
  return file;
}

function tableOf(steps: Iterable<{ batch: RecordBatch }>): Table {
  const batches = [...steps].map((s) => s.batch);
  return batches.length ? new Table(batches) : new Table();
}
