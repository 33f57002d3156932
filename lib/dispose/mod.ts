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
export { scope } from "./scope.ts";
export type { Scope, ScopeOptions } from "./scope.ts";
export { scoped } from "./scoped.ts";
export type { ScopedOptions } from "./scoped.ts";
export { trackLeaks } from "./track_leaks.ts";
export type {
  CollectedLeaks,
  CollectedTensor,
  LeakReport,
  LeakRow,
  LeakTracker,
  TrackLeaksOptions,
} from "./track_leaks.ts";
export { disposeModel } from "./dispose_model.ts";
export type { DisposeModelOptions, DisposeModelReport } from "./dispose_model.ts";
export { onTensorEvents } from "./tensor_events.ts";
export type { HubTensor, TensorListener } from "./tensor_events.ts";
export { LEAK_TRACKER_KEY } from "./leak_tracker_hook.ts";
export type { LeakTrackerHook, TrackedTensor } from "./leak_tracker_hook.ts";
// Types from other folders that this folder's signatures use.
export type { LayersModel, Tensor } from "../tf_types.ts";
