/**
 * Type inference from sampled fields, with the same byte-level readers the
 * parser uses (so a sampled value that infers a type always parses as it).
 * @module
 */
import type { CsvType } from "./_csv_column.ts";
import { ByteDictionary } from "./_csv_dict.ts";
import { type SampledRows, sampleWidth, unescapeInto } from "./_csv_scan.ts";
import { boolAt } from "./_csv_text.ts";
import { floatAt, floatOk, intEnd, parseIntAt } from "./_csv_number.ts";
import { parseDateAt, parseTimestampAt, timeEnd, timeZoned } from "./_csv_time.ts";

let scratch = new Uint8Array(256);
/** The last {@linkcode fieldAt}: its bytes (the sample's or the scratch) and range. */
let fBuf: Uint8Array = scratch;
let fFrom = 0;
let fTo = 0;

/**
 * Points fBuf/fFrom/fTo at field i of sampled row r (escapes undone); returns
 * whether the field is null: a missing or unquoted field in the null tokens,
 * or a quoted empty one.
 */
function fieldAt(s: SampledRows, r: number, i: number, nulls: Uint8Array[]): boolean {
  if (i >= sampleWidth(s, r)) {
    fBuf = scratch;
    fFrom = fTo = 0;
    return isNull(nulls);
  }
  const k = 3 * (s.rowStart[r] + i);
  const flags = s.fields[k + 2];
  fBuf = s.buf;
  fFrom = s.fields[k];
  fTo = s.fields[k + 1];
  if (flags === 3) {
    if (scratch.length < fTo - fFrom) scratch = new Uint8Array(2 * (fTo - fFrom));
    fTo = unescapeInto(s.buf, fFrom, fTo, scratch, 0);
    fFrom = 0;
    fBuf = scratch;
  }
  return flags === 0 ? isNull(nulls) : fFrom === fTo;
}

function isNull(nulls: Uint8Array[]): boolean {
  for (const t of nulls) {
    if (t.length !== fTo - fFrom) continue;
    let j = 0;
    while (j < t.length && t[j] === fBuf[fFrom + j]) j++;
    if (j === t.length) return true;
  }
  return false;
}

/**
 * The type of column i from sampled rows `first`… (bytes, no string per
 * value): integers → float64 (int64 once a value is beyond ±2^53, so none
 * is rounded), other numbers (and inf/nan) → float64, true/false → bool,
 * `YYYY-MM-DD` → date, ISO timestamps → timestamp (all without offset) or
 * timestamptz (all with), few distinct strings → dictionary, else string.
 * Null tokens (`nulls`, as UTF-8) and quoted empty fields are ignored; a
 * column of nulls only is a string column.
 */
export function inferType(
  s: SampledRows,
  first: number,
  i: number,
  nulls: Uint8Array[],
): CsvType {
  let seen = 0, ints = 0, big = 0, floats = 0, bools = 0, dates = 0, zoned = 0, naive = 0;
  for (let r = first; r < s.count; r++) {
    if (fieldAt(s, r, i, nulls)) continue;
    seen++;
    const b = fBuf;
    const v = parseIntAt(b, fFrom, fTo);
    if (intEnd === fTo) {
      ints++;
      if (Math.abs(v) > 2 ** 53) big++;
      continue;
    }
    floatAt(b, fFrom, fTo);
    if (floatOk) {
      floats++;
      continue;
    }
    if (fTo - fFrom >= 4 && boolAt(b, fFrom, fTo) >= 0) {
      bools++;
      continue;
    }
    parseDateAt(b, fFrom, fTo);
    if (timeEnd === fTo) {
      dates++;
      continue;
    }
    parseTimestampAt(b, fFrom, fTo);
    if (timeEnd === fTo) {
      if (timeZoned) zoned++;
      else naive++;
    }
  }
  if (seen === 0) return "string";
  if (ints === seen && big > 0) return "int64";
  if (ints + floats === seen) return "float64";
  if (bools === seen) return "bool";
  if (dates === seen) return "date";
  if (zoned === seen) return "timestamptz";
  if (naive === seen) return "timestamp";
  const distinct = new ByteDictionary();
  for (let r = first; r < s.count && distinct.size <= 1000; r++) {
    if (!fieldAt(s, r, i, nulls)) distinct.code(fBuf, fFrom, fTo);
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
