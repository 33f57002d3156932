import { mallocTrim } from "./_breakdown.ts";

/** What {@linkcode reclaim} did. */
export interface ReclaimResult {
  /** True when a full garbage collection ran (needs `--v8-flags=--expose-gc`). */
  collected: boolean;
  /** True when glibc's `malloc_trim` ran (needs FFI permission and glibc). */
  trimmed: boolean;
  /** RSS before, bytes. */
  rssBefore: number;
  /** RSS after, bytes. */
  rssAfter: number;
}

/**
 * Gives memory back now instead of at V8's next full collection: a full
 * garbage collection when `gc` is exposed (frees unreachable ArrayBuffers,
 * whose backing stores otherwise wait for V8's next major GC), then
 * `malloc_trim(0)` (returns the freed pages glibc would otherwise keep). Call
 * it between phases of a long job (after a row group, an epoch); it costs
 * a few ms, so not per batch.
 *
 * @returns What ran, and RSS before and after.
 * @example
 * ```ts
 * import { reclaim } from "memkit";
 * let block: Uint8Array | null = new Uint8Array(64e6).fill(1);
 * block = null;
 * const r = reclaim();
 * if (r.rssAfter > r.rssBefore + 16e6) throw new Error("reclaim grew RSS");
 * ```
 */
export function reclaim(): ReclaimResult {
  const rssBefore = Deno.memoryUsage().rss;
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc === "function") gc();
  const trimmed = mallocTrim() !== null;
  return {
    collected: typeof gc === "function",
    trimmed,
    rssBefore,
    rssAfter: Deno.memoryUsage().rss,
  };
}
