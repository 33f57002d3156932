/**
 * The reporter: the per-cell memory report that goes out before a cell's
 * idle, and the session timeline (engine RSS every 100 ms, one mark per
 * cell, engine events) that `memkit.timeline()` draws.
 * @module
 */
import type { AgentChannel } from "./_agent_channel.ts";
import type { Engine } from "./_engine.ts";
import type { Frontend } from "./_frontend.ts";
import { readRss, resetPeak } from "./_proc.ts";
import { type CellReport, formatReport, makeReport, notable } from "./_report.ts";
import { type SessionCell, SessionTimeline } from "../lib/memory/_kernel_protocol.ts";
import type { Frames } from "./_wire.ts";
import type { AgentSample, ReportMode } from "./agent.ts";

/** Parses the report mode from MEMKIT_REPORT; anything else is an error naming the value. */
export function parseMode(value: string | undefined): ReportMode {
  const v = (value ?? "on").trim().toLowerCase();
  if (v === "on" || v === "off" || v === "quiet") return v;
  throw new TypeError(
    `Cannot start the memkit kernel: MEMKIT_REPORT must be on, off or quiet, got "${value}"`,
  );
}

/** One execute request, from the frontend's send to the engine's idle. */
export interface Exec {
  msgId: string;
  frames: Frames;
  silent: boolean;
  forwardedAt: number;
  busyAt: number;
  count: number | null;
  /** An execute_result or error was seen (Deno sometimes sends it after idle). */
  result: boolean;
  /** The engine said idle; the report is being made. */
  idle: boolean;
}

/** Makes the per-cell reports and keeps the session timeline. */
export class Reporter {
  mode: ReportMode;
  #t0 = performance.now();
  #lastSample: AgentSample | null = null;
  #rssStart = 0;
  #peakPerCell = true;
  #tl = new SessionTimeline(100);
  #sampler: ReturnType<typeof setInterval> | undefined;

  constructor(readonly front: Frontend, readonly agent: AgentChannel, mode: ReportMode) {
    this.mode = mode;
  }

  /** The session timeline so far, as the agent draws it (lib/memory's kernel protocol). */
  get timeline(): ReturnType<SessionTimeline["toJSON"]> {
    return this.#tl.toJSON();
  }

  /** Starts sampling `engine()`'s RSS every 100 ms. */
  startSampling(engine: () => Engine | null): void {
    this.#sampler = setInterval(() => this.#sample(engine()), 100);
  }

  stopSampling(): void {
    clearInterval(this.#sampler);
  }

  /** Takes the baselines of a fresh engine: its first sample, RSS and peak. */
  async baseline(engine: Engine): Promise<void> {
    this.#lastSample = this.mode === "off" ? null : await this.agent.ask("sample");
    this.#rssStart = readRss(engine.pid)?.rss ?? 0;
    this.#peakPerCell = resetPeak(engine.pid);
  }

  /**
   * Reports on the cell, then sends the engine's idle. Deno's kernel
   * publishes a cell's execute_result after its idle now and then whenever its
   * event loop has pending work (reproduced with Deno's kernel alone and a
   * setInterval: 3 of 30 cells), and frontends drop output that comes after
   * idle. So the agent sends a marker through the engine's output queue, and
   * idle goes out once the marker is back: with the report on always (it rides
   * on the sample), with it off when the cell's result has not come yet.
   */
  async finish(engine: Engine, cur: Exec, idle: Frames): Promise<void> {
    const agent = this.agent;
    const wantFlush = agent.connected && (this.mode !== "off" || !cur.result);
    const flushId = agent.nextId();
    const grace = wantFlush ? agent.flushed(flushId) : null;
    if (wantFlush && (this.mode === "off" || cur.silent)) agent.ask("flush", flushId);
    const end = performance.now();
    const start = cur.busyAt || cur.forwardedAt;
    const proc = readRss(engine.pid);
    const rssEnd = proc?.rss ?? 0;
    const mark: SessionCell = {
      label: `[${cur.count ?? "?"}]`,
      start: start - this.#t0,
      end: end - this.#t0,
      rss: rssEnd,
      peak: proc ? Math.max(proc.hwm, rssEnd) : 0,
    };
    if (this.mode !== "off" && !cur.silent) {
      const before = this.#lastSample;
      const after = await agent.ask("sample", wantFlush ? flushId : undefined);
      if (after) this.#lastSample = after;
      const report = makeReport(
        cur.count,
        end - start,
        {
          start: this.#rssStart,
          end: rssEnd,
          peak: proc?.hwm ?? 0,
          perCell: this.#peakPerCell,
        },
        before,
        after,
      );
      // Deno's REPL names each cell's code "<anonymous>"; say which cell it was.
      // trackLeaks() names them "cell:line:col"; a bare one is this cell's top-level
      // code, while "f (cell:…)" may be a function from an earlier cell, so it stays.
      for (const s of report.sites) {
        s.site = s.site.replace("<anonymous>", `cell [${cur.count}]`)
          .replace(/^cell:(\d+:\d+)$/, `cell [${cur.count}]:$1`);
      }
      mark.heapUsed = report.heap;
      mark.tensors = report.tensors;
      mark.tensorBytes = report.tensorBytes;
      mark.breakdown = after?.breakdown;
      if (grace) await grace;
      this.#showLateErrors(after, cur);
      if (this.mode === "on" || notable(report)) this.#show(report, cur);
    } else if (this.mode === "off") {
      // The next report's deltas would otherwise span the cells run with the report off.
      this.#lastSample = null;
    }
    this.#tl.cell(mark);
    this.#rssStart = rssEnd;
    if (this.#peakPerCell) this.#peakPerCell = resetPeak(engine.pid);
    if (grace) await grace;
    this.front.forwardIopub(idle);
  }

  /** Errors thrown by timers or promises after an earlier cell ended, shown in this one. */
  #showLateErrors(after: AgentSample | null, cur: Exec): void {
    const errors = after?.lateErrors ?? [];
    if (!errors.length) return;
    const text = errors.map((e) => `memkit: after an earlier cell ended, ${e}\n`).join("");
    this.front.publish("stream", { name: "stderr", text }, cur.frames.header);
  }

  #show(report: CellReport, cur: Exec): void {
    const { text, html } = formatReport(report);
    this.front.publish(
      "display_data",
      {
        data: { "text/plain": text, "text/html": html },
        metadata: { memkit: report },
        transient: {},
      },
      cur.frames.header,
      { memkit: report },
    );
  }

  #sample(engine: Engine | null): void {
    if (!engine) return;
    const r = readRss(engine.pid);
    if (r) this.#tl.sample(performance.now() - this.#t0, r.rss);
  }

  /** Adds an event (an engine restart) to the timeline. */
  event(label: string): void {
    this.#tl.event(performance.now() - this.#t0, label);
  }

  /** Forgets the engine's last sample (a new engine starts from zero). */
  reset(): void {
    this.#lastSample = null;
  }
}
