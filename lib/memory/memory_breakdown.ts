import { gpuMemory } from "../backend/gpu_memory.ts";
import { humanBytes } from "../plot/human_bytes.ts";
import { hostGpuBytes } from "./_host_gpu.ts";
import { type Breakdown, type MallocInfo, readBreakdown } from "./_breakdown.ts";
import { CATEGORIES, type Category, CATEGORY_LABELS } from "./_categories.ts";

export type { Category } from "./_categories.ts";
export type { MallocInfo } from "./_breakdown.ts";

/** Every part of the process's resident memory, adding up to RSS. */
export interface MemoryBreakdown {
  /** Resident set size, bytes. */
  rss: number;
  /**
   * Bytes per category; their sum is `rss` exactly:
   * - `fileBacked`: pages backed by files or shared memory (deno's code, libraries, mapped files);
   * - `v8Code`: V8's code, trusted and read-only spaces and its own malloc'd metadata;
   * - `v8HeapUsed` / `v8HeapFree`: the JS heap's live bytes and its resident free space;
   * - `arrayBuffers`: ArrayBuffer backing stores (V8 external memory: Arrow and typed arrays);
   * - `wasmHeap`: WebAssembly linear memory (tfjs's wasm backend), resident part;
   * - `gpuStaging`: GPU buffers held in host memory (a software WebGPU adapter);
   * - `mallocInUse`: other native allocations through glibc malloc (Deno's Rust side, codecs…);
   * - `mallocFree`: freed malloc memory the allocator still holds (`trimMalloc()` returns it);
   * - `threadStacks`: the threads' stacks;
   * - `unexplained`: the rest.
   */
  bytes: Record<Category, number>;
  /** Each category's share of RSS, 0–1. */
  shares: Record<Category, number>;
  /** glibc malloc's own numbers, or `{ available: false, reason }` (no FFI permission, not glibc). */
  malloc: MallocInfo;
  /** Bytes by which upper-bound estimates exceeded RSS and were taken back from them. */
  overcount: number;
  /** What it cost to read, ms. */
  costMs: number;
  /** The breakdown as an aligned text table, largest first. */
  table(): string;
}

/** Options for {@linkcode memoryBreakdown}. */
export interface MemoryBreakdownOptions {
  /**
   * Re-read thread stacks (a walk of /proc/self/smaps, 1–10 ms) when the cached
   * reading is older than this many ms; 0 always re-reads.
   * @default {0}
   */
  stacksMaxAgeMs?: number;
}

/** Wraps the low-level reading with shares, cost and a table. */
function describeBreakdown(b: Breakdown, costMs: number): MemoryBreakdown {
  const shares = Object.fromEntries(
    CATEGORIES.map((c) => [c, b.rss > 0 ? b.bytes[c] / b.rss : 0]),
  ) as Record<Category, number>;
  return {
    ...b,
    shares,
    costMs,
    table() {
      const rows = [...CATEGORIES].sort((x, y) => b.bytes[y] - b.bytes[x]).map((c) => [
        CATEGORY_LABELS[c],
        humanBytes(b.bytes[c]),
        `${(shares[c] * 100).toFixed(1)}%`,
      ]);
      rows.push(["RSS", humanBytes(b.rss), "100.0%"]);
      const w = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length)));
      const lines = rows.map((r) =>
        `${r[0].padEnd(w[0])}  ${r[1].padStart(w[1])}  ${r[2].padStart(w[2])}`
      );
      if (!b.malloc.available) lines.push(`(malloc unavailable: ${b.malloc.reason})`);
      if (b.overcount > 0) {
        lines.push(
          `(upper-bound estimates exceeded RSS by ${humanBytes(b.overcount)}: taken back from ` +
            `malloc free-but-held, then wasm heap and ArrayBuffers, whose pages may not all be resident)`,
        );
      }
      return lines.join("\n");
    },
  };
}

/**
 * Names every part of the process's resident memory (RSS): file-backed pages,
 * V8's code and heap (used and free), ArrayBuffers, the wasm heap, GPU
 * staging, native malloc in use and freed-but-held, thread stacks, and
 * "unexplained" for what is left. The parts add up to RSS exactly.
 *
 * Sources: /proc/self/statm and /proc/self/smaps (Linux; Deno needs `-A` to
 * read /proc/self), `node:v8` heap space statistics, glibc `mallinfo2()`
 * through Deno FFI (needs `--allow-ffi`; `malloc` says why when it is
 * unavailable, and those bytes then count as unexplained). A reading costs
 * ~40 µs plus the smaps walk for thread stacks.
 *
 * @param options How fresh the thread-stack reading must be.
 * @returns Bytes and shares per category, malloc's own numbers, the cost.
 * @example
 * ```ts
 * import { memoryBreakdown } from "memkit";
 * const held = new Uint8Array(50e6).fill(1);
 * const m = memoryBreakdown();
 * const sum = Object.values(m.bytes).reduce((a, b) => a + b, 0);
 * if (sum !== m.rss) throw new Error(`parts ${sum} ≠ RSS ${m.rss}`);
 * if (m.bytes.arrayBuffers < 50e6 && held.length > 0) throw new Error("50 MB buffer not named");
 * console.log(m.table());
 * ```
 */
export function memoryBreakdown(options: MemoryBreakdownOptions = {}): MemoryBreakdown {
  const maxAge = options.stacksMaxAgeMs ?? 0;
  if (!(typeof maxAge === "number" && maxAge >= 0)) {
    throw new RangeError(`memoryBreakdown: options.stacksMaxAgeMs must be ≥ 0, got ${maxAge}`);
  }
  const t0 = performance.now();
  const gpu = gpuMemory();
  const b = readBreakdown({
    wasmHeap: gpu.wasmHeap,
    gpuStaging: hostGpuBytes(gpu),
    stacksMaxAgeMs: maxAge,
  });
  return describeBreakdown(b, performance.now() - t0);
}
