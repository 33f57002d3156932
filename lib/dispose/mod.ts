/**
 * memkit/dispose: Tensor lifetimes: `scope`/`scoped` disposal, the leak
 * tracker, and `disposeModel`.
 *
 * @example
 * ```ts
 * import * as dispose from "memkit/dispose";
 * if (Object.keys(dispose).length === 0) throw new Error("empty");
 * ```
 * @module
 */
export * from "./scope.ts";
export * from "./scoped.ts";
export * from "./track_leaks.ts";
export * from "./dispose_model.ts";
export * from "./tensor_events.ts";
export * from "./leak_tracker_hook.ts";
// Types from other folders that this folder's signatures use.
export type { LayersModel, Tensor } from "../tf_types.ts";
