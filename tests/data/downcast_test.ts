import assert from "node:assert/strict";
import {
  type Data,
  Dictionary,
  Int32,
  type RecordBatch,
  Table,
  tableFromArrays,
  TimestampMillisecond,
  Uint8,
  Utf8,
  vectorFromArray,
} from "apache-arrow";
import { tf } from "../../lib/_tf.ts";
import { from, parquet, probeBytes, restoreTimestamps, useBackend } from "../../mod.ts";

await useBackend({ backend: "cpu" });
const FLIGHTS = "node_modules/vega-datasets/data/flights-3m.parquet";

/** Order-sensitive checksums of the five flights columns, independent of their storage type. */
class Sums {
  rows = 0;
  date = 0n;
  delay = 0;
  distance = 0;
  strings = new Map<string, number>();
  origin = 0;
  destination = 0;
  add(batch: RecordBatch): void {
    const b = restoreTimestamps(batch);
    this.rows += b.numRows;
    for (const d of b.getChild("date")!.data) {
      for (const v of d.values as BigInt64Array) this.date += v;
    }
    for (const name of ["delay", "distance"] as const) {
      for (const d of b.getChild(name)!.data) {
        const values = d.values as ArrayLike<number | bigint>;
        for (let i = 0; i < d.length; i++) this[name] += Number(values[i]);
      }
    }
    for (const name of ["origin", "destination"] as const) {
      let h = this[name];
      for (const d of b.getChild(name)!.data as Data<Dictionary>[]) {
        // Map codes to strings, then strings to ids in first-seen order: equal
        // whatever the codes and index type are.
        const ids = (d.dictionary!.toArray() as string[]).map((s) => {
          if (!this.strings.has(s)) this.strings.set(s, this.strings.size);
          return this.strings.get(s)!;
        });
        const codes = d.values as ArrayLike<number>;
        for (let i = 0; i < d.length; i++) h = (Math.imul(h, 31) + ids[codes[i]]) | 0;
      }
      this[name] = h;
    }
  }
}

Deno.test("ds.downcast() on flights-3m: every value equal, bytes down to ~30%, re-iterable", async () => {
  const source = parquet(FLIGHTS);
  const original = new Sums();
  let bytesBefore = 0;
  for await (const b of source) {
    original.add(b);
    for (const c of b.data.children) {
      bytesBefore += c.values.byteLength + (c.valueOffsets?.byteLength ?? 0);
    }
  }
  assert.equal(original.rows, 3_000_000);

  const warnings: string[] = [];
  const ds = source.downcast({ onWarning: (m) => warnings.push(m) });
  assert.equal(ds.report, null, "no report before the first pass");
  const small = new Sums();
  // the ids of strings must be assigned in the same order: share the map
  small.strings = original.strings;
  let probed = 0;
  const types = new Set<string>();
  for await (const b of ds) {
    small.add(b);
    probed = Math.max(probed, probeBytes()["data downcast"] ?? 0);
    types.add(b.schema.fields.map((f) => String(f.type)).join());
  }
  assert.equal(probeBytes()["data downcast"], undefined, "the probe is gone after the pass");
  assert.ok(probed > 0, "the stage reported the bytes it holds");
  assert.deepEqual({ ...small, strings: 0 }, { ...original, strings: 0 });
  assert.ok(original.delay !== 0 && original.distance !== 0 && original.date !== 0n);

  const report = ds.report!;
  assert.equal(report.rows, 3_000_000);
  const before = report.columns.reduce((s, c) => s + c.bytesBefore, 0);
  const after = report.columns.reduce((s, c) => s + c.bytesAfter, 0);
  // int64 ×3 (date, delay, distance) + int32 codes ×2, plus each dictionary once
  assert.equal(bytesBefore, 96_000_000);
  assert.ok(before > bytesBefore && before - bytesBefore < 64 * 1024, `${before}`);
  assert.ok(after / before < 0.35, `downcast kept ${after} of ${before} bytes`);
  assert.deepEqual(
    report.columns.map((c) => c.typeAfter),
    ["uint32", "int16", "uint16", "dictionary<utf8, uint8>", "dictionary<utf8, uint8>"],
  );
  // date starts as uint16 minutes and widens once, with a warning naming it
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /^Column "date" widened from uint16 to uint32 at batch 2/);
  assert.ok(types.size === 2, [...types].join(" / "));

  // a second pass keeps the learned (widened) types and starts the report again
  let rows = 0;
  for await (const b of ds.take(600_000)) {
    rows += b.numRows;
    assert.equal(String(b.schema.fields[0].type), "Uint32");
  }
  assert.equal(rows, 600_000);
  // take() stops after slicing the third batch, which the downcast converted whole
  assert.equal(ds.report!.rows, 3 * 272_727);
  assert.equal(warnings.length, 1, "no new warning on the second pass");
});

