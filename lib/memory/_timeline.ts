/** The Timeline class behind `timeline()` and `loadTimeline()`. */
import { display, inJupyter, type MimeBundle } from "../plot/display.ts";
import { humanBytes } from "../plot/human_bytes.ts";
import { plotlyBundle } from "../plot/plotly_bundle.ts";
import { plotlyHTML } from "../plot/plotly_html.ts";
import type { PlotlyFigure } from "../plot/_figure_types.ts";
import { type Budget, BudgetWatch } from "./_budget.ts";
import { timelineFigure } from "./_figure.ts";
import type { Peak, TimelineData, TimelineMark } from "./_data.ts";
import {
  type RawSample,
  restoreStore,
  SampleStore,
  SERIES,
  type SeriesName,
  storeData,
} from "./_store.ts";
import { type LedgerEntry, ledgerOf, summaryText } from "./_summary.ts";
import { readSample } from "./_sample.ts";

export type { Peak, TimelineData, TimelineMark } from "./_data.ts";
export type { SeriesName } from "./_store.ts";
export type { LedgerEntry } from "./_summary.ts";
export type { Budget } from "./_budget.ts";

/** Options for `figure()`. */
export interface FigureOptions {
  /**
   * Points per trace, after largest-triangle-three-buckets decimation (peaks kept).
   * @default {2000}
   */
  maxPoints?: number;
}

/** Options the class needs; `timeline()` validates and fills them. */
export interface TimelineInit {
  everyMs: number;
  maxSamples: number;
  live: boolean;
  liveEveryMs: number;
  budget?: Budget;
  title?: string;
}

const DISPLAY = Symbol.for("Jupyter.display");
// Points per trace in notebook outputs: the figure goes into the notebook twice (plotly
// JSON and HTML), and 1000 points are still more than a cell's width in pixels.
const BUNDLE_POINTS = 1000;
let liveCounter = 0;

function zeros(): Record<SeriesName, number> {
  return Object.fromEntries(SERIES.map((s) => [s, 0])) as Record<SeriesName, number>;
}

/**
 * A memory timeline: samples, marks, peaks, a ledger and budgets, drawn as a
 * plotly figure. Made by `timeline()` (running) or `loadTimeline()` (stopped).
 */
export class Timeline {
  /** Milliseconds between samples. */
  readonly everyMs: number;
  /** Aborted with a BudgetExceededError when a budget with action "throw" is exceeded. */
  readonly signal: AbortSignal;
  readonly #store: SampleStore;
  readonly #marks: TimelineMark[] = [];
  #peaks: Record<SeriesName, Peak>;
  #intervalPeak = zeros();
  #t0: number;
  #startedAt: Date;
  #timer: ReturnType<typeof setInterval> | undefined;
  #liveTimer: ReturnType<typeof setInterval> | undefined;
  #liveId: string | undefined;
  #liveCarrier = false;
  #shownLive = false;
  #liveAt = 0;
  #liveCost = 0;
  #start: Record<SeriesName, number> | undefined;
  #controller = new AbortController();
  #watch = new BudgetWatch(this.#controller);
  #last: RawSample | undefined;
  #peakValues: Record<SeriesName, number> | undefined;
  #title: string;
  #liveEveryMs: number;

