import assert from "node:assert/strict";
import { tableFromIPC } from "apache-arrow";
import { tf } from "../../lib/_tf.ts";
import { pool, probeBytes, useBackend } from "../../mod.ts";

await useBackend({ backend: "cpu" });
const gc = (globalThis as { gc?: () => void }).gc;
const FLIGHTS = new URL(
  "../../node_modules/vega-datasets/data/flights-200k.arrow",
  import.meta.url,
);

Deno.test("pool: 2000 flights batches → tensors allocate no new ArrayBuffers; memory stays flat", async () => {
  const table = tableFromIPC(await Deno.readFile(FLIGHTS));
  const cols = ["delay", "distance", "time"].map((n) =>
    table.getChild(n)!.toArray() as ArrayLike<number>
  );
  const rows = 256;
  using p = pool({ slots: 2, name: "pool test" });
  const tensors = tf.memory().numTensors;
  let checksum = 0;
  let external0 = 0;
  let heap0 = 0;
  let externalMax = 0;
  let heapMax = 0;
  for (let step = 0; step < 2000; step++) {
    const start = (step * rows) % (table.numRows - rows);
    const batch = cols.map((c) => (c as Float32Array).subarray(start, start + rows));
    const x = p.tensor2d(batch);
    if (step === 0) {
      const d = x.arraySync();
      assert.deepEqual(d[1], [cols[0][1], cols[1][1], cols[2][1]]);
    }
    checksum += x.shape[0];
    x.dispose();
    if (step === 200) {
      gc?.();
      const m = Deno.memoryUsage();
      external0 = m.external;
      heap0 = m.heapUsed;
    } else if (step > 200 && step % 100 === 0) {
      const m = Deno.memoryUsage();
      externalMax = Math.max(externalMax, m.external - external0);
      heapMax = Math.max(heapMax, m.heapUsed - heap0);
    }
  }
  assert.equal(checksum, 2000 * rows);
  assert.equal(p.allocations, 2, "the steady state allocated new ArrayBuffers");
  assert.equal(p.bytes, 2 * rows * 3 * 4);
  assert.equal(probeBytes()["pool test"], p.bytes);
  assert.equal(tf.memory().numTensors, tensors);
  // Flat: no growth in external memory (ArrayBuffers) beyond noise.
  assert.ok(externalMax < 256 * 1024, `external grew ${externalMax} B`);
  // Without a collection, heapUsed swings by the garbage of ~8 MB of tensor
  // handles between GCs; with --expose-gc (the test task sets it) the heap
  // after a full GC must be back where it was.
  if (gc) {
    gc();
    const grown = Deno.memoryUsage().heapUsed - heap0;
    assert.ok(grown < 1024 * 1024, `heap after GC grew ${grown} B`);
  } else {
    assert.ok(heapMax < 16 * 1024 * 1024, `heap grew ${heapMax} B`);
  }
});

Deno.test("pool: refuses to refill a slot whose tensor is still alive", () => {
  using p = pool({ slots: 1 });
  const a = p.tensor2d([[1, 2, 3]]);
  assert.throws(
    () => p.tensor2d([[4, 5, 6]]),
    (e: Error) =>
      e instanceof RangeError &&
      /slot 0: the tensor made from it \(shape \[3,1\]\) is still alive/.test(e.message),
  );
  assert.deepEqual(Array.from(a.dataSync()), [1, 2, 3], "the live tensor was overwritten");
  a.dispose();
  const b = p.tensor2d([[7, 8, 9]]);
  assert.deepEqual(Array.from(b.dataSync()), [7, 8, 9]);
  b.dispose();
  assert.throws(
    () => p.tensor2d([[1], [1, 2]]),
    (e: Error) =>
      e instanceof RangeError && /column 1 has 2 values, column 0 has 1/.test(e.message),
  );
  assert.throws(() => pool({ slots: 0 }), /options\.slots is 0/);
});
