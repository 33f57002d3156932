import { mallocTrim, readMalloc } from "./_breakdown.ts";

/** What {@linkcode trimMalloc} did. */
export interface TrimResult {
  /** False when glibc's malloc cannot be reached (no FFI permission, not glibc); see `reason`. */
  available: boolean;
  /** Why it was unavailable. */
  reason?: string;
  /** Bytes free-but-held in malloc's arenas before the trim (0 when unavailable). */
  freeBefore: number;
  /** The same after the trim. */
  freeAfter: number;
  /** Resident bytes the process gave back (RSS before − after; may be 0). */
  released: number;
}

/**
 * Returns memory that glibc's malloc keeps after it was freed (free chunks in
 * its arenas) to the operating system, with `malloc_trim(0)` through Deno FFI.
 * Freed ArrayBuffers, decompression buffers and Deno's own native allocations
 * land there: `memoryBreakdown().bytes.mallocFree` shows how much. Needs
 * `--allow-ffi` (or `-A`) and glibc; otherwise it does nothing and says why.
 *
 * @returns The bytes held before and after, and the RSS given back.
 * @example
 * ```ts
 * import { trimMalloc } from "memkit";
 * const r = trimMalloc();
 * if (r.available && r.freeAfter > r.freeBefore) throw new Error("trim grew the free list");
 * if (!r.available && !r.reason) throw new Error("no reason given");
 * ```
 */
export function trimMalloc(): TrimResult {
  const before = readMalloc();
  if (!before.available) {
    return { available: false, reason: before.reason, freeBefore: 0, freeAfter: 0, released: 0 };
  }
  const rss0 = Deno.memoryUsage().rss;
  mallocTrim();
  const after = readMalloc();
  return {
    available: true,
    freeBefore: before.free,
    freeAfter: after.available ? after.free : 0,
    released: Math.max(0, rss0 - Deno.memoryUsage().rss),
  };
}
