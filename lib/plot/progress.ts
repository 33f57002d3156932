import { display, inJupyter } from "./display.ts";
import { escapeHtml } from "./escape_html.ts";

/** Options for {@linkcode progress}. */
export interface ProgressOptions {
  /** What is being done, e.g. "reading flights-3m.parquet". */
  label: string;
  /** The total, in `unit`s, when known; enables a percentage and an ETA. */
  total?: number;
  /**
   * The unit counted, e.g. "rows" or "bytes".
   * @default {"items"}
   */
  unit?: string;
  /**
   * Minimum milliseconds between two redraws.
   * @default {250}
   */
  everyMs?: number;
  /**
   * Where to draw: in place in the notebook, on one terminal line (stderr), or nowhere.
   * @default {"auto"}
   */
  mode?: "auto" | "notebook" | "terminal" | "silent";
}

/** A live progress display; see {@linkcode progress}. */
export interface Progress {
  /** Sets the count done so far, with optional extra text (e.g. "RSS 210 MB"). */
  update(done: number, extra?: string): void;
  /** Draws the final state and releases the display. */
  done(extra?: string): void;
  /** The last line drawn (also when silent), for logs and tests. */
  readonly line: string;
}

function human(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return `${Math.round(n)}`;
}

let counter = 0;

/** The notebook form: a bar (when the total is known) and the same line. */
function html(line: string, count: number, total?: number): string {
  const text = escapeHtml(line);
  const bar = total
    ? `<span style="display:inline-block;width:200px;height:8px;background:#eee;margin-right:8px">` +
      `<span style="display:block;height:100%;width:${
        Math.min(100, (100 * count) / total).toFixed(1)
      }%;background:#1f77b4"></span></span>`
    : "";
  return `<div style="font:12px monospace;white-space:nowrap">${bar}${text}</div>`;
}

/**
 * Shows progress for long work: updated in place in a notebook (one output,
 * via a display id) and on one terminal line in scripts (`\r` on stderr when
 * it is a terminal, else a line every few seconds). Shows count, rate,
 * percentage and ETA when the total is known, and any extra text.
 *
 * @param options Label, total and unit.
 * @returns The progress handle.
 * @example
 * ```ts
 * import { progress } from "memkit";
 * const p = progress({ label: "reading", total: 100, unit: "rows", mode: "silent" });
 * p.update(50);
 * p.done();
 * if (!p.line.includes("100/100")) throw new Error(p.line);
 * ```
 */
export function progress(options: ProgressOptions): Progress {
  const unit = options.unit ?? "items";
  const everyMs = options.everyMs ?? 250;
  let mode = options.mode ?? "auto";
  if (mode === "auto") mode = inJupyter() ? "notebook" : "terminal";
  const tty = mode === "terminal" && Deno.stderr.isTerminal();
  const displayId = `memkit-progress-${Date.now()}-${counter++}`;
  const start = performance.now();
  let lastDraw = -Infinity;
  let lastPlainLog = start;
  let shown = false;
  let line = "";
  let count = 0;
  const encoder = new TextEncoder();

  function render(extra?: string): string {
    const seconds = (performance.now() - start) / 1000;
    const rate = seconds > 0 ? count / seconds : 0;
    const parts = [options.label];
    if (options.total) {
      const pct = Math.min(100, (100 * count) / options.total);
      parts.push(`${human(count)}/${human(options.total)} ${unit} (${pct.toFixed(0)}%)`);
    } else parts.push(`${human(count)} ${unit}`);
    parts.push(`${human(rate)} ${unit}/s`, `${seconds.toFixed(1)} s`);
    if (options.total && rate > 0 && count < options.total) {
      parts.push(`ETA ${((options.total - count) / rate).toFixed(0)} s`);
    }
    if (extra) parts.push(extra);
    return parts.join(" · ");
  }

  function draw(final: boolean, extra?: string): void {
    line = render(extra);
    if (mode === "silent") return;
    if (mode === "notebook") {
      void display({ "text/plain": line, "text/html": html(line, count, options.total) }, {
        displayId,
        update: shown,
      });
      shown = true;
    } else if (tty) {
      Deno.stderr.writeSync(encoder.encode(`\r\x1b[2K${line}${final ? "\n" : ""}`));
    } else if (final || performance.now() - lastPlainLog > 5000) {
      Deno.stderr.writeSync(encoder.encode(line + "\n"));
      lastPlainLog = performance.now();
    }
  }

  return {
    update(done: number, extra?: string) {
      count = done;
      const now = performance.now();
      if (now - lastDraw < everyMs) return;
      lastDraw = now;
      draw(false, extra);
    },
    done(extra?: string) {
      if (options.total !== undefined && count < options.total) count = options.total;
      draw(true, extra);
    },
    get line() {
      return line;
    },
  };
}
