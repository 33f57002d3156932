/**
 * Property tests for the byte-level readers: floats bit-identical to
 * Number.parseFloat over random doubles in three spellings (toString,
 * toPrecision(17), Python repr), int64 exact against BigInt, and ISO
 * timestamps against Date: a million doubles (3,000,000 spellings) by default,
 * `MEMKIT_FLOATS=N` for another count.
 */
import assert from "node:assert/strict";
import {
  intEnd,
  intHi,
  intLo,
  numEnd,
  parseFloatAt,
  parseIntAt,
} from "../../lib/data/_csv_number.ts";
import { parseDateAt, parseTimestampAt, timeEnd, timeZoned } from "../../lib/data/_csv_time.ts";
import { csv } from "../../mod.ts";
import { pyRepr } from "../bench/_csv_corpus.ts";

const COUNT = Number(Deno.env.get("MEMKIT_FLOATS") ?? 1_000_000);
const enc = new TextEncoder();

/** A deterministic random double over the whole range: random bits, finite only. */
function doubles(n: number, seed: number): number[] {
  const f = new Float64Array(1);
  const u = new Uint32Array(f.buffer);
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const out: number[] = [];
  while (out.length < n) {
    u[0] = next();
    u[1] = next();
    const k = out.length % 4;
    // Half from all bit patterns, half from the ranges data lives in.
    const x = k < 2 ? f[0] : (u[0] / 2 ** 32 - 0.5) * 10 ** ((u[1] % 40) - 20);
    if (Number.isFinite(x)) out.push(x);
  }
  return out;
}

Deno.test("floats: bit-identical to Number.parseFloat in three spellings", () => {
  let checked = 0;
  const spellings = [String, (x: number) => x.toPrecision(17), pyRepr];
  for (const x of doubles(COUNT, 7)) {
    for (const spell of spellings) {
      const s = spell(x);
      const b = enc.encode(s);
      const v = parseFloatAt(b, 0, b.length);
      const want = Number.parseFloat(s);
      if (!Object.is(v, want) || numEnd !== b.length) {
        assert.fail(`"${s}" → ${v} (end ${numEnd}), parseFloat says ${want}`);
      }
      checked++;
    }
  }
  assert.equal(checked, 3 * COUNT);
  // Hard cases: halfway points, the subnormal edge, 19+ digits, huge exponents.
  for (
    const s of [
      "9007199254740993",
      "9007199254740992.5",
      "2.2250738585072011e-308",
      "2.2250738585072014e-308",
      "4.9406564584124654e-324",
      "2.4703282292062327e-324",
      "1.7976931348623157e308",
      "1.7976931348623159e308",
      "0.1000000000000000055511151231257827",
      "1.00000000000000011102230246251565404236316680908203125",
      "123456789012345678901234567890",
      "7.038531e-26",
      "1e-400",
      "-0.0",
      "0e999999",
      "00000000000000000000000001.5",
      "0.000000000000000000000000000000000001",
    ]
  ) {
    const b = enc.encode(s);
    assert.ok(Object.is(parseFloatAt(b, 0, b.length), Number.parseFloat(s)), s);
  }
});

Deno.test("int64: exact against BigInt, ±2^63 bounds refused beyond", () => {
  let s = 99;
  const r = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0);
  for (let i = 0; i < 20_000; i++) {
    const v = BigInt.asIntN(64, (BigInt(r()) << 32n) | BigInt(r())) >> BigInt(r() % 64);
    const b = enc.encode(String(v));
    parseIntAt(b, 0, b.length);
    assert.equal(intEnd, b.length, String(v));
    assert.equal((BigInt(intHi) << 32n) + BigInt(intLo), v);
  }
  for (
    const [t, ok] of [
      ["9223372036854775807", true],
      ["-9223372036854775808", true],
      ["9223372036854775808", false],
      ["-9223372036854775809", false],
      ["12345678901234567890", false],
    ] as const
  ) {
    const b = enc.encode(t);
    parseIntAt(b, 0, b.length);
    assert.equal(intEnd >= 0, ok, t);
  }
});

