/**
 * The tensor-event hub: the one place in memkit that patches tfjs's engine
 * (`trackTensor`, `disposeTensor`, `endScope`). Scopes, the leak tracker,
 * scripts and the memkit kernel's agent subscribe to it instead of patching
 * the engine themselves.
 *
 * It has no runtime import of tfjs: it finds the engine tfjs keeps on
 * `globalThis._tfengine`, or, before tfjs is loaded, traps that property so
 * it hooks the engine the moment tfjs creates it (the kernel's agent relies
 * on this: a notebook without tfjs pays nothing). Its state lives on
 * `globalThis[Symbol.for("memkit.tensorHub")]`, so two copies of this module
 * (two memkit checkouts in one process) still share one patch and one
 * listener list.
 * @module
 */

/** What the hub needs of a tensor: the fields every tfjs tensor has. */
export interface HubTensor {
  /** tfjs's id for it. */
  readonly id: number;
  /** Number of values. */
  readonly size: number;
  /** tfjs dtype name. */
  readonly dtype: string;
}

/** A listener told of every tensor tfjs creates and disposes. */
export interface TensorListener<T extends HubTensor = HubTensor> {
  /**
   * A tensor (variables included) was created. `inTidy`: inside a tfjs
   * `tidy` (the user's or tfjs's own), which may still dispose it.
   */
  created(t: T, inTidy: boolean): void;
  /** A tensor is about to be disposed. */
  disposed(t: T): void;
  /** The outermost tfjs `tidy` has just ended (its survivors are known). */
  tidyEnded?(): void;
}

interface Engine {
  trackTensor(a: HubTensor, backend: unknown): void;
  disposeTensor(a: HubTensor): void;
  endScope(result?: unknown): void;
  state: { scopeStack: unknown[] };
}

interface Hub {
  listeners: Set<TensorListener>;
  engine: Engine | null;
  original: Pick<Engine, "trackTensor" | "disposeTensor" | "endScope"> | null;
  trapped: boolean;
}

const HUB_KEY = Symbol.for("memkit.tensorHub");

function hub(): Hub {
  const g = globalThis as unknown as Record<symbol, Hub | undefined>;
  return g[HUB_KEY] ??= { listeners: new Set(), engine: null, original: null, trapped: false };
}

function patch(h: Hub, engine: Engine): void {
  if (h.engine === engine && h.original !== null) return;
  h.engine = engine;
  const track = engine.trackTensor;
  const dispose = engine.disposeTensor;
  const endScope = engine.endScope;
  h.original = { trackTensor: track, disposeTensor: dispose, endScope };
  const listeners = h.listeners;
  engine.trackTensor = function (this: Engine, a: HubTensor, backend: unknown): void {
    track.call(this, a, backend);
    if (listeners.size === 0) return;
    const inTidy = this.state.scopeStack.length > 0;
    for (const l of listeners) l.created(a, inTidy);
  };
  engine.disposeTensor = function (this: Engine, a: HubTensor): void {
    if (listeners.size > 0) { for (const l of listeners) l.disposed(a); }
    dispose.call(this, a);
  };
  engine.endScope = function (this: Engine, result?: unknown): void {
    endScope.call(this, result);
    if (listeners.size > 0 && this.state.scopeStack.length === 0) {
      for (const l of listeners) l.tidyEnded?.();
    }
  };
}

/** Hooks tfjs's engine now, or the moment tfjs creates it. Idempotent. */
export function attachHub(): void {
  const h = hub();
  const g = globalThis as { _tfengine?: Engine };
  if (g._tfengine) return patch(h, g._tfengine);
  if (h.trapped) return;
  h.trapped = true;
  let value: Engine | undefined;
  Object.defineProperty(globalThis, "_tfengine", {
    configurable: true,
    enumerable: false,
    get: () => value,
    set: (v: Engine) => {
      value = v;
      if (v) patch(h, v);
    },
  });
}

/**
 * Restores tfjs's own engine methods. For benchmarks that measure the hub's
 * cost against plain tfjs in one process; listeners hear nothing until
 * {@linkcode attachHub} runs again.
 */
export function detachHub(): void {
  const h = hub();
  if (h.engine === null || h.original === null) return;
  Object.assign(h.engine, h.original);
  h.original = null;
}

/** Subscribes `listener` to every tensor created and disposed; returns its remover. */
export function subscribe<T extends HubTensor>(listener: TensorListener<T>): () => void {
  attachHub();
  const { listeners } = hub();
  listeners.add(listener as unknown as TensorListener);
  return () => {
    listeners.delete(listener as unknown as TensorListener);
  };
}

/** The engine the hub has hooked (tfjs's), or null before tfjs is loaded. */
export function hookedEngine(): unknown {
  return hub().engine;
}
