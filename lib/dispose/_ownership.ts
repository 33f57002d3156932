/**
 * Marks tensors owned by something other than the user's code (a dataset's
 * `toTensors` stage) so that `scope()` never captures them: the owner
 * disposes them itself. A WeakSet, so marking never keeps a tensor alive.
 * It lives on `globalThis[Symbol.for("memkit.ownedTensors")]` so that memkit's
 * kernel agent, which must not import lib/, can report these tensors as kept
 * rather than leaked (and two copies of this module share one set).
 * @module
 */
const KEY = Symbol.for("memkit.ownedTensors");
const g = globalThis as unknown as Record<symbol, WeakSet<object> | undefined>;

/**
 * Marks a tensor as owned by a dataset (or another owner that disposes it).
 * @param t The tensor.
 * @returns Nothing.
 * @example
 * ```ts
 * import { isOwned, markOwned } from "./_ownership.ts";
 * const t = {};
 * markOwned(t);
 * if (!isOwned(t)) throw new Error("not marked");
 * ```
 */
export function markOwned(t: object): void {
  (g[KEY] ??= new WeakSet<object>()).add(t);
}

/**
 * Whether a tensor was marked with {@linkcode markOwned}.
 * @param t The tensor.
 * @returns True when an owner other than the user's scope disposes it.
 * @example
 * ```ts
 * import { isOwned } from "./_ownership.ts";
 * if (isOwned({})) throw new Error("a fresh object is not owned");
 * ```
 */
export function isOwned(t: object): boolean {
  return g[KEY]?.has(t) ?? false;
}