Deno.test("timestamps and dates: the same instants as Date, offsets applied, bad ones refused", () => {
  let s = 5;
  const r = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
  let checked = 0;
  for (let i = 0; i < 5000; i++) {
    const ms = Math.floor((2 * r() - 1) * 6.2e13); // years 5 to 3935
    const d = new Date(ms);
    if (d.getUTCFullYear() < 1 || d.getUTCFullYear() > 9999) continue;
    const iso = d.toISOString(); // 2021-03-04T05:06:07.123Z
    const off = Math.floor(r() * 27 - 13);
    const local = new Date(ms + off * 3600e3).toISOString().slice(0, 23);
    const text = `${local}${off < 0 ? "-" : "+"}${String(Math.abs(off)).padStart(2, "0")}:00`;
    const b = enc.encode(text);
    assert.equal(parseTimestampAt(b, 0, b.length), ms * 1000, text);
    assert.equal(timeEnd, b.length);
    assert.ok(timeZoned);
    const z = enc.encode(iso);
    assert.equal(parseTimestampAt(z, 0, z.length), ms * 1000, iso);
    const day = enc.encode(iso.slice(0, 10));
    assert.equal(parseDateAt(day, 0, day.length), Math.floor(ms / 864e5), iso);
    checked++;
  }
  assert.ok(checked > 4000, `${checked}`);
  for (const bad of ["2021-02-29", "2021-13-01", "2021-00-10", "2021-1-01", "2021-01-32"]) {
    const b = enc.encode(bad);
    parseDateAt(b, 0, b.length);
    assert.equal(timeEnd, -1, bad);
  }
  for (const bad of ["2021-01-01 24:00:00", "2021-01-01T10:61", "2021-01-01 10:00:00.1234567"]) {
    const b = enc.encode(bad);
    parseTimestampAt(b, 0, b.length);
    assert.notEqual(timeEnd, b.length, bad);
  }
});

Deno.test("csv(): inferred int64, date, timestamp and timestamptz columns read exactly", async () => {
  const text = "big,day,local,zoned\n" +
    "9223372036854775807,2024-02-29,2024-02-29 23:59:59.999999,2024-02-29T23:00:00+01:00\n" +
    "-9007199254740993,1970-01-01,1970-01-01 00:00:00,1970-01-01T00:00:00Z\n" +
    ",,,\n";
  const b = (await Array.fromAsync(csv(new Blob([text]).stream())))[0];
  assert.deepEqual(b.schema.fields.map((f) => String(f.type)), [
    "Int64",
    "Date32<DAY>",
    "Timestamp<MICROSECOND>",
    "Timestamp<MICROSECOND, UTC>",
  ]);
  const big = b.getChild("big")!;
  assert.equal(big.get(0), 9223372036854775807n);
  assert.equal(big.get(1), -9007199254740993n);
  assert.equal(big.get(2), null);
  assert.equal(b.getChild("day")!.get(0), Date.UTC(2024, 1, 29));
  const local = b.getChild("local")!.data[0].values as BigInt64Array;
  assert.equal(local[0], BigInt(Date.UTC(2024, 1, 29, 23, 59, 59)) * 1000n + 999999n);
  const zoned = b.getChild("zoned")!.data[0].values as BigInt64Array;
  assert.equal(zoned[0], BigInt(Date.UTC(2024, 1, 29, 22)) * 1000n);
  assert.equal(zoned[1], 0n);
  assert.equal(b.getChild("zoned")!.nullCount, 1);
});

Deno.test("csv(): int64 on the fast path (LF rows) is exact at every length and sign", async () => {
  let s = 7;
  const r = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0);
  const values: bigint[] = [];
  for (let i = 0; i < 20_000; i++) {
    // 1 to 19 digits, both signs.
    const v = BigInt.asIntN(64, (BigInt(r()) << 32n) | BigInt(r())) >> BigInt(r() % 64);
    values.push(v);
  }
  values.push(2n ** 63n - 1n, -(2n ** 63n), 0n, -1n, 10n ** 15n, 10n ** 16n - 1n, -(10n ** 18n));
  const texts = values.map((v, i) => (i % 5 === 0 && v >= 0n ? `+${v}` : String(v)));
  texts.push("0000000000000000042", "-000000000000000000017");
  values.push(42n, -17n);
  const text = "v,w\n" + texts.map((t) => `${t},1`).join("\n") + "\n";
  const got: bigint[] = [];
  for await (const b of csv(new Blob([text]).stream(), { types: { v: "int64" } })) {
    got.push(...(b.getChild("v")!.toArray() as BigInt64Array));
  }
  assert.deepEqual(got, values);
  for (const bad of ["9223372036854775808", "-9223372036854775809", "99999999999999999999"]) {
    await assert.rejects(
      Array.fromAsync(csv(new Blob([`v\n1\n${bad}\n`]).stream(), { types: "int64" })),
      /is not a 64-bit integer/,
    );
  }
});
