import assert from "node:assert/strict";
import { tf } from "../../lib/_tf.ts";
import { gpuMemory, useBackend } from "../../mod.ts";

const MiB = 1 << 20;

Deno.test("gpuMemory: on webgpu, bytes move between in use, pending and pooled", async () => {
  await useBackend({ backend: "webgpu" });
  const before = tf.memory();
  const start = gpuMemory();
  assert.equal(start.backend, "webgpu");
  assert.equal(start.inUse + start.pendingFreeBytes + start.pooled, start.allocated);

  const a = tf.ones([512, 512]); // 1 MiB
  const b = a.mul(2); // 1 MiB more, queued on the GPU
  await b.data(); // submits the queue
  const held = gpuMemory();
  assert.ok(held.inUse - start.inUse >= 2 * MiB, `inUse grew by ${held.inUse - start.inUse}`);
  assert.equal(held.tensorBytes - start.tensorBytes, 2 * MiB);
  assert.equal(held.inUse + held.pendingFreeBytes + held.pooled, held.allocated);

  // A disposed tensor read by a queued, unsubmitted command is pending.
  const c = b.add(1);
  b.dispose();
  const pending = gpuMemory();
  assert.ok(pending.pendingFrees >= 1, "expected a pending free");
  assert.ok(pending.pendingFreeBytes >= MiB, `pending bytes ${pending.pendingFreeBytes}`);
  await c.data();
  const submitted = gpuMemory();
  assert.equal(submitted.pendingFrees, 0);

  tf.dispose([a, c]);
  const freed = gpuMemory();
  // Freed buffers go to the pool, not back to the driver: pooled grows, in use falls.
  assert.ok(held.inUse - freed.inUse >= 2 * MiB, `inUse fell by ${held.inUse - freed.inUse}`);
  assert.ok(
    freed.pooled - start.pooled >= 2 * MiB,
    `pooled grew by ${freed.pooled - start.pooled}`,
  );
  assert.equal(freed.tensorBytes, start.tensorBytes);
  assert.equal(freed.inUse + freed.pendingFreeBytes + freed.pooled, freed.allocated);
  // The pool is reused: the same shape again allocates nothing new.
  const d = tf.ones([512, 512]);
  await d.data();
  assert.equal(gpuMemory().allocated, freed.allocated);
  d.dispose();
  assert.equal(tf.memory().numTensors, before.numTensors);
  assert.equal(tf.memory().numBytes, before.numBytes);
  await useBackend({ backend: "cpu" });
});

Deno.test("gpuMemory: wasm reports its heap, which does not shrink", async () => {
  await useBackend({ backend: "wasm" });
  const before = tf.memory();
  const start = gpuMemory();
  assert.ok(start.wasmHeap > 0);
  assert.equal(start.inUse, 0);
  const big = tf.ones([8192, 1024]); // 32 MiB: more than the initial heap
  await big.data();
  const grown = gpuMemory();
  assert.ok(
    grown.wasmHeap > start.wasmHeap && grown.wasmHeap >= 32 * MiB,
    `heap ${start.wasmHeap} → ${grown.wasmHeap}`,
  );
  assert.equal(grown.tensorBytes - start.tensorBytes, 32 * MiB);
  big.dispose();
  const after = gpuMemory();
  assert.equal(after.wasmHeap, grown.wasmHeap, "a wasm heap never shrinks");
  assert.equal(after.tensorBytes, start.tensorBytes);
  assert.deepEqual([tf.memory().numTensors, tf.memory().numBytes], [
    before.numTensors,
    before.numBytes,
  ]);
  await useBackend({ backend: "cpu" });
});

Deno.test("gpuMemory: cpu has no device memory, only tensor bytes", async () => {
  await useBackend({ backend: "cpu" });
  const before = tf.memory();
  const t = tf.ones([100]);
  const m = gpuMemory();
  assert.deepEqual(
    [m.inUse, m.pooled, m.pendingFrees, m.pendingFreeBytes, m.allocated, m.wasmHeap],
    [0, 0, 0, 0, 0, 0],
  );
  assert.equal(m.tensorBytes, before.numBytes + 400);
  t.dispose();
  assert.equal(tf.memory().numTensors, before.numTensors);
  assert.equal(tf.memory().numBytes, before.numBytes);
});