Deno.test("ds.downcast(): abort signal, fail on overflow, non-batches", async () => {
  const a = tableFromArrays({ n: Float64Array.from([1, 2, 3]) }).batches[0];
  const b = tableFromArrays({ n: Float64Array.from([4, 5, 1000]) }).batches[0];
  await assert.rejects(
    async () => {
      for await (const _ of from([a, b]).downcast({ onOverflow: "fail" }));
    },
    (e: Error) => e instanceof RangeError && /"n".*batch 1/.test(e.message),
  );
  const controller = new AbortController();
  const ds = from([a, b, a]).downcast({ signal: controller.signal, onWarning: () => {} });
  let seen = 0;
  await assert.rejects(async () => {
    for await (const _ of ds) if (++seen === 1) controller.abort(new Error("stop here"));
  }, { message: "stop here" });
  assert.equal(seen, 1);
  // per-pass signal through iterate()
  const c2 = new AbortController();
  const ds2 = from([a, b, a]).downcast({ onWarning: () => {} });
  seen = 0;
  await assert.rejects(async () => {
    for await (const _ of ds2.iterate({ signal: c2.signal })) {
      if (++seen === 2) c2.abort(new Error("pass stopped"));
    }
  }, { message: "pass stopped" });
  assert.equal(seen, 2);
  // the same dataset still works after an aborted pass
  let sum = 0;
  for await (const x of ds2) for (const v of x.getChild("n")!) sum += v as number;
  assert.equal(sum, 2 * 6 + 1009);
  const bad = from([1, 2]) as unknown as ReturnType<typeof from<RecordBatch>>;
  await assert.rejects(async () => {
    for await (const _ of bad.downcast());
  }, (e: Error) => e instanceof TypeError && /item 0 is \[object Number\]/.test(e.message));
});

