import assert from "node:assert/strict";
import { Dictionary, Int32, Table, tableFromArrays, Utf8, vectorFromArray } from "apache-arrow";
import { tf } from "../../lib/_tf.ts";
import { csrFromArrow, CsrMatrix, sparseMatMul, useBackend } from "../../mod.ts";

await useBackend({ backend: "cpu" });

const CSV = new URL("../../node_modules/vega-datasets/data/flights-airport.csv", import.meta.url);

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  const x = a.dataSync();
  const y = b.dataSync();
  assert.equal(x.length, y.length);
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
  return m;
}

Deno.test("CsrMatrix: fromDense → toDense round-trips and bytes are 4·(rows+1) + 8·nnz", () => {
  const before = tf.memory().numTensors;
  const dense = tf.tidy(() =>
    tf.mul(
      tf.randomUniform([50, 40], 0, 1, "float32", 1),
      tf.randomUniform([50, 40], 0, 1, "float32", 2).greater(0.95),
    )
  );
  const m = CsrMatrix.fromDense(dense);
  const nz = Array.from(dense.dataSync()).filter((v) => v !== 0).length;
  assert.equal(m.nnz, nz);
  assert.ok(nz > 0 && nz < 0.1 * 2000, `density ${nz}`);
  assert.equal(m.bytes, 4 * 51 + 8 * nz);
  const back = m.toDense();
  assert.equal(maxAbsDiff(back, dense), 0);
  tf.dispose([dense, back]);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("CsrMatrix: fromCOO sorts, sums duplicates and validates indices", () => {
  const m = CsrMatrix.fromCOO([2, 0, 2, 0], [1, 3, 1, 0], [1, 2, 4, 8], [3, 4]);
  assert.deepEqual(Array.from(m.rowPtr), [0, 2, 2, 3]);
  assert.deepEqual(Array.from(m.colIdx), [0, 3, 1]);
  assert.deepEqual(Array.from(m.values), [8, 2, 5]);
  assert.throws(
    () => CsrMatrix.fromCOO([0, 5], [0, 0], [1, 1], [3, 4]),
    (e: Error) => e instanceof RangeError && /rows\[1\] is 5, expected 0 to 2/.test(e.message),
  );
  assert.throws(
    () => new CsrMatrix([2, 2], new Int32Array([0, 1]), new Int32Array([0]), new Float32Array([1])),
    (e: Error) =>
      e instanceof RangeError && /rowPtr has 2 entries, expected rows \+ 1 = 3/.test(e.message),
  );
});

Deno.test("sparseMatMul: equals the dense product and its gradient", () => {
  const before = tf.memory().numTensors;
  const rows: number[] = [];
  const cols: number[] = [];
  const vals: number[] = [];
  for (let i = 0; i < 300; i++) {
    rows.push((i * 37) % 64);
    cols.push((i * 91) % 500);
    vals.push(Math.sin(i));
  }
  const a = CsrMatrix.fromCOO(rows, cols, vals, [64, 500]);
  const w = tf.tidy(() => tf.variable(tf.randomNormal([500, 16], 0, 1, "float32", 4)));
  const dense = a.toDense();
  const ours = sparseMatMul(a, w as tf.Tensor2D);
  const ref = tf.matMul(dense, w);
  assert.ok(maxAbsDiff(ours, ref) < 1e-5);
  const g1 = tf.grad((b: tf.Tensor) => tf.sum(tf.square(sparseMatMul(a, b as tf.Tensor2D))))(w);
  const g2 = tf.grad((b: tf.Tensor) => tf.sum(tf.square(tf.matMul(dense, b))))(w);
  assert.ok(maxAbsDiff(g1, g2) < 1e-4);
  const wrong = tf.zeros([3, 2]) as tf.Tensor2D;
  assert.throws(
    () => sparseMatMul(a, wrong),
    (e: Error) =>
      e instanceof RangeError &&
      /64×500 sparse matrix by a tensor of shape \[3,2\]/.test(e.message),
  );
  tf.dispose([w, dense, ours, ref, g1, g2, wrong]);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("csrFromArrow: flights-airport origin/destination one-hot, memory ∝ nnz", async () => {
  const lines = (await Deno.readTextFile(CSV)).trim().split("\n").slice(1);
  const origin = lines.map((l) => l.split(",")[0]);
  const dest = lines.map((l) => l.split(",")[1]);
  const type = () => new Dictionary(new Utf8(), new Int32());
  const table = new Table({
    origin: vectorFromArray(origin, type()),
    destination: vectorFromArray(dest, type()),
  });
  const { matrix, features } = csrFromArrow(table, ["origin", "destination"]);
  const nOrigin = new Set(origin).size;
  const nDest = new Set(dest).size;
  assert.deepEqual(features.map((f) => f.size), [nOrigin, nDest]);
  assert.equal(matrix.shape[1], nOrigin + nDest);
  assert.equal(matrix.nnz, 2 * lines.length);
  assert.equal(matrix.bytes, 4 * (lines.length + 1) + 8 * 2 * lines.length);
  const denseBytes = 4 * lines.length * (nOrigin + nDest);
  assert.ok(matrix.bytes * 20 < denseBytes, `${matrix.bytes} B sparse vs ${denseBytes} B dense`);
  // Row 1 is ABE → BHM: its two columns decode back to those airports.
  const dictO = table.getChild("origin")!.data[0].dictionary!;
  const dictD = table.getChild("destination")!.data[0].dictionary!;
  const [c0, c1] = matrix.colIdx.subarray(matrix.rowPtr[1], matrix.rowPtr[2]);
  assert.equal(dictO.get(c0), "ABE");
  assert.equal(dictD.get(c1 - features[1].offset), "BHM");
  // Sparse features × weights equals the dense one-hot product.
  const before = tf.memory().numTensors;
  const w = tf.randomNormal([matrix.shape[1], 8], 0, 1, "float32", 9) as tf.Tensor2D;
  const dense = matrix.toDense();
  const a = sparseMatMul(matrix, w);
  const b = tf.matMul(dense, w);
  assert.ok(maxAbsDiff(a, b) < 1e-5);
  tf.dispose([w, dense, a, b]);
  assert.equal(tf.memory().numTensors, before);
  assert.throws(
    () => csrFromArrow(table, ["count"]),
    (e: Error) =>
      e instanceof TypeError &&
      /column "count" not found; columns are "origin", "destination"/.test(e.message),
  );
  const plain = tableFromArrays({ n: new Float32Array([1, 2]) });
  assert.throws(
    () => csrFromArrow(plain, ["n"]),
    (e: Error) =>
      e instanceof TypeError &&
      /column "n" has type Float32, expected a dictionary/.test(e.message),
  );
});
