/** Turns a timeline's stored samples into a plotly figure. */
import { BYTES_HOVER, SERIES_COLORS } from "../plot/_style.ts";
import { humanBytes } from "../plot/human_bytes.ts";
import { lttb } from "../plot/lttb.ts";
import type { PlotlyFigure, PlotlyTrace } from "../plot/_figure_types.ts";
import { type SampleStore, SERIES, type SeriesName } from "./_store.ts";
import { escapeHtml } from "../plot/escape_html.ts";

/** A peak: the largest value seen, when, and after which mark. */
export interface Peak {
  /** The value (bytes, or a count for tfTensors). */
  value: number;
  /** Milliseconds since the timeline started. */
  t: number;
  /** The label of the last mark before the peak, or null before any mark. */
  mark: string | null;
}

/** A mark: a labelled moment with the values read right then. */
export interface TimelineMark {
  /** The label given to `mark()`. */
  label: string;
  /** Milliseconds since the timeline started. */
  t: number;
  /** Every series, read when the mark was made. */
  values: Record<SeriesName, number>;
  /** Bytes per probe, read when the mark was made. */
  probes: Record<string, number>;
  /** The maximum of each series since the previous mark (or the start). */
  peak: Record<SeriesName, number>;
}

export interface FigureInput {
  store: SampleStore;
  t0: number;
  everyMs: number;
  marks: readonly TimelineMark[];
  peaks: Record<SeriesName, Peak>;
  title: string;
}

const PROBE_COLORS = ["#8c564b", "#e377c2", "#17becf", "#bcbd22", "#393b79"];
const MAX_LABELLED_MARKS = 40;
const MAX_MARK_LINES = 200;

