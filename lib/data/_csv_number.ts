/**
 * Exact numbers straight from bytes, with no string per value.
 *
 * Floats: a decimal `[+-]digits[.digits][e[+-]digits]` with at most 19
 * significant digits is read into an exact integer D and a power of ten e.
 * - Clinger's fast path: D < 2^53 and |e| ≤ 22 give the correctly rounded
 *   double with one exact multiplication or division.
 * - Otherwise D × 10^e is computed in double-double arithmetic (D exact as a
 *   pair of doubles, 10^e as a pair from a table built once with BigInt), with
 *   a proven error below 2^-102 of the value. When every value within that
 *   error rounds to the same double, that double is the answer; otherwise
 *   (exact ties, values at a rounding boundary, more than 19 digits,
 *   subnormal or overflowing results, `inf`/`nan`) `Number.parseFloat` decides
 *   on the field's text. Results are bit-identical to `Number.parseFloat`
 *   (property test in tests/data/csv_number_test.ts).
 *
 * Integers: int32 and int64 (exact to ±2^63 without BigInt: the two 32-bit
 * words are computed from doubles and written into the column's Int32Array
 * view).
 * @module
 */

/** 10^0 … 10^22, exact doubles. */
const POW10 = new Float64Array(23);
for (let i = 0; i < 23; i++) POW10[i] = 10 ** i;

const MIN_E = -290;
const MAX_E = 290;
/** 10^e as hi + lo for e in [MIN_E, MAX_E]; hi split in two 26-bit halves (Dekker). */
const P_HI = new Float64Array(MAX_E - MIN_E + 1);
const P_LO = new Float64Array(MAX_E - MIN_E + 1);
const P_HH = new Float64Array(MAX_E - MIN_E + 1);
const P_HL = new Float64Array(MAX_E - MIN_E + 1);
const SPLIT = 134217729; // 2^27 + 1

{
  const f = new Float64Array(1);
  const u = new BigUint64Array(f.buffer);
  for (let e = MIN_E; e <= MAX_E; e++) {
    const hi = Number.parseFloat(`1e${e}`);
    f[0] = hi;
    const bits = u[0];
    const m = (bits & 0xfffffffffffffn) | 0x10000000000000n;
    const q = Number((bits >> 52n) & 0x7ffn) - 1075; // hi = m × 2^q
    // rel = (10^e − hi) / hi, to 53 bits, from exact integers.
    let num: bigint;
    let den: bigint;
    if (e >= 0) {
      const ten = 10n ** BigInt(e);
      if (q >= 0) [num, den] = [ten - (m << BigInt(q)), m << BigInt(q)];
      else [num, den] = [(ten << BigInt(-q)) - m, m];
    } else {
      const ten = 10n ** BigInt(-e);
      [num, den] = [(1n << BigInt(-q)) - m * ten, m * ten];
    }
    const rel = Number((num << 200n) / den) * 2 ** -200;
    const i = e - MIN_E;
    P_HI[i] = hi;
    P_LO[i] = hi * rel;
    const c = SPLIT * hi;
    P_HH[i] = c - (c - hi);
    P_HL[i] = hi - P_HH[i];
  }
}

/**
 * The value of the four ASCII digits at `buf[p..p+4)` (SWAR on one 32-bit
 * word), or -1 when one of them is not a digit. The caller checks p + 4 ≤ end.
 */
export function fourAt(buf: Uint8Array, p: number): number {
  const w = buf[p] | (buf[p + 1] << 8) | (buf[p + 2] << 16) | (buf[p + 3] << 24);
  if ((w & 0xf0f0f0f0) !== 0x30303030 || ((w + 0x06060606) & 0xf0f0f0f0) !== 0x30303030) {
    return -1;
  }
  const d = w - 0x30303030;
  const t = (Math.imul(d, 10) + (d >>> 8)) & 0x00ff00ff;
  return (t & 0xff) * 100 + (t >>> 16);
}

/** Where the last parse stopped (the byte after the number). */
export let numEnd = 0;
/** Whether the last number parsed had more than 15 significant digits. */
export let numLong = false;

