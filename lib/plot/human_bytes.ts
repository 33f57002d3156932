const UNITS = ["B", "kB", "MB", "GB", "TB", "PB"];

/**
 * Formats a byte count in decimal (SI) units, as plotly's `~s` axis ticks do,
 * so that hover text, tables and axes agree: 1 MB = 1,000,000 bytes.
 *
 * @param bytes A byte count (may be negative, for a change).
 * @param options `sign: true` prefixes "+" to positive values (for deltas).
 * @returns e.g. "212.4 MB", "+3.1 kB", "0 B".
 * @example
 * ```ts
 * import { humanBytes } from "memkit";
 * if (humanBytes(212_400_000) !== "212.4 MB") throw new Error(humanBytes(212_400_000));
 * if (humanBytes(-2048, { sign: true }) !== "-2.05 kB") throw new Error("sign");
 * ```
 */
export function humanBytes(bytes: number, options: { sign?: boolean } = {}): string {
  if (!Number.isFinite(bytes)) return String(bytes);
  const sign = bytes < 0 ? "-" : options.sign && bytes > 0 ? "+" : "";
  let value = Math.abs(bytes);
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  if (unit === 0) return `${sign}${Math.round(value)} B`;
  // Four significant digits: enough to see a change of 0.1% and still short.
  const digits = value >= 100 ? 1 : value >= 10 ? 2 : 2;
  return `${sign}${Number(value.toFixed(digits))} ${UNITS[unit]}`;
}
