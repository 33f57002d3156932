/**
 * Reads the process's resident memory and names its parts, without tfjs: the
 * library's `memoryBreakdown()`, the timeline's sampler and the kernel's agent
 * (through `_kernel_protocol.ts`) all call {@linkcode readBreakdown}.
 *
 * How RSS is partitioned (all bytes resident in RAM):
 * - `fileBacked`: /proc/self/statm "shared" = RssFile + RssShmem (the deno
 *   binary's code pages, shared libraries, mapped files).
 * - everything else is anonymous memory, split into:
 *   - V8's heap spaces (`node:v8` getHeapSpaceStatistics, physical sizes):
 *     code, trusted and read-only spaces plus V8's own malloc'd metadata
 *     (`malloced_memory`) are `v8Code`; the other spaces' used bytes are
 *     `v8HeapUsed`, their resident rest `v8HeapFree`.
 *   - `arrayBuffers`: V8's external memory (ArrayBuffer backing stores). Deno
 *     allocates them with glibc malloc, so they are taken out of malloc's count.
 *   - `wasmHeap`, `gpuStaging`: given by the caller (tfjs's wasm linear memory;
 *     GPU buffers that live in host memory on a software adapter, inside malloc).
 *   - glibc `mallinfo2()` through Deno FFI: bytes in use (arenas + mmapped
 *     chunks) less the parts above are `mallocInUse`; free chunks the arenas
 *     keep are `mallocFree` (what `malloc_trim` can give back).
 *   - `threadStacks`: resident pages of each thread's stack mapping, found
 *     from the stack pointer in /proc/self/task/<tid>/syscall and the mapping's
 *     Rss in /proc/self/smaps (costly, so cached for `stacksMaxAgeMs`).
 *   - `kernelRuntime`: in the memkit kernel's engine only, up to the bytes that
 *     were unexplained when the engine started (measured by the agent before any
 *     notebook code: Deno's kernel keeps a second V8 isolate whose heap, among
 *     it an 80 MB array, node:v8 does not report).
 *   - `unexplained`: RSS less all of the above.
 * Some parts are upper bounds (untouched pages of a big calloc or of wasm
 * memory are not resident; free malloc chunks may be partly returned). When
 * the parts exceed RSS, the excess is taken back from those, in that order, and
 * reported as `overcount`: the parts always add up to RSS exactly.
 * @module
 */
import v8 from "node:v8";
import { CATEGORIES, type Category } from "./_categories.ts";

/** glibc's malloc state, or why it could not be read. */
export type MallocInfo =
  | {
    available: true;
    /** Bytes in the arenas (sbrk and arena heaps). */
    arena: number;
    /** Bytes in chunks mmapped on their own (large allocations). */
    mmapped: number;
    /** Bytes handed out and not yet freed (arena chunks + mmapped chunks). */
    inUse: number;
    /** Bytes free in the arenas but kept by the allocator. */
    free: number;
    /** Of those, the top-most bytes that a plain `free` trim could return. */
    releasable: number;
  }
  | { available: false; reason: string };

/** The parts of RSS at one moment; see {@linkcode readBreakdown}. */
export interface Breakdown {
  /** Resident set size, bytes. */
  rss: number;
  /** Bytes per category; they add up to `rss`. */
  bytes: Record<Category, number>;
  /** glibc malloc's numbers, or why they are unavailable. */
  malloc: MallocInfo;
  /** Bytes by which the upper-bound estimates exceeded RSS (taken back from them). */
  overcount: number;
  /** V8's own counters read on the way (as `Deno.memoryUsage()` has them, without its cost). */
  heap: { used: number; total: number; external: number };
}

/** What the caller knows that /proc and V8 do not. */
export interface BreakdownInputs {
  /** Bytes of wasm linear memory (0 when none). */
  wasmHeap?: number;
  /** Bytes of GPU buffers held in host memory (0 on a hardware GPU or without webgpu). */
  gpuStaging?: number;
  /**
   * Bytes that were unexplained when the Deno kernel's engine started, before
   * any notebook code (the kernel's agent measures it): up to that much of
   * what is unexplained later is named `kernelRuntime`. 0 outside the kernel.
   */
  runtimeBaseline?: number;
  /**
   * Re-read thread stacks when the cached reading is older than this (ms);
   * 0 reads them now.
   * @default {5000}
   */
  stacksMaxAgeMs?: number;
}

