/**
 * The CSV parser's error type and small byte helpers (messages, booleans,
 * ASCII checks, line-break scans).
 * @module
 */
import { CR, LF } from "./_csv_scan.ts";

/** A malformed row: where, and why. */
export class CsvRowError extends Error {
  /** 1-based line where the row starts. */
  readonly line: number;
  /** What is wrong, without the line. */
  readonly reason: string;
  /** Whether skipping the row is impossible (an unclosed quote swallows the rest). */
  readonly fatal: boolean;
  /** @param reason What is wrong. @param line The line. @param fatal Not skippable. */
  constructor(reason: string, line: number, fatal = false) {
    super(`line ${line}${reason.startsWith(",") ? "" : " "}${reason}`);
    this.line = line;
    this.reason = reason;
    this.fatal = fatal;
  }
}

const lenient = new TextDecoder("utf-8", { ignoreBOM: true });
const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();

/** `buf[from..to)` as UTF-8 with each invalid sequence replaced by U+FFFD (invalidUtf8: "replace"). */
export function replaceInvalid(buf: Uint8Array, from: number, to: number): Uint8Array {
  return encoder.encode(lenient.decode(buf.subarray(from, to)));
}

/** The row error for column `name` when `buf[from..to)` is not valid UTF-8; null when it is. */
export function invalidUtf8(
  name: string,
  buf: Uint8Array,
  from: number,
  to: number,
): string | null {
  try {
    strict.decode(buf.subarray(from, to));
    return null;
  } catch {
    return `, column "${name}": invalid UTF-8 in "${
      lenient.decode(buf.subarray(from, Math.min(to, from + 40)))
    }" (invalidUtf8: "replace" reads it with U+FFFD)`;
  }
}

/** What a kind's values must look like, for messages. */
export const WHAT = [
  "",
  "a number",
  "a number",
  "a 32-bit integer",
  "a 64-bit integer",
  "a boolean (true/false/1/0)",
  "",
  "",
  "a date (YYYY-MM-DD)",
  "a timestamp without a UTC offset (YYYY-MM-DD HH:MM:SS[.ffffff])",
  "a timestamp with a UTC offset (…Z or …±HH:MM)",
];

export function isAscii(buf: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (buf[i] >= 0x80) return false;
  return true;
}

/** true/false (any case) or 1/0 → 1/0; -1 otherwise. */
export function boolAt(buf: Uint8Array, from: number, to: number): number {
  const n = to - from;
  if (n === 1) return buf[from] === 49 ? 1 : buf[from] === 48 ? 0 : -1;
  const w = n === 4 ? "true" : n === 5 ? "false" : null;
  if (w === null) return -1;
  for (let i = 0; i < n; i++) if ((buf[from + i] | 0x20) !== w.charCodeAt(i)) return -1;
  return n === 4 ? 1 : 0;
}

export function clip(buf: Uint8Array, from: number, to: number): string {
  const s = lenient.decode(buf.subarray(from, Math.min(to, from + 60)));
  return to - from > 60 ? `${s}…` : s;
}

/** The next LF or CR at or after p, or end. */
export function nextBreak(buf: Uint8Array, p: number, end: number): number {
  while (p < end && buf[p] !== LF && buf[p] !== CR) p++;
  return p;
}

export function countBreaks(buf: Uint8Array, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if (buf[i] === LF) n++;
  return n;
}
