/**
 * A static SVG rendering of memkit's plotly figures, drawn in Deno. It ships
 * in every HTML output so that each output shows its plot on its own: when
 * plotly.js cannot be found on the page, when scripts do not run (an
 * untrusted notebook, GitHub's viewer), before the interactive view replaces
 * it. It draws what memkit's figures use: lines, stacked areas, a second y
 * axis, vertical lines (shapes) and annotations.
 * @module
 */
import type { PlotlyFigure, PlotlyTrace } from "./_figure_types.ts";
import { humanBytes } from "./human_bytes.ts";
import { escapeHtml } from "./escape_html.ts";

const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"];

interface Axis {
  key: string;
  domain: [number, number];
  side: "left" | "right";
  bytes: boolean;
  max: number;
  title: string;
}

function niceStep(max: number, ticks: number): number {
  const raw = max / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  return (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
}

function fmt(v: number, bytes: boolean): string {
  if (bytes) return humanBytes(v).replace(" ", "");
  return Math.abs(v) >= 1e4
    ? `${Number((v / 1e3).toPrecision(3))}k`
    : `${Number(v.toPrecision(4))}`;
}

function layoutObj(layout: Record<string, unknown>, key: string): Record<string, unknown> {
  const v = layout[key];
  return typeof v === "object" && v !== null ? v as Record<string, unknown> : {};
}

function axisText(o: Record<string, unknown>): string {
  const t = o.title;
  if (typeof t === "string") return t;
  if (typeof t === "object" && t !== null) return String((t as { text?: string }).text ?? "");
  return "";
}

/** Renders `figure` as an SVG string `width`×`height` pixels. */
export function staticSvg(figure: PlotlyFigure, width = 860, height = 400): string {
  const layout = figure.layout;
  const margin = { l: 64, r: 64, t: 36, b: 56 };
  const pw = width - margin.l - margin.r;
  const ph = height - margin.t - margin.b;
  const traces = figure.data.filter((t) => (t.x?.length ?? 0) > 0 && (t.y?.length ?? 0) > 0);

  // Stacked traces are drawn on their cumulative sums, as plotly does.
  const tops = new Map<PlotlyTrace, number[]>();
  const bases = new Map<PlotlyTrace, number[]>();
  const stacks = new Map<string, number[]>();
  for (const t of traces) {
    const y = t.y as number[];
    if (!t.stackgroup) {
      tops.set(t, y);
      continue;
    }
    const key = `${t.stackgroup}|${t.yaxis ?? "y"}`;
    const below = stacks.get(key) ?? new Array(y.length).fill(0);
    const top = y.map((v, i) => (below[i] ?? 0) + (Number.isFinite(v) ? v : 0));
    bases.set(t, below);
    tops.set(t, top);
    stacks.set(key, top);
  }

  const axes = new Map<string, Axis>();
  let xmin = Infinity;
  let xmax = -Infinity;
  for (const t of traces) {
    const key = t.yaxis ?? "y";
    let axis = axes.get(key);
    if (!axis) {
      const o = layoutObj(layout, key === "y" ? "yaxis" : `yaxis${key.slice(1)}`);
      const over = typeof o.overlaying === "string" ? o.overlaying : undefined;
      const domainOf = over
        ? layoutObj(layout, over === "y" ? "yaxis" : `yaxis${over.slice(1)}`)
        : o;
      const domain = Array.isArray(domainOf.domain) ? domainOf.domain as [number, number] : [0, 1];
      axis = {
        key,
        domain: [domain[0], domain[1]],
        side: o.side === "right" ? "right" : "left",
        bytes: o.ticksuffix === "B",
        max: 0,
        title: axisText(o),
      };
      axes.set(key, axis);
    }
    for (const v of tops.get(t) ?? []) if (Number.isFinite(v) && v > axis.max) axis.max = v;
    const x = t.x as number[];
    xmin = Math.min(xmin, x[0]);
    xmax = Math.max(xmax, x[x.length - 1]);
  }
  if (!(xmax > xmin)) xmax = xmin + 1;
  const sx = (x: number) => margin.l + ((x - xmin) / (xmax - xmin)) * pw;
  const sy = (axis: Axis, v: number) => {
    const top = margin.t + (1 - axis.domain[1]) * ph;
    const h = (axis.domain[1] - axis.domain[0]) * ph;
    return top + h * (1 - v / (axis.max * 1.08 || 1));
  };

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
  );
  const title = axisText({ title: layout.title });
  if (title) {
    parts.push(`<text x="${margin.l}" y="20" font-size="14">${escapeHtml(title)}</text>`);
  }

  // Grid and ticks per axis.
  for (const axis of axes.values()) {
    const step = niceStep(axis.max * 1.08 || 1, 4);
    const x = axis.side === "left" ? margin.l - 4 : width - margin.r + 4;
    const anchor = axis.side === "left" ? "end" : "start";
    for (let v = 0; v <= axis.max * 1.08; v += step) {
      const y = sy(axis, v).toFixed(1);
      if (axis.side === "left") {
        parts.push(
          `<line x1="${margin.l}" x2="${width - margin.r}" y1="${y}" y2="${y}" stroke="#eee"/>`,
        );
      }
      parts.push(
        `<text x="${x}" y="${y}" text-anchor="${anchor}" dy="4">${fmt(v, axis.bytes)}</text>`,
      );
    }
    if (axis.title) {
      const cy = (sy(axis, 0) + sy(axis, axis.max)) / 2;
      const tx = axis.side === "left" ? 14 : width - 10;
      parts.push(
        `<text x="${tx}" y="${cy.toFixed(1)}" text-anchor="middle" transform="rotate(-90 ${tx} ${
          cy.toFixed(1)
        })">${escapeHtml(axis.title)}</text>`,
      );
    }
  }
  const xstep = niceStep(xmax - xmin, 6);
  for (let v = Math.ceil(xmin / xstep) * xstep; v <= xmax; v += xstep) {
    const x = sx(v).toFixed(1);
    parts.push(
      `<text x="${x}" y="${height - margin.b + 14}" text-anchor="middle">${
        Number(v.toPrecision(6))
      }</text>`,
    );
  }
  const xtitle = axisText(layoutObj(layout, "xaxis"));
  if (xtitle) {
    parts.push(
      `<text x="${margin.l + pw / 2}" y="${height - margin.b + 28}" text-anchor="middle">${
        escapeHtml(xtitle)
      }</text>`,
    );
  }

  // Traces: areas first (bottom of the stack first), then lines.
  const legend: string[] = [];
  traces.forEach((t, i) => {
    const axis = axes.get(t.yaxis ?? "y") as Axis;
    const color = t.line?.color ?? PALETTE[i % PALETTE.length];
    const x = t.x as number[];
    const top = tops.get(t) as number[];
    // At most one point per three pixel columns, each the maximum of its columns, so
    // peaks stay and the SVG stays small (it ships in every output).
    const step = Math.max(1, Math.ceil(x.length / (pw / 3)));
    const pts: string[] = [];
    for (let j = 0; j < x.length; j += step) {
      let best = j;
      for (let k = j; k < Math.min(j + step, x.length); k++) if (top[k] > top[best]) best = k;
      if (!Number.isFinite(top[best])) continue;
      pts.push(`${Math.round(sx(x[best]))},${Math.round(sy(axis, top[best]))}`);
    }
    if (pts.length === 0) return;
    const dash = t.line?.dash === "dot"
      ? ` stroke-dasharray="2,3"`
      : t.line?.dash
      ? ` stroke-dasharray="6,4"`
      : "";
    if (t.stackgroup || t.fill === "tozeroy") {
      const base = bases.get(t);
      const back: string[] = [];
      for (let j = x.length - 1; j >= 0; j -= step) {
        back.push(`${Math.round(sx(x[j]))},${Math.round(sy(axis, base ? base[j] : 0))}`);
      }
      const fill = t.fillcolor ?? color;
      parts.push(
        `<polygon points="${pts.join(" ")} ${back.join(" ")}" fill="${fill}" fill-opacity="${
          t.fillcolor ? 1 : 0.5
        }" stroke="none"/>`,
      );
    }
    parts.push(
      `<polyline points="${pts.join(" ")}" fill="none" stroke="${color}" stroke-width="${
        t.line?.width ?? 1.5
      }"${dash}/>`,
    );
    if (t.showlegend !== false) legend.push(`${color}|${t.name ?? `trace ${i}`}`);
  });

  // Vertical lines (marks) and annotations (labels, peaks).
  for (const s of Array.isArray(layout.shapes) ? layout.shapes as Record<string, unknown>[] : []) {
    if (s.type !== "line" || typeof s.x0 !== "number") continue;
    const x = sx(s.x0).toFixed(1);
    parts.push(
      `<line x1="${x}" x2="${x}" y1="${margin.t}" y2="${
        margin.t + ph
      }" stroke="#888" stroke-dasharray="3,3"/>`,
    );
  }
  for (
    const a of Array.isArray(layout.annotations)
      ? layout.annotations as Record<string, unknown>[]
      : []
  ) {
    if (typeof a.x !== "number" || typeof a.text !== "string") continue;
    let y: number;
    if (a.yref === "paper") y = margin.t + (1 - Number(a.y ?? 1)) * ph - 2;
    else {
      const axis = axes.get(String(a.yref ?? "y").replace("axis", ""));
      if (!axis) continue;
      y = sy(axis, Number(a.y)) - 6;
    }
    const text = a.text.replace(/<[^>]+>/g, " ");
    parts.push(
      `<text x="${sx(a.x).toFixed(1)}" y="${
        Math.max(12, y).toFixed(1)
      }" text-anchor="middle" fill="#333">${escapeHtml(text)}</text>`,
    );
  }
  parts.push(
    `<rect x="${margin.l}" y="${margin.t}" width="${pw}" height="${ph}" fill="none" stroke="#ccc"/>`,
  );
  let lx = margin.l;
  for (const item of legend) {
    const [color, name] = item.split("|");
    parts.push(
      `<rect x="${lx}" y="${height - 16}" width="12" height="8" fill="${color}"/>`,
      `<text x="${lx + 16}" y="${height - 8}">${escapeHtml(name)}</text>`,
    );
    lx += 24 + name.length * 6.2;
  }
  parts.push("</svg>");
  return parts.join("");
}
