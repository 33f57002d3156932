/**
 * ISO-8601 dates and timestamps straight from bytes: `YYYY-MM-DD` (days since
 * 1970-01-01) and `YYYY-MM-DD[T ]HH:MM[:SS[.fraction]][Z|±HH[:MM]|±HHMM]`
 * (microseconds since the epoch, UTC when an offset is given). Fields are
 * checked (month 1–12, day within the month, hour ≤ 23, …); digits below a
 * microsecond must be zero, so nothing is rounded.
 * @module
 */

/** Whether the last timestamp parsed had a UTC offset (`Z` or `±HH:MM`). */
export let timeZoned = false;
/** Where the last parse stopped; -1 when the bytes were not a date/timestamp. */
export let timeEnd = 0;

const DAYS_IN = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function d2(buf: Uint8Array, p: number): number {
  const a = buf[p] - 48;
  const b = buf[p + 1] - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's days_from_civil). */
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** `YYYY-MM-DD` at p (exactly 10 bytes, within end): days since the epoch; sets timeEnd (-1 if not a date). */
export function parseDateAt(buf: Uint8Array, p: number, end: number): number {
  timeEnd = -1;
  if (end - p < 10 || buf[p + 4] !== 45 || buf[p + 7] !== 45) return 0;
  const y1 = d2(buf, p);
  const y2 = d2(buf, p + 2);
  const m = d2(buf, p + 5);
  const d = d2(buf, p + 8);
  if (y1 < 0 || y2 < 0 || m < 1 || m > 12 || d < 1 || d > DAYS_IN[m]) return 0;
  const y = y1 * 100 + y2;
  if (m === 2 && d === 29 && !(y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0))) return 0;
  timeEnd = p + 10;
  return daysFromCivil(y, m, d);
}

/**
 * A timestamp at p: microseconds since the epoch (a double, exact for years
 * up to ±285,000); sets timeEnd (-1 if not a timestamp) and timeZoned.
 */
export function parseTimestampAt(buf: Uint8Array, p: number, end: number): number {
  const days = parseDateAt(buf, p, end);
  if (timeEnd < 0) return 0;
  timeEnd = -1;
  let q = p + 10;
  const sep = q < end ? buf[q] : -1;
  if ((sep !== 84 && sep !== 32) || end - q < 6 || buf[q + 3] !== 58) return 0;
  const hh = d2(buf, q + 1);
  const mm = d2(buf, q + 4);
  if (hh < 0 || hh > 23 || mm < 0 || mm > 59) return 0;
  q += 6;
  let ss = 0;
  let micros = 0;
  if (q < end && buf[q] === 58) {
    if (end - q < 3) return 0;
    ss = d2(buf, q + 1);
    if (ss < 0 || ss > 59) return 0;
    q += 3;
    if (q < end && buf[q] === 46) {
      q++;
      let n = 0;
      let c = q < end ? buf[q] : -1;
      while (c >= 48 && c <= 57) {
        if (n < 6) micros = micros * 10 + (c - 48);
        else if (c !== 48) return 0; // below a microsecond: refuse rather than round
        n++;
        c = ++q < end ? buf[q] : -1;
      }
      if (n === 0 || n > 9) return 0;
      for (let i = n; i < 6; i++) micros *= 10;
    }
  }
  let offset = 0;
  timeZoned = false;
  const z = q < end ? buf[q] : -1;
  if (z === 90) {
    timeZoned = true;
    q++;
  } else if (z === 43 || z === 45) {
    const oh = end - q >= 3 ? d2(buf, q + 1) : -1;
    if (oh < 0 || oh > 23) return 0;
    let om = 0;
    let len = 3;
    if (q + 3 < end && buf[q + 3] === 58) {
      om = end - q >= 6 ? d2(buf, q + 4) : -1;
      len = 6;
    } else if (end - q >= 5 && buf[q + 3] >= 48 && buf[q + 3] <= 57) {
      om = d2(buf, q + 3);
      len = 5;
    }
    if (om < 0 || om > 59) return 0;
    offset = (z === 45 ? -1 : 1) * (oh * 60 + om);
    timeZoned = true;
    q += len;
  }
  timeEnd = q;
  return ((days * 86400 + hh * 3600 + (mm - offset) * 60 + ss) * 1e6) + micros;
}
