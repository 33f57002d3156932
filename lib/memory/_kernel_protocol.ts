/**
 * The one internal protocol between lib/memory and the memkit kernel. It is
 * the only private lib file that kernel/ imports; everything the kernel needs
 * from the memory model goes through here, so lib/memory may change inside
 * without breaking the kernel. No tfjs, no import side effects: both the
 * kernel process and the agent inside the engine load it.
 *
 * The contract, by side:
 * - Kernel process: a {@linkcode SessionTimeline} records the engine's RSS
 *   (read from /proc/<pid> every 100 ms), each cell as an interval mark with
 *   the agent's breakdown at its end, and events (engine restarts). Its
 *   `toJSON()` is lib/memory's `TimelineData` ("memkit-timeline" v1), which
 *   `loadTimeline()` also reads.
 * - Agent (engine process): {@linkcode engineBreakdown} names the parts of
 *   the engine's RSS at a cell's end (the same reading as `memoryBreakdown()`);
 *   {@linkcode sessionView} displays the session's `TimelineData` with the
 *   one timeline figure.
 * - Reporter: {@linkcode largestMover} names the category that changed most
 *   over a cell, for the per-cell line.
 * @module
 */
import type { MimeBundle } from "../plot/display.ts";
import { humanBytes } from "../plot/human_bytes.ts";
import { readBreakdown } from "./_breakdown.ts";
import { CATEGORIES, type Category, CATEGORY_SHORT } from "./_categories.ts";
import type { Peak, TimelineData, TimelineMark } from "./_data.ts";
import { type RawSample, SampleStore, SERIES, type SeriesName, storeData } from "./_store.ts";

export type { Category } from "./_categories.ts";
export type { TimelineData } from "./_data.ts";

/** Bytes per part of RSS, plus RSS itself: what the agent sends at a cell's end. */
export interface EngineBreakdown {
  /** The engine's RSS when read, bytes. */
  rss: number;
  /** Bytes per category; they add up to `rss`. */
  bytes: Record<Category, number>;
  /** Why native malloc could not be read, when it could not (its bytes are then unexplained). */
  mallocUnavailable?: string;
}

let baseline = 0;

/**
 * Measures what is unexplained when the engine starts, before any notebook
 * code (agent side, once at its start): later readings name up to that much
 * as `kernelRuntime`. In Deno's kernel it is ~86 MB: a second V8 isolate
 * whose heap (an 80 MB array of holes among it) node:v8 does not report.
 * @returns The baseline, bytes.
 */
export function markEngineStart(): number {
  baseline = readBreakdown({ stacksMaxAgeMs: 0 }).bytes.unexplained;
  return baseline;
}

/**
 * Reads the parts of the engine's RSS (agent side).
 * @param inputs The wasm heap and host-resident GPU bytes, when the agent can read them.
 */
export function engineBreakdown(
  inputs: { wasmHeap?: number; gpuStaging?: number } = {},
): EngineBreakdown {
  const b = readBreakdown({ ...inputs, runtimeBaseline: baseline, stacksMaxAgeMs: 2000 });
  return {
    rss: b.rss,
    bytes: b.bytes,
    ...(b.malloc.available ? {} : { mallocUnavailable: b.malloc.reason }),
  };
}

/**
 * Loads the reader of tfjs's GPU bytes that live in host memory (agent side).
 * It imports memkit's tfjs entry, so the agent calls it only once memkit is loaded.
 */
export async function loadHostGpuBytes(): Promise<
  (gpu: { backend: string; allocated: number }) => number
> {
  return (await import("./_host_gpu.ts")).hostGpuBytes;
}

// Moves smaller than this are allocator and GC jitter, not news.
const MIN_MOVE = 1_000_000;

/**
 * The category that changed most between two readings, e.g.
 * "largest mover ArrayBuffers +209.7 MB"; null when none moved by 1 MB.
 */
export function largestMover(
  before: EngineBreakdown | null | undefined,
  after: EngineBreakdown | null | undefined,
): string | null {
  if (!before || !after) return null;
  let best: Category | null = null;
  let delta = 0;
  for (const c of CATEGORIES) {
    const d = (after.bytes[c] ?? 0) - (before.bytes[c] ?? 0);
    if (Math.abs(d) > Math.abs(delta)) [best, delta] = [c, d];
  }
  if (!best || Math.abs(delta) < MIN_MOVE) return null;
  return `largest mover ${CATEGORY_SHORT[best]} ${humanBytes(delta, { sign: true })}`;
}

/** One executed cell, as the kernel records it. */
export interface SessionCell {
  /** The label, e.g. "[3]". */
  label: string;
  /** Milliseconds since the kernel started, at the cell's start and end. */
  start: number;
  end: number;
  /** Engine RSS at the end and its peak during the cell (/proc's VmHWM), bytes. */
  rss: number;
  peak: number;
  /** What the agent read at the end (absent when the report was off). */
  heapUsed?: number | null;
  tensors?: number | null;
  tensorBytes?: number | null;
  breakdown?: EngineBreakdown | null;
}

