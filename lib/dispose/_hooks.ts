/**
 * Disposal scopes' state. tfjs tracks tensors for `tf.tidy` with a single
 * global scope stack, which interleaving async code corrupts; memkit instead
 * subscribes to the tensor-event hub (`_tensor_hub.ts`, the one place that
 * wraps tfjs's `engine.trackTensor`: every tensor, variable or not, passes
 * through it once) and attributes each new tensor to the scope of the
 * current async context, held in an AsyncLocalStorage.
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { tf } from "../_tf.ts";
import { isOwned } from "./_ownership.ts";
import { attachHub, detachHub, subscribe } from "./_tensor_hub.ts";

type Tensor = tf.Tensor;

/** The state behind one disposal scope. */
export class ScopeCore {
  /** Tensors attributed to this scope, in creation order. */
  readonly tensors: Set<Tensor> = new Set();
  open = true;
  // Tensors disposed by hand stay in the set until the next prune; pruning
  // when the set doubles keeps a long-lived scope's bookkeeping bounded.
  #pruneAt = 4096;

  constructor(readonly name: string, readonly parent: ScopeCore | undefined) {}

  add(t: Tensor): void {
    this.tensors.add(t);
    if (this.tensors.size >= this.#pruneAt) {
      for (const x of this.tensors) if (x.isDisposed) this.tensors.delete(x);
      this.#pruneAt = Math.max(4096, this.tensors.size * 2);
    }
  }

  /** Moves a tensor from this scope to the nearest open ancestor (or to nobody). */
  handToParent(t: Tensor): void {
    this.tensors.delete(t);
    const target = nearestOpen(this.parent);
    if (target && !isOwned(t)) target.add(t);
  }

  /** Disposes what is left; returns how many tensors it disposed. */
  close(): number {
    if (!this.open) return 0;
    this.open = false;
    let n = 0;
    for (const t of this.tensors) {
      // `kept` is tfjs's own tf.keep() flag: honour it as tf.tidy does.
      if (t.isDisposed || (t as { kept?: boolean }).kept || isOwned(t)) continue;
      t.dispose();
      n++;
    }
    this.tensors.clear();
    return n;
  }
}

/** The async context: which scope code running now belongs to. */
export const context: AsyncLocalStorage<ScopeCore | undefined> = new AsyncLocalStorage();

/** The scope itself if open, else its nearest open ancestor. */
export function nearestOpen(s: ScopeCore | undefined): ScopeCore | undefined {
  while (s !== undefined && !s.open) s = s.parent;
  return s;
}

/** The open scope that code running now belongs to, if any. */
export function currentScope(): ScopeCore | undefined {
  return nearestOpen(context.getStore());
}

let unsubscribe: (() => void) | undefined;

/**
 * Subscribes scopes to the tensor-event hub once; cheap to call again. Each
 * new tensor that is not a variable joins the scope of the async context
 * that creates it.
 */
export function installHooks(): void {
  attachHub();
  if (unsubscribe) return;
  const Variable = tf.Variable;
  unsubscribe = subscribe<Tensor>({
    created(a) {
      // Variables live as long as their model or optimizer, not a scope.
      if (a instanceof Variable) return;
      const s = nearestOpen(context.getStore());
      if (s !== undefined) s.add(a);
    },
    disposed() {},
  });
}

/**
 * Unhooks the engine (restoring tfjs's own methods) for benchmarks that
 * measure the hooks' cost against plain tfjs in one process; scopes opened
 * while the hooks are off capture nothing. {@linkcode installHooks} re-hooks.
 */
export function uninstallHooks(): void {
  detachHub();
}

/** Calls `visit` for every tensor inside a value (tensor, array, plain object, Map). */
export function forEachTensor(value: unknown, visit: (t: Tensor) => void, depth = 0): void {
  if (value === null || typeof value !== "object" || depth > 8) return;
  if (value instanceof tf.Tensor) {
    visit(value);
  } else if (Array.isArray(value)) {
    for (const v of value) forEachTensor(v, visit, depth + 1);
  } else if (value instanceof Map) {
    for (const v of value.values()) forEachTensor(v, visit, depth + 1);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) forEachTensor(v, visit, depth + 1);
  }
}
