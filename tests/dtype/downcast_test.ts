import assert from "node:assert/strict";
import {
  Bool,
  Field,
  Float64,
  Int32,
  Int64,
  List,
  makeData,
  makeVector,
  RecordBatch,
  Schema,
  Struct,
  Table,
  TimestampMicrosecond,
  TimestampNanosecond,
  Utf8,
  vectorFromArray,
} from "apache-arrow";
import { downcast, memoryReport, restoreTimestamps } from "../../mod.ts";
import { readFlights } from "../bench/_flights.ts";

/** A validity bitmap with row `i` null when `isNull(i)`. */
function bitmap(n: number, isNull: (i: number) => boolean): Uint8Array {
  const bits = new Uint8Array((n + 7) >> 3);
  for (let i = 0; i < n; i++) if (!isNull(i)) bits[i >> 3] |= 1 << (i & 7);
  return bits;
}

function utf8(values: (string | null)[]) {
  const enc = new TextEncoder();
  const parts = values.map((v) => enc.encode(v ?? ""));
  const offsets = new Int32Array(values.length + 1);
  parts.forEach((p, i) => offsets[i + 1] = offsets[i] + p.length);
  const data = new Uint8Array(offsets[values.length]);
  parts.forEach((p, i) => data.set(p, offsets[i]));
  const nulls = values.filter((v) => v === null).length;
  return makeData({
    type: new Utf8(),
    length: values.length,
    nullCount: nulls,
    nullBitmap: nulls ? bitmap(values.length, (i) => values[i] === null) : undefined,
    valueOffsets: offsets,
    data,
  });
}

/** A batch with one column of each kind downcast handles, nulls included, plus two it does not. */
function mixedBatch(n: number): RecordBatch {
  const ints = new BigInt64Array(n).map((_, i) => BigInt((i * 37) % 1000) - 500n);
  const floats = new Float64Array(n).map((_, i) => i / 4); // exact in float32
  const integralFloats = new Float64Array(n).map((_, i) => (i % 50) * 3);
  const tenths = new Float64Array(n).map((_, i) => i / 10); // not exact in float32
  const names = Array.from({ length: n }, (_, i) => i % 7 === 0 ? null : `city-${i % 5}-é`);
  // Whole seconds, in µs, from 2024-03-01; every 3rd row null.
  const t0 = 1709251200000000n;
  const times = new BigInt64Array(n).map((_, i) => t0 + BigInt(i * 17) * 1000000n);
  const bools = new Uint8Array((n + 7) >> 3).fill(0b10101010);
  const listChild = makeData({
    type: new Int32(),
    length: n,
    nullCount: 0,
    data: new Int32Array(n),
  });
  const fields = [
    new Field("ints", new Int64(), true),
    new Field("floats", new Float64(), false),
    new Field("integralFloats", new Float64(), false),
    new Field("tenths", new Float64(), false),
    new Field("names", new Utf8(), true),
    new Field("times", new TimestampMicrosecond("UTC"), true),
    new Field("flags", new Bool(), false),
    new Field("lists", new List(new Field("item", new Int32())), false),
  ];
  const intNulls = bitmap(n, (i) => i % 11 === 3);
  const timeNulls = bitmap(n, (i) => i % 3 === 2);
  const children = [
    makeData({
      type: new Int64(),
      length: n,
      nullCount: Array.from({ length: n }, (_, i) => i % 11 === 3).filter(Boolean).length,
      nullBitmap: intNulls,
      data: ints,
    }),
    makeData({ type: new Float64(), length: n, nullCount: 0, data: floats }),
    makeData({ type: new Float64(), length: n, nullCount: 0, data: integralFloats }),
    makeData({ type: new Float64(), length: n, nullCount: 0, data: tenths }),
    utf8(names),
    makeData({
      type: new TimestampMicrosecond("UTC"),
      length: n,
      nullCount: Array.from({ length: n }, (_, i) => i % 3 === 2).filter(Boolean).length,
      nullBitmap: timeNulls,
      data: times,
    }),
    makeData({ type: new Bool(), length: n, nullCount: 0, data: bools }),
    makeData({
      type: new List(new Field("item", new Int32())),
      length: n,
      nullCount: 0,
      valueOffsets: new Int32Array(n + 1).map((_, i) => i),
      child: listChild,
    }),
  ];
  const data = makeData({ type: new Struct(fields), length: n, nullCount: 0, children });
  return new RecordBatch(new Schema(fields), data);
}

