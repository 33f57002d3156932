/**
 * Seeded mutations of real files: truncations, flipped bytes, lying lengths
 * and counts, wrong magic, odd line endings, invalid UTF-8, huge lines. The
 * same seed gives the same variants on every machine.
 * @module
 */
import { mulberry32, seedFrom } from "../../lib/data/_random.ts";
import { getField, ipcFields, setField } from "./_arrow_layout.ts";

/** The formats the fuzzer covers. */
export type Format = "csv" | "jsonl" | "arrow" | "parquet";

/** One corrupted (or oddly formed) variant of a seed file. */
export interface Variant {
  /** What was done, e.g. "flip 3 bytes at 120, 881, 900". */
  label: string;
  /** The bytes. */
  bytes: Uint8Array;
}

type Rng = () => number;
type Mutation = (b: Uint8Array, r: Rng, big: boolean) => Variant;

const int = (r: Rng, n: number) => Math.floor(r() * n);
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[int(r, xs.length)];
const enc = new TextEncoder();

function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// Positions of line starts (after \n), for text mutations.
function lineStarts(b: Uint8Array): number[] {
  const out = [0];
  for (let i = 0; i < b.length; i++) if (b[i] === 10 && i + 1 < b.length) out.push(i + 1);
  return out;
}

// Byte-level mutations shared by every format.
const common: Mutation[] = [
  (b, r) => {
    const n = pick(r, [0, 1, 2, 4, 7, 8, int(r, b.length), int(r, b.length), b.length - 1]);
    return { label: `truncate to ${n} bytes`, bytes: b.slice(0, Math.max(0, n)) };
  },
  (b, r) => {
    const out = b.slice();
    const k = 1 + int(r, 8);
    const at: number[] = [];
    for (let i = 0; i < k; i++) {
      const p = int(r, b.length);
      out[p] ^= 1 << int(r, 8);
      at.push(p);
    }
    return { label: `flip ${k} bits at ${at.join(", ")}`, bytes: out };
  },
  (b, r) => {
    // Flips in the last 5 %: footers and trailing metadata.
    const out = b.slice();
    const k = 1 + int(r, 4);
    const at: number[] = [];
    for (let i = 0; i < k; i++) {
      const p = b.length - 1 - int(r, Math.max(1, Math.floor(b.length / 20)));
      out[p] = int(r, 256);
      at.push(p);
    }
    return { label: `set ${k} tail bytes at ${at.join(", ")}`, bytes: out };
  },
  (b, r) => {
    const out = b.slice();
    const p = int(r, b.length);
    const n = 1 + int(r, 64);
    out.fill(pick(r, [0, 0xff, 0x20]), p, p + n);
    return { label: `fill ${n} bytes at ${p}`, bytes: out };
  },
  (b, r) => {
    const p = int(r, b.length);
    const n = 1 + int(r, 256);
    return { label: `delete ${n} bytes at ${p}`, bytes: cat(b.subarray(0, p), b.subarray(p + n)) };
  },
  (b, r) => {
    const p = int(r, b.length);
    const n = 1 + int(r, 256);
    return {
      label: `duplicate ${n} bytes at ${p}`,
      bytes: cat(b.subarray(0, p + n), b.subarray(p, p + n), b.subarray(p + n)),
    };
  },
  (b, r) => {
    const out = b.slice();
    const end = r() < 0.5;
    const p = end ? Math.max(0, b.length - 4) : 0;
    out.set(enc.encode(pick(r, ["PAR1", "ARRO", "\x00\x00\x00\x00", '{"a"', "a,b\n"])), p);
    return { label: `wrong magic at the ${end ? "end" : "start"}`, bytes: out };
  },
];

