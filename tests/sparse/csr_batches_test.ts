import assert from "node:assert/strict";
import { Dictionary, Int32, Table, Utf8, vectorFromArray } from "apache-arrow";
import { tf } from "../../lib/_tf.ts";
import { csrBatches, parquet, sparseMatMul, type TensorBatch, useBackend } from "../../mod.ts";

await useBackend({ backend: "cpu" });
const FLIGHTS = "node_modules/vega-datasets/data/flights-3m.parquet";
const COLUMNS = ["origin", "destination"];

Deno.test("csrBatches over a flights dataset: sparse × W equals the dense one-hot path; bytes ∝ nnz", async () => {
  const before = tf.memory().numTensors;
  // downcast: the dictionaries arrive with uint8 indices
  const ds = parquet(FLIGHTS, { columns: ["origin", "destination", "delay"], batchRows: 4096 })
    .take(40_000).downcast({ onWarning: () => {} });
  const D = 300;
  const depth = { origin: D, destination: D };
  const w = tf.randomNormal([2 * D, 8], 0, 1, "float32", 7) as tf.Tensor2D;
  const dense = ds.toTensors({ x: COLUMNS, y: "delay", oneHot: depth })[Symbol.asyncIterator]();
  let rows = 0;
  let maxDiff = 0;
  let sparseBytes = 0;
  let denseBytes = 0;
  try {
    for await (const { matrix, features, batch } of csrBatches(ds, COLUMNS, { depth })) {
      assert.equal(String(batch.schema.fields[0].type), "Dictionary<Uint8, Utf8>");
      assert.deepEqual(features, [
        { column: "origin", offset: 0, size: D },
        { column: "destination", offset: D, size: D },
      ]);
      const { value, done } = await dense.next();
      assert.ok(!done);
      const { xs } = value as TensorBatch;
      assert.deepEqual(matrix.shape, xs.shape);
      // no nulls: two ones per row, whatever the number of categories
      assert.equal(matrix.nnz, 2 * batch.numRows);
      assert.equal(matrix.bytes, 4 * (batch.numRows + 1) + 8 * matrix.nnz);
      sparseBytes += matrix.bytes;
      denseBytes += xs.size * 4;
      const [a, b] = tf.tidy(() => [sparseMatMul(matrix, w), tf.matMul(xs, w)]);
      const x = a.dataSync();
      const y = b.dataSync();
      for (let i = 0; i < x.length; i++) maxDiff = Math.max(maxDiff, Math.abs(x[i] - y[i]));
      tf.dispose([a, b]);
      rows += batch.numRows;
    }
  } finally {
    await dense.return?.();
  }
  assert.equal(rows, 40_000);
  assert.ok(maxDiff <= 1e-6, `max diff ${maxDiff}`);
  // dense one-hot is 4·2D bytes a row, sparse 12 (+4 per row for rowPtr)
  assert.ok(sparseBytes * 30 < denseBytes, `${sparseBytes} vs ${denseBytes}`);
  w.dispose();
  assert.equal(tf.memory().numTensors, before);

  // a 10× wider depth leaves the sparse bytes unchanged
  let wide = 0;
  for await (
    const { matrix } of csrBatches(ds, COLUMNS, { depth: { origin: 3000, destination: 3000 } })
  ) {
    assert.equal(matrix.shape[1], 6000);
    wide += matrix.bytes;
  }
  assert.equal(wide, sparseBytes);
});

Deno.test("csrBatches: depth errors, nulls, width without depth, abort", async () => {
  const type = new Dictionary(new Utf8(), new Int32());
  const batches = [["a", null, "b"], ["c", "a"]].map((v) =>
    new Table({ city: vectorFromArray(v, type) }).batches[0]
  );
  const widths: number[] = [];
  const nnz: number[] = [];
  for await (const { matrix } of csrBatches(batches, ["city"])) {
    widths.push(matrix.shape[1]);
    nnz.push(matrix.nnz);
  }
  // without depth each batch is as wide as its own dictionary
  assert.deepEqual(widths, [2, 2]);
  assert.deepEqual(nnz, [2, 2], "a null stores nothing");
  await assert.rejects(
    async () => {
      for await (const _ of csrBatches(batches, ["city"], { depth: { city: 1 } }));
    },
    (e: Error) =>
      e instanceof RangeError && /"city" has code 1 at row 2, outside its depth 1/.test(e.message),
  );
  assert.throws(
    () => csrBatches(batches, ["city"], { depth: { town: 3 } }),
    (e: Error) =>
      e instanceof TypeError &&
      /depth names "town", which is not in columns \(city\)/.test(e.message),
  );
  assert.throws(
    () => csrBatches(batches, ["city"], { depth: { city: 0 } }),
    (e: Error) => e instanceof RangeError && /depth of "city" is 0/.test(e.message),
  );
  await assert.rejects(async () => {
    for await (const _ of csrBatches(batches, ["town"]));
  }, (e: Error) => e instanceof TypeError && /column "town" not found/.test(e.message));
  const controller = new AbortController();
  let seen = 0;
  await assert.rejects(async () => {
    for await (const _ of csrBatches(batches, ["city"], { signal: controller.signal })) {
      seen++;
      controller.abort(new Error("stop"));
    }
  }, { message: "stop" });
  assert.equal(seen, 1);
});
