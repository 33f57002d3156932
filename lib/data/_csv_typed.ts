/**
 * Typed values from a field's bytes on the general path (the parser's fast
 * paths take the common cases inline): numbers (with `inf`/`nan`), int32,
 * int64, dates, timestamps and booleans.
 * @module
 */
import { type ColumnBuffer, KIND } from "./_csv_column.ts";
import { floatAt, floatOk, intEnd, intHi, intLo, parseIntAt } from "./_csv_number.ts";
import { parseDateAt, parseTimestampAt, timeEnd, timeZoned } from "./_csv_time.ts";
import { boolAt } from "./_csv_text.ts";

/** Stores `buf[from..to)` as row r of a non-string column; false when it is not of the kind. */
export function storeTyped(
  col: ColumnBuffer,
  kind: number,
  r: number,
  buf: Uint8Array,
  from: number,
  to: number,
): boolean {
  let ok = true;
  switch (kind) {
    case KIND.float64:
    case KIND.float32: {
      const v = floatAt(buf, from, to);
      ok = floatOk;
      if (kind === KIND.float64) col.f64[r] = v;
      else col.f32[r] = v;
      break;
    }
    case KIND.int32: {
      const v = parseIntAt(buf, from, to);
      ok = intEnd === to && v >= -2147483648 && v <= 2147483647;
      col.i32[r] = v;
      break;
    }
    case KIND.int64:
    case KIND.timestamp:
    case KIND.timestamptz: {
      if (kind === KIND.int64) {
        parseIntAt(buf, from, to);
        ok = intEnd === to;
        col.w32[2 * r] = intLo | 0;
        col.w32[2 * r + 1] = intHi;
      } else {
        const v = parseTimestampAt(buf, from, to);
        ok = timeEnd === to && timeZoned === (kind === KIND.timestamptz);
        const hi = Math.floor(v / 4294967296);
        col.w32[2 * r] = (v - hi * 4294967296) | 0;
        col.w32[2 * r + 1] = hi;
      }
      break;
    }
    case KIND.date:
      col.i32[r] = parseDateAt(buf, from, to);
      ok = timeEnd === to;
      break;
    case KIND.bool: {
      const b = boolAt(buf, from, to);
      ok = b >= 0;
      col.u8[r] = b;
      break;
    }
  }
  return ok;
}