/** Asserts that two tables hold the same values row by row (nulls included). */
function assertSameValues(a: Table, b: Table, columns: string[]) {
  assert.equal(a.numRows, b.numRows);
  for (const name of columns) {
    const x = a.getChild(name)!, y = b.getChild(name)!;
    for (let i = 0; i < a.numRows; i++) {
      const u = x.get(i), v = y.get(i);
      if (u !== v && !(typeof u === "bigint" && Number(u) === v)) {
        assert.fail(`column ${name} row ${i}: ${u} !== ${v}`);
      }
    }
  }
}

Deno.test("downcast: each kind of column gets the smallest exact type, values and nulls intact", () => {
  const batch = mixedBatch(1000);
  const t = new Table([batch, mixedBatch(1000)]);
  const { table, report } = downcast(t);
  const types = Object.fromEntries(table.schema.fields.map((f) => [f.name, String(f.type)]));
  assert.deepEqual(types, {
    ints: "Int16",
    floats: "Float32",
    integralFloats: "Uint8",
    tenths: "Float64",
    names: "Dictionary<Uint8, Utf8>",
    times: "Uint16",
    flags: "Bool",
    lists: "List<Int32>",
  });
  assert.equal(table.batches.length, 2);
  assertSameValues(t, table, ["ints", "floats", "integralFloats", "tenths", "names", "flags"]);
  // Timestamps come back exactly, as 64-bit timestamps with the original unit and zone.
  const back = restoreTimestamps(table);
  assert.equal(String(back.schema.fields[5].type), "Timestamp<MICROSECOND, UTC>");
  for (let b = 0; b < 2; b++) {
    const was = t.batches[b].getChild("times")!.data[0];
    const now = back.batches[b].getChild("times")!.data[0];
    for (let i = 0; i < was.length; i++) {
      assert.equal(now.getValid(i), was.getValid(i));
      if (was.getValid(i)) assert.equal(now.values[i], was.values[i]);
    }
  }
  assert.equal(back.getChild("times")!.nullCount, t.getChild("times")!.nullCount);
  // The report names the unsupported column and the kept ones, with exact bytes.
  assert.deepEqual(report.unsupported, [{ column: "lists", type: "list<int32>" }]);
  const ints = report.columns.find((c) => c.column === "ints")!;
  assert.equal(ints.bytesBefore, 2 * (8000 + 125)); // values + validity bitmap
  assert.equal(ints.bytesAfter, 2 * (2000 + 125));
  assert.match(
    report.columns.find((c) => c.column === "times")!.note,
    /counts of 17 seconds from 2024-03-01T00:00:00.000Z/,
  );
  assert.match(
    report.columns.find((c) => c.column === "tenths")!.note,
    /float32 would change values/,
  );
  assert.equal(report.totalBefore, memoryReport(t).totalBefore);
  assert.equal(report.totalAfter, memoryReport(table).totalBefore);
  assert.ok(report.saving > 0.4, report.toString());
});

Deno.test("downcast: a record batch in, a record batch out", () => {
  const { batch, report } = downcast(mixedBatch(10), { columns: ["ints"] });
  assert.ok(batch instanceof RecordBatch);
  assert.equal(String(batch.schema.fields[0].type), "Int16");
  assert.equal(String(batch.schema.fields[1].type), "Float64"); // not selected
  assert.equal(report.columns[1].note, "not selected");
});

Deno.test("downcast: float64 → float32 only within an explicit tolerance, error reported", () => {
  const t = new Table({ x: makeVector(new Float64Array([0.1, 0.2, 1e6 + 0.3])) });
  assert.equal(String(downcast(t).table.schema.fields[0].type), "Float64");
  const { table, report } = downcast(t, { tolerance: 0.05 });
  assert.equal(String(table.schema.fields[0].type), "Float32");
  assert.match(report.columns[0].note, /^float32: max error 0\.0\d+, mean/);
  assert.ok(Math.abs(table.getChild("x")!.get(2) - (1e6 + 0.3)) <= 0.05);
});

Deno.test("downcast: float16 only on request, with the error reported; overflow throws", () => {
  const x = new Float64Array([0.5, 1 / 3, 1000.25, -2]);
  const { table, report } = downcast(new Table({ x: makeVector(x) }), { types: { x: "float16" } });
  assert.equal(String(table.schema.fields[0].type), "Float16");
  const err = table.getChild("x")!.toArray() as Uint16Array;
  assert.equal(err.length, 4);
  const h = new Float16Array(x);
  for (let i = 0; i < 4; i++) assert.equal(table.getChild("x")!.get(i), h[i]);
  assert.match(report.columns[0].note, /^float16: max error 0\.25, mean /);
  assert.throws(
    () =>
      downcast(new Table({ y: makeVector(new Float64Array([1, 70000])) }), {
        types: { y: "float16" },
      }),
    (e: Error) =>
      e instanceof RangeError &&
      e.message ===
        'Cannot downcast column "y" to float16 (largest finite value is 65504): value 70000 at row 1 does not fit (asked by options.types)',
  );
});

