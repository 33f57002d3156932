import assert from "node:assert/strict";
import { tf } from "../../lib/_tf.ts";
import { scope, scoped, useBackend } from "../../mod.ts";

await useBackend({ backend: "cpu" });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mem = () => {
  const m = tf.memory();
  return { numTensors: m.numTensors, numBytes: m.numBytes };
};

Deno.test("scoped: returned tensors survive, the rest is disposed", async () => {
  const before = mem();
  const { sum, parts } = await scoped(async () => {
    const x = tf.range(0, 100);
    await sleep(1);
    const sq = x.square();
    return { sum: sq.sum(), parts: [x.slice(0, 2)] };
  });
  assert.equal((await sum.data())[0], 328350);
  assert.deepEqual(mem(), { numTensors: before.numTensors + 2, numBytes: before.numBytes + 12 });
  tf.dispose([sum, ...parts]);
  assert.deepEqual(mem(), before);
});

Deno.test("scoped: a throw disposes everything and rethrows", async () => {
  const before = mem();
  await assert.rejects(
    () =>
      scoped(async () => {
        tf.ones([100]);
        await sleep(1);
        throw new TypeError("bad input");
      }),
    (e: Error) => e instanceof TypeError && e.message === "bad input",
  );
  assert.deepEqual(mem(), before);
});

Deno.test("scoped: concurrent tasks with scopes inside them stay apart", async () => {
  const before = mem();
  // The inner functions open scopes without the extra await: scoped() still
  // isolates them, because the caller's context is restored when fn returns.
  async function work(v: number, d: number) {
    await using s = scope();
    const t = tf.fill([16], v);
    await sleep(d);
    return s.keep(t.add(v));
  }
  const results = await Promise.all([
    scoped(() => work(1, 10)),
    scoped(() => work(2, 1)),
    scoped(() => work(3, 5)),
  ]);
  assert.deepEqual(results.map((t) => t.isDisposed), [false, false, false]);
  assert.deepEqual(await Promise.all(results.map(async (t) => (await t.data())[0])), [2, 4, 6]);
  assert.deepEqual(mem(), { numTensors: before.numTensors + 3, numBytes: before.numBytes + 192 });
  tf.dispose(results);
  assert.deepEqual(mem(), before);
});

Deno.test("scoped: returned tensors go to the enclosing scope", async () => {
  const before = mem();
  let r: tf.Tensor;
  {
    await using _outer = await scope();
    r = await scoped(() => tf.ones([3]));
    assert.equal(r.isDisposed, false);
  }
  assert.equal(r.isDisposed, true);
  assert.deepEqual(mem(), before);
});

Deno.test("scoped: a non-function is a TypeError", async () => {
  const before = mem();
  await assert.rejects(
    () => scoped(42 as unknown as () => void),
    (e: Error) =>
      e instanceof TypeError &&
      e.message === "Cannot run scoped: fn must be a function, got number",
  );
  assert.deepEqual(mem(), before);
});
