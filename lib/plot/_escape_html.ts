/**
 * Escapes text for the HTML parts of rich displays (tables in Jupyter).
 * @param s Any text.
 * @returns The text with &, <, > and " escaped.
 */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(
    /"/g,
    "&quot;",
  );
}
