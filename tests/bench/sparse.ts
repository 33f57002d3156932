/**
 * Sparse: a 1%-dense matrix in CSR against the same matrix dense (cpu
 * backend): bytes held, and time of (sparse|dense) × dense matmul.
 * @module
 */
import { tf } from "../../lib/_tf.ts";
import { CsrMatrix, sparseMatMul, useBackend } from "../../mod.ts";
import { benchLine, median, round, SMOKE } from "./_advanced.ts";

await useBackend({ backend: "cpu" });
const N = SMOKE ? 1024 : 4096;
const K = 64;
const density = 0.01;
const rows: number[] = [];
const cols: number[] = [];
const vals: number[] = [];
let seed = 1;
// mulberry32: a seeded generator, so every run uses the same matrix.
const rand = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
for (let i = 0; i < N * N * density; i++) {
  rows.push(Math.floor(rand() * N));
  cols.push(Math.floor(rand() * N));
  vals.push(rand() - 0.5);
}
const a = CsrMatrix.fromCOO(rows, cols, vals, [N, N]);
const dense = a.toDense();
const b = tf.randomNormal([N, K]) as tf.Tensor2D;
const denseBytes = N * N * 4;
benchLine("sparse", {
  metric: `bytes held by a ${N}×${N} matrix at ${density * 100}% density, CSR vs dense`,
  ours: a.bytes,
  rival: denseBytes,
  ratio: round(a.bytes / denseBytes),
  goal: "= 4·(rows+1) + 8·nnz",
  met: a.bytes === 4 * (N + 1) + 8 * a.nnz,
  nnz: a.nnz,
});
const time = (f: () => tf.Tensor) => {
  const t0 = performance.now();
  const y = f();
  y.dataSync();
  const ms = performance.now() - t0;
  y.dispose();
  return ms;
};
const ts: number[] = [];
const td: number[] = [];
for (let i = 0; i < (SMOKE ? 3 : 5); i++) {
  ts.push(time(() => sparseMatMul(a, b)));
  td.push(time(() => tf.matMul(dense, b)));
}
const diff = tf.tidy(() =>
  tf.max(tf.abs(tf.sub(sparseMatMul(a, b), tf.matMul(dense, b)))).dataSync()[0]
);
benchLine("sparse", {
  metric: `ms per (${N}×${N} @1%) × (${N}×${K}) matmul, sparseMatMul vs dense tf.matMul`,
  ours: round(median(ts)),
  rival: round(median(td)),
  ratio: round(median(ts) / median(td)),
  goal: "< 1 and equal results",
  met: median(ts) < median(td) && diff < 1e-4,
  maxAbsDiff: diff,
});
