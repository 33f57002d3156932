import { subscribe, type TensorListener } from "./_tensor_hub.ts";
import type { Tensor } from "../tf_types.ts";

export type { HubTensor, TensorListener } from "./_tensor_hub.ts";

/**
 * Calls `listener` for every tensor tfjs creates (variables included) and
 * disposes, from now until the returned function is called. This is memkit's
 * one hook into tfjs's engine: scopes, the leak tracker and the memkit
 * kernel's agent all subscribe here, so they never disagree about what
 * exists. Listeners run synchronously inside tfjs's bookkeeping: keep them
 * cheap and never create or dispose tensors in them.
 *
 * It imports no tfjs at run time: subscribing before tfjs is loaded hooks
 * tfjs's engine the moment it is created.
 *
 * @param listener `created(t, inTidy)`, `disposed(t)`, optionally `tidyEnded()`.
 * @returns A function that unsubscribes.
 * @example
 * ```ts
 * import { onTensorEvents, useBackend } from "memkit";
 * import * as tf from "@tensorflow/tfjs";
 * await useBackend({ backend: "cpu" });
 * let created = 0;
 * let disposed = 0;
 * const off = onTensorEvents({ created: () => created++, disposed: () => disposed++ });
 * const sum = tf.tidy(() => tf.ones([2, 2]).add(tf.ones([2, 2])));
 * off();
 * sum.dispose();
 * // Three created; tidy disposed the two inputs (the later dispose came after `off()`).
 * if (created !== 3 || disposed !== 2) throw new Error(`${created} ${disposed}`);
 * ```
 */
export function onTensorEvents(listener: TensorListener<Tensor>): () => void {
  return subscribe(listener);
}