/** Builds the figure, decimated to about `maxPoints` points a trace. */
export function timelineFigure(input: FigureInput, maxPoints: number): PlotlyFigure {
  const { store, t0, marks, peaks } = input;
  const n = store.length;
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = (store.t[i] - t0) / 1000;
  const col = (s: SeriesName) => store.cols[s].max;

  // The slot of every series' maximum survives decimation, so drawn peaks are true peaks.
  const keep: number[] = [];
  for (const s of SERIES) keep.push(argmax(col(s), n));
  const idx = n <= maxPoints ? Uint32Array.from({ length: n }, (_, i) => i) : lttb(
    x.subarray(0, n),
    col("rss").subarray(0, n),
    Math.max(3, maxPoints - SERIES.length),
    { keep },
  );

  // Round times to a tenth of the slot spacing: shorter JSON, nothing visible lost.
  const spacing = (input.everyMs * store.stride) / 1000;
  const decimals = Math.min(4, Math.max(0, Math.ceil(-Math.log10(spacing / 10))));
  const scale = 10 ** decimals;
  const xs = Array.from(idx, (i) => Math.round(x[i] * scale) / scale);
  const pick = (a: Float64Array) => Array.from(idx, (i) => a[i]);
  const any = (a: Float64Array) => {
    for (let i = 0; i < n; i++) if (a[i] > 0) return true;
    return false;
  };

  const rss = pick(col("rss"));
  const heapUsed = pick(col("heapUsed"));
  const heapTotal = pick(col("heapTotal"));
  const external = pick(col("external"));
  const host = (name: string, y: number[], color: string): PlotlyTrace => ({
    type: "scatter",
    mode: "lines",
    name,
    x: xs,
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
  const data: PlotlyTrace[] = [
    host("V8 heap used", heapUsed, SERIES_COLORS.heapUsed),
    host(
      "V8 heap free",
      heapTotal.map((v, i) => Math.max(0, v - heapUsed[i])),
      SERIES_COLORS.heapFree,
    ),
    host("external (ArrayBuffers, wasm)", external, SERIES_COLORS.external),
    host(
      "rest of RSS",
      rss.map((v, i) => Math.max(0, v - heapTotal[i] - external[i])),
      SERIES_COLORS.rest,
    ),
    line("RSS", rss, SERIES_COLORS.rss),
  ];
  if (any(col("tfBytes"))) {
    data.push(line("tfjs tensor bytes", pick(col("tfBytes")), SERIES_COLORS.tf, "dash"));
  }
  if (any(col("wasmHeap"))) {
    data.push(line("wasm heap", pick(col("wasmHeap")), SERIES_COLORS.wasm, "dot"));
  }
  const probes = [...store.probes.entries()]
    .map(([name, c]) => ({ name, c, max: c.max[argmax(c.max, n)] ?? 0 }))
    .filter((p) => p.max > 0)
    .sort((a, b) => b.max - a.max)
    .slice(0, PROBE_COLORS.length);
  probes.forEach((p, i) => {
    const y = Array.from(idx, (j) => (Number.isNaN(p.c.max[j]) ? null : p.c.max[j]));
    data.push({ ...line(p.name, y as number[], PROBE_COLORS[i], "dot"), connectgaps: false });
  });
  data.push({
    type: "scatter",
    mode: "lines",
    name: "tensors",
    x: xs,
    y: pick(col("tfTensors")),
    yaxis: "y2",
    line: { color: SERIES_COLORS.tensors, width: 1, shape: "hv" },
    hovertemplate: "%{y:,} tensors",
  });
  const gpu = any(col("gpuInUse")) || any(col("gpuPooled"));
  if (gpu) {
    for (
      const [name, s, color] of [
        ["GPU in use", "gpuInUse", SERIES_COLORS.gpuInUse],
        ["GPU pooled", "gpuPooled", SERIES_COLORS.gpuPooled],
      ] as const
    ) {
      data.push({
        type: "scatter",
        mode: "lines",
        name,
        x: xs,
        y: pick(col(s)),
        yaxis: "y3",
        stackgroup: "gpu",
        line: { color, width: 0.5 },
        fillcolor: color,
        hovertemplate: BYTES_HOVER,
      });
    }
  }

  const shapes: Record<string, unknown>[] = [];
  const annotations: Record<string, unknown>[] = [];
  const lineEvery = Math.ceil(marks.length / MAX_MARK_LINES);
  const labelEvery = Math.ceil(marks.length / MAX_LABELLED_MARKS);
  marks.forEach((m, i) => {
    if (i % lineEvery !== 0) return;
    const mx = Math.round((m.t / 1000) * scale) / scale;
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
      text: escapeHtml(m.label),
      showarrow: false,
      textangle: -90,
      xanchor: "left",
      yanchor: "top",
      font: { size: 10, color: "#555" },
    });
  });
  const peak = (s: SeriesName, label: string, yref: string, fmt: (v: number) => string) => {
    const p = peaks[s];
    if (!p || !(p.value > 0)) return;
    annotations.push({
      x: Math.round((p.t / 1000) * scale) / scale,
      y: p.value,
      xref: "x",
      yref,
      text: `peak ${label} ${fmt(p.value)}`,
      showarrow: true,
      arrowhead: 2,
      ax: 0,
      ay: -24,
      font: { size: 11 },
      bgcolor: "rgba(255,255,255,0.8)",
    });
  };
  peak("rss", "RSS", "y", humanBytes);
  if (any(col("tfBytes"))) peak("tfBytes", "tfjs", "y", humanBytes);
  if (gpu) peak("gpuInUse", "GPU", "y3", humanBytes);

  const bytesAxis = {
    tickformat: "~s",
    ticksuffix: "B",
    rangemode: "tozero",
    hoverformat: ",.0f",
  };
  const layout: Record<string, unknown> = {
    title: { text: input.title, font: { size: 14 } },
    height: gpu ? 520 : 440,
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

function integerStep(max: number): number {
  const raw = Math.max(1, max / 5);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  return Math.max(1, (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag);
}

function argmax(a: Float64Array, n: number): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (a[i] > a[best]) best = i;
  return best;
}
