/**
 * The per-cell memory report: its numbers and its compact rendering.
 * @module
 */
import type { AgentSample } from "./agent.ts";
import { humanBytes } from "../lib/plot/human_bytes.ts";
import { largestMover } from "../lib/memory/_kernel_protocol.ts";
import { escapeHtml } from "../lib/plot/escape_html.ts";

/** The numbers of one cell's report (also sent as the output's metadata `memkit`). */
export interface CellReport {
  /** The cell's execution count, when known. */
  cell: number | null;
  /** Wall time from the engine starting the cell to it going idle, ms. */
  wallMs: number;
  /** Engine RSS at the start and end of the cell, and its peak during the cell, bytes. */
  rssStart: number;
  rssEnd: number;
  rssPeak: number;
  /** False when /proc/<pid>/clear_refs could not reset the peak: rssPeak is then the peak since the engine started. */
  peakIsPerCell: boolean;
  /** V8 heap in use at the end and its change over the cell, bytes (null when the agent did not answer). */
  heap: number | null;
  heapDelta: number | null;
  /** tfjs tensors and bytes at the end and their change (null without tfjs). */
  tensors: number | null;
  tensorsDelta: number | null;
  tensorBytes: number | null;
  tensorBytesDelta: number | null;
  /** GPU bytes in use and pooled (null when not readable). */
  gpu: AgentSample["gpu"];
  /** Tensors created in the cell that are still alive, their bytes and creation sites. */
  survivors: number;
  survivorBytes: number;
  sites: AgentSample["sites"];
  /** The part of RSS that changed most over the cell (lib/memory's breakdown), or null. */
  mover: string | null;
  /** The parts of the engine's RSS at the cell's end (null when the agent could not read them). */
  breakdown: AgentSample["breakdown"];
}

const MiB = 1024 * 1024;

// The same SI units as every other memkit display (1 MB = 10⁶ bytes).
function bytes(n: number, signed = false): string {
  return humanBytes(n, { sign: signed });
}

function ms(n: number): string {
  return n >= 1000 ? `${(n / 1000).toFixed(2)} s` : `${n.toFixed(1)} ms`;
}

/** Builds the report from the kernel's /proc readings and the agent's sample (null if none). */
export function makeReport(
  cell: number | null,
  wallMs: number,
  rss: { start: number; end: number; peak: number; perCell: boolean },
  before: AgentSample | null,
  after: AgentSample | null,
): CellReport {
  const tfNow = after?.tf ?? null;
  const tfBefore = before?.tf ?? null;
  return {
    cell,
    wallMs,
    rssStart: rss.start,
    rssEnd: rss.end,
    rssPeak: Math.max(rss.peak, rss.end),
    peakIsPerCell: rss.perCell,
    heap: after?.heapUsed ?? null,
    heapDelta: after && before ? after.heapUsed - before.heapUsed : null,
    // Without a sample from before the cell (report just turned on) there is
    // no delta to give; tfjs not loaded before the cell counts as zero tensors.
    tensors: tfNow?.numTensors ?? null,
    tensorsDelta: tfNow && before ? tfNow.numTensors - (tfBefore?.numTensors ?? 0) : null,
    tensorBytes: tfNow?.numBytes ?? null,
    tensorBytesDelta: tfNow && before ? tfNow.numBytes - (tfBefore?.numBytes ?? 0) : null,
    gpu: after?.gpu ?? null,
    survivors: after?.survivors ?? 0,
    survivorBytes: after?.survivorBytes ?? 0,
    sites: after?.sites ?? [],
    mover: largestMover(before?.breakdown, after?.breakdown),
    breakdown: after?.breakdown ?? null,
  };
}

/** Quiet mode shows a report only when the cell did something worth a look. */
export function notable(r: CellReport): boolean {
  return Math.abs(r.rssEnd - r.rssStart) >= 16 * MiB || r.rssPeak - r.rssStart >= 64 * MiB ||
    r.survivors > 0;
}

/** One line (two with a leak warning) of text, and the same as small HTML. */
export function formatReport(r: CellReport): { text: string; html: string } {
  const parts = [
    `wall ${ms(r.wallMs)}`,
    `RSS ${bytes(r.rssEnd - r.rssStart, true)} → ${bytes(r.rssEnd)} (peak ${bytes(r.rssPeak)}${
      r.peakIsPerCell ? "" : " since start"
    })`,
  ];
  if (r.heapDelta !== null) parts.push(`heap ${bytes(r.heapDelta, true)}`);
  if (r.tensors !== null && r.tensorsDelta !== null) {
    parts.push(
      `tensors ${r.tensorsDelta >= 0 ? "+" : "−"}${Math.abs(r.tensorsDelta)} → ${r.tensors} (${
        bytes(r.tensorBytesDelta ?? 0, true)
      })`,
    );
  } else if (r.tensors !== null) parts.push(`tensors ${r.tensors} (${bytes(r.tensorBytes ?? 0)})`);
  if (r.gpu && r.gpu.backend === "webgpu") {
    parts.push(`GPU ${bytes(r.gpu.inUse)} in use, ${bytes(r.gpu.pooled)} pooled`);
  } else if (r.gpu && r.gpu.backend === "wasm") parts.push(`wasm heap ${bytes(r.gpu.wasmHeap)}`);
  if (r.mover) parts.push(r.mover);
  const line = `memkit · ${parts.join(" · ")}`;
  let warn = "";
  if (r.survivors > 0) {
    warn = `⚠ ${r.survivors} tensor${r.survivors === 1 ? "" : "s"} (${
      bytes(r.survivorBytes)
    }) created in this cell still alive`;
    if (r.sites.length) {
      warn += ": " +
        r.sites.map((s) =>
          `${s.count}× ${s.shape ? `${s.dtype ?? ""}[${s.shape.join(",")}] ` : ""}${
            bytes(s.bytes)
          } at ${s.site}`
        ).join("; ");
    } else warn += " (trackLeaks() or memkit.sites(true) records where they are created)";
  }
  const html = `<div style="font:11px monospace;color:#777;margin-top:2px">${escapeHtml(line)}${
    warn ? `<br><span style="color:#b45f06">${escapeHtml(warn)}</span>` : ""
  }</div>`;
  return { text: warn ? `${line}\n${warn}` : line, html };
}
