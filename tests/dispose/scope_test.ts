import assert from "node:assert/strict";
import { tf } from "../../lib/_tf.ts";
import { markOwned } from "../../lib/dispose/_ownership.ts";
import { scope, useBackend } from "../../mod.ts";

await useBackend({ backend: "cpu" });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mem = () => {
  const m = tf.memory();
  return { numTensors: m.numTensors, numBytes: m.numBytes };
};

Deno.test("scope: using disposes what the block created, numbers back to before", () => {
  const before = mem();
  {
    using s = scope();
    const x = tf.ones([10, 10]);
    x.add(1).mul(2);
    assert.equal(s.size, 3);
    assert.deepEqual(mem(), {
      numTensors: before.numTensors + 3,
      numBytes: before.numBytes + 3 * 400,
    });
  }
  assert.deepEqual(mem(), before);
});

Deno.test("scope: await using works across awaits and on a thrown error", async () => {
  const before = mem();
  let kept: tf.Tensor | undefined;
  async function step(fail: boolean) {
    await using s = await scope({ name: "step" });
    const x = tf.ones([256]);
    await sleep(2);
    const y = x.square();
    await y.data();
    if (fail) throw new RangeError("boom");
    kept = s.keep(y.sum());
  }
  await step(false);
  assert.equal(kept!.isDisposed, false);
  assert.equal((await kept!.data())[0], 256);
  assert.deepEqual(mem(), { numTensors: before.numTensors + 1, numBytes: before.numBytes + 4 });
  kept!.dispose();
  await assert.rejects(
    () => step(true),
    (e: Error) => e instanceof RangeError && e.message === "boom",
  );
  assert.deepEqual(mem(), before);
});

Deno.test("scope: without the extra await it is still right when calls are awaited in turn", async () => {
  const before = mem();
  async function step(i: number): Promise<tf.Tensor> {
    await using s = scope();
    const x = tf.fill([32], i);
    await sleep(0);
    return s.keep(x.add(1).sum());
  }
  let total: tf.Tensor = tf.scalar(0);
  for (let i = 0; i < 200; i++) {
    const r = await step(i);
    const next = total.add(r); // made by the caller after the callee's scope closed
    tf.dispose([total, r]);
    total = next;
  }
  assert.equal((await total.data())[0], 32 * (199 * 200 / 2 + 200));
  assert.deepEqual(mem(), { numTensors: before.numTensors + 1, numBytes: before.numBytes + 4 });
  total.dispose();
  assert.deepEqual(mem(), before);
});

Deno.test("scope: keep hands a tensor to the parent, which disposes it when it closes", () => {
  const before = mem();
  let inner: tf.Tensor;
  {
    using outer = scope({ name: "outer" });
    {
      using s = scope({ name: "inner" });
      tf.zeros([5]);
      inner = s.keep(tf.ones([5]));
    }
    assert.equal(inner.isDisposed, false);
    assert.equal(outer.size, 1);
    assert.deepEqual(mem(), { numTensors: before.numTensors + 1, numBytes: before.numBytes + 20 });
  }
  assert.equal(inner.isDisposed, true);
  assert.deepEqual(mem(), before);
});

Deno.test("scope: keep takes arrays and objects of tensors", () => {
  const before = mem();
  let got: { a: tf.Tensor; b: tf.Tensor[] };
  {
    using s = scope();
    got = s.keep({ a: tf.ones([2]), b: [tf.zeros([3])] });
    tf.ones([7]);
  }
  assert.equal(got.a.isDisposed || got.b[0].isDisposed, false);
  assert.deepEqual(mem(), { numTensors: before.numTensors + 2, numBytes: before.numBytes + 20 });
  tf.dispose([got.a, ...got.b]);
  assert.deepEqual(mem(), before);
});

