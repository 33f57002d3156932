/** The ledger and the plain-text summary of a timeline. */
import { humanBytes } from "../plot/human_bytes.ts";
import type { Peak, TimelineMark } from "./_data.ts";
import { CATEGORIES, CATEGORY_LABELS, CATEGORY_SHORT } from "./_categories.ts";
import { SERIES, type SeriesName } from "./_store.ts";

/** One interval between two marks (or the start, or now): what grew and what shrank. */
export interface LedgerEntry {
  /** The label of the mark that opens the interval ("start" for the first). */
  from: string;
  /** The label of the mark that closes it ("now" for the last, open one). */
  to: string;
  /** Milliseconds since the start, where the interval begins. */
  start: number;
  /** Milliseconds since the start, where it ends. */
  end: number;
  /** Every series at the end of the interval. */
  values: Record<SeriesName, number>;
  /** The change of every series over the interval (end − start). */
  change: Record<SeriesName, number>;
  /** The maximum of every series within the interval. */
  peak: Record<SeriesName, number>;
  /** Series that grew, largest first, e.g. "tfjs tensor bytes +12.3 MB". */
  grew: string[];
  /** Series that shrank, largest first. */
  shrank: string[];
}

/** Human names of the series, as the plot and the tables show them. */
export const LABELS: Record<SeriesName, string> = {
  rss: "RSS",
  heapUsed: "V8 heap used",
  heapTotal: "V8 heap total",
  external: "external",
  tfBytes: "tfjs tensor bytes",
  tfTensors: "tensors",
  gpuInUse: "GPU in use",
  gpuPooled: "GPU pooled",
  wasmHeap: "wasm heap",
  probes: "probes",
  ...Object.fromEntries(CATEGORIES.map((c) => [`rss.${c}`, CATEGORY_LABELS[c]])) as Record<
    `rss.${(typeof CATEGORIES)[number]}`,
    string
  >,
};

// Changes smaller than this are noise (allocator and GC jitter), not news.
const MIN_BYTES = 64 * 1024;

function describe(change: Record<SeriesName, number>, sign: 1 | -1): string[] {
  return SERIES
    .filter((s) => sign * change[s] >= (s === "tfTensors" ? 1 : MIN_BYTES))
    .sort((a, b) => sign * (change[b] - change[a]))
    .map((s) =>
      s === "tfTensors"
        ? `${LABELS[s]} ${change[s] > 0 ? "+" : ""}${change[s]}`
        : `${LABELS[s]} ${humanBytes(change[s], { sign: true })}`
    );
}

/** Builds the ledger from marks, the current values and the first sample. */
export function ledgerOf(
  marks: readonly TimelineMark[],
  now: Record<SeriesName, number>,
  nowT: number,
  openPeak: Record<SeriesName, number>,
  first: Record<SeriesName, number>,
): LedgerEntry[] {
  const out: LedgerEntry[] = [];
  let from = "start";
  let start = 0;
  let before = first;
  const close = (
    to: string,
    end: number,
    after: Record<SeriesName, number>,
    peak: Record<SeriesName, number>,
  ) => {
    const change = Object.fromEntries(SERIES.map((s) => [s, after[s] - before[s]])) as Record<
      SeriesName,
      number
    >;
    out.push({
      from,
      to,
      start,
      end,
      values: { ...after },
      change,
      peak: { ...peak },
      grew: describe(change, 1),
      shrank: describe(change, -1),
    });
  };
  for (const m of marks) {
    close(m.label, m.t, m.values, m.peak);
    from = m.label;
    start = m.t;
    before = m.values;
  }
  close("now", nowT, now, openPeak);
  return out;
}

export interface SummaryInput {
  title: string;
  everyMs: number;
  samples: number;
  stored: number;
  ownBytes: number;
  running: boolean;
  seconds: number;
  peaks: Record<SeriesName, Peak>;
  marks: readonly TimelineMark[];
  ledger: LedgerEntry[];
  budget?: { host?: number | "auto"; gpu?: number; warnAt?: number; action?: string };
  error?: string;
  gpu: boolean;
  /** Every series at the RSS peak (its parts are listed), when known. */
  atPeak?: Record<SeriesName, number>;
}