  /** @internal Use `timeline()` or `loadTimeline()`. */
  constructor(init: TimelineInit, data?: TimelineData) {
    this.everyMs = init.everyMs;
    this.signal = this.#controller.signal;
    this.#title = init.title ?? "memory timeline";
    this.#liveEveryMs = init.liveEveryMs;
    this.#store = new SampleStore(init.maxSamples);
    this.#t0 = performance.now();
    this.#startedAt = new Date();
    this.#peaks = Object.fromEntries(
      SERIES.map((s) => [s, { value: 0, t: 0, mark: null }]),
    ) as Record<SeriesName, Peak>;
    if (data) {
      this.#restore(data);
      return;
    }
    if (init.budget) this.budget(init.budget);
    this.sample();
    const timer = setInterval(() => this.sample(), this.everyMs);
    // The sampler watches the program; it must never be the reason it keeps running.
    Deno.unrefTimer(timer);
    this.#timer = timer;
    if (init.live && inJupyter()) this.#startLive();
  }

  /** True until `stop()`. */
  get running(): boolean {
    return this.#timer !== undefined;
  }

  /** Raw samples taken so far (stored ones are fewer once the store has thinned). */
  get samples(): number {
    return this.#store.total;
  }

  /** Bytes this timeline holds for its samples and marks (its own footprint). */
  get bytes(): number {
    let marks = 0;
    for (const m of this.#marks) marks += 2 * m.label.length + 3 * 8 * SERIES.length + 64;
    return this.#store.bytes + marks;
  }

  /** The marks made so far. */
  get marks(): readonly TimelineMark[] {
    return this.#marks;
  }

  /** The largest value of each series since the start or the last `resetPeaks()`. */
  get peaks(): Record<SeriesName, Peak> {
    return structuredClone(this.#peaks);
  }

  /** The latest raw sample's values. */
  get latest(): Record<SeriesName, number> {
    return { ...(this.#last?.values ?? zeros()) };
  }

  /** Takes one sample now (the timer calls this every `everyMs`). */
  sample(): void {
    const s = readSample();
    this.#record(s);
  }

  #record(s: RawSample): void {
    // The very first reading opens the ledger exactly (slot 0 may later merge with others).
    this.#start ??= { ...s.values };
    this.#last = s;
    this.#store.push(s);
    const mark = this.#marks.at(-1)?.label ?? null;
    // The parts of RSS at its peak, for the summary.
    if (s.values.rss > this.#peaks.rss.value) this.#peakValues = s.values;
    for (const name of SERIES) {
      const v = s.values[name];
      if (v > this.#peaks[name].value) this.#peaks[name] = { value: v, t: s.t - this.#t0, mark };
      if (v > this.#intervalPeak[name]) this.#intervalPeak[name] = v;
    }
    if (this.#watch.limits) this.#checkBudget(s);
  }

  /**
   * Marks a moment (a cell, an epoch, a step) with a label; it samples right
   * then, so the ledger between marks is exact. Throws the BudgetExceededError
   * if a budget was exceeded since (after recording the mark).
   */
  mark(label: string): void {
    if (typeof label !== "string") {
      throw new TypeError(`timeline.mark: label must be a string, got ${typeof label}`);
    }
    const s = readSample();
    // The mark's own reading closes the interval before it and opens the next;
    // a peak read right at the mark is attributed to it.
    for (const name of SERIES) {
      if (s.values[name] > this.#intervalPeak[name]) this.#intervalPeak[name] = s.values[name];
    }
    this.#marks.push({
      label,
      t: s.t - this.#t0,
      values: { ...s.values },
      probes: s.probes,
      peak: this.#intervalPeak,
    });
    this.#intervalPeak = { ...s.values };
    this.#record(s);
    this.check();
  }

  /** Throws the BudgetExceededError if a budget with action "throw" was exceeded. */
  check(): void {
    if (this.#watch.error) throw this.#watch.error;
  }

  /** Forgets the peaks so far: from now on they are measured from the current values. */
  resetPeaks(): void {
    const s = readSample();
    const mark = this.#marks.at(-1)?.label ?? null;
    for (const name of SERIES) {
      this.#peaks[name] = { value: s.values[name], t: s.t - this.#t0, mark };
    }
  }

  /**
   * Sets (or replaces) memory limits. Usage is checked at every sample: at
   * `warnAt` of a limit it warns once; past the limit, with action "throw", it
   * aborts `signal` (pass it to `fit` or a dataset to stop them) and the next
   * `mark()`/`check()` throws. Checks run on the sampler's timer, so they see
   * usage between awaits; synchronous work between two awaits is not interrupted.
   */
  budget(limits: Budget): this {
    this.#watch.set(limits);
    if (this.#last) this.#checkBudget(this.#last);
    return this;
  }

  #checkBudget(s: RawSample): void {
    this.#watch.check(
      s.values,
      `${((s.t - this.#t0) / 1000).toFixed(1)} s`,
      this.#marks.at(-1)?.label,
    );
  }

  /** Intervals between marks (start → first mark → … → now) with what grew and what shrank. */
  ledger(): LedgerEntry[] {
    const end = this.#last ?? readSample();
    return ledgerOf(this.#marks, end.values, end.t - this.#t0, this.#intervalPeak, this.#first());
  }

  #first(): Record<SeriesName, number> {
    if (this.#start) return this.#start;
    const s = this.#store;
    if (s.length === 0) return zeros();
    return Object.fromEntries(SERIES.map((n) => [n, s.cols[n].min[0]])) as Record<
      SeriesName,
      number
    >;
  }

  /**
   * Stops sampling (takes a final sample; a live display gets its final update).
   * Idempotent. Returns nothing, so that a cell ending in `tl.stop()` does not
   * show the plot a second time under a live one; end the cell with `tl` for that.
   */
  stop(): void {
    if (this.#timer === undefined) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.sample();
    if (this.#liveTimer !== undefined) {
      clearInterval(this.#liveTimer);
      this.#liveTimer = undefined;
      void this.#showLive(true);
    }
  }

  /** Same as `stop()`, for `using tl = timeline(…)`. */
  [Symbol.dispose](): void {
    this.stop();
  }

  /** The plotly figure: stacked host memory, GPU memory, tensors on a second axis, marks, peaks. */
  figure(options: FigureOptions = {}): PlotlyFigure {
    const maxPoints = options.maxPoints ?? 2000;
    if (!Number.isInteger(maxPoints) || maxPoints < 16) {
      throw new RangeError(`timeline.figure: maxPoints must be an integer ≥ 16, got ${maxPoints}`);
    }
    const seconds = this.#store.length
      ? (this.#store.t[this.#store.length - 1] - this.#t0) / 1000
      : 0;
    const title = `${this.#title} · ${seconds.toFixed(1)} s · peak RSS ${
      humanBytes(this.#peaks.rss.value)
    }${
      this.#peaks.tfBytes.value > 0 ? ` · peak tfjs ${humanBytes(this.#peaks.tfBytes.value)}` : ""
    }`;
    const store = this.#store;
    const t = new Float64Array(store.length);
    for (let i = 0; i < t.length; i++) t[i] = store.t[i] - this.#t0;
    return timelineFigure({
      n: store.length,
      t,
      col: (s) => store.cols[s].max,
      probes: [...store.probes].map(([name, c]) => [name, c.max]),
      marks: this.#marks,
      peaks: this.#peaks,
      title,
      spacingMs: this.everyMs * store.stride,
    }, maxPoints);
  }

  /** A plain-text summary: span, peaks, budget, and a table of marks. */
  summary(): string {
    const end = this.#last ?? readSample();
    return summaryText({
      title: this.#title,
      everyMs: this.everyMs,
      samples: this.#store.total,
      stored: this.#store.length,
      ownBytes: this.bytes,
      running: this.running,
      seconds: (end.t - this.#t0) / 1000,
      peaks: this.#peaks,
      marks: this.#marks,
      ledger: this.ledger(),
      budget: this.#watch.limits,
      error: this.#watch.error?.message,
      gpu: this.#peaks.gpuInUse.value > 0 || this.#peaks.gpuPooled.value > 0,
      atPeak: this.#peakValues,
    });
  }

  /**
   * The Jupyter MIME bundle: plotly JSON, offline HTML (static SVG that
   * upgrades to plotly.js) and the text summary. `[Symbol.for("Jupyter.display")]`
   * returns the same, so ending a cell with the timeline shows it.
   */
  bundle(): MimeBundle {
    return plotlyBundle(this.figure({ maxPoints: BUNDLE_POINTS }), { text: this.summary() });
  }

  /** What Deno's kernel (and memkit's) call to show the timeline. */
  [DISPLAY](): MimeBundle {
    return this.bundle();
  }

  /**
   * Displays the timeline now (a new output in Jupyter, the summary on
   * stdout elsewhere). Ending a cell with `tl` does the same, but Deno's
   * kernel may send a large result after the cell reports idle, which
   * headless runners (nbclient, nbconvert) then drop; `await tl.show()` is sent
   * before the cell ends.
   */
  async show(): Promise<void> {
    await display(this[DISPLAY]());
  }

  /** Writes a self-contained, offline HTML page (plotly.js inlined, gzipped) with the summary. */
  async saveHTML(path: string | URL): Promise<void> {
    await Deno.writeTextFile(
      path,
      plotlyHTML(this.figure(), { title: this.#title, text: this.summary() }),
    );
  }

  /** Writes samples, marks and peaks as JSON; `loadTimeline(path)` reads it back. */
  async saveJSON(path: string | URL): Promise<void> {
    await Deno.writeTextFile(path, JSON.stringify(this.toJSON()));
  }

  /** The saved form (what `saveJSON` writes). */
  toJSON(): TimelineData {
    const s = this.#store;
    return {
      format: "memkit-timeline",
      version: 1,
      everyMs: this.everyMs,
      startedAt: this.#startedAt.toISOString(),
      stride: s.stride,
      total: s.total,
      maxSamples: s.capacity,
      t: Array.from(s.t.subarray(0, s.length), (t) => t - this.#t0),
      ...storeData(s),
      marks: structuredClone(this.#marks),
      peaks: structuredClone(this.#peaks),
      start: this.#start ? { ...this.#start } : undefined,
    };
  }

  #restore(data: TimelineData): void {
    const s = this.#store;
    restoreStore(s, data);
    this.#t0 = 0;
    this.#startedAt = new Date(data.startedAt);
    this.#marks.push(...data.marks);
    for (const [k, p] of Object.entries(data.peaks)) if (p) this.#peaks[k as SeriesName] = { ...p };
    if (data.start) this.#start = { ...data.start };
    const n = s.length;
    if (n > 0) {
      const values = Object.fromEntries(SERIES.map((k) => [k, s.cols[k].max[n - 1]])) as Record<
        SeriesName,
        number
      >;
      this.#last = { t: data.t[n - 1], values, probes: {} };
    }
  }

  #startLive(): void {
    this.#liveId = `memkit-timeline-${Date.now()}-${liveCounter++}`;
    void this.#showLive(false);
    const timer = setInterval(() => void this.#showLive(false), this.#liveEveryMs);
    Deno.unrefTimer(timer);
    this.#liveTimer = timer;
  }

  async #showLive(final: boolean): Promise<void> {
    // Keep the live display under ~0.5% of the run: a redraw that took c ms waits at
    // least 200·c ms for the next (a long run's redraw costs ~10 ms: every 2 s).
    const now = performance.now();
    if (!final && this.#shownLive && now - this.#liveAt < 200 * this.#liveCost) return;
    this.#liveAt = now;
    // The output that first carried plotly.js keeps carrying it in its final
    // state, so a saved notebook still has a copy; the updates in between do
    // not resend ~2 MB each time.
    const first = !this.#shownLive;
    const plotly = first ? "auto" : final && this.#liveCarrier ? "always" : "never";
    const bundle = plotlyBundle(this.figure({ maxPoints: BUNDLE_POINTS }), {
      text: this.summary(),
      plotly,
    });
    if (first) this.#liveCarrier = String(bundle["text/html"]).includes(`class="memkit-plotly-gz"`);
    this.#shownLive = true;
    // The first draw pays one-time costs (compiling, gzipping plotly.js): not a guide.
    this.#liveCost = first ? 0 : Math.min(performance.now() - now, 50);
    await display(bundle, { displayId: this.#liveId, update: !first });
  }
}