Deno.test("scope: two async scopes whose awaits interleave keep their own tensors", async () => {
  const before = mem();
  const order: string[] = [];
  async function worker(value: number, delays: number[]): Promise<tf.Tensor> {
    await using s = await scope({ name: `worker ${value}` });
    let t = tf.fill([64], value);
    for (const [i, d] of delays.entries()) {
      await sleep(d);
      order.push(`${value}:${i}`);
      t = t.add(1);
    }
    return s.keep(t.mul(10));
  }
  // a starts first and ends last; b's whole life happens inside a's.
  const [a, b] = await Promise.all([worker(1, [1, 15, 1]), worker(2, [3, 1, 1])]);
  assert.notDeepEqual(order, [...order].sort(), "the awaits did not interleave");
  assert.equal(a.isDisposed, false);
  assert.equal(b.isDisposed, false);
  assert.equal((await a.data())[0], 40);
  assert.equal((await b.data())[0], 50);
  assert.deepEqual(mem(), {
    numTensors: before.numTensors + 2,
    numBytes: before.numBytes + 2 * 64 * 4,
  });
  tf.dispose([a, b]);
  assert.deepEqual(mem(), before);
});

Deno.test("scope: tensors made by unrelated concurrent code are never captured", async () => {
  const before = mem();
  const outside: tf.Tensor[] = [];
  let stop = false;
  // A background loop outside any scope, allocating while the scope is open.
  const background = (async () => {
    while (!stop) {
      outside.push(tf.ones([8]));
      await sleep(1);
    }
  })();
  {
    await using _s = await scope();
    for (let i = 0; i < 5; i++) {
      tf.zeros([8]);
      await sleep(2);
    }
  }
  stop = true;
  await background;
  assert.ok(outside.length >= 3, `background made only ${outside.length} tensors`);
  assert.ok(outside.every((t) => !t.isDisposed), "the scope disposed a background tensor");
  assert.deepEqual(mem(), {
    numTensors: before.numTensors + outside.length,
    numBytes: before.numBytes + outside.length * 32,
  });
  tf.dispose(outside);
  assert.deepEqual(mem(), before);
});

Deno.test("scope: dataset-owned tensors, tf.keep and variables are left alone", () => {
  const before = mem();
  let owned: tf.Tensor, kept: tf.Tensor, v: tf.Variable, clone: tf.Tensor;
  {
    using s = scope();
    owned = tf.ones([4]);
    markOwned(owned);
    kept = tf.keep(tf.ones([4]));
    v = tf.variable(tf.zeros([4]));
    clone = s.keep(owned); // keep on an owned tensor returns a clone
    assert.notEqual(clone, owned);
  }
  for (const t of [owned, kept, v, clone]) assert.equal(t.isDisposed, false);
  assert.deepEqual(mem(), { numTensors: before.numTensors + 4, numBytes: before.numBytes + 64 });
  tf.dispose([owned, kept, v, clone]);
  assert.deepEqual(mem(), before);
});

Deno.test("scope: keep after close is an error naming the scope", () => {
  const before = mem();
  const s = scope({ name: "late" });
  {
    using _bound = s;
  }
  assert.equal(s.closed, true);
  const t = tf.ones([1]);
  assert.throws(
    () => s.keep(t),
    (e: Error) => e.message === 'Cannot keep tensors: scope "late" is already closed',
  );
  t.dispose();
  assert.deepEqual(mem(), before);
});

Deno.test("scope: closing a scope that no using declaration opened is a TypeError", () => {
  const before = mem();
  const s = scope({ name: "manual" });
  const t = tf.ones([3]); // not tracked: the scope was never opened
  assert.throws(
    () => s.dispose(),
    (e: Error) =>
      e instanceof TypeError &&
      e.message.startsWith('Cannot close scope "manual": it was never opened; bind it with'),
  );
  assert.equal(t.isDisposed, false);
  assert.equal(s.dispose(), 0, "a second close is a no-op");
  t.dispose();
  assert.deepEqual(mem(), before);
});

Deno.test("scope: keeping a container with a dataset tensor is a TypeError", () => {
  const before = mem();
  const owned = tf.ones([2]);
  markOwned(owned);
  {
    using s = scope({ name: "c" });
    assert.throws(
      () => s.keep([owned]),
      (e: Error) =>
        e instanceof TypeError &&
        /scope "c": tensor \d+ \(shape \[2\]\) belongs to a dataset/.test(e.message),
    );
  }
  assert.equal(owned.isDisposed, false);
  owned.dispose();
  assert.deepEqual(mem(), before);
});