const MAX_ROWS = 30;

/** 1234567 → "1,234,567" (toLocaleString costs ~50 µs a call; summaries run at every live update). */
function grouped(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** The text/plain summary: span, peaks, budget and a per-mark table. */
export function summaryText(i: SummaryInput): string {
  const lines: string[] = [];
  lines.push(
    `${i.title}: ${i.seconds.toFixed(1)} s, ${grouped(i.samples)} samples every ${i.everyMs} ms` +
      ` (${grouped(i.stored)} kept, ${humanBytes(i.ownBytes)}), ${
        i.running ? "running" : "stopped"
      }`,
  );
  const peak = (s: SeriesName) => {
    const p = i.peaks[s];
    const v = s === "tfTensors" ? grouped(p.value) : humanBytes(p.value);
    return `${LABELS[s]} ${v} at ${(p.t / 1000).toFixed(2)} s${
      p.mark ? ` (after "${p.mark}")` : ""
    }`;
  };
  const shown: SeriesName[] = ["rss", "heapUsed", "external"];
  if (i.peaks.tfTensors.value > 0) shown.push("tfBytes", "tfTensors");
  if (i.gpu) shown.push("gpuInUse", "gpuPooled");
  if (i.peaks.wasmHeap.value > 0) shown.push("wasmHeap");
  if (i.peaks.probes.value > 0) shown.push("probes");
  lines.push("peaks:");
  for (const s of shown) lines.push(`  ${peak(s)}`);
  const at = i.atPeak;
  if (at && CATEGORIES.every((c) => at[`rss.${c}`] >= 0)) {
    // The parts of RSS at its peak, largest first; "unexplained" always shown.
    const parts = CATEGORIES.filter((c) => c === "unexplained" || at[`rss.${c}`] >= 1e6)
      .sort((a, b) => at[`rss.${b}`] - at[`rss.${a}`])
      .map((c) => `${CATEGORY_SHORT[c]} ${humanBytes(at[`rss.${c}`])}`);
    lines.push(`  RSS at its peak: ${parts.join(", ")}`);
  }
  if (i.budget && (i.budget.host || i.budget.gpu)) {
    const parts = [];
    if (typeof i.budget.host === "number") parts.push(`host ${humanBytes(i.budget.host)}`);
    if (i.budget.gpu) parts.push(`GPU ${humanBytes(i.budget.gpu)}`);
    lines.push(
      `budget: ${parts.join(", ")} (warn at ${Math.round((i.budget.warnAt ?? 0.9) * 100)}%, ${
        i.budget.action ?? "throw"
      }): ${i.error ?? "within limits"}`,
    );
  }
  if (i.ledger.length > 1) {
    const header = [
      "interval",
      "end s",
      "RSS",
      "Δ RSS",
      "peak RSS",
      "Δ heap",
      "Δ tfjs",
      "Δ tensors",
    ];
    const rows = i.ledger.map((e) => [
      `${e.from} → ${e.to}`,
      (e.end / 1000).toFixed(2),
      humanBytes(e.values.rss),
      humanBytes(e.change.rss, { sign: true }),
      humanBytes(e.peak.rss),
      humanBytes(e.change.heapUsed, { sign: true }),
      humanBytes(e.change.tfBytes, { sign: true }),
      `${e.change.tfTensors > 0 ? "+" : ""}${e.change.tfTensors}`,
    ]);
    const kept = rows.length > MAX_ROWS
      ? [
        ...rows.slice(0, MAX_ROWS / 2),
        ["…", "", "", "", "", "", "", ""],
        ...rows.slice(-MAX_ROWS / 2),
      ]
      : rows;
    const widths = header.map((h, c) => Math.max(h.length, ...kept.map((r) => r[c].length)));
    const fmt = (r: string[]) =>
      r.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join("  ");
    lines.push(fmt(header));
    for (const r of kept) lines.push(fmt(r));
  }
  return lines.join("\n");
}
