/**
 * The one timeline figure: turns timeline slots (the library's running store,
 * or saved `TimelineData`, which is also what the kernel's session timeline
 * sends) into a plotly figure. The parts of RSS are stacked up to the RSS line,
 * "unexplained" as its own band; marks are lines, interval marks (kernel cells)
 * bands. No tfjs: the kernel's agent loads it.
 * @module
 */
import { BYTES_HOVER, CATEGORY_COLORS, SERIES_COLORS } from "../plot/_style.ts";
import { escapeHtml } from "../plot/escape_html.ts";
import { humanBytes } from "../plot/human_bytes.ts";
import { lttb } from "../plot/lttb.ts";
import type { PlotlyFigure, PlotlyTrace } from "../plot/_figure_types.ts";
import { CATEGORIES, CATEGORY_LABELS } from "./_categories.ts";
import type { Peak, TimelineData, TimelineMark } from "./_data.ts";
import { SERIES, type SeriesName } from "./_store.ts";

export type { Peak, TimelineMark } from "./_data.ts";

/** What the figure needs: slot times and maxima (NaN where a series was not read). */
export interface FigureInput {
  /** Filled slots. */
  n: number;
  /** Each slot's time, ms since the start. */
  t: ArrayLike<number>;
  /** A series' slot maxima. */
  col(s: SeriesName): ArrayLike<number>;
  /** Probe maxima per name. */
  probes: [string, ArrayLike<number>][];
  marks: readonly TimelineMark[];
  peaks: Partial<Record<SeriesName, Peak>>;
  title: string;
  /** Milliseconds between slots (sets the rounding of times). */
  spacingMs: number;
  /**
   * Name of the RSS line.
   * @default {"RSS"}
   */
  rssName?: string;
  /**
   * What an interval mark is called in hover and legend ("cell" in the kernel).
   * @default {"interval"}
   */
  intervalName?: string;
}

const PROBE_COLORS = ["#8c564b", "#e377c2", "#17becf", "#bcbd22", "#393b79"];
const MAX_LABELLED_MARKS = 40;
const MAX_MARK_LINES = 200;
const BREAKDOWN: SeriesName[] = CATEGORIES.map((c) => `rss.${c}` as const);

/** The figure input for saved data (nulls read as "not read"). */
export function dataInput(data: TimelineData, extra: Partial<FigureInput> = {}): FigureInput {
  const n = data.t.length;
  const nan = new Float64Array(n).fill(NaN);
  const cols = new Map<SeriesName, Float64Array>();
  const of = (a: (number | null)[]) => Float64Array.from(a, (v) => v ?? NaN);
  for (const [k, c] of Object.entries(data.series)) {
    if (c) cols.set(k as SeriesName, of(c.max));
  }
  return {
    n,
    t: data.t,
    col: (s) => cols.get(s) ?? nan,
    probes: Object.entries(data.probes ?? {}).map(([k, c]) => [k, of(c.max)]),
    marks: data.marks,
    peaks: data.peaks,
    title: data.title ?? "memory timeline",
    spacingMs: data.everyMs * data.stride,
    ...extra,
  };
}

