/**
 * Draws the kernel's session timeline. Kept behind one function,
 * {@linkcode renderTimeline}, which builds the figure in lib/memory's style
 * (bytes axes with SI ticks, RSS in black, V8 heap in blue, tfjs bytes dashed
 * red, tensor count on a right axis, unified hover) and hands it to
 * lib/plot's `plotlyBundle`: a static SVG plus a small loader, with plotly.js
 * carried (gzipped) in the first plot output of the engine process only. The
 * agent imports this module lazily, at the first `memkit.timeline()`, so a
 * notebook that never draws the timeline never loads lib/plot.
 * @module
 */
import type { MimeBundle } from "../lib/plot/display.ts";
import type { PlotlyFigure, PlotlyTrace } from "../lib/plot/plotly_bundle.ts";
import { plotlyBundle } from "../lib/plot/plotly_bundle.ts";
import { lttb } from "../lib/plot/lttb.ts";
import { humanBytes } from "../lib/plot/human_bytes.ts";
import { BYTES_HOVER, SERIES_COLORS } from "../lib/plot/_style.ts";

/** One executed cell on the timeline. */
export interface CellMark {
  /** The cell's execution count (null when the engine gave none). */
  cell: number | null;
  /** Seconds since the kernel started, at the cell's start and end. */
  start: number;
  end: number;
  /** Engine RSS at the end of the cell and its peak during the cell, bytes. */
  rss: number;
  peak: number;
  /** V8 heap in use at the end (null when the report was off). */
  heap: number | null;
  /** tfjs tensors alive at the end (null when tfjs is not loaded or the report was off). */
  tensors: number | null;
  /** Their bytes (null as for `tensors`; absent in timelines from before it was recorded). */
  tensorBytes?: number | null;
}

/** The timeline the kernel keeps: engine RSS sampled every 100 ms, and the cells. */
export interface TimelineData {
  /** Seconds since the kernel started. */
  t: number[];
  /** Engine RSS in bytes at each `t`. */
  rss: number[];
  marks: CellMark[];
  /** Other events (engine restarts), at seconds since the kernel started. */
  events: { t: number; label: string }[];
}

/** Points per RSS trace: what lib/memory's notebook figures use, ample for a 860 px plot. */
const MAX_POINTS = 2000;
/** Bands drawn and cells labelled at most: beyond that they would only be ink. */
const MAX_BANDS = 200;
const MAX_LABELS = 40;
// The library timeline's colours, so both timelines read the same; per-cell peaks take
// the external-memory orange, which this plot does not otherwise use.
const COLORS = {
  rss: SERIES_COLORS.rss,
  heap: SERIES_COLORS.heapUsed,
  tf: SERIES_COLORS.tf,
  tensors: SERIES_COLORS.tensors,
  peak: SERIES_COLORS.external,
};

