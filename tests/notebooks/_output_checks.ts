/**
 * What the outputs of a tutorial notebook must never carry (issue 16):
 * absolute machine paths, inline `<svg>` (notebook sanitizers strip it and
 * keep only its text), the Unicode minus U+2212 (memkit writes "-"), plot
 * outputs without a static picture, and, in the quickstart, leak warnings.
 * Shared by the committed-notebook test and the re-execution test.
 * @module
 */

/** One output of a notebook cell, as nbformat stores it. */
export interface NotebookOutput {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  traceback?: string[];
  evalue?: string;
}

const join = (s: unknown) =>
  Array.isArray(s) ? s.join("") : typeof s === "string" ? s : JSON.stringify(s ?? "");

/** Every text an output shows or carries, per MIME type (images excluded). */
function texts(out: NotebookOutput): [string, string][] {
  const all: [string, string][] = [];
  if (out.text !== undefined) all.push(["stream", join(out.text)]);
  if (out.traceback) all.push(["traceback", out.traceback.join("\n")]);
  if (out.evalue) all.push(["evalue", out.evalue]);
  for (const [mime, v] of Object.entries(out.data ?? {})) {
    if (mime.startsWith("image/")) continue;
    all.push([mime, join(v)]);
  }
  if (out.metadata && Object.keys(out.metadata).length) {
    all.push(["metadata", JSON.stringify(out.metadata)]);
  }
  return all;
}

/**
 * Absolute paths: file:// URLs, and POSIX or Windows paths under the usual
 * roots, at a word boundary (base64 payloads and "MB/s" never match).
 */
const ABSOLUTE = new RegExp(
  String
    .raw`file:///|(?:^|[\s"'(=\[,:;])(/(?:home|root|work|tmp|Users|var|opt|srv|mnt|private|usr|etc|data)/[^\s"'<>]*)` +
    String.raw`|\b[A-Za-z]:\\(?:Users|Windows)\\`,
);

/** Options of {@linkcode outputIssues}. */
export interface OutputCheckOptions {
  /** Flag absolute paths. @default {true} */
  paths?: boolean;
  /** Flag leak warnings (⚠ … still alive). @default {false} */
  leaks?: boolean;
}

/** The problems in one notebook's outputs, each naming the cell. */
export function outputIssues(
  cells: { outputs?: NotebookOutput[] }[],
  options: OutputCheckOptions = {},
): string[] {
  const issues: string[] = [];
  const extra = [Deno.env.get("HOME"), new URL("../../", import.meta.url).pathname]
    .filter((p): p is string => !!p && p.length > 1);
  cells.forEach((cell, i) => {
    for (const out of cell.outputs ?? []) {
      for (const [mime, text] of texts(out)) {
        const where = `cell ${i} (${out.output_type} ${mime})`;
        if (options.paths ?? true) {
          const m = ABSOLUTE.exec(text) ?? extra.map((p) => text.includes(p) ? [p] : null)
            .find((x) => x);
          if (m) issues.push(`${where} carries an absolute path: ${m[0].trim().slice(0, 120)}`);
        }
        if (mime === "text/html" && /<svg[\s>]/i.test(text)) {
          issues.push(`${where} has inline <svg> (sanitizers strip it; use an <img> data URL)`);
        }
        if (text.includes("\u2212")) issues.push(`${where} has U+2212 (write "-")`);
        if (options.leaks && /⚠|still alive/.test(text)) {
          issues.push(`${where} warns of a leak: ${text.slice(0, 160)}`);
        }
      }
      if (out.data?.["application/vnd.plotly.v1+json"]) {
        const html = join(out.data["text/html"]);
        if (!/<img[^>]+src="data:image\/svg\+xml;base64,/.test(html)) {
          issues.push(`cell ${i}: a plot output without a static <img> picture`);
        }
      }
    }
  });
  return issues;
}