/** Builds the figure, decimated to about `maxPoints` points a trace. */
export function timelineFigure(input: FigureInput, maxPoints: number): PlotlyFigure {
  const { n, marks, peaks } = input;
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = input.t[i] / 1000;
  const col = input.col;
  const known = (a: ArrayLike<number>, i: number) => !Number.isNaN(a[i]);
  const rssCol = col("rss");
  const rssSlots = slots(n, (i) => known(rssCol, i));
  // Slots where every part of RSS was read: the stacked bands are drawn there.
  const cats = BREAKDOWN.map(col);
  let full = slots(n, (i) => known(rssCol, i) && cats.every((c) => known(c, i)));

  // The slot of every series' maximum survives decimation, so drawn peaks are true peaks.
  const keep: number[] = [];
  for (const s of SERIES) keep.push(argmax(col(s), n));
  const idx = rssSlots.length <= maxPoints ? rssSlots : lttb(
    Float64Array.from(rssSlots, (i) => x[i]),
    Float64Array.from(rssSlots, (i) => rssCol[i]),
    Math.max(3, maxPoints - SERIES.length),
    { keep: keep.map((k) => rssSlots.indexOf(k)).filter((k) => k >= 0) },
  ).map((j) => rssSlots[j]);
  // A timeline read in full at every slot (the library's) shares one x for all traces.
  if (full.length === rssSlots.length) full = idx;
  else if (full.length > maxPoints) {
    full = full.filter((_, i) => i % Math.ceil(full.length / maxPoints) === 0);
  }

  // Round times to a tenth of the slot spacing: shorter JSON, nothing visible lost.
  const spacing = Math.max(input.spacingMs, 1e-3) / 1000;
  const decimals = Math.min(4, Math.max(0, Math.ceil(-Math.log10(spacing / 10))));
  const scale = 10 ** decimals;
  const round = (v: number) => Math.round(v * scale) / scale;
  const xsOf = (ix: ArrayLike<number>) => Array.from(ix, (i) => round(x[i]));
  const xs = xsOf(idx);
  const any = (a: ArrayLike<number>) => {
    for (let i = 0; i < n; i++) if (a[i] > 0) return true;
    return false;
  };
  const band = (name: string, xv: number[], y: number[], color: string): PlotlyTrace => ({
    type: "scatter",
    mode: "lines",
    name,
    x: xv,
    y,
    stackgroup: "host",
    line: { color, width: 0.5 },
    fillcolor: color,
    hovertemplate: BYTES_HOVER,
  });
  const line = (name: string, y: number[], color: string, dash?: string): PlotlyTrace => ({
    type: "scatter",
    mode: "lines",
    name,
    x: xs,
    y,
    line: dash ? { color, width: 1.5, dash } : { color, width: 1.5 },
    hovertemplate: BYTES_HOVER,
  });
  // Sparse series (read at some slots only) are drawn through their points.
  const sparse = (s: SeriesName) => {
    const a = col(s);
    const ix = Array.from(idx).filter((i) => known(a, i));
    return ix.length === idx.length
      ? { x: xs, y: Array.from(idx, (i) => a[i]) }
      : { x: xsOf(ix), y: ix.map((i) => a[i]) };
  };

  const data: PlotlyTrace[] = [];
  if (full.length > 0) {
    const fx = xsOf(full);
    CATEGORIES.forEach((c, k) => {
      const y = Array.from(full, (i) => cats[k][i]);
      // A part that stayed 0 throughout keeps its band in the legend at two points' cost.
      const zero = y.every((v) => v === 0);
      const bx = zero ? [fx[0], fx[fx.length - 1]] : fx;
      data.push(band(CATEGORY_LABELS[c], bx, zero ? [0, 0] : y, CATEGORY_COLORS[c]));
    });
  } else {
    // Data saved before the breakdown existed: what the V8 counters tell.
    const pick = (s: SeriesName) => Array.from(idx, (i) => col(s)[i]);
    const [rss, used, total, ext] = ["rss", "heapUsed", "heapTotal", "external"].map((s) =>
      pick(s as SeriesName)
    );
    data.push(
      band("V8 heap used", xs, used, SERIES_COLORS.heapUsed),
      band(
        "V8 heap free",
        xs,
        total.map((v, i) => Math.max(0, v - used[i])),
        SERIES_COLORS.heapFree,
      ),
      band("external (ArrayBuffers)", xs, ext, SERIES_COLORS.external),
      band(
        "unexplained",
        xs,
        rss.map((v, i) => Math.max(0, v - total[i] - ext[i])),
        SERIES_COLORS.rest,
      ),
    );
  }
  data.push(line(input.rssName ?? "RSS", Array.from(idx, (i) => rssCol[i]), SERIES_COLORS.rss));
  const intervals = marks.filter((m) => m.start !== undefined && m.peak?.rss > 0);
  if (intervals.length) {
    const what = input.intervalName ?? "interval";
    data.push({
      type: "scatter",
      mode: "markers",
      name: `peak RSS in ${what}`,
      x: intervals.map((m) => round(m.t / 1000)),
      y: intervals.map((m) => m.peak.rss),
      text: intervals.map((m) => `${what} ${m.label}`),
      marker: { color: SERIES_COLORS.rss, symbol: "triangle-up", size: 7 },
      hovertemplate: "%{text} peak %{y:.4~s}B",
    });
  }
  if (any(col("tfBytes"))) {
    const s = sparse("tfBytes");
    data.push({ ...line("tfjs tensor bytes", s.y, SERIES_COLORS.tf, "dash"), x: s.x });
  }
  const probes = input.probes
    .map(([name, c]) => ({ name, c, max: c[argmax(c, n)] ?? 0 }))
    .filter((p) => p.max > 0)
    .sort((a, b) => b.max - a.max)
    .slice(0, PROBE_COLORS.length);
  probes.forEach((p, i) => {
    const y = Array.from(idx, (j) => (Number.isNaN(p.c[j]) ? null : p.c[j]));
    data.push({ ...line(p.name, y as number[], PROBE_COLORS[i], "dot"), connectgaps: false });
  });
  const tensors = sparse("tfTensors");
  if (tensors.x.length) {
    data.push({
      type: "scatter",
      mode: "lines",
      name: "tensors",
      x: tensors.x,
      y: tensors.y,
      yaxis: "y2",
      line: { color: SERIES_COLORS.tensors, width: 1, shape: "hv" },
      hovertemplate: "%{y:,} tensors",
    });
  }
  const gpu = any(col("gpuInUse")) || any(col("gpuPooled"));
  if (gpu) {
    for (
      const [name, s, color] of [
        ["GPU in use", "gpuInUse", SERIES_COLORS.gpuInUse],
        ["GPU pooled", "gpuPooled", SERIES_COLORS.gpuPooled],
      ] as const
    ) {
      const v = sparse(s);
      data.push({
        type: "scatter",
        mode: "lines",
        name,
        x: v.x,
        y: v.y,
        yaxis: "y3",
        stackgroup: "gpu",
        line: { color, width: 0.5 },
        fillcolor: color,
        hovertemplate: BYTES_HOVER,
      });
    }
  }

  const { shapes, annotations } = markShapes(marks, round, input.intervalName ?? "interval");
  const peak = (s: SeriesName, label: string, yref: string) => {
    const p = peaks[s];
    if (!p || !(p.value > 0)) return;
    annotations.push({
      x: round(p.t / 1000),
      y: p.value,
      xref: "x",
      yref,
      text: `peak ${label} ${humanBytes(p.value)}`,
      showarrow: true,
      arrowhead: 2,
      ax: 0,
      ay: -24,
      font: { size: 11 },
      bgcolor: "rgba(255,255,255,0.8)",
    });
  };
  peak("rss", "RSS", "y");
  if (any(col("tfBytes"))) peak("tfBytes", "tfjs", "y");
  if (gpu) peak("gpuInUse", "GPU", "y3");

  const bytesAxis = {
    tickformat: "~s",
    ticksuffix: "B",
    rangemode: "tozero",
    hoverformat: ",.0f",
  };
  const layout: Record<string, unknown> = {
    title: { text: input.title, font: { size: 14 } },
    height: gpu ? 560 : 480,
    margin: { l: 64, r: 64, t: 48, b: 40 },
    hovermode: "x unified",
    legend: { orientation: "h", y: -0.1, yanchor: "top" },
    // Seconds as a tick suffix rather than an axis title: the legend sits below the axis.
    xaxis: { ticksuffix: " s", zeroline: false },
    yaxis: { ...bytesAxis, title: { text: "host memory" }, domain: gpu ? [0.36, 1] : [0, 1] },
    yaxis2: {
      title: { text: "tensors" },
      overlaying: "y",
      side: "right",
      rangemode: "tozero",
      showgrid: false,
      // Whole tensors only: plotly would otherwise pick ticks like 4.33.
      dtick: integerStep(peaks.tfTensors?.value ?? 0),
      tickformat: ",d",
    },
    shapes,
    annotations,
  };
  if (gpu) {
    layout.yaxis3 = { ...bytesAxis, title: { text: "GPU" }, domain: [0, 0.26] };
    // Time ticks under the lower (GPU) panel, not between the two.
    (layout.xaxis as Record<string, unknown>).anchor = "y3";
  }
  return { data, layout };
}