/**
 * A decimal float at `p` (no leading spaces), read until the first byte that
 * cannot continue it. Returns the value and sets {@linkcode numEnd}; returns
 * NaN with `numEnd === -1` when the bytes there are not a plain decimal
 * (the caller then tries {@linkcode parseFloatText}).
 */
export function parseFloatAt(buf: Uint8Array, p: number, end: number): number {
  const start = p;
  let c = p < end ? buf[p] : -1;
  if (c === 45 || c === 43) p++;
  const neg = c === 45;
  // a: the first ≤ 15 significant digits; b: the next ≤ 4; beyond 19: too
  // long. Leading zeros are skipped first, so every digit after them counts.
  let a = 0;
  let b = 0;
  let sig = 0;
  let nb = 0;
  let e10 = 0;
  const d0 = p;
  while (p < end && buf[p] === 48) p++;
  for (; p < end; p++) {
    const d = buf[p] - 48;
    if (d < 0 || d > 9) break;
    if (sig < 15) a = a * 10 + d;
    else if (sig < 19) {
      b = b * 10 + d;
      nb++;
    } else e10++;
    sig++;
  }
  let digits = p - d0;
  if (p < end && buf[p] === 46) {
    const f0 = ++p;
    if (sig === 0) {
      while (p < end && buf[p] === 48) {
        e10--;
        p++;
      }
    }
    // Four digits at a time (SWAR on a 32-bit word) while the mantissa has room.
    for (let four; sig <= 11 && p + 4 <= end && (four = fourAt(buf, p)) >= 0; p += 4) {
      a = a * 10000 + four;
      sig += 4;
      e10 -= 4;
    }
    for (; p < end; p++) {
      const d = buf[p] - 48;
      if (d < 0 || d > 9) break;
      if (sig < 15) {
        a = a * 10 + d;
        e10--;
      } else if (sig < 19) {
        b = b * 10 + d;
        nb++;
        e10--;
      }
      sig++;
    }
    digits += p - f0;
  }
  c = p < end ? buf[p] : -1;
  if (digits === 0) {
    numEnd = -1;
    return NaN;
  }
  if (c === 101 || c === 69) {
    c = ++p < end ? buf[p] : -1;
    let eneg = false;
    if (c === 45) {
      eneg = true;
      c = ++p < end ? buf[p] : -1;
    } else if (c === 43) c = ++p < end ? buf[p] : -1;
    let x = 0;
    let ed = 0;
    while (c >= 48 && c <= 57) {
      if (x < 100000) x = x * 10 + (c - 48);
      ed++;
      c = ++p < end ? buf[p] : -1;
    }
    if (ed === 0) {
      numEnd = -1;
      return NaN;
    }
    e10 += eneg ? -x : x;
  }
  numEnd = p;
  numLong = sig > 15;
  let v: number;
  // D exactly, when it has at most 16 digits: a (< 10^15), or a × 10 + b, which
  // is exact when the sum is below 2^53 (then a × 10 was below it too).
  const d = nb === 0 ? a : nb === 1 ? a * 10 + b : Infinity;
  if (d < 9007199254740992 && e10 >= -22 && e10 <= 22) {
    // Clinger: D < 2^53 and 10^|e10| are exact, one rounding.
    v = e10 < 0 ? d / POW10[-e10] : d * POW10[e10];
  } else if (a === 0) {
    v = 0;
  } else {
    if (sig > 19) return slowFloat(buf, start, p);
    // D = a × 10^nb + b exactly, as dh + dl.
    let dh = a;
    let dl = 0;
    if (nb > 0) {
      const k = POW10[nb];
      const prod = a * k;
      const ca = SPLIT * a;
      const ah = ca - (ca - a);
      const al = a - ah;
      const ck = SPLIT * k;
      const kh = ck - (ck - k);
      const kl = k - kh;
      const err = ((ah * kh - prod) + ah * kl + al * kh) + al * kl + b;
      dh = prod + err;
      dl = err - (dh - prod);
    }
    // Magnitude guard: keep every partial product normal and finite.
    if (e10 < MIN_E || e10 > MAX_E || e10 + sig > 290) return slowFloat(buf, start, p);
    const i = e10 - MIN_E;
    const ph = P_HI[i];
    const s1 = dh * ph;
    const cd = SPLIT * dh;
    const dhh = cd - (cd - dh);
    const dhl = dh - dhh;
    const phh = P_HH[i];
    const phl = P_HL[i];
    const e1 = ((dhh * phh - s1) + dhh * phl + dhl * phh) + dhl * phl + (dh * P_LO[i] + dl * ph);
    const s = s1 + e1;
    const t = e1 - (s - s1);
    const bound = s * 1.5777218104420236e-30; // 2^-99 × s
    if (s + (t + bound) !== s || s + (t - bound) !== s) return slowFloat(buf, start, p);
    v = s;
  }
  return neg ? -v : v;
}