Deno.test("toTensors takes every downcast type: small ints, uint32, float32, small-index dictionaries, timestamp counts", async () => {
  const before = tf.memory();
  // flights, downcast: date (uint16/uint32 minutes), delay int16, distance uint16, origin uint8 codes
  const plain = parquet(FLIGHTS, { columns: ["date", "delay", "distance", "origin"] }).take(20_000);
  const expected: number[][] = [];
  const names: string[] = [];
  for await (const b of plain) {
    const date = b.getChild("date")!.toArray() as BigInt64Array;
    for (let i = 0; i < b.numRows; i++) {
      expected.push([
        Number((date[i] - 978307260000000n) / 60000000n), // minutes since the learned epoch
        Number(b.getChild("delay")!.get(i)),
        Number(b.getChild("distance")!.get(i)),
      ]);
      names.push(b.getChild("origin")!.get(i) as string);
    }
  }
  const small = plain.downcast({ onWarning: () => {} });
  let row = 0;
  for await (const b of small) {
    const meta = JSON.parse(b.schema.fields[0].metadata.get("memkit:timestamp")!);
    assert.equal(meta.epoch, "978307260000000");
    assert.equal(meta.step, "60000000");
    const dict = b.getChild("origin")!.data[0].dictionary!.toArray() as string[];
    for (let i = 0; i < b.numRows; i++) {
      assert.equal(dict[b.getChild("origin")!.data[0].values[i]], names[row + i]);
    }
    row += b.numRows;
  }
  row = 0;
  for await (
    const { xs, ys } of small.toTensors({ x: ["date", "delay", "distance", "origin"], y: "delay" })
  ) {
    const x = xs.arraySync();
    for (let i = 0; i < x.length; i++) {
      assert.deepEqual(x[i].slice(0, 3), expected[row + i], `row ${row + i}`);
    }
    assert.deepEqual(
      Array.from(ys.dataSync()),
      expected.slice(row, row + x.length).map((r) => r[1]),
    );
    row += x.length;
  }
  assert.equal(row, 20_000);

  // every integer width, float32 and a uint8-indexed dictionary, into float32 and int32
  const cols = {
    i8: Int8Array.from([-128, 0, 127]),
    u8: Uint8Array.from([0, 1, 255]),
    i16: Int16Array.from([-32768, 5, 32767]),
    u16: Uint16Array.from([0, 6, 65535]),
    i32: Int32Array.from([-(2 ** 24), 7, 2 ** 24]),
    u32: Uint32Array.from([0, 8, 2 ** 24]),
    f32: Float32Array.from([0.5, -1.25, 3]),
  };
  const city = vectorFromArray(["a", "b", "a"], new Dictionary(new Utf8(), new Uint8()));
  const base = tableFromArrays(cols);
  const t = new Table({
    ...Object.fromEntries(
      (Object.keys(cols) as (keyof typeof cols)[]).map((k) => [k, base.getChild(k)!]),
    ),
    city,
  });
  const names7 = [...Object.keys(cols), "city"];
  for await (
    const { xs, ys } of from(t.batches).toTensors({ x: names7, y: "u16", yDtype: "int32" })
  ) {
    assert.deepEqual(xs.arraySync(), [
      [-128, 0, -32768, 0, -(2 ** 24), 0, 0.5, 0],
      [0, 1, 5, 6, 7, 8, -1.25, 1],
      [127, 255, 32767, 65535, 2 ** 24, 2 ** 24, 3, 0],
    ]);
    assert.equal(ys.dtype, "int32");
    assert.deepEqual(Array.from(ys.dataSync()), [0, 6, 65535]);
  }
  for await (
    const { xs } of from(t.batches).toTensors({ x: ["city"], y: "u8", oneHot: { city: 2 } })
  ) {
    assert.deepEqual(xs.arraySync(), [[1, 0], [0, 1], [1, 0]]);
  }
  // values past the exact range throw, naming column, row and value
  const wide = tableFromArrays({
    u: Uint32Array.from([1, 2 ** 31]),
    i: Int32Array.from([1, 2 ** 24 + 1]),
  }).batches;
  await assert.rejects(async () => {
    for await (const _ of from(wide).toTensors({ x: ["u"], y: "u", yDtype: "int32" }));
  }, (e: Error) => e instanceof RangeError && /"u" holds 2147483648 at row 1/.test(e.message));
  await assert.rejects(async () => {
    for await (const _ of from(wide).toTensors({ x: ["i"], y: "u" }));
  }, (e: Error) => e instanceof RangeError && /"i" holds 16777217 at row 1/.test(e.message));
  // a 64-bit timestamp says how to make it a feature
  const ts = new Table({
    when: vectorFromArray([new Date(0), new Date(1)], new TimestampMillisecond()),
    v: vectorFromArray([1, 2], new Int32()),
  });
  await assert.rejects(
    async () => {
      for await (const _ of from(ts.batches).toTensors({ x: ["when"], y: "v" }));
    },
    (e: Error) => e instanceof TypeError && /"when" is a 64-bit .*ds\.downcast\(\)/.test(e.message),
  );
  assert.equal(tf.memory().numTensors, before.numTensors);
});
