import { mallocMmapThreshold, mallocTrim, readMalloc } from "./_breakdown.ts";

/** Options for {@linkcode trimMalloc}. */
export interface TrimOptions {
  /**
   * Also fix glibc's mmap threshold at this many bytes (`mallopt(M_MMAP_THRESHOLD)`):
   * blocks at least this big then get their own mapping and go back to the
   * system as soon as they are freed, instead of waiting in an arena for the
   * next trim. Setting it stops glibc's dynamic threshold, which rises to the
   * largest block freed (up to 32 MiB) and so keeps batch-sized buffers in the
   * arenas. Off by default: one call early in a long job is enough.
   */
  mmapThreshold?: number;
}

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
  /** The mmap threshold set, when asked and glibc took it. */
  mmapThreshold?: number;
}

/**
 * Returns memory that glibc's malloc keeps after it was freed (free chunks in
 * its arenas) to the operating system, with `malloc_trim(0)` through Deno FFI.
 * Freed ArrayBuffers, decompression buffers and Deno's own native allocations
 * land there: `memoryBreakdown().bytes.mallocFree` shows how much. Needs
 * `--allow-ffi` (or `-A`) and glibc; otherwise it does nothing and says why.
 *
 * @param options Whether to also fix glibc's mmap threshold.
 * @returns The bytes held before and after, and the RSS given back.
 * @example
 * ```ts
 * import { trimMalloc } from "memkit";
 * const r = trimMalloc({ mmapThreshold: 128 * 1024 });
 * if (r.available && r.freeAfter > r.freeBefore) throw new Error("trim grew the free list");
 * if (!r.available && !r.reason) throw new Error("no reason given");
 * ```
 */
export function trimMalloc(options: TrimOptions = {}): TrimResult {
  const threshold = options.mmapThreshold;
  if (
    threshold !== undefined &&
    !(Number.isInteger(threshold) && threshold >= 4096 && threshold <= 32 * 2 ** 20)
  ) {
    throw new RangeError(
      `trimMalloc: options.mmapThreshold must be an integer from 4096 to 33554432 bytes, got ${threshold}`,
    );
  }
  const before = readMalloc();
  if (!before.available) {
    return { available: false, reason: before.reason, freeBefore: 0, freeAfter: 0, released: 0 };
  }
  const rss0 = Deno.memoryUsage().rss;
  const set = threshold !== undefined && mallocMmapThreshold(threshold) === true;
  mallocTrim();
  const after = readMalloc();
  return {
    available: true,
    freeBefore: before.free,
    freeAfter: after.available ? after.free : 0,
    released: Math.max(0, rss0 - Deno.memoryUsage().rss),
    ...(set ? { mmapThreshold: threshold } : {}),
  };
}