const CODE_SPACES = new Set([
  "code_space",
  "code_large_object_space",
  "read_only_space",
  "trusted_space",
  "trusted_large_object_space",
  "shared_trusted_space",
  "shared_trusted_large_object_space",
]);

// ── glibc through FFI ───────────────────────────────────────────────

interface Libc {
  mallinfo2(): Uint8Array;
  malloc_trim(pad: number | bigint): number;
  mallopt(param: number, value: number): number;
}
let libc: Libc | { reason: string } | undefined;

/** Opens glibc once, or says why it cannot be (no FFI permission, not glibc, too old). */
export function openLibc(): Libc | { reason: string } {
  if (libc) return libc;
  if (Deno.build.os !== "linux") return libc = { reason: `not Linux (${Deno.build.os})` };
  const perm = Deno.permissions.querySync?.({ name: "ffi" });
  if (perm && perm.state !== "granted") {
    return libc = { reason: "needs FFI permission (--allow-ffi or -A)" };
  }
  try {
    const lib = Deno.dlopen("libc.so.6", {
      mallinfo2: { parameters: [], result: { struct: Array(10).fill("usize") } },
      malloc_trim: { parameters: ["usize"], result: "i32" },
      mallopt: { parameters: ["i32", "i32"], result: "i32" },
    });
    libc = lib.symbols as unknown as Libc;
  } catch (e) {
    libc = { reason: `glibc's mallinfo2 not found (${(e as Error).message.split("\n")[0]})` };
  }
  return libc;
}

/** Reads glibc's `mallinfo2()`. */
export function readMalloc(): MallocInfo {
  const c = openLibc();
  if ("reason" in c) return { available: false, reason: c.reason };
  const raw = c.mallinfo2();
  const f = new BigUint64Array(raw.buffer, raw.byteOffset, 10);
  // struct mallinfo2 { arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks, fordblks, keepcost }
  const mmapped = Number(f[4]);
  const used = Number(f[7]);
  return {
    available: true,
    arena: Number(f[0]),
    mmapped,
    inUse: used + mmapped,
    free: Number(f[8]),
    releasable: Number(f[9]),
  };
}

/**
 * `malloc_trim(0)`: returns glibc's free arena pages to the system.
 * @returns True when glibc released memory, false when none; null when unavailable.
 */
export function mallocTrim(): boolean | null {
  const c = openLibc();
  if ("reason" in c) return null;
  return c.malloc_trim(0) === 1;
}

/**
 * Fixes glibc's mmap threshold (M_MMAP_THRESHOLD = -3): allocations at least
 * this big get their own mapping, returned to the system when freed. Setting
 * it also stops glibc's dynamic threshold, which otherwise rises to the size
 * of the largest block freed (up to 32 MiB), after which such blocks come from
 * the arenas and stay there, free but held, when freed.
 * @returns True when glibc took the value; null when unavailable.
 */
export function mallocMmapThreshold(bytes: number): boolean | null {
  const c = openLibc();
  if ("reason" in c) return null;
  return c.mallopt(-3, bytes) === 1;
}

// ── /proc ───────────────────────────────────────────────────────────

let pageSize = 0;
let statmFile: Deno.FsFile | null | undefined;
const statmBuf = new Uint8Array(256);
const decoder = new TextDecoder();

/**
 * RSS and its file-backed part from /proc/self/statm, the cheapest source:
 * kept open and re-read from offset 0 (~10 µs, against ~40 µs for an open and close).
 */
export function readStatm(): { rss: number; fileBacked: number } | null {
  let text: string;
  try {
    statmFile ??= Deno.openSync("/proc/self/statm");
    statmFile.seekSync(0, Deno.SeekMode.Start);
    text = decoder.decode(statmBuf.subarray(0, statmFile.readSync(statmBuf) ?? 0));
  } catch {
    statmFile = null;
    return null;
  }
  const f = text.split(" ");
  if (!pageSize) {
    const status = Deno.readTextFileSync("/proc/self/status");
    const kb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    const pages = Number(f[1]);
    pageSize = pages > 0 && kb > 0 ? 2 ** Math.round(Math.log2((kb * 1024) / pages)) : 4096;
  }
  return { rss: Number(f[1]) * pageSize, fileBacked: Number(f[2]) * pageSize };
}

let stacks = { at: -Infinity, bytes: 0 };