const MAX_MARKS = 10_000;

function unknown(): Record<SeriesName, number> {
  return Object.fromEntries(SERIES.map((s) => [s, NaN])) as Record<SeriesName, number>;
}

/**
 * The kernel's session timeline (kernel side): the one timeline model's
 * store, fed from outside the engine. Series not read stay NaN (null once
 * saved); the figure draws the stacked parts of RSS where the agent read them.
 */
export class SessionTimeline {
  readonly #store: SampleStore;
  readonly #marks: TimelineMark[] = [];
  readonly #everyMs: number;
  readonly #startedAt = new Date();
  #peaks: Partial<Record<SeriesName, Peak>> = {};

  /**
   * @param everyMs The kernel's sampling interval.
   * @param maxSamples Stored slots at most (neighbours merge past it).
   */
  constructor(everyMs = 100, maxSamples = 8192) {
    this.#everyMs = everyMs;
    this.#store = new SampleStore(maxSamples);
  }

  /** Records the engine's RSS read at `t` ms since the kernel started. */
  sample(t: number, rss: number): void {
    const values = unknown();
    values.rss = rss;
    this.#push({ t, values, probes: {} });
  }

  /** Records a cell: an interval mark, and a full sample at its end. */
  cell(c: SessionCell): void {
    const values = unknown();
    values.rss = c.breakdown?.rss ?? c.rss;
    if (c.heapUsed != null) values.heapUsed = c.heapUsed;
    if (c.tensors != null) values.tfTensors = c.tensors;
    if (c.tensorBytes != null) values.tfBytes = c.tensorBytes;
    if (c.breakdown) { for (const k of CATEGORIES) values[`rss.${k}`] = c.breakdown.bytes[k]; }
    this.#push({ t: c.end, values, probes: {} });
    const peak = unknown();
    peak.rss = Math.max(c.peak, values.rss);
    this.#bump("rss", peak.rss, c.end, c.label);
    this.#mark({ label: c.label, t: c.end, start: c.start, values, probes: {}, peak });
  }

  /** Records a moment (e.g. "engine restarted") at `t` ms since the kernel started. */
  event(t: number, label: string): void {
    this.#mark({ label, t, values: unknown(), probes: {}, peak: unknown() });
  }

  #mark(m: TimelineMark): void {
    this.#marks.push(m);
    if (this.#marks.length > MAX_MARKS) this.#marks.shift();
  }

  #push(s: RawSample): void {
    this.#store.push(s);
    const mark = this.#marks.at(-1)?.label ?? null;
    for (const k of ["rss", "tfTensors", "tfBytes"] as const) {
      this.#bump(k, s.values[k], s.t, mark);
    }
  }

  #bump(k: SeriesName, v: number, t: number, mark: string | null): void {
    if (!(v > (this.#peaks[k]?.value ?? 0))) return;
    this.#peaks[k] = { value: v, t, mark };
  }

  /** The session as lib/memory's saved timeline form. */
  toJSON(): TimelineData {
    const s = this.#store;
    return {
      format: "memkit-timeline",
      version: 1,
      everyMs: this.#everyMs,
      startedAt: this.#startedAt.toISOString(),
      stride: s.stride,
      total: s.total,
      maxSamples: s.capacity,
      t: Array.from(s.t.subarray(0, s.length)),
      ...storeData(s),
      marks: this.#marks,
      peaks: this.#peaks,
      title: "memkit session timeline",
    };
  }
}

const DISPLAY = Symbol.for("Jupyter.display");

/** What `memkit.timeline()` returns in a notebook: the session's data, displayed as the figure. */
export interface SessionView {
  /** The session timeline's numbers. */
  readonly data: TimelineData;
}

/**
 * Wraps session data so that Jupyter displays it with the one timeline figure
 * (agent side). The figure and lib/plot load here, at the first call: a
 * notebook that never draws the timeline never loads them.
 */
export async function sessionView(data: TimelineData): Promise<SessionView> {
  const { dataInput, timelineFigure } = await import("./_figure.ts");
  const { plotlyBundle } = await import("../plot/plotly_bundle.ts");
  const cells = data.marks.filter((m) => m.start !== undefined);
  const last = cells.at(-1);
  const peak = data.peaks.rss?.value ?? 0;
  const text = `memkit session timeline: ${cells.length} cells, ${data.t.length} samples` +
    (last ? `, engine RSS ${humanBytes(last.values.rss)} after cell ${last.label}` : "") +
    (peak > 0 ? `, peak ${humanBytes(peak)}` : "");
  const bundle = (): MimeBundle =>
    plotlyBundle(
      timelineFigure(dataInput(data, { rssName: "engine RSS", intervalName: "cell" }), 2000),
      { text },
    );
  return { data, [DISPLAY]: bundle } as SessionView;
}
