import { Timeline } from "./_timeline.ts";
import type { Budget } from "./_timeline.ts";

export type {
  Budget,
  FigureOptions,
  LedgerEntry,
  Peak,
  SeriesName,
  Timeline,
  TimelineData,
  TimelineMark,
} from "./_timeline.ts";

/** Options for {@linkcode timeline}. */
export interface TimelineOptions {
  /**
   * Milliseconds between samples.
   * @default {100}
   */
  everyMs?: number;
  /**
   * In Jupyter, show the plot at once and update that one output in place
   * while the run goes on (no effect outside a kernel).
   * @default {false}
   */
  live?: boolean;
  /**
   * Milliseconds between live updates.
   * @default {1000}
   */
  liveEveryMs?: number;
  /** Memory limits: warn near them, stop past them (see `Timeline.budget`). */
  budget?: Budget;
  /**
   * Stored slots at most; past it, neighbours merge (max and min kept), so
   * memory stays bounded: 10 series × 2 × 8 bytes × maxSamples.
   * @default {8192}
   */
  maxSamples?: number;
  /**
   * The plot's title.
   * @default {"memory timeline"}
   */
  title?: string;
}

/**
 * Starts a memory timeline: samples process RSS, V8 heap used/total and
 * external memory, tfjs tensor bytes and count, GPU bytes in use and pooled,
 * the wasm heap and registered probes every `everyMs`, on an unref'd timer
 * (it never keeps the process alive). It keeps peaks, marks and a ledger,
 * enforces budgets, and draws itself as a plotly figure in Jupyter, in HTML
 * and as a text summary. Stop it with `stop()` (or `using`).
 *
 * @param options Interval, live display, budget, bounds.
 * @returns The running timeline.
 * @example
 * ```ts
 * import { timeline } from "memkit";
 * const tl = timeline({ everyMs: 10 });
 * const blocks = [new Uint8Array(4e6), new Uint8Array(4e6)].map((b) => b.fill(1));
 * tl.mark("allocated");
 * tl.stop();
 * if (tl.ledger()[0].change.external < 8e6 || blocks.length !== 2) throw new Error("missed 8 MB");
 * if (!tl.summary().includes("allocated")) throw new Error(tl.summary());
 * ```
 */
export function timeline(options: TimelineOptions = {}): Timeline {
  const everyMs = options.everyMs ?? 100;
  if (!(typeof everyMs === "number" && everyMs >= 1 && Number.isFinite(everyMs))) {
    throw new RangeError(`timeline: options.everyMs must be a number ≥ 1, got ${everyMs}`);
  }
  const liveEveryMs = options.liveEveryMs ?? 1000;
  if (!(typeof liveEveryMs === "number" && liveEveryMs >= 100)) {
    throw new RangeError(
      `timeline: options.liveEveryMs must be a number ≥ 100, got ${liveEveryMs}`,
    );
  }
  return new Timeline({
    everyMs,
    maxSamples: options.maxSamples ?? 8192,
    live: options.live ?? false,
    liveEveryMs,
    budget: options.budget,
    title: options.title,
  });
}