const latin = new TextDecoder("latin1");

/** The slow, always-correct path: Number.parseFloat on the field's text. */
function slowFloat(buf: Uint8Array, from: number, to: number): number {
  numEnd = to;
  return Number.parseFloat(latin.decode(buf.subarray(from, to)));
}

const SPECIAL = /^([+-]?)(inf|infinity|nan)$/i;

/**
 * A float that {@linkcode parseFloatAt} declined, from the field's whole
 * text: `inf`, `infinity`, `nan` in any case, with a sign. NaN with
 * `ok === false` (in {@linkcode specialOk}) when the text is not a number.
 */
export function parseSpecial(text: string): number {
  const m = SPECIAL.exec(text);
  if (!m) {
    specialOk = false;
    return NaN;
  }
  specialOk = true;
  if (m[2].length === 3 && m[2].toLowerCase() === "nan") return NaN;
  return m[1] === "-" ? -Infinity : Infinity;
}

/** Whether the last {@linkcode parseSpecial} recognised its text. */
export let specialOk = false;

/**
 * A float field's whole text `buf[from..to)`: {@linkcode parseFloatAt}, else
 * `inf`/`nan` by {@linkcode parseSpecial}. Whether either read it all is in
 * {@linkcode floatOk}. The general path's reader (the parser's fast paths
 * call {@linkcode parseFloatAt} inline).
 */
export function floatAt(buf: Uint8Array, from: number, to: number): number {
  const v = parseFloatAt(buf, from, to);
  if (numEnd === to) {
    floatOk = true;
    return v;
  }
  const s = parseSpecial(latin.decode(buf.subarray(from, to)));
  floatOk = specialOk;
  return s;
}

/** Whether the last {@linkcode floatAt} read its whole text as a float. */
export let floatOk = false;

/** Where the last {@linkcode parseIntAt} stopped; -1 when there were no digits or too many. */
export let intEnd = 0;
/** The last {@linkcode parseIntAt} result's high 32-bit word (two's complement). */
export let intHi = 0;
/** Its low 32-bit word (as an unsigned number). */
export let intLo = 0;

/**
 * An integer `[+-]digits` at `p`: returns its value as a double (exact when
 * |v| ≤ 2^53) and sets {@linkcode intHi}/{@linkcode intLo} to its exact
 * 64-bit two's complement words. `intEnd` is -1 when there is no digit or
 * the value is outside int64.
 */
export function parseIntAt(buf: Uint8Array, p: number, end: number): number {
  let c = p < end ? buf[p] : -1;
  let neg = false;
  if (c === 45) {
    neg = true;
    c = ++p < end ? buf[p] : -1;
  } else if (c === 43) c = ++p < end ? buf[p] : -1;
  const d0 = p;
  // q: leading digits, r: the last ≤ 9 (v = q × 10^9 + r once there are more than 15).
  let v = 0;
  while (c >= 48 && c <= 57 && p - d0 < 15) {
    v = v * 10 + (c - 48);
    c = ++p < end ? buf[p] : -1;
  }
  if (p === d0) {
    intEnd = -1;
    return 0;
  }
  if (c >= 48 && c <= 57) {
    // 16–19 digits: v × 10^k + rest, as exact 32-bit words (no second pass).
    const m0 = p;
    let rest = 0;
    while (c >= 48 && c <= 57 && p - m0 < 4) {
      rest = rest * 10 + (c - 48);
      c = ++p < end ? buf[p] : -1;
    }
    if (c >= 48 && c <= 57) return bigInt(buf, d0, p, c, end, v, neg);
    return fromWords(storeScaled(WORDS, 0, v, POW10[p - m0], rest, neg), p);
  }
  intEnd = p;
  const x = neg ? -v : v;
  const hi = Math.floor(x / 4294967296);
  intHi = hi | 0;
  intLo = x - hi * 4294967296;
  return x;
}