/** The session timeline as a plotly figure (exported for tests). */
export function timelineFigure(data: TimelineData): PlotlyFigure {
  const series = rssSeries(data);
  const n = series.t.length;
  let top = 0;
  for (let i = 1; i < n; i++) if (series.rss[i] > series.rss[top]) top = i;
  // The RSS maximum survives decimation, so the drawn peak is the true one.
  const idx = n > MAX_POINTS ? lttb(series.t, series.rss, MAX_POINTS - 1, { keep: [top] }) : null;
  const xs = idx ? Array.from(idx, (i) => series.t[i]) : series.t;
  const rss = idx ? Array.from(idx, (i) => series.rss[i]) : series.rss;
  const marks = data.marks;
  const label = (m: CellMark) => `[${m.cell ?? "?"}]`;
  const atEnd = (pick: (m: CellMark) => number | null | undefined) => {
    const ms = marks.filter((m) => typeof pick(m) === "number");
    return { x: ms.map((m) => m.end), y: ms.map((m) => pick(m) as number), ms };
  };

  const traces: PlotlyTrace[] = [{
    type: "scatter",
    mode: "lines",
    name: "engine RSS",
    x: xs,
    y: rss,
    line: { color: COLORS.rss, width: 1.5 },
    hovertemplate: BYTES_HOVER,
  }];
  const peaks = atEnd((m) => (m.peak > 0 ? m.peak : null));
  if (peaks.x.length) {
    traces.push({
      type: "scatter",
      mode: "markers",
      name: "peak RSS in cell",
      x: peaks.x,
      y: peaks.y,
      text: peaks.ms.map((m) => `cell ${label(m)}`),
      marker: { color: COLORS.peak, symbol: "triangle-up", size: 8 },
      line: { color: COLORS.peak, width: 1, dash: "dot" },
      hovertemplate: "%{text} peak %{y:.4~s}B",
    });
  }
  const heap = atEnd((m) => m.heap);
  if (heap.x.length) {
    traces.push({
      type: "scatter",
      mode: "lines+markers",
      name: "V8 heap used",
      x: heap.x,
      y: heap.y,
      line: { color: COLORS.heap, width: 1.5, dash: "dot" },
      marker: { size: 4 },
      hovertemplate: BYTES_HOVER,
    });
  }
  const tfBytes = atEnd((m) => m.tensorBytes);
  if (tfBytes.x.length) {
    traces.push({
      type: "scatter",
      mode: "lines+markers",
      name: "tfjs tensor bytes",
      x: tfBytes.x,
      y: tfBytes.y,
      line: { color: COLORS.tf, width: 1.5, dash: "dash", shape: "hv" },
      marker: { size: 4 },
      hovertemplate: BYTES_HOVER,
    });
  }
  const tensors = atEnd((m) => m.tensors);
  if (tensors.x.length) {
    traces.push({
      type: "scatter",
      mode: "lines+markers",
      name: "tensors",
      x: tensors.x,
      y: tensors.y,
      yaxis: "y2",
      line: { color: COLORS.tensors, width: 1, shape: "hv" },
      marker: { size: 3 },
      hovertemplate: "%{y:,} tensors",
    });
  }

  // Each cell is a band from its start to its end, labelled with its count.
  const shapes: Record<string, unknown>[] = [];
  const annotations: Record<string, unknown>[] = [];
  const bandEvery = Math.ceil(marks.length / MAX_BANDS);
  const labelEvery = Math.ceil(marks.length / MAX_LABELS);
  marks.forEach((m, i) => {
    if (i % bandEvery !== 0) return;
    shapes.push({
      type: "rect",
      xref: "x",
      yref: "paper",
      x0: m.start,
      x1: Math.max(m.end, m.start + 0.001),
      y0: 0,
      y1: 1,
      fillcolor: "rgba(128,128,128,0.13)",
      line: { width: 0 },
      layer: "below",
    });
    if (i % labelEvery !== 0) return;
    annotations.push({
      x: m.start,
      y: 1,
      xref: "x",
      yref: "paper",
      text: label(m),
      hovertext: `cell ${label(m)}: ${(m.end - m.start).toFixed(2)} s, RSS ${
        humanBytes(m.rss)
      } (peak ${humanBytes(m.peak)})`,
      showarrow: false,
      xanchor: "left",
      yanchor: "top",
      font: { size: 10, color: "#555" },
    });
  });
  for (const e of data.events) {
    shapes.push({
      type: "line",
      xref: "x",
      yref: "paper",
      x0: e.t,
      x1: e.t,
      y0: 0,
      y1: 1,
      line: { color: "#888", width: 1, dash: "dot" },
    });
    annotations.push({
      x: e.t,
      y: 0.92,
      xref: "x",
      yref: "paper",
      text: e.label,
      showarrow: false,
      textangle: -90,
      font: { size: 10, color: "#555" },
    });
  }
  // The true peak: /proc's per-cell high-water mark catches what 100 ms samples miss.
  const peak = sessionPeak(data);
  if (peak) {
    annotations.push({
      x: peak.t,
      y: peak.bytes,
      xref: "x",
      yref: "y",
      text: `peak RSS ${humanBytes(peak.bytes)}`,
      showarrow: true,
      arrowhead: 2,
      ax: 0,
      ay: -24,
      font: { size: 11 },
      bgcolor: "rgba(255,255,255,0.8)",
    });
  }

  const layout: Record<string, unknown> = {
    title: { text: "memkit session timeline", font: { size: 14 } },
    height: 400,
    margin: { l: 64, r: 64, t: 48, b: 40 },
    hovermode: "x unified",
    legend: { orientation: "h", y: -0.1, yanchor: "top" },
    xaxis: { ticksuffix: " s", zeroline: false, title: { text: "" } },
    yaxis: {
      title: { text: "engine memory" },
      tickformat: "~s",
      ticksuffix: "B",
      rangemode: "tozero",
      hoverformat: ",.0f",
    },
    shapes,
    annotations,
  };
  if (tensors.x.length) {
    layout.yaxis2 = {
      title: { text: "tensors" },
      overlaying: "y",
      side: "right",
      rangemode: "tozero",
      showgrid: false,
      tickformat: ",d",
    };
  }
  return { data: traces, layout };
}

