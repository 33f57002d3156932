import { context, currentScope, forEachTensor, installHooks, ScopeCore } from "./_hooks.ts";
import { type Scope, ScopeHandle } from "./_scope_handle.ts";
import { isOwned } from "./_ownership.ts";

/** Options for {@linkcode scoped}. */
export interface ScopedOptions {
  /**
   * A name for messages and leak reports.
   * @default {"scoped"}
   */
  name?: string;
}

/**
 * Runs `fn` in its own disposal scope and async context — an async `tf.tidy`.
 * Tensors it creates are disposed when it settles, except the tensors in its
 * result (a tensor, or an array / plain object / Map of tensors), which go to
 * the enclosing scope, and those passed to `keep()`. The context is isolated:
 * `fn` and everything it awaits see this scope, the caller never does, so
 * scoped tasks can run concurrently (`Promise.all`) without touching each
 * other's tensors.
 *
 * @param fn The work; receives the scope (for `keep`).
 * @param options A name for reports.
 * @returns What `fn` returns, once its other tensors are disposed.
 * @example
 * ```ts
 * import { scoped, useBackend } from "memkit";
 * import * as tf from "@tensorflow/tfjs";
 * await useBackend({ backend: "cpu" });
 * const before = tf.memory().numTensors;
 * const [a, b] = await Promise.all([
 *   scoped(async () => { const t = tf.ones([3]); await t.data(); return t.mul(2); }),
 *   scoped(async () => { const t = tf.ones([3]); await t.data(); return t.mul(3); }),
 * ]);
 * if (tf.memory().numTensors !== before + 2) throw new Error("intermediates leaked");
 * if ((await b.data())[0] !== 3) throw new Error("wrong result");
 * a.dispose();
 * b.dispose();
 * ```
 */
export async function scoped<T>(
  fn: (scope: Scope) => T | Promise<T>,
  options: ScopedOptions = {},
): Promise<T> {
  if (typeof fn !== "function") {
    throw new TypeError(`Cannot run scoped: fn must be a function, got ${typeof fn}`);
  }
  installHooks();
  const core = new ScopeCore(options.name ?? "scoped", currentScope());
  const handle = new ScopeHandle(core, false);
  try {
    // run() restores the caller's context as soon as fn returns its promise,
    // so nothing fn does (even enterWith by a nested scope()) leaks out.
    const result = await context.run(core, () => fn(handle));
    if (core.open) {
      forEachTensor(result, (t) => {
        if (!isOwned(t)) core.handToParent(t);
      });
    }
    return result;
  } finally {
    handle.dispose();
  }
}
