/**
 * Which tensors belong to a dataset. A dataset disposes the tensors it yields
 * when the consumer pulls the next element or stops, so no user scope may
 * capture them: a scope that closed over one would dispose it under the
 * dataset's feet. `toTensors` marks what it yields; scopes skip marked tensors.
 * @module
 */

const owned = new WeakSet<object>();

/**
 * Marks a tensor as owned by a dataset, so that no disposal scope captures it.
 * @param t The tensor (any object; a WeakSet holds it, so marking never keeps it alive).
 */
export function markOwned(t: object): void {
  owned.add(t);
}

/**
 * Whether a dataset owns this tensor.
 * @param t The tensor.
 * @returns True when {@linkcode markOwned} was called on it.
 */
export function isOwned(t: object): boolean {
  return owned.has(t);
}