/** Marks as dotted lines with rotated labels; interval marks as grey bands labelled at their start. */
function markShapes(
  marks: readonly TimelineMark[],
  round: (v: number) => number,
  what: string,
): { shapes: Record<string, unknown>[]; annotations: Record<string, unknown>[] } {
  const shapes: Record<string, unknown>[] = [];
  const annotations: Record<string, unknown>[] = [];
  const lineEvery = Math.ceil(marks.length / MAX_MARK_LINES);
  const labelEvery = Math.ceil(marks.length / MAX_LABELLED_MARKS);
  marks.forEach((m, i) => {
    if (i % lineEvery !== 0) return;
    const mx = round(m.t / 1000);
    const label = escapeHtml(m.label);
    if (m.start !== undefined) {
      const sx = round(m.start / 1000);
      shapes.push({
        type: "rect",
        xref: "x",
        yref: "paper",
        x0: sx,
        x1: Math.max(mx, sx + 0.001),
        y0: 0,
        y1: 1,
        fillcolor: "rgba(128,128,128,0.13)",
        line: { width: 0 },
        layer: "below",
      });
      if (i % labelEvery !== 0) return;
      const rss = m.values?.rss;
      annotations.push({
        x: sx,
        y: 1,
        xref: "x",
        yref: "paper",
        text: label,
        hovertext: `${what} ${label}: ${((m.t - m.start) / 1000).toFixed(2)} s` +
          (rss > 0 ? `, RSS ${humanBytes(rss)} (peak ${humanBytes(m.peak?.rss ?? rss)})` : ""),
        showarrow: false,
        xanchor: "left",
        yanchor: "top",
        font: { size: 10, color: "#555" },
      });
      return;
    }
    shapes.push({
      type: "line",
      xref: "x",
      yref: "paper",
      x0: mx,
      x1: mx,
      y0: 0,
      y1: 1,
      line: { color: "#888", width: 1, dash: "dot" },
    });
    if (i % labelEvery !== 0) return;
    annotations.push({
      x: mx,
      y: 1,
      xref: "x",
      yref: "paper",
      text: label,
      showarrow: false,
      textangle: -90,
      xanchor: "left",
      yanchor: "top",
      font: { size: 10, color: "#555" },
    });
  });
  return { shapes, annotations };
}

function slots(n: number, ok: (i: number) => boolean): Uint32Array {
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (ok(i)) out.push(i);
  return Uint32Array.from(out);
}

function integerStep(max: number): number {
  const raw = Math.max(1, max / 5);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  return Math.max(1, (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag);
}

function argmax(a: ArrayLike<number>, n: number): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (a[i] > a[best] || Number.isNaN(a[best])) best = i;
  return best;
}
