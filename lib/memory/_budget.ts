/** A timeline's memory limits: validation, warnings, and the error that stops a run. */
import { humanBytes } from "../plot/human_bytes.ts";
import { BudgetExceededError } from "./budget_exceeded_error.ts";
import { hostLimit } from "./_host_limit.ts";
import type { SeriesName } from "./_store.ts";

/** Memory limits for a timeline; see `Timeline.budget`. */
export interface Budget {
  /**
   * Limit on the process RSS, in bytes; `"auto"`: the cgroup memory limit when
   * one is set, else RAM + swap (where the OOM killer would act).
   */
  host?: number | "auto";
  /** Limit on GPU bytes in use + pooled (webgpu), in bytes. */
  gpu?: number;
  /**
   * Warn once usage reaches this fraction of a limit (again after it falls back below).
   * @default {0.9}
   */
  warnAt?: number;
  /**
   * On exceeding a limit: `"throw"` aborts `Timeline.signal` and makes the next
   * `mark()`/`check()` throw a BudgetExceededError; `"warn"` only warns.
   * @default {"throw"}
   */
  action?: "throw" | "warn";
  /**
   * Where warnings go.
   * @default {console.warn}
   */
  onWarn?: (message: string) => void;
}

const WHAT = { host: "Host memory (process RSS)", gpu: "GPU memory (in use + pooled)" };

/** Checks samples against a budget; aborts the controller once a "throw" limit is passed. */
export class BudgetWatch {
  /** The limits set (host "auto" resolved), or undefined. */
  limits: Budget | undefined;
  /** The error once a limit with action "throw" was exceeded. */
  error: BudgetExceededError | undefined;
  #warned = { host: false, gpu: false };
  readonly #controller: AbortController;

  constructor(controller: AbortController) {
    this.#controller = controller;
  }

  /** Validates and sets (or replaces) the limits. */
  set(limits: Budget): void {
    if (limits.host === "auto") limits = { ...limits, host: hostLimit() };
    for (const key of ["host", "gpu"] as const) {
      const v = limits[key];
      if (v !== undefined && !(typeof v === "number" && v > 0 && Number.isFinite(v))) {
        throw new RangeError(
          `timeline.budget: ${key} must be a positive number of bytes, got ${v}`,
        );
      }
    }
    const warnAt = limits.warnAt ?? 0.9;
    if (!(warnAt > 0 && warnAt <= 1)) {
      throw new RangeError(`timeline.budget: warnAt must be in (0, 1], got ${warnAt}`);
    }
    if (limits.action !== undefined && limits.action !== "throw" && limits.action !== "warn") {
      throw new TypeError(
        `timeline.budget: action must be "throw" or "warn", got "${limits.action}"`,
      );
    }
    this.limits = { ...limits, warnAt };
    this.#warned = { host: false, gpu: false };
  }

  /** Checks one sample's values; `at` and `mark` say when, for the messages. */
  check(values: Record<SeriesName, number>, at: string, mark: string | undefined): void {
    const b = this.limits;
    if (!b) return;
    const warnAt = b.warnAt ?? 0.9;
    const used = { host: values.rss, gpu: values.gpuInUse + values.gpuPooled };
    const after = mark !== undefined ? ` after mark "${mark}"` : "";
    for (const kind of ["host", "gpu"] as const) {
      const limit = b[kind];
      if (typeof limit !== "number") continue;
      const fraction = used[kind] / limit;
      if (fraction >= 1 && (b.action ?? "throw") === "throw" && !this.error) {
        this.error = new BudgetExceededError(
          kind,
          used[kind],
          limit,
          `${WHAT[kind]} budget exceeded: ${humanBytes(used[kind])} is over the ${
            humanBytes(limit)
          } limit at ${at}${after}`,
        );
        (b.onWarn ?? console.warn)(`memkit timeline: ${this.error.message}; stopping`);
        this.#warned[kind] = true;
        this.#controller.abort(this.error);
      } else if (fraction >= warnAt && !this.#warned[kind]) {
        this.#warned[kind] = true;
        (b.onWarn ?? console.warn)(
          `memkit timeline: ${WHAT[kind]} is ${humanBytes(used[kind])}, ${
            Math.round(fraction * 100)
          }% of the ${humanBytes(limit)} budget at ${at}${after}`,
        );
      } else if (fraction < warnAt * 0.95) {
        this.#warned[kind] = false;
      }
    }
  }
}
