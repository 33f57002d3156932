/**
 * The leak tracker's hook for other tools, through a global symbol rather
 * than an import: memkit's kernel agent (kernel/agent.ts) runs in the
 * notebook's process and attributes tensors to cells, but must not load tfjs
 * or lib/dispose itself, and lib/ never imports kernel/. While at least one
 * `trackLeaks()` runs, `globalThis[Symbol.for("memkit.leakTracker")]` holds a
 * {@linkcode LeakTrackerHook}; when the last one stops, the key is deleted.
 * This module has no runtime imports, so reading its types and key is free.
 * @module
 */

/** The key on `globalThis`: `Symbol.for("memkit.leakTracker")`. */
export const LEAK_TRACKER_KEY: symbol = Symbol.for("memkit.leakTracker");

/** What a running tracker knows about one live tensor. */
export interface TrackedTensor {
  /** Its creation site: the first user frame (`cell:3:11` in a notebook), or why it is unknown. */
  site: string;
  /** Up to four user frames, innermost first, one per line. */
  stack: string;
  /** Its shape. */
  shape: number[];
  /** Its dtype. */
  dtype: string;
  /** Its bytes. */
  bytes: number;
}

/** The object published under {@linkcode LEAK_TRACKER_KEY}. */
export interface LeakTrackerHook {
  /** The hook's version: 1. A reader should ignore a hook whose version it does not know. */
  readonly version: 1;
  /**
   * The tensor with tfjs id `id` (`tensor.id`) if a running tracker holds it
   * live (created after it started, not disposed), else undefined: made
   * before tracking, a variable (unless tracked), or disposed.
   */
  describe(id: number): TrackedTensor | undefined;
}
