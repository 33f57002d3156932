import { tf } from "../_tf.ts";
import { subscribe } from "./_tensor_hub.ts";
import { dtypeBytes } from "../dtype/dtype_bytes.ts";
import { type CollectedLeaks, LeakReport, type LeakRow } from "./_leak_report.ts";
import { LEAK_TRACKER_KEY, type LeakTrackerHook, type TrackedTensor } from "./leak_tracker_hook.ts";

export type { CollectedLeaks, LeakReport, LeakRow } from "./_leak_report.ts";

/** A tensor that was garbage-collected without `dispose()`. */
export interface CollectedTensor {
  /** Where it was created (or why that is unknown). */
  site: string;
  /** Its shape. */
  shape: number[];
  /** Its dtype. */
  dtype: string;
  /** Its bytes, which the backend still holds. */
  bytes: number;
}

/** Options for {@linkcode trackLeaks}. */
export interface TrackLeaksOptions {
  /**
   * Record creation stacks: `true` for every tensor, `false` for none (shape
   * and dtype only, cheapest), or a sample rate in (0, 1] to record that
   * fraction of tensors (a stack costs a few microseconds per tensor).
   * @default {true}
   */
  stacks?: boolean | number;
  /**
   * Also track variables (model weights, optimizer slots). They live as long
   * as their model by design, so they are left out unless asked for.
   * @default {false}
   */
  variables?: boolean;
  /**
   * Called when a tracked tensor is garbage-collected without `dispose()`.
   * The default warns once per creation site with `console.warn`.
   */
  onCollected?: (leak: CollectedTensor) => void;
}

/** A running leak tracker; see {@linkcode trackLeaks}. */
export interface LeakTracker extends Disposable {
  /** Live (undisposed) tensors created since tracking began, grouped. */
  report(): LeakReport;
  /** How many tracked tensors are live now. */
  readonly live: number;
  /** Tensors garbage-collected without `dispose()` so far. */
  readonly collected: CollectedLeaks;
  /** Stops tracking (also done by `using`); `report()` then returns the report taken at stop. */
  stop(): void;
}

interface Entry {
  shape: number[];
  dtype: string;
  bytes: number;
  error: Error | undefined;
  /** [site, stack], formatted from `error` once, when first asked for. */
  site?: [string, string];
}

/** The running trackers, newest last: the published hook asks each in turn. */
const running: Array<(id: number) => TrackedTensor | undefined> = [];
const hook: LeakTrackerHook = {
  version: 1,
  describe(id) {
    for (let i = running.length - 1; i >= 0; i--) {
      const found = running[i](id);
      if (found) return found;
    }
    return undefined;
  },
};
type Global = Record<symbol, unknown>;

function publish(describe: (id: number) => TrackedTensor | undefined): void {
  running.push(describe);
  (globalThis as Global)[LEAK_TRACKER_KEY] = hook;
}

function unpublish(describe: (id: number) => TrackedTensor | undefined): void {
  const i = running.indexOf(describe);
  if (i >= 0) running.splice(i, 1);
  if (running.length === 0 && (globalThis as Global)[LEAK_TRACKER_KEY] === hook) {
    delete (globalThis as Global)[LEAK_TRACKER_KEY];
  }
}

const LIB = new URL("../", import.meta.url).href;
// Runtime frames read "(<anonymous>)"; code typed in a notebook cell runs as
// "<anonymous>:line:col" under Deno's kernel, and is the user's own code.
const FOREIGN = /node_modules|@tensorflow|\bext:|\bnode:|\(native\)|<anonymous>\)|^new Promise/;
const CELL = /<anonymous>:(\d+):(\d+)/g;

function cwdPrefix(): string {
  try {
    return `file://${Deno.cwd()}/`;
  } catch {
    return "\u0000"; // no --allow-read: keep full URLs
  }
}

/** Frames of user code, innermost first: no memkit, tfjs or runtime frames. */
function userFrames(error: Error): string[] {
  const prefix = cwdPrefix();
  const frames: string[] = [];
  for (const raw of (error.stack ?? "").split("\n")) {
    const line = raw.trim();
    if (!line.startsWith("at ")) continue;
    const frame = line.slice(3);
    // Doc examples run from lib/ too, as virtual files named `file.ts#12-30.ts`.
    if ((frame.includes(LIB) && !frame.includes(".ts#")) || FOREIGN.test(frame)) continue;
    frames.push(frame.replaceAll(prefix, "").replace(CELL, "cell:$1:$2"));
  }
  return frames;
}

function bytesOf(t: tf.Tensor): number {
  return t.size * dtypeBytes(t.dtype);
}

const warnedSites = new Set<string>();

/**
 * Starts recording every tensor created from now on, with its creation site
 * (stack frames trimmed to user code: no memkit, tfjs or runtime frames), and
 * forgets each one when it is disposed. `report()` lists the survivors grouped
 * by site, shape and dtype, with bytes; it prints as a table in the terminal
 * and renders as one in Jupyter. A FinalizationRegistry notices tensors that
 * are garbage-collected without `dispose()`: tfjs still counts them, and on
 * webgpu their GPU buffers are never freed, so each such site is warned about.
 *
 * While a tracker runs, it also answers other tools through a global hook,
 * `globalThis[Symbol.for("memkit.leakTracker")]` (`describe(tensorId)` gives a
 * live tensor's site, shape, dtype and bytes; see lib/dispose/leak_tracker_hook.ts):
 * memkit's Jupyter kernel uses it to say where a cell's leaked tensors came
 * from, without importing this module.
 *
 * @param options Stacks on, off or sampled; variables; a GC callback.
 * @returns The tracker: `report()`, `live`, `collected`, `stop()`, and `using`.
 * @throws {RangeError} When `stacks` is a number outside (0, 1].
 * @example
 * ```ts
 * import { trackLeaks, useBackend } from "memkit";
 * import * as tf from "@tensorflow/tfjs";
 * await useBackend({ backend: "cpu" });
 * using leaks = trackLeaks();
 * const a = tf.ones([4, 4]);
 * tf.zeros([2]).dispose();
 * const report = leaks.report();
 * if (report.tensors !== 1 || report.bytes !== 64) throw new Error(report.toString());
 * if (!report.rows[0].site.includes(".ts")) throw new Error("no user site");
 * a.dispose();
 * ```
 */