/** Resident bytes of all thread stacks (reads smaps: ~1–10 ms, hence the cache). */
export function readThreadStacks(maxAgeMs = 5000): number {
  const now = performance.now();
  if (now - stacks.at < maxAgeMs) return stacks.bytes;
  stacks = { at: now, bytes: 0 };
  const sps: bigint[] = [];
  try {
    for (const e of Deno.readDirSync("/proc/self/task")) {
      let s: string;
      try {
        s = Deno.readTextFileSync(`/proc/self/task/${e.name}/syscall`);
      } catch {
        continue;
      }
      // "<nr> <args ×6> <sp> <pc>" for a thread in a syscall; "running" otherwise.
      const f = s.trim().split(" ");
      if (f.length >= 3) sps.push(BigInt(f[f.length - 2]));
    }
    const smaps = Deno.readTextFileSync("/proc/self/smaps");
    let inStack = false;
    for (const line of smaps.split("\n")) {
      const head = /^([0-9a-f]+)-([0-9a-f]+) /.exec(line);
      if (head) {
        const lo = BigInt("0x" + head[1]);
        const hi = BigInt("0x" + head[2]);
        inStack = line.endsWith("[stack]") || sps.some((sp) => sp >= lo && sp < hi);
      } else if (inStack && line.startsWith("Rss:")) {
        stacks.bytes += Number(/(\d+)/.exec(line)?.[1] ?? 0) * 1024;
        inStack = false;
      }
    }
  } catch {
    // no /proc: stacks stay in "unexplained"
  }
  return stacks.bytes;
}

// ── the partition ───────────────────────────────────────────────────

function zeros(): Record<Category, number> {
  return Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>;
}

// When the parts exceed RSS, these estimates give back first (they are upper bounds).
const GIVE_BACK: Category[] = [
  "mallocFree",
  "wasmHeap",
  "arrayBuffers",
  "gpuStaging",
  "mallocInUse",
  "v8HeapFree",
  "threadStacks",
  "v8Code",
  "v8HeapUsed",
];

/** Reads every source once (~40 µs, plus smaps when the stack cache is stale). */
export function readBreakdown(inputs: BreakdownInputs = {}): Breakdown {
  const statm = statmFile === null ? null : readStatm();
  const rss = statm?.rss ?? Deno.memoryUsage().rss;
  const b = zeros();
  b.fileBacked = statm?.fileBacked ?? 0;
  for (const s of v8.getHeapSpaceStatistics()) {
    if (CODE_SPACES.has(s.space_name)) b.v8Code += s.physical_space_size;
    else {
      const used = Math.min(s.space_used_size, s.physical_space_size);
      b.v8HeapUsed += used;
      b.v8HeapFree += s.physical_space_size - used;
    }
  }
  const hs = v8.getHeapStatistics() as v8.HeapInfo & { external_memory?: number };
  const v8Malloc = hs.malloced_memory;
  b.v8Code += v8Malloc;
  const external = hs.external_memory ?? Deno.memoryUsage().external;
  b.arrayBuffers = external;
  b.wasmHeap = Math.max(0, inputs.wasmHeap ?? 0);
  b.gpuStaging = Math.max(0, inputs.gpuStaging ?? 0);
  const malloc = readMalloc();
  if (malloc.available) {
    b.mallocInUse = Math.max(0, malloc.inUse - b.arrayBuffers - v8Malloc - b.gpuStaging);
    b.mallocFree = malloc.free;
  }
  b.threadStacks = readThreadStacks(inputs.stacksMaxAgeMs ?? 5000);
  let known = 0;
  for (const c of CATEGORIES) known += b[c];
  let over = Math.max(0, known - rss);
  const overcount = over;
  for (const c of GIVE_BACK) {
    if (over <= 0) break;
    const take = Math.min(b[c], over);
    b[c] -= take;
    over -= take;
  }
  if (over > 0) b.fileBacked = Math.max(0, b.fileBacked - over);
  let sum = 0;
  for (const c of CATEGORIES) if (c !== "unexplained" && c !== "kernelRuntime") sum += b[c];
  const left = Math.max(0, rss - sum);
  b.kernelRuntime = Math.min(left, Math.max(0, inputs.runtimeBaseline ?? 0));
  b.unexplained = left - b.kernelRuntime;
  const heap = { used: hs.used_heap_size, total: hs.total_heap_size, external };
  return { rss, bytes: b, malloc, overcount, heap };
}
