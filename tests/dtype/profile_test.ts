import assert from "node:assert/strict";
import { makeVector, Table, tableFromArrays, Utf8, vectorFromArray } from "apache-arrow";
import { downcast, memoryReport, profile } from "../../mod.ts";

Deno.test("profile: per column type, rows, nulls, min/max, integrality, distinct and bytes", () => {
  const t = new Table({
    n: vectorFromArray([3, null, -7, 3, 10.5]),
    s: vectorFromArray(["x", "y", null, "x", "é"], new Utf8()),
    d: tableFromArrays({ d: ["a", "b", "a", "a", "c"] }).getChild("d")!,
    when: tableFromArrays({ when: [0, 1, 2, 3, 4].map((i) => new Date(Date.UTC(2020, 0, 1 + i))) })
      .getChild("when")!,
    i: makeVector(new BigInt64Array([1n, 2n, 2n ** 60n, -(2n ** 60n), 5n])),
  });
  const p = profile(t);
  const [n, s, d, when, i] = p.columns;
  assert.deepEqual(
    { ...n, bytes: 0 },
    {
      column: "n",
      type: "float64",
      rows: 5,
      nulls: 1,
      min: -7,
      max: 10.5,
      integral: false,
      distinct: 3,
      distinctApprox: false,
      bytes: 0,
    },
  );
  assert.equal(n.bytes, memoryReport(new Table({ n: t.getChild("n")! })).totalBefore);
  assert.deepEqual([s.type, s.nulls, s.distinct, s.min, s.integral], ["utf8", 1, 3, null, null]);
  assert.deepEqual([d.type, d.distinct], ["dictionary<utf8, int32>", 3]);
  assert.deepEqual([when.type, when.min, when.max], [
    "timestamp[ms]",
    "2020-01-01T00:00:00.000Z",
    "2020-01-05T00:00:00.000Z",
  ]);
  // Values beyond 2^53 are reported exactly as bigints.
  assert.deepEqual([i.min, i.max, i.integral], [-(2n ** 60n), 2n ** 60n, true]);
  assert.equal(p.bytes, memoryReport(t).totalBefore);
  assert.match(p.toString(), /^column +type +rows +nulls/);
});

Deno.test("profile: typed arrays, and approximate distinct counts that say so", () => {
  const x = new Int32Array(200_000).map((_, i) => (i * 7919) % 150_000);
  const exact = profile(x, { exactDistinct: 1_000_000 }).columns[0];
  assert.equal(exact.distinct, 150_000);
  assert.equal(exact.distinctApprox, false);
  assert.equal(exact.bytes, 800_000);
  const approx = profile(x, { exactDistinct: 1000 }).columns[0];
  assert.equal(approx.distinctApprox, true);
  assert.ok(Math.abs(approx.distinct! - 150_000) / 150_000 < 0.03, String(approx.distinct));
  assert.match(profile(x, { exactDistinct: 1000 }).toString(), /≈1\d{5}/);
  assert.throws(
    () => profile([1, 2] as unknown as Int32Array),
    /Cannot profile: expected an Arrow Table, RecordBatch or typed array, got \[object Array\]/,
  );
});

Deno.test("memoryReport: exact bytes, side by side, terminal table and Jupyter rich display", () => {
  const t = tableFromArrays({ a: new Float64Array(100), b: new Int32Array(100).fill(7) });
  const { table, report } = downcast(t);
  const r = memoryReport(t, table);
  assert.deepEqual(r.columns.map((c) => [c.column, c.bytesBefore, c.bytesAfter]), [
    ["a", 800, 100],
    ["b", 400, 100],
  ]);
  assert.equal(r.totalBefore, report.totalBefore);
  assert.equal(r.totalAfter, report.totalAfter);
  assert.equal(r.saving, 1 - 200 / 1200);
  const text = report.toString();
  assert.match(text, /100 rows: 1\.2 kB → 200 B \(16\.7%\)/);
  assert.match(text, /total +1\.2 kB +200 B +83\.3% saved/);
  const display = (report as unknown as Record<symbol, () => Record<string, string>>)[
    Symbol.for("Jupyter.display")
  ];
  const bundle = display.call(report);
  assert.equal(bundle["text/plain"], text);
  assert.match(bundle["text/html"], /^<table class="memkit-table"><caption/);
  assert.match(bundle["text/html"], /<td style="text-align:left">uint8<\/td>/);
  assert.throws(() => memoryReport(new Float64Array(3) as unknown as Table), TypeError);
});