export function trackLeaks(options: TrackLeaksOptions = {}): LeakTracker {
  const stacks = options.stacks ?? true;
  if (typeof stacks === "number" && !(stacks > 0 && stacks <= 1)) {
    throw new RangeError(
      `Cannot track leaks: options.stacks is ${stacks}, expected true, false or a sample rate in (0, 1]`,
    );
  }
  if (typeof stacks !== "number" && typeof stacks !== "boolean") {
    throw new TypeError(
      `Cannot track leaks: options.stacks is ${typeof stacks}, expected a boolean or a number`,
    );
  }
  const rate = stacks === true ? 1 : stacks === false ? 0 : stacks;
  const withVariables = options.variables ?? false;
  // Keyed by tensor id, never by the tensor: holding tensors would keep them
  // from the garbage collector and the FinalizationRegistry would never fire.
  const live = new Map<number, Entry>();
  const collected: CollectedLeaks = { count: 0, bytes: 0 };
  const onCollected = options.onCollected ?? ((leak: CollectedTensor) => {
    if (warnedSites.has(leak.site)) return;
    warnedSites.add(leak.site);
    console.warn(
      `memkit: a ${leak.dtype} tensor [${leak.shape}] (${leak.bytes} bytes) created at ` +
        `${leak.site} was garbage-collected without dispose(); its backend memory is leaked`,
    );
  });
  let stopped = false;
  let credit = 0;

  const siteOf = (e: Entry): [string, string] => {
    if (!e.error) return [rate === 0 ? "(stacks off)" : "(not sampled)", ""];
    if (e.site) return e.site;
    const frames = userFrames(e.error);
    e.site = frames.length === 0
      ? ["(no user frame)", ""]
      : [frames[0], frames.slice(0, 4).join("\n")];
    return e.site;
  };

  const registry = new FinalizationRegistry<[number, Entry]>(([id, entry]) => {
    // Reached only when the tensor was never disposed: dispose unregisters.
    live.delete(id);
    collected.count++;
    collected.bytes += entry.bytes;
    if (stopped) return;
    const [site] = siteOf(entry);
    onCollected({ site, shape: entry.shape, dtype: entry.dtype, bytes: entry.bytes });
  });

  // Tensors made inside a tfjs scope wait here for the outermost one to end:
  // every op runs in one, and tidy, minimize and predict open more. Most of
  // the tensors die with it (an optimizer step makes ~150 and returns one),
  // and the survivors share the site where the outermost scope was entered,
  // so one stack capture serves them all instead of one per tensor.
  let deferred: Array<[tf.Tensor, Entry]> = [];
  const capture = (): Error => {
    // tfjs puts 10–60 frames between user code and here; the default limit of
    // 10 would often leave no user frame. The stack string is formatted only
    // when a report needs it.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 64;
    const error = new Error();
    Error.stackTraceLimit = limit;
    return error;
  };

  const unlisten = subscribe<tf.Tensor>({
    created(t, inTidy) {
      if (!withVariables && t instanceof tf.Variable) return;
      const entry: Entry = { shape: t.shape, dtype: t.dtype, bytes: bytesOf(t), error: undefined };
      if (rate > 0) {
        credit += rate;
        if (credit >= 1) {
          credit -= 1;
          if (inTidy) deferred.push([t, entry]);
          else entry.error = capture();
        }
      }
      live.set(t.id, entry);
      registry.register(t, [t.id, entry], entry);
    },
    disposed(t) {
      const entry = live.get(t.id);
      if (entry === undefined) return;
      live.delete(t.id);
      registry.unregister(entry);
    },
    tidyEnded() {
      if (deferred.length === 0) return;
      let error: Error | undefined;
      for (const [t, entry] of deferred) {
        if (!t.isDisposed) entry.error = error ??= capture();
      }
      deferred = [];
    },
  });

  let last: LeakReport | undefined;
  const report = (): LeakReport => {
    if (last) return last;
    const groups = new Map<string, LeakRow>();
    for (const entry of live.values()) {
      const [site, stack] = siteOf(entry);
      const key = `${site}\u0000${entry.shape.join(",")}\u0000${entry.dtype}`;
      const row = groups.get(key);
      if (row) {
        row.count++;
        row.bytes += entry.bytes;
      } else {
        groups.set(key, {
          site,
          shape: [...entry.shape],
          dtype: entry.dtype,
          count: 1,
          bytes: entry.bytes,
          stack,
        });
      }
    }
    return new LeakReport([...groups.values()], { ...collected });
  };
  // Other tools (memkit's kernel agent) read live tensors through the global hook.
  const describe = (id: number): TrackedTensor | undefined => {
    const entry = live.get(id);
    if (entry === undefined) return undefined;
    const [site, stack] = siteOf(entry);
    return { site, stack, shape: [...entry.shape], dtype: entry.dtype, bytes: entry.bytes };
  };
  publish(describe);
  const stop = () => {
    if (stopped) return;
    last = report();
    stopped = true;
    unlisten();
    unpublish(describe);
  };

  return {
    report,
    get live() {
      return stopped ? last!.tensors : live.size;
    },
    get collected() {
      return { ...collected };
    },
    stop,
    [Symbol.dispose]: stop,
  };
}