/**
 * The 100 ms samples merged with the reading taken at each cell's end, so
 * the line reaches the last cell even when no sample came after it.
 */
function rssSeries(data: TimelineData): { t: number[]; rss: number[] } {
  const n = Math.min(data.t.length, data.rss.length);
  const ends = data.marks.filter((m) => m.rss > 0).sort((a, b) => a.end - b.end);
  const t: number[] = [];
  const rss: number[] = [];
  let j = 0;
  for (let i = 0; i < n; i++) {
    for (; j < ends.length && ends[j].end < data.t[i]; j++) {
      t.push(+ends[j].end.toFixed(3));
      rss.push(ends[j].rss);
    }
    t.push(data.t[i]);
    rss.push(data.rss[i]);
  }
  for (; j < ends.length; j++) {
    t.push(+ends[j].end.toFixed(3));
    rss.push(ends[j].rss);
  }
  return { t, rss };
}

/** The highest engine RSS seen: sampled, or a cell's peak (at the cell's end). */
function sessionPeak(data: TimelineData): { t: number; bytes: number } | null {
  let best: { t: number; bytes: number } | null = null;
  const n = Math.min(data.t.length, data.rss.length);
  for (let i = 0; i < n; i++) {
    if (!best || data.rss[i] > best.bytes) best = { t: data.t[i], bytes: data.rss[i] };
  }
  for (const m of data.marks) {
    if (m.peak > 0 && (!best || m.peak > best.bytes)) best = { t: m.end, bytes: m.peak };
  }
  return best;
}

/**
 * A timeline as a MIME bundle: `application/vnd.plotly.v1+json`, `text/html`
 * (static SVG + loader; plotly.js itself only in the process's first plot
 * output) and a one-line `text/plain`.
 */
export function renderTimeline(data: TimelineData): MimeBundle {
  const last = data.marks.at(-1);
  const peak = sessionPeak(data)?.bytes ?? 0;
  const text = `memkit session timeline: ${data.marks.length} cells, ${data.t.length} samples` +
    (last ? `, engine RSS ${humanBytes(last.rss)} after cell ${last.cell}` : "") +
    (peak > 0 ? `, peak ${humanBytes(peak)}` : "");
  return plotlyBundle(timelineFigure(data), { text });
}

/** What `memkit.timeline()` returns in the notebook: the data, displayed as a figure. */
export class TimelineView {
  /** The timeline's numbers, for code that wants them. */
  readonly data: TimelineData;
  constructor(data: TimelineData) {
    this.data = data;
  }
  /** Jupyter calls this to display the value. */
  [Symbol.for("Jupyter.display")](): MimeBundle {
    return renderTimeline(this.data);
  }
}
