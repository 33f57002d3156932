import assert from "node:assert/strict";
import { humanBytes, lttb } from "../../mod.ts";

Deno.test("lttb: picks the requested count, ascending, with first, last and a lone spike", () => {
  const n = 100_000;
  const x = Float64Array.from({ length: n }, (_, i) => i * 0.05);
  const y = Float64Array.from({ length: n }, (_, i) => 1e8 + 1e6 * Math.sin(i / 500));
  y[54_321] = 5e8;
  const idx = lttb(x, y, 2000);
  assert.equal(idx.length, 2000);
  assert.equal(idx[0], 0);
  assert.equal(idx.at(-1), n - 1);
  assert.ok(idx.includes(54_321), "the spike survives");
  for (let i = 1; i < idx.length; i++) assert.ok(idx[i] > idx[i - 1]);
});

Deno.test("lttb: keep adds indices; short input is returned whole", () => {
  const x = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const y = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  assert.deepEqual([...lttb(x, y, 20)], x);
  const kept = lttb(x, y, 3, { keep: [4, 7, 42] });
  assert.ok(kept.includes(4) && kept.includes(7) && !kept.includes(42));
});

Deno.test("lttb: a threshold below 3 is a RangeError naming the value", () => {
  assert.throws(
    () => lttb([1, 2, 3], [1, 2, 3], 2),
    (e: Error) =>
      e instanceof RangeError && e.message === "lttb: threshold must be an integer ≥ 3, got 2",
  );
});

Deno.test("humanBytes: SI units, sign on request", () => {
  assert.equal(humanBytes(0), "0 B");
  assert.equal(humanBytes(999), "999 B");
  assert.equal(humanBytes(1000), "1 kB");
  assert.equal(humanBytes(268_800_000), "268.8 MB");
  assert.equal(humanBytes(12_345_678_901), "12.35 GB");
  assert.equal(humanBytes(5_000_000, { sign: true }), "+5 MB");
  assert.equal(humanBytes(-5_000_000, { sign: true }), "-5 MB");
});
