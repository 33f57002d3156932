/**
 * The one place memkit hooks into the tfjs engine. tfjs tracks tensors for
 * `tf.tidy` with a single global scope stack, which interleaving async code
 * corrupts; memkit instead wraps `engine.trackTensor` (every tensor, variable
 * or not, passes through it once, from `makeTensor`, `makeTensorFromTensorInfo`
 * and `makeVariable`) and attributes each new tensor to the scope of the
 * current async context, held in an AsyncLocalStorage. `engine.disposeTensor`
 * is wrapped too, so that the leak tracker learns of every disposal.
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { tf } from "../_tf.ts";
import { isOwned } from "./_ownership.ts";

type Tensor = tf.Tensor;

/** A listener told of every tensor created and disposed (the leak tracker). */
export interface TensorListener {
  /** `inTidy`: created inside a tfjs `tidy` (user's or tfjs's own), which may dispose it. */
  created(t: Tensor, inTidy: boolean): void;
  disposed(t: Tensor): void;
  /** The outermost tfjs `tidy` has just ended (its survivors are known). */
  tidyEnded?(): void;
}

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

const listeners = new Set<TensorListener>();

interface EngineInternals {
  trackTensor(a: Tensor, backend: unknown): void;
  disposeTensor(a: Tensor): void;
  endScope(result?: unknown): void;
  state: { scopeStack: unknown[] };
}

let installed = false;
let original: Omit<EngineInternals, "state"> | undefined;

/** Installs the engine hooks once; cheap to call again. */
export function installHooks(): void {
  if (installed) return;
  installed = true;
  const engine = tf.engine() as unknown as EngineInternals;
  const track = engine.trackTensor;
  const dispose = engine.disposeTensor;
  const endScope = engine.endScope;
  original = { trackTensor: track, disposeTensor: dispose, endScope };
  const Variable = tf.Variable;
  engine.trackTensor = function (this: EngineInternals, a: Tensor, backend: unknown): void {
    track.call(this, a, backend);
    // Variables live as long as their model or optimizer, not a scope.
    if (!(a instanceof Variable)) {
      const s = nearestOpen(context.getStore());
      if (s !== undefined) s.add(a);
    }
    if (listeners.size > 0) {
      const inTidy = this.state.scopeStack.length > 0;
      for (const l of listeners) l.created(a, inTidy);
    }
  };
  engine.endScope = function (this: EngineInternals, result?: unknown): void {
    endScope.call(this, result);
    if (listeners.size > 0 && this.state.scopeStack.length === 0) {
      for (const l of listeners) l.tidyEnded?.();
    }
  };
  engine.disposeTensor = function (this: EngineInternals, a: Tensor): void {
    if (listeners.size > 0) { for (const l of listeners) l.disposed(a); }
    dispose.call(this, a);
  };
}

/**
 * Removes the engine hooks, restoring tfjs's own methods. For benchmarks that
 * measure the hooks' cost against plain tfjs in one process; scopes opened
 * while the hooks are off capture nothing.
 */
export function uninstallHooks(): void {
  if (!installed || original === undefined) return;
  const engine = tf.engine() as unknown as EngineInternals;
  engine.trackTensor = original.trackTensor;
  engine.disposeTensor = original.disposeTensor;
  engine.endScope = original.endScope;
  installed = false;
}

/** Adds a listener for tensor creation and disposal; returns its remover. */
export function listen(l: TensorListener): () => void {
  installHooks();
  listeners.add(l);
  return () => {
    listeners.delete(l);
  };
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
