import { currentScope, installHooks, ScopeCore } from "./_hooks.ts";
import { type Scope, ScopeHandle } from "./_scope_handle.ts";

export type { Scope } from "./_scope_handle.ts";

/** Options for {@linkcode scope}. */
export interface ScopeOptions {
  /**
   * A name for messages and leak reports.
   * @default {"scope"}
   */
  name?: string;
}

/**
 * Creates a disposal scope for `using` / `await using`. The scope opens at
 * the declaration; when the block ends — normally, by `return`, or by a thrown
 * error — every tensor created while it was open is disposed, except those
 * passed to `keep()` (they go to the parent scope), variables, tensors marked
 * with `tf.keep()`, and tensors a dataset owns. Scopes nest.
 *
 * It works across `await`: each new tensor is attributed to the scope of the
 * async context that creates it (AsyncLocalStorage), not to tfjs's global
 * scope stack, so tensors made by unrelated concurrent code are never captured.
 *
 * In an async function write `await using s = await scope();`. The extra
 * `await` hands control back to the caller before the scope opens, so the
 * scope belongs to this function's continuation alone and async functions
 * started together (`Promise.all`) cannot see each other's scopes. Without it,
 * a scope opened before the function's first await stays current in the
 * caller's synchronous code until the caller awaits (a limit of
 * AsyncLocalStorage's `enterWith`).
 *
 * @param options A name for reports.
 * @returns The scope: a Disposable and AsyncDisposable with `keep()`.
 * @example
 * ```ts
 * import { scope, useBackend } from "memkit";
 * import * as tf from "@tensorflow/tfjs";
 * await useBackend({ backend: "cpu" });
 * const before = tf.memory().numTensors;
 * async function step(): Promise<tf.Tensor> {
 *   await using s = await scope();
 *   const x = tf.ones([2, 2]);
 *   await x.data(); // an await inside the scope
 *   return s.keep(x.add(1));
 * }
 * const kept = await step();
 * if (tf.memory().numTensors !== before + 1) throw new Error("x was not disposed");
 * kept.dispose();
 * {
 *   using s = scope(); // synchronous code needs no await
 *   tf.zeros([3]);
 * }
 * if (tf.memory().numTensors !== before) throw new Error("zeros leaked");
 * ```
 */
export function scope(options: ScopeOptions = {}): Scope {
  installHooks();
  return new ScopeHandle(new ScopeCore(options.name ?? "scope", currentScope()), true);
}
