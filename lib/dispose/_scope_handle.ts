/**
 * The user-facing handle over a {@linkcode ScopeCore}, shared by `scope()` and
 * `scoped()`.
 * @module
 */
import { tf } from "../_tf.ts";
import { context, forEachTensor, ScopeCore } from "./_hooks.ts";
import { isOwned } from "./_ownership.ts";

/** A disposal scope; see `scope()` and `scoped()`. */
export interface Scope extends Disposable, AsyncDisposable {
  /** The scope's name, for messages and reports. */
  readonly name: string;
  /** Whether the scope has closed (its tensors are disposed). */
  readonly closed: boolean;
  /** Live tensors the scope would dispose if it closed now. */
  readonly size: number;
  /**
   * Hands tensors to the parent scope (or, at top level, to the caller) so
   * they outlive this scope. Accepts a tensor or an array / plain object /
   * Map of tensors and returns it. A tensor a dataset owns is cloned instead
   * (the dataset disposes the original on its next step) and the clone is
   * returned.
   */
  keep<T>(value: T): T;
  /**
   * Closes the scope now: disposes its tensors and returns how many (0 when
   * already closed). Throws a TypeError for a `scope()` that no `using`
   * declaration opened: it tracked nothing, and silence would hide a leak.
   */
  dispose(): number;
}

/**
 * Wraps a core in the public handle. With `lazyEnter`, the core becomes the
 * current scope only when a `using` / `await using` declaration binds the
 * handle (the declaration reads the dispose method, and that getter enters).
 * Deferring the entry is what lets `await using s = await scope()` open the
 * scope after the await, in the function's own continuation, so that the
 * caller never sees it.
 */
export class ScopeHandle implements Scope {
  readonly #core: ScopeCore;
  #restore: (() => void) | undefined;
  #lazyEnter: boolean;

  constructor(core: ScopeCore, lazyEnter: boolean) {
    this.#core = core;
    this.#lazyEnter = lazyEnter;
  }

  #enter(): void {
    if (!this.#lazyEnter || !this.#core.open) return;
    this.#lazyEnter = false;
    this.#restore = enter(this.#core);
  }

  get name(): string {
    return this.#core.name;
  }

  get closed(): boolean {
    return !this.#core.open;
  }

  get size(): number {
    let n = 0;
    for (const t of this.#core.tensors) if (!t.isDisposed && !isOwned(t)) n++;
    return n;
  }

  /** The core, for scoped() and fit(). */
  get core(): ScopeCore {
    return this.#core;
  }

  keep<T>(value: T): T {
    if (!this.#core.open) {
      throw new Error(`Cannot keep tensors: scope "${this.name}" is already closed`);
    }
    if (value instanceof tf.Tensor && isOwned(value)) {
      // Cloning inside this scope attributes the clone here; hand it up.
      const copy = value.clone();
      this.#core.handToParent(copy);
      return copy as T;
    }
    forEachTensor(value, (t) => {
      if (isOwned(t)) {
        throw new TypeError(
          `Cannot keep tensors in scope "${this.name}": tensor ${t.id} (shape [${t.shape}]) ` +
            `belongs to a dataset; keep it on its own (keep returns a clone) or clone it`,
        );
      }
    });
    forEachTensor(value, (t) => this.#core.handToParent(t));
    return value;
  }

  dispose(): number {
    if (!this.#core.open) return 0;
    if (this.#lazyEnter) {
      // Never bound by using: it tracked nothing, so "disposed 0" would hide a leak.
      this.#core.close();
      throw new TypeError(
        `Cannot close scope "${this.name}": it was never opened; bind it with ` +
          "`using s = scope()` or `await using s = await scope()` (or use scoped(fn))",
      );
    }
    const n = this.#core.close();
    this.#restore?.();
    return n;
  }

  get [Symbol.dispose](): () => void {
    this.#enter();
    return () => {
      this.dispose();
    };
  }

  get [Symbol.asyncDispose](): () => Promise<void> {
    this.#enter();
    return () => {
      this.dispose();
      return Promise.resolve();
    };
  }
}

/** Makes `core` the current scope of this async context until it closes. */
export function enter(core: ScopeCore): () => void {
  const previous = context.getStore();
  context.enterWith(core);
  return () => {
    // Only the code that still sees this scope is moved back; if a sibling
    // already entered another scope here, leave it be.
    if (context.getStore() === core) context.enterWith(previous);
  };
}