// Text formats: line endings, UTF-8, huge lines, NULs, BOMs, quotes.
const text: Mutation[] = [
  (b) => ({ label: "CR line endings", bytes: b.map((c) => (c === 10 ? 13 : c)) }),
  (b) => {
    const parts: number[] = [];
    for (const c of b) c === 10 ? parts.push(13, 10) : parts.push(c);
    return { label: "CRLF line endings", bytes: Uint8Array.from(parts) };
  },
  (b, r) => {
    const parts: number[] = [];
    for (const c of b) {
      if (c !== 10) parts.push(c);
      else {
        const k = int(r, 3);
        k === 0 ? parts.push(10) : k === 1 ? parts.push(13, 10) : parts.push(13);
      }
    }
    return { label: "mixed LF/CRLF/CR line endings", bytes: Uint8Array.from(parts) };
  },
  (b) => {
    let n = b.length;
    while (n > 0 && (b[n - 1] === 10 || b[n - 1] === 13)) n--;
    return { label: "no final newline", bytes: b.slice(0, n) };
  },
  (b, r) => {
    const starts = lineStarts(b);
    const line = starts[1 + int(r, Math.max(1, starts.length - 1))] ?? 0;
    const at = Math.min(b.length, line + 1 + int(r, 4));
    const bad = pick(r, [[0xff], [0xc3], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82]]);
    return {
      label: `invalid UTF-8 ${bad.map((x) => x.toString(16)).join(" ")} at ${at}`,
      bytes: cat(b.subarray(0, at), Uint8Array.from(bad), b.subarray(at)),
    };
  },
  (b, r, big) => {
    const starts = lineStarts(b);
    const line = starts[1 + int(r, Math.max(1, starts.length - 1))] ?? 0;
    const n = big ? pick(r, [1 << 20, 8 << 20, 40 << 20]) : pick(r, [70_000, 300_000]);
    const fill = new Uint8Array(n).fill(0x78);
    return {
      label: `huge line: ${n} bytes inserted at line start ${line}`,
      bytes: cat(b.subarray(0, line), fill, b.subarray(line)),
    };
  },
  (b) => ({ label: "NULs instead of newlines", bytes: b.map((c) => (c === 10 ? 0 : c)) }),
  (b, r) => {
    const starts = lineStarts(b);
    const at = pick(r, starts);
    return {
      label: `BOM at ${at}`,
      bytes: cat(b.subarray(0, at), Uint8Array.from([0xef, 0xbb, 0xbf]), b.subarray(at)),
    };
  },
  (b, r) => {
    const starts = lineStarts(b);
    const at = starts[1 + int(r, Math.max(1, starts.length - 1))] ?? 0;
    return {
      label: `unclosed quote at ${at}`,
      bytes: cat(b.subarray(0, at), enc.encode('"'), b.subarray(at)),
    };
  },
  (b, r) => {
    const starts = lineStarts(b);
    const at = starts[1 + int(r, Math.max(1, starts.length - 1))] ?? 0;
    const s = pick(r, [",", ",,", "}", "{", '"x":1,', "\\", "\n\n", "nan,", "1e999,"]);
    return {
      label: `insert ${JSON.stringify(s)} at ${at}`,
      bytes: cat(b.subarray(0, at), enc.encode(s), b.subarray(at)),
    };
  },
];

const lies = (size: number) => [
  0n,
  -1n,
  -2n,
  7n,
  -5n,
  1n << 31n,
  (1n << 31n) - 1n,
  1n << 40n,
  BigInt(size),
  BigInt(size + 1),
];

const arrowLies: Mutation[] = [
  (b, r, big) => {
    let fields: ReturnType<typeof ipcFields> = [];
    try {
      fields = ipcFields(b);
    } catch {
      // Already corrupted by a first mutation: flip bytes instead.
    }
    if (fields.length === 0) return common[1](b, r, big);
    const f = pick(r, fields);
    const out = b.slice();
    const v = getField(out, f);
    const value = r() < 0.3 ? v + pick(r, [1n, -1n, 8n]) : pick(r, lies(b.length));
    setField(out, f, value);
    return { label: `${f.name} = ${value} (was ${v})`, bytes: out };
  },
];

const parquetLies: Mutation[] = [
  (b, r, big) => {
    if (b.length < 12) return common[1](b, r, big);
    // The footer length before the closing PAR1.
    const out = b.slice();
    const p = b.length - 8;
    const dv = new DataView(out.buffer);
    const was = dv.getInt32(p, true);
    const v = r() < 0.3
      ? was + pick(r, [1, -1, 8])
      : Number(BigInt.asIntN(32, pick(r, lies(b.length))));
    dv.setInt32(p, v, true);
    return { label: `footer length = ${v} (was ${was})`, bytes: out };
  },
  (b, r, big) => {
    if (b.length < 12) return common[1](b, r, big);
    // Thrift varints in the footer: bump one byte of the footer region.
    const out = b.slice();
    const dv = new DataView(out.buffer);
    const len = dv.getInt32(b.length - 8, true);
    const start = Math.max(4, b.length - 8 - len);
    const p = start + int(r, Math.max(1, len));
    const v = pick(r, [0, 1, 0x7f, 0x80, 0xff, out[p] + 1, out[p] - 1]) & 0xff;
    const was = out[p];
    out[p] = v;
    return { label: `footer byte ${p} = ${v} (was ${was})`, bytes: out };
  },
];

/** The mutations that apply to a format, by family, weighted. */
function mutationsFor(format: Format): Mutation[] {
  if (format === "csv" || format === "jsonl") return [...common, ...text, ...text];
  if (format === "arrow") return [...common, ...arrowLies, ...arrowLies, ...arrowLies];
  return [...common, ...parquetLies, ...parquetLies];
}

/**
 * `count` variants of `seed` for `format`, from the PRNG seeded with `seed`
 * and `index` (the same arguments give the same bytes).
 */
export function* variants(
  bytes: Uint8Array,
  format: Format,
  seed: number,
  count: number,
  big = false,
): Generator<Variant> {
  const r = mulberry32(seedFrom(seed * 7919 + format.length * 104729 + bytes.length));
  const ms = mutationsFor(format);
  for (let i = 0; i < count; i++) {
    const m = ms[int(r, ms.length)];
    // One in five variants stacks two mutations.
    let v = m(bytes, r, big);
    if (r() < 0.2 && v.bytes.length > 0) {
      const w = ms[int(r, ms.length)](v.bytes, r, big);
      v = { label: `${v.label}; then ${w.label}`, bytes: w.bytes };
    }
    yield v;
  }
}