Deno.test("downcast: a requested type that would lose data fails naming column and value", () => {
  const t = new Table({
    n: makeVector(new Int32Array([1, 2, 300])),
    f: makeVector(new Float64Array([1, 2.5])),
  });
  assert.throws(
    () => downcast(t, { types: { n: "int8" } }),
    (e: Error) =>
      e instanceof RangeError &&
      e.message ===
        'Cannot downcast column "n" to int8: value 300 at row 2 does not fit (asked by options.types)',
  );
  const t2 = new Table({ f: makeVector(new Float64Array([1, 2.5, 0.1])) });
  assert.throws(
    () => downcast(t2, { types: { f: "int32" } }),
    /^RangeError: Cannot downcast column "f" to int32: value 2\.5 at row 1 does not fit/,
  );
  assert.throws(
    () => downcast(t2, { types: { f: "float32" } }),
    /Cannot downcast column "f" to float32: value 0\.1 at row 2 does not fit/,
  );
  assert.throws(
    () => downcast(t2, { types: { nope: "int8" } }),
    (e: Error) =>
      e instanceof TypeError &&
      /names column "nope", which is not in the schema \(f\)/.test(e.message),
  );
  assert.throws(
    () => downcast(t2, { types: { f: "dictionary" } }),
    (e: Error) => e instanceof TypeError && /dictionaries are for strings/.test(e.message),
  );
  assert.throws(() => downcast(t2, { tolerance: -1 }), RangeError);
  assert.throws(
    () => downcast({} as Table),
    /expected an Arrow Table or RecordBatch, got \[object Object\]/,
  );
});

Deno.test("downcast: timestamps beyond 2^53 (nanoseconds) are compacted exactly with BigInt", () => {
  const base = 1_700_000_000_123_456_789n;
  const v = new BigInt64Array([base, base + 1_000_000_000n * 60n, base + 1_000_000_000n * 3600n]);
  const t = new Table({
    t: makeVector(makeData({ type: new TimestampNanosecond(), length: 3, nullCount: 0, data: v })),
  });
  const { table, report } = downcast(t);
  assert.equal(String(table.schema.fields[0].type), "Uint8");
  assert.match(report.columns[0].note, /counts of 1 minute from 2023-11-14T22:13:20\.123Z/);
  assert.deepEqual(restoreTimestamps(table).getChild("t")!.data[0].values, v);
});

Deno.test("downcast: flights (2 row groups) to ≤ 35% of the naive bytes, columns equal exactly", async () => {
  const naive = new Table(await readFlights(2));
  const { table, report } = downcast(naive);
  assert.ok(report.totalAfter <= 0.35 * report.totalBefore, report.toString());
  assert.equal(report.totalBefore, memoryReport(naive).totalBefore);
  // Every value equal: integers as numbers, strings as strings, timestamps restored to the same µs.
  const back = restoreTimestamps(table);
  for (let b = 0; b < naive.batches.length; b++) {
    assert.deepEqual(
      back.batches[b].getChild("date")!.data[0].values,
      naive.batches[b].getChild("date")!.data[0].values,
    );
  }
  for (const name of ["delay", "distance"]) {
    const x = naive.getChild(name)!.toArray() as BigInt64Array;
    const y = table.getChild(name)!.toArray() as Int16Array;
    for (let i = 0; i < x.length; i++) if (Number(x[i]) !== y[i]) assert.fail(`${name} row ${i}`);
  }
  for (const name of ["origin", "destination"]) {
    const x = naive.getChild(name)!, y = table.getChild(name)!;
    for (let i = 0; i < x.length; i++) if (x.get(i) !== y.get(i)) assert.fail(`${name} row ${i}`);
  }
});

Deno.test("downcast: sliced tables (non-zero offsets) keep values and nulls on the right rows", () => {
  const t = new Table({
    x: vectorFromArray([1, null, 3, 4, 5, 6, 7, 8, 9, 10.5]),
    s: vectorFromArray(["a", "b", null, "a", "b", "a", "b", "a", "b", "c"], new Utf8()),
  }).slice(1, 7);
  const { table } = downcast(t, { categoryRatio: 1 });
  assert.equal(String(table.schema), "Schema<{ 0: x: Uint8, 1: s: Dictionary<Uint8, Utf8> }>");
  assert.deepEqual(table.getChild("x")!.toJSON(), [null, 3, 4, 5, 6, 7]);
  assert.deepEqual(table.getChild("s")!.toJSON(), ["b", null, "a", "b", "a", "b"]);
});
