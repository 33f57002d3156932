import assert from "node:assert/strict";
import { RecordBatch, tableFromArrays, Utf8, vectorFromArray } from "apache-arrow";
import { tf } from "../../lib/_tf.ts";
import { isOwned } from "../../lib/dispose/_ownership.ts";
import { from, parquet, useBackend } from "../../mod.ts";

await useBackend({ backend: "cpu" });

const FLIGHTS = "node_modules/vega-datasets/data/flights-3m.parquet";

function table(cols: Record<string, ArrayLike<unknown>>): RecordBatch[] {
  return tableFromArrays(cols as Parameters<typeof tableFromArrays>[0]).batches;
}

Deno.test("no tensor survives a toTensors loop, nor a break, nor an error", async () => {
  const before = tf.memory();
  const ds = parquet(FLIGHTS, { columns: ["distance", "origin", "delay"], batchRows: 50_000 })
    .take(300_000)
    .toTensors({ x: ["distance", "origin"], y: "delay" });
  let rows = 0;
  let ySum = 0;
  for await (const { xs, ys } of ds) {
    assert.equal(xs.shape[1], 2);
    assert.equal(xs.dtype, "float32");
    assert.ok(isOwned(xs) && isOwned(ys), "dataset tensors are marked owned");
    rows += xs.shape[0];
    ySum += (ys.dataSync() as Float32Array).reduce((a, b) => a + b, 0);
    // exactly the current element's two tensors are alive
    assert.equal(tf.memory().numTensors, before.numTensors + 2);
  }
  assert.equal(rows, 300_000);
  assert.ok(ySum !== 0);
  assert.equal(tf.memory().numTensors, before.numTensors);
  assert.equal(tf.memory().numBytes, before.numBytes);

  for await (const _ of ds) break;
  assert.equal(tf.memory().numTensors, before.numTensors);

  await assert.rejects(async () => {
    for await (const _ of ds) throw new Error("user error");
  }, { message: "user error" });
  assert.equal(tf.memory().numTensors, before.numTensors);
});

Deno.test("keep() retains one element's tensors", async () => {
  const before = tf.memory().numTensors;
  const ds = from(table({ a: Float32Array.from([1, 2, 3]), b: Float32Array.from([4, 5, 6]) }))
    .toTensors({ x: ["a", "b"], y: "b" });
  let kept: { xs: tf.Tensor2D; ys: tf.Tensor2D } | undefined;
  for await (const element of ds) kept = element.keep();
  assert.equal(tf.memory().numTensors, before + 2);
  assert.deepEqual(Array.from(kept!.xs.dataSync()), [1, 4, 2, 5, 3, 6]);
  assert.deepEqual(kept!.ys.shape, [3, 1]);
  tf.dispose([kept!.xs, kept!.ys]);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("dictionary columns become codes or one-hot, stable across batches", async () => {
  const ds = parquet(FLIGHTS, { columns: ["origin", "delay"], batchRows: 1000 }).take(3000);
  const codes: number[] = [];
  const names: string[] = [];
  for await (const b of ds) {
    const v = b.getChild("origin")!;
    for (let i = 0; i < b.numRows; i++) names.push(v.get(i) as string);
  }
  for await (const { xs } of ds.toTensors({ x: ["origin"], y: "delay" })) {
    codes.push(...xs.dataSync());
  }
  // one code per name, the same in every batch
  const byCode = new Map<number, string>();
  for (let i = 0; i < codes.length; i++) {
    const seen = byCode.get(codes[i]);
    if (seen === undefined) byCode.set(codes[i], names[i]);
    else assert.equal(seen, names[i], `code ${codes[i]} means two names`);
  }
  assert.equal(new Set(byCode.values()).size, byCode.size);

  const depth = Math.max(...codes) + 1;
  for await (
    const { xs } of ds.take(1000).toTensors({
      x: ["origin"],
      y: "delay",
      oneHot: { origin: depth },
    })
  ) {
    assert.deepEqual(xs.shape, [1000, depth]);
    const m = xs.arraySync() as number[][];
    for (let i = 0; i < 1000; i++) {
      assert.equal(m[i].reduce((a, b) => a + b, 0), 1);
      assert.equal(m[i][codes[i]], 1);
    }
  }
  await assert.rejects(async () => {
    for await (const _ of ds.toTensors({ x: ["origin"], y: "delay", oneHot: { origin: 1 } })) {
      /* */
    }
  }, {
    name: "RangeError",
    message: /^Cannot one-hot encode column "origin": code 1 at row \d+ is outside the depth 1$/,
  });
});

Deno.test("int64 converts exactly or throws naming column, row and value", async () => {
  const big = BigInt64Array.from([1n, 2n, 16777216n, 16777217n]);
  const ds = from(table({ v: big, y: Float32Array.from([0, 0, 0, 0]) }));
  await assert.rejects(async () => {
    for await (const _ of ds.toTensors({ x: ["v"], y: "y" })) { /* */ }
  }, {
    name: "RangeError",
    message:
      'Cannot make tensors: column "v" holds 16777217 at row 3, outside float32\'s exact integer range [-16777216, 16777216]',
  });
  for await (const { xs, ys } of ds.take(3).toTensors({ x: ["y"], y: "v", yDtype: "int32" })) {
    assert.equal(ys.dtype, "int32");
    assert.deepEqual(Array.from(ys.dataSync()), [1, 2, 16777216]);
    assert.deepEqual(xs.shape, [3, 1]);
  }
  const strings = new RecordBatch({ d: vectorFromArray(["a", "b"], new Utf8()).data[0] });
  await assert.rejects(async () => {
    for await (const _ of from([strings]).toTensors({ x: ["d"], y: "d" })) { /* */ }
  }, {
    name: "TypeError",
    message: 'Cannot make tensors: column "d" has type Utf8, which has no numeric tensor form; ' +
      "map it to numbers or dictionary-encode it first",
  });
});

Deno.test("nulls throw unless a fill value is given", async () => {
  const before = tf.memory().numTensors;
  const batch =
    tableFromArrays({ a: [1, null, 3] as number[], y: Float32Array.from([1, 2, 3]) }).batches[0];
  const ds = from([batch]);
  await assert.rejects(async () => {
    for await (const _ of ds.toTensors({ x: ["a"], y: "y" })) { /* */ }
  }, {
    name: "TypeError",
    message:
      'Cannot make tensors: column "a" is null at row 1; pass fill: { a: <number> } to replace nulls',
  });
  for await (const { xs } of ds.toTensors({ x: ["a"], y: "y", fill: { a: -1 } })) {
    assert.deepEqual(Array.from(xs.dataSync()), [1, -1, 3]);
  }
  await assert.rejects(async () => {
    for await (const _ of ds.toTensors({ x: ["nope"], y: "y" })) { /* */ }
  }, {
    name: "TypeError",
    message: 'Cannot make tensors: column "nope" is not in the batch (columns: a, y)',
  });
  assert.equal(tf.memory().numTensors, before);
});