/** parseIntAt's tail for 16–19 digits: exact words without BigInt. */
function bigInt(
  buf: Uint8Array,
  d0: number,
  p: number,
  c: number,
  end: number,
  head: number,
  neg: boolean,
): number {
  // Skip leading zeros so that only significant digits count.
  while (d0 < p && buf[d0] === 48) d0++;
  while (c >= 48 && c <= 57) {
    c = ++p < end ? buf[p] : -1;
    if (p - d0 > 19) {
      intEnd = -1;
      return 0;
    }
  }
  void head;
  // q = all but the last 9 digits (≤ 10 digits), r = the last 9.
  let q = 0;
  let r = 0;
  const split = p - 9;
  for (let i = d0; i < p; i++) {
    if (i < split) q = q * 10 + (buf[i] - 48);
    else r = r * 10 + (buf[i] - 48);
  }
  // v = q×10^9 + r = Ah×2^32 + (Al×2^16 + B), with every step exact in doubles.
  const qh = Math.floor(q / 65536);
  const ql = q - qh * 65536;
  const A = qh * 1e9;
  const B = ql * 1e9 + r;
  const Ah = Math.floor(A / 65536);
  const Al = A - Ah * 65536;
  const L = Al * 65536 + B;
  const carry = Math.floor(L / 4294967296);
  return fromWords(storeWords(WORDS, 0, Ah + carry, L - carry * 4294967296, neg), p);
}

const WORDS = new Int32Array(2);

/** Sets intEnd/intHi/intLo from WORDS (or intEnd = -1 when not `ok`); returns the value. */
function fromWords(ok: boolean, p: number): number {
  if (!ok) {
    intEnd = -1;
    return 0;
  }
  intEnd = p;
  intHi = WORDS[1];
  intLo = WORDS[0] >>> 0;
  return intHi * 4294967296 + intLo;
}

/**
 * Writes the int64 of magnitude hi × 2^32 + lo with sign `neg` as words
 * 2i, 2i + 1 (little-endian) of `w`; false (nothing written) beyond int64.
 */
export function storeWords(
  w: Int32Array,
  i: number,
  hi: number,
  lo: number,
  neg: boolean,
): boolean {
  // Range: v ≤ 2^63 − 1, or 2^63 when negative.
  if (hi > 2147483648 || (hi === 2147483648 && (lo !== 0 || !neg))) return false;
  if (neg) {
    hi = lo === 0 ? -hi : -hi - 1;
    lo = lo === 0 ? 0 : 4294967296 - lo;
  }
  w[2 * i] = lo | 0;
  w[2 * i + 1] = hi | 0;
  return true;
}

/**
 * {@linkcode storeWords} for q × k + rest (q < 2^50, k ≤ 10^4, rest < k),
 * with every step exact in doubles.
 */
export function storeScaled(
  w: Int32Array,
  i: number,
  q: number,
  k: number,
  rest: number,
  neg: boolean,
): boolean {
  const qh = Math.floor(q / 16777216);
  const A = qh * k; // < 2^40
  const B = (q - qh * 16777216) * k + rest; // < 2^39
  const Ah = Math.floor(A / 256);
  const L = (A - Ah * 256) * 16777216 + B;
  const carry = Math.floor(L / 4294967296);
  return storeWords(w, i, Ah + carry, L - carry * 4294967296, neg);
}
