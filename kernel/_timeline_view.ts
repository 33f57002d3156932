/**
 * Draws the kernel's session timeline as a plotly figure. Kept behind one
 * function, {@linkcode renderTimeline}, so lib/memory's timeline can take the
 * drawing over when it exists without the kernel changing.
 * @module
 */
import type { MimeBundle } from "../lib/plot/display.ts";

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

const MB = 1024 * 1024;

/** A timeline as a MIME bundle: plotly (HTML for the classic notebook, JSON for lab) and text. */
export function renderTimeline(data: TimelineData): MimeBundle {
  const traces = [
    {
      type: "scatter",
      mode: "lines",
      name: "engine RSS (MiB)",
      x: data.t,
      y: data.rss.map((b) => +(b / MB).toFixed(2)),
      line: { color: "#1f77b4" },
    },
    {
      type: "scatter",
      mode: "markers",
      name: "peak in cell (MiB)",
      x: data.marks.map((m) => m.end),
      y: data.marks.map((m) => +(m.peak / MB).toFixed(2)),
      text: data.marks.map((m) => `cell ${m.cell ?? "?"}`),
      marker: { color: "#d62728", symbol: "triangle-up" },
    },
    {
      type: "scatter",
      mode: "lines+markers",
      name: "V8 heap (MiB)",
      x: data.marks.filter((m) => m.heap !== null).map((m) => m.end),
      y: data.marks.filter((m) => m.heap !== null).map((m) => +(m.heap! / MB).toFixed(2)),
      line: { color: "#2ca02c", dash: "dot" },
    },
  ];
  const shapes = data.marks.map((m) => ({
    type: "rect",
    xref: "x",
    yref: "paper",
    x0: m.start,
    x1: Math.max(m.end, m.start + 0.001),
    y0: 0,
    y1: 1,
    fillcolor: "rgba(128,128,128,0.12)",
    line: { width: 0 },
  }));
  const annotations = [
    ...data.marks.map((m) => ({
      x: m.start,
      y: 1,
      xref: "x",
      yref: "paper",
      text: `[${m.cell ?? "?"}]`,
      showarrow: false,
      xanchor: "left",
      font: { size: 10 },
    })),
    ...data.events.map((e) => ({ x: e.t, y: 0.9, xref: "x", yref: "paper", text: e.label })),
  ];
  const figure = {
    data: traces,
    layout: {
      title: { text: "memkit session timeline" },
      xaxis: { title: { text: "seconds since kernel start" } },
      yaxis: { title: { text: "MiB" } },
      shapes,
      annotations,
      height: 360,
      margin: { t: 40, r: 10 },
    },
  };
  const id = `memkit-tl-${crypto.randomUUID()}`;
  const html = `<div id="${id}"></div><script>${plotlyLoader()}` +
    `window.Plotly.newPlot(${JSON.stringify(id)}, ${JSON.stringify(figure)});</script>`;
  const last = data.marks.at(-1);
  const text = `memkit session timeline: ${data.marks.length} cells, ${data.t.length} samples` +
    (last ? `, engine RSS ${(last.rss / MB).toFixed(1)} MiB after cell ${last.cell}` : "");
  return { "text/plain": text, "text/html": html, "application/vnd.plotly.v1+json": figure };
}

let plotlySource: string | undefined;

/** Plotly's source, inlined once per output (the notebook may be offline), or a CDN fallback. */
function plotlyLoader(): string {
  if (plotlySource === undefined) {
    try {
      const path = new URL("../node_modules/plotly.js-dist-min/plotly.min.js", import.meta.url);
      // "</script" inside the source would end the HTML script element early.
      plotlySource = Deno.readTextFileSync(path).replaceAll("</script", "<\\/script");
    } catch {
      plotlySource = "";
    }
  }
  // A plain <script> would define Plotly through the notebook's require.js
  // (AMD) instead of on window; hiding `define` while it runs avoids that.
  return plotlySource
    ? `if (!window.Plotly) { const d = window.define; window.define = undefined; ${plotlySource}\n;` +
      ` window.define = d; }`
    : "";
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
