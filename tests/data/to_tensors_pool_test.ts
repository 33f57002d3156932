import assert from "node:assert/strict";
import { type RecordBatch, tableFromArrays, tableFromIPC } from "apache-arrow";
import { tf } from "../../lib/_tf.ts";
import { from, useBackend } from "../../mod.ts";

await useBackend({ backend: "cpu" });
const gc = (globalThis as { gc?: () => void }).gc;
const FLIGHTS = new URL(
  "../../node_modules/vega-datasets/data/flights-200k.arrow",
  import.meta.url,
);
const table = tableFromIPC(await Deno.readFile(FLIGHTS));
const STEPS = 2000;
const ROWS = 256;

/** Runs STEPS toTensors steps over flights; on cpu a tensor's dataSync() is the array it was made from. */
async function loop(pool: boolean) {
  const ds = from(table.batches).repeat(3).batch(ROWS)
    .toTensors({ x: ["distance", "time", "delay"], y: "delay", yDtype: "int32", pool });
  // Weak: counting buffers must not keep them alive.
  const seen = new WeakSet<ArrayBufferLike>();
  let xBuffers = 0;
  let yBuffers = 0;
  let step = 0;
  let checksum = 0;
  let external0 = 0;
  let heap0 = 0;
  let externalMax = 0;
  for await (const { xs, ys } of ds) {
    const x = xs.dataSync() as Float32Array;
    const y = ys.dataSync() as Int32Array;
    if (!seen.has(x.buffer)) xBuffers++;
    if (!seen.has(y.buffer)) yBuffers++;
    seen.add(x.buffer).add(y.buffer);
    for (let i = 0; i < x.length; i += 97) checksum += x[i];
    for (let i = 0; i < y.length; i += 13) checksum += y[i];
    if (step === 200) {
      gc?.();
      const m = Deno.memoryUsage();
      external0 = m.external;
      heap0 = m.heapUsed;
    } else if (step > 200 && step % 100 === 0) {
      externalMax = Math.max(externalMax, Deno.memoryUsage().external - external0);
    }
    if (++step === STEPS) break;
  }
  gc?.();
  const end = Deno.memoryUsage();
  return {
    xBuffers,
    yBuffers,
    checksum,
    externalMax,
    externalGrowth: end.external - external0,
    heapGrowth: end.heapUsed - heap0,
  };
}

Deno.test("toTensors pools: 2000 flights steps allocate no new ArrayBuffers; memory stays flat", async () => {
  const before = tf.memory();
  const plain = await loop(false);
  const pooled = await loop(true);
  assert.equal(pooled.checksum, plain.checksum, "pooled tensors hold the same values");
  assert.ok(plain.checksum !== 0);
  // the unpooled path shows the counting works: one new buffer per tensor
  assert.equal(plain.xBuffers, STEPS);
  assert.equal(plain.yBuffers, STEPS);
  // pooled: the two ring slots for xs and for ys, nothing else
  assert.equal(pooled.xBuffers, 2);
  assert.equal(pooled.yBuffers, 2);
  assert.ok(pooled.externalMax < 256 * 1024, `external grew ${pooled.externalMax} B`);
  assert.ok(pooled.externalGrowth < 256 * 1024, `external grew ${pooled.externalGrowth} B`);
  if (gc) {
    assert.ok(pooled.heapGrowth < 1024 * 1024, `heap after GC grew ${pooled.heapGrowth} B`);
  }
  assert.equal(tf.memory().numTensors, before.numTensors);
  assert.equal(tf.memory().numBytes, before.numBytes);
});

function batches(): RecordBatch[] {
  const out: RecordBatch[] = [];
  for (let b = 0; b < 6; b++) {
    const a = Float32Array.from({ length: 5 }, (_, i) => b * 10 + i);
    const code = Int32Array.from({ length: 5 }, (_, i) => (b + i) % 4);
    out.push(tableFromArrays({ a, code }).batches[0]);
  }
  return out;
}

Deno.test("toTensors pools safely: kept, cloned and reshaped tensors keep their values; one-hot is re-zeroed", async () => {
  const before = tf.memory().numTensors;
  const spec = { x: ["a", "code"], y: "a", oneHot: { code: 4 } };
  const expected: number[][][] = [];
  for await (const { xs } of from(batches()).toTensors({ ...spec, pool: false })) {
    expected.push(xs.arraySync());
  }
  const held: tf.Tensor[] = [];
  let step = 0;
  for await (const element of from(batches()).toTensors(spec)) {
    assert.deepEqual(element.xs.arraySync(), expected[step], `step ${step}`);
    // on cpu these share the slot's array: the ring must not refill it
    if (step === 1) held.push(...Object.values(element.keep()));
    if (step === 2) held.push(element.xs.clone());
    if (step === 3) held.push(element.xs.reshape([-1]));
    step++;
  }
  assert.equal(step, 6);
  assert.deepEqual(held[0].arraySync(), expected[1]);
  assert.deepEqual(held[1].arraySync(), expected[1].map((r) => [r[0]]));
  assert.deepEqual(held[2].arraySync(), expected[2]);
  assert.deepEqual(held[3].arraySync(), expected[3].flat());
  assert.equal(tf.memory().numTensors, before + 4);
  tf.dispose(held);
  assert.equal(tf.memory().numTensors, before);
  await assert.rejects(async () => {
    for await (
      const _ of from(batches()).toTensors({ ...spec, pool: "yes" as unknown as boolean })
    );
  }, (e: Error) => e instanceof TypeError && /pool must be true or false, got yes/.test(e.message));
});

Deno.test("toTensors pools on wasm (the backend copies, so slots are free at once)", async () => {
  await useBackend({ backend: "wasm" });
  try {
    const before = tf.memory().numTensors;
    const spec = { x: ["a", "code"], y: "code", oneHot: { code: 4 } };
    const kept: tf.Tensor[] = [];
    const expected: number[][][] = [];
    for await (const { xs } of from(batches()).toTensors({ ...spec, pool: false })) {
      expected.push(xs.arraySync());
    }
    let step = 0;
    for await (const element of from(batches()).toTensors(spec)) {
      assert.equal(tf.getBackend(), "wasm");
      assert.deepEqual(element.xs.arraySync(), expected[step]);
      if (step++ % 2 === 0) kept.push(...Object.values(element.keep()));
    }
    for (let i = 0; i < 3; i++) assert.deepEqual(kept[2 * i].arraySync(), expected[2 * i]);
    tf.dispose(kept);
    assert.equal(tf.memory().numTensors, before);
  } finally {
    await useBackend({ backend: "cpu" });
  }
});
