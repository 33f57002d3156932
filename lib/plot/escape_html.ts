/**
 * Escapes text for HTML (and for plotly's labels, which take a little HTML):
 * memkit's one escape, used by every table, report, plot label and page it
 * writes. Quotes become `&#34;`, a numeric reference that plotly's text
 * renderer decodes too (it knows only a few named entities).
 *
 * @param s Any text.
 * @returns The text with `&`, `<`, `>` and `"` escaped.
 * @example
 * ```ts
 * import { escapeHtml } from "memkit";
 * if (escapeHtml('<a href="x">&</a>') !== "&lt;a href=&#34;x&#34;&gt;&amp;&lt;/a&gt;") {
 *   throw new Error("escape");
 * }
 * ```
 */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(
    /"/g,
    "&#34;",
  );
}
