/**
 * Type inference from sampled fields, with the same byte-level readers the
 * parser uses (so a sampled value that infers a type always parses as it).
 * @module
 */
import type { CsvType } from "./_csv_column.ts";
import { floatAt, floatOk, intEnd, parseIntAt } from "./_csv_number.ts";
import { parseDateAt, parseTimestampAt, timeEnd, timeZoned } from "./_csv_time.ts";

const encoder = new TextEncoder();
let scratch = new Uint8Array(256);

/**
 * The type of one column from its sampled texts: integers → float64 (int64
 * once a value is beyond ±2^53, so none is rounded), other numbers (and
 * inf/nan) → float64, true/false → bool, `YYYY-MM-DD` → date, ISO
 * timestamps → timestamp (all without offset) or timestamptz (all with),
 * few distinct strings → dictionary, else string. Null tokens and quoted
 * empty fields are ignored; a column of nulls only is a string column.
 */
export function inferType(
  texts: string[],
  quoted: boolean[],
  nullValues: ReadonlySet<string>,
): CsvType {
  const count = { seen: 0, ints: 0, big: 0, floats: 0, bools: 0, dates: 0, zoned: 0, naive: 0 };
  const distinct = new Set<string>();
  for (let i = 0; i < texts.length; i++) {
    const t = texts[i];
    if (quoted[i] ? t === "" : nullValues.has(t)) continue;
    count.seen++;
    if (scratch.length < 3 * t.length) scratch = new Uint8Array(3 * t.length);
    let n = 0;
    while (n < t.length && t.charCodeAt(n) < 0x80) scratch[n] = t.charCodeAt(n++);
    if (n < t.length) n = encoder.encodeInto(t, scratch).written;
    const b = scratch.subarray(0, n);
    const v = parseIntAt(b, 0, b.length);
    if (intEnd === b.length) {
      count.ints++;
      if (Math.abs(v) > 2 ** 53) count.big++;
      continue;
    }
    floatAt(b, 0, b.length);
    if (floatOk) {
      count.floats++;
      continue;
    }
    const l = t.toLowerCase();
    if (l === "true" || l === "false") {
      count.bools++;
      continue;
    }
    parseDateAt(b, 0, b.length);
    if (timeEnd === b.length) {
      count.dates++;
      continue;
    }
    parseTimestampAt(b, 0, b.length);
    if (timeEnd === b.length) {
      if (timeZoned) count.zoned++;
      else count.naive++;
    }
  }
  const { seen, ints, big, floats, bools, dates, zoned, naive } = count;
  if (seen === 0) return "string";
  if (ints === seen && big > 0) return "int64";
  if (ints + floats === seen) return "float64";
  if (bools === seen) return "bool";
  if (dates === seen) return "date";
  if (zoned === seen) return "timestamptz";
  if (naive === seen) return "timestamp";
  for (let i = 0; i < texts.length && distinct.size <= 1000; i++) {
    if (!(quoted[i] ? texts[i] === "" : nullValues.has(texts[i]))) distinct.add(texts[i]);
  }
  if (distinct.size <= Math.max(16, seen / 2) && distinct.size <= 1000) return "dictionary";
  return "string";
}

/** Duplicate (or empty) names get a suffix: `a`, `a_1`, with one warning. */
export function uniqueNames(names: string[], where: string): string[] {
  const seen = new Set(names);
  const next = new Map<string, number>();
  const used = new Set<string>();
  const renamed: string[] = [];
  const out = names.map((n0, i) => {
    let n = n0 === "" ? `column_${i + 1}` : n0;
    if (used.has(n)) {
      let k = next.get(n) ?? 1;
      while (seen.has(`${n}_${k}`) || used.has(`${n}_${k}`)) k++;
      next.set(n, k + 1);
      renamed.push(`column ${i + 1} is also named "${n}"; renamed "${n}_${k}"`);
      n = `${n}_${k}`;
    }
    used.add(n);
    return n;
  });
  if (renamed.length > 0) {
    console.warn(
      `${where.replace("Cannot read", "Reading")}: ${renamed.slice(0, 5).join("; ")}${
        renamed.length > 5 ? `; and ${renamed.length - 5} more` : ""
      }`,
    );
  }
  return out;
}
