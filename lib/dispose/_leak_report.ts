/**
 * The leak tracker's report: rows grouped by creation site, shape and dtype,
 * rendered as a text table in the terminal and an HTML table in Jupyter.
 * @module
 */
import { humanBytes } from "../plot/human_bytes.ts";
import { escapeHtml } from "../plot/escape_html.ts";

/** One group of live tensors that share a creation site, shape and dtype. */
export interface LeakRow {
  /** The first user-code frame that created them, e.g. `train (main.ts:12:15)`. */
  site: string;
  /** Shape, e.g. `[64, 10]`. */
  shape: number[];
  /** Data type, e.g. `"float32"`. */
  dtype: string;
  /** How many tensors. */
  count: number;
  /** Their bytes in total (string tensors count 0: tfjs does not know). */
  bytes: number;
  /** Up to four user frames, innermost first, one per line. */
  stack: string;
}

/** What {@linkcode LeakReport} says about tensors collected without dispose. */
export interface CollectedLeaks {
  /** Tensors garbage-collected while still undisposed. */
  count: number;
  /** Their bytes: still counted by tfjs, and on webgpu never freed. */
  bytes: number;
}

/** Survivors grouped by site, shape and dtype, largest first. */
export class LeakReport {
  /** The groups, largest bytes first. */
  readonly rows: LeakRow[];
  /** Live tracked tensors in total. */
  readonly tensors: number;
  /** Their bytes in total. */
  readonly bytes: number;
  /** Tensors garbage-collected without dispose since tracking began. */
  readonly collected: CollectedLeaks;

  /**
   * Groups as `trackLeaks()` builds them; users get reports from `report()`.
   * @param rows One row per site, shape and dtype (sorted here, largest first).
   * @param collected Tensors garbage-collected without dispose.
   */
  constructor(rows: LeakRow[], collected: CollectedLeaks) {
    this.rows = rows.sort((a, b) => b.bytes - a.bytes || b.count - a.count);
    this.tensors = rows.reduce((n, r) => n + r.count, 0);
    this.bytes = rows.reduce((n, r) => n + r.bytes, 0);
    this.collected = collected;
  }

  /** A plain-text table, for terminals and logs. */
  toString(): string {
    const header = ["count", "bytes", "shape", "dtype", "site"];
    const body = this.rows.map((r) => [
      String(r.count),
      humanBytes(r.bytes),
      `[${r.shape.join(", ")}]`,
      r.dtype,
      r.site,
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
    const line = (cells: string[]) =>
      cells.map((c, i) => (i < 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ")
        .trimEnd();
    const out = [
      `${this.tensors} live tensor(s), ${humanBytes(this.bytes)}, in ${this.rows.length} group(s)`,
    ];
    if (this.rows.length > 0) out.push(line(header), ...body.map(line));
    if (this.collected.count > 0) {
      out.push(
        `${this.collected.count} tensor(s) (${humanBytes(this.collected.bytes)}) were ` +
          `garbage-collected without dispose(): their backend memory is leaked`,
      );
    }
    return out.join("\n");
  }

  /** Renders as a table in Jupyter. */
  [Symbol.for("Jupyter.display")](): Record<string, string> {
    const rows = this.rows.map((r) =>
      `<tr><td style="text-align:right">${r.count}</td>` +
      `<td style="text-align:right">${humanBytes(r.bytes)}</td>` +
      `<td>[${r.shape.join(", ")}]</td><td>${r.dtype}</td>` +
      `<td title="${escapeHtml(r.stack)}"><code>${escapeHtml(r.site)}</code></td></tr>`
    ).join("");
    const collected = this.collected.count > 0
      ? `<p>${this.collected.count} tensor(s) (${humanBytes(this.collected.bytes)}) were ` +
        `garbage-collected without <code>dispose()</code>: their backend memory is leaked.</p>`
      : "";
    const html =
      `<div><p><b>${this.tensors}</b> live tensor(s), <b>${humanBytes(this.bytes)}</b></p>` +
      `<table><thead><tr><th>count</th><th>bytes</th><th>shape</th><th>dtype</th>` +
      `<th>site</th></tr></thead><tbody>${rows}</tbody></table>${collected}</div>`;
    return { "text/plain": this.toString(), "text/html": html };
  }

  /** Prints as the table in the terminal (console.log, REPL). */
  [Symbol.for("Deno.customInspect")](): string {
    return this.toString();
  }
}
