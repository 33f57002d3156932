/**
 * The DELTA encodings of Parquet: DELTA_BINARY_PACKED (32- and 64-bit,
 * wrapping as the spec says), DELTA_LENGTH_BYTE_ARRAY and DELTA_BYTE_ARRAY,
 * every read bounds-checked.
 * @module
 */
import { copy, ParquetCorrupt } from "./_parquet_pages.ts";
import type { Physical } from "./_parquet_values.ts";

function need(page: Uint8Array, pos: number, bytes: number, what: string): void {
  if (pos + bytes > page.length) {
    throw new ParquetCorrupt(
      `${what} needs ${bytes} bytes at byte ${pos} of a ${page.length}-byte page`,
    );
  }
}

/** Reads an unsigned LEB128 varint at `at[0]` (advancing it) as a BigInt. */
function varint(page: Uint8Array, at: number[]): bigint {
  let v = 0n;
  for (let shift = 0n; shift < 70n; shift += 7n) {
    need(page, at[0], 1, "DELTA_BINARY_PACKED varint");
    const b = page[at[0]++];
    v |= BigInt(b & 0x7f) << shift;
    if (!(b & 0x80)) return v;
  }
  throw new ParquetCorrupt("DELTA_BINARY_PACKED varint is too long");
}

const zigzag = (v: bigint) => (v >> 1n) ^ -(v & 1n);

/** `width` ≤ 32 bits at bit position `bit` of `page`, as an unsigned number. */
function bits(page: Uint8Array, bit: number, width: number): number {
  let v = 0;
  let got = 0;
  while (got < width) {
    const off = bit & 7;
    const take = Math.min(8 - off, width - got);
    v += ((page[bit >> 3] >> off) & ((1 << take) - 1)) * 2 ** got;
    got += take;
    bit += take;
  }
  return v;
}

/**
 * DELTA_BINARY_PACKED into `out` (Int32Array: arithmetic modulo 2^32, so
 * unsigned 32-bit values survive; BigInt64Array: modulo 2^64 in two 32-bit
 * halves, no BigInt per value). Returns the byte position after the data.
 */
export function deltaPacked(
  page: Uint8Array,
  pos: number,
  out: Int32Array | BigInt64Array,
): number {
  const at = [pos];
  const block = Number(varint(page, at));
  const minis = Number(varint(page, at));
  const total = Number(varint(page, at));
  if (block === 0 || block % 128 !== 0 || minis === 0 || block % minis || (block / minis) % 32) {
    throw new ParquetCorrupt(`DELTA_BINARY_PACKED block ${block} with ${minis} miniblocks`);
  }
  if (total !== out.length) {
    throw new ParquetCorrupt(
      `DELTA_BINARY_PACKED holds ${total} values, the page needs ${out.length}`,
    );
  }
  const wide = out instanceof BigInt64Array;
  const o = wide ? new Int32Array(out.buffer, out.byteOffset, out.length * 2) : out;
  const first = BigInt.asUintN(64, zigzag(varint(page, at)));
  let lo = Number(first & 0xffffffffn);
  let hi = Number(first >> 32n);
  const perMini = block / minis;
  let i = 0;
  const put = () => {
    if (wide) {
      o[2 * i] = lo;
      o[2 * i + 1] = hi;
    } else o[i] = lo;
    i++;
  };
  if (total > 0) put();
  while (i < total) {
    const min = BigInt.asUintN(64, zigzag(varint(page, at)));
    const minLo = Number(min & 0xffffffffn);
    const minHi = Number(min >> 32n);
    need(page, at[0], minis, "DELTA_BINARY_PACKED bit widths");
    const widths = at[0];
    let p = widths + minis;
    for (let m = 0; m < minis && i < total; m++) {
      const w = page[widths + m];
      if (w > (wide ? 64 : 32)) throw new ParquetCorrupt(`DELTA_BINARY_PACKED bit width ${w}`);
      need(page, p, (perMini * w) / 8, "DELTA_BINARY_PACKED miniblock");
      const base = p * 8;
      for (let j = 0; j < perMini && i < total; j++) {
        const bit = base + j * w;
        const rLo = w === 0 ? 0 : bits(page, bit, Math.min(w, 32));
        const rHi = w > 32 ? bits(page, bit + 32, w - 32) : 0;
        const sumLo = lo + minLo + rLo; // < 2^34: exact in a double
        const carry = Math.floor(sumLo / 4294967296);
        lo = sumLo >>> 0;
        hi = (hi + minHi + rHi + carry) >>> 0;
        put();
      }
      p += (perMini * w) / 8;
    }
    at[0] = p;
  }
  return at[0];
}

/** DELTA_LENGTH_BYTE_ARRAY and DELTA_BYTE_ARRAY values. */
export function deltaBytes(page: Uint8Array, pos: number, n: number, encoding: string): Physical {
  if (encoding === "DELTA_LENGTH_BYTE_ARRAY") {
    const lengths = new Int32Array(n);
    let p = deltaPacked(page, pos, lengths);
    const offsets = new Int32Array(n + 1);
    let total = 0;
    for (let i = 0; i < n; i++) {
      if (lengths[i] < 0) throw new ParquetCorrupt(`negative byte array length ${lengths[i]}`);
      offsets[i + 1] = total += lengths[i];
    }
    need(page, p, total, "DELTA_LENGTH_BYTE_ARRAY data");
    const data = copy(page, p, p + total);
    p += total;
    return { kind: "bytes", offsets, data };
  }
  const prefix = new Int32Array(n);
  const suffix = new Int32Array(n);
  let p = deltaPacked(page, pos, prefix);
  p = deltaPacked(page, p, suffix);
  const offsets = new Int32Array(n + 1);
  let total = 0;
  let suffixes = 0;
  for (let i = 0; i < n; i++) {
    const prev = i === 0 ? 0 : offsets[i] - offsets[i - 1];
    if (prefix[i] < 0 || suffix[i] < 0 || prefix[i] > prev) {
      throw new ParquetCorrupt(
        `DELTA_BYTE_ARRAY prefix ${prefix[i]} / suffix ${suffix[i]} at value ${i}`,
      );
    }
    offsets[i + 1] = total += prefix[i] + suffix[i];
    suffixes += suffix[i];
  }
  need(page, p, suffixes, "DELTA_BYTE_ARRAY suffixes");
  const data = new Uint8Array(total);
  for (let i = 0; i < n; i++) {
    const o = offsets[i];
    if (prefix[i] > 0) data.copyWithin(o, offsets[i - 1], offsets[i - 1] + prefix[i]);
    data.set(page.subarray(p, p + suffix[i]), o + prefix[i]);
    p += suffix[i];
  }
  return { kind: "bytes", offsets, data };
}
