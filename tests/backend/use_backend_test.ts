import assert from "node:assert/strict";
import { tf } from "../../lib/_tf.ts";
import { useBackend } from "../../mod.ts";
import type { BackendName } from "../../mod.ts";

const ALL: BackendName[] = ["cpu", "wasm", "webgpu"];

/** A 64×64 matmul and three SGD steps of a tiny dense model, from fixed data. */
async function workload(): Promise<{ product: Float32Array; loss: number[] }> {
  const a = tf.tensor2d(Array.from({ length: 64 * 64 }, (_, i) => Math.sin(i) / 8), [64, 64]);
  const product = tf.matMul(a, a);
  const out = (await product.data()) as Float32Array;
  tf.dispose([a, product]);
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ units: 8, inputShape: [4], activation: "relu", kernelInitializer: "ones" }),
      tf.layers.dense({ units: 1, kernelInitializer: "ones" }),
    ],
  });
  model.compile({ optimizer: tf.train.sgd(0.01), loss: "meanSquaredError" });
  const xs = tf.tensor2d(Array.from({ length: 32 * 4 }, (_, i) => Math.cos(i)), [32, 4]);
  const ys = tf.tensor2d(Array.from({ length: 32 }, (_, i) => Math.sin(i)), [32, 1]);
  const loss: number[] = [];
  for (let i = 0; i < 3; i++) loss.push(await model.trainOnBatch(xs, ys) as number);
  tf.dispose([xs, ys]);
  model.optimizer.dispose(); // SGD's iteration counter is a variable
  model.dispose();
  return { product: out, loss };
}

Deno.test("useBackend: auto skips the software WebGPU adapter and explains why", async () => {
  const info = await useBackend({ backend: "auto" });
  assert.equal(info.reason, "best available");
  if (info.adapter?.software) {
    assert.equal(info.backend, "wasm");
    assert.match(info.skipped.webgpu ?? "", /software renderer/);
  }
  assert.ok(["webgpu", "wasm", "cpu"].includes(info.backend));
});

Deno.test("useBackend: an unknown name is a TypeError naming the value", async () => {
  await assert.rejects(
    () => useBackend({ backend: "tpu" as BackendName }),
    (e: Error) => e instanceof TypeError && /options\.backend is "tpu"/.test(e.message),
  );
});

Deno.test("useBackend: MEMKIT_BACKEND chooses the backend", async () => {
  Deno.env.set("MEMKIT_BACKEND", "cpu");
  try {
    const info = await useBackend();
    assert.equal(info.backend, "cpu");
    assert.equal(info.reason, "requested");
    Deno.env.set("MEMKIT_BACKEND", "gpu9");
    await assert.rejects(() => useBackend(), /MEMKIT_BACKEND is "gpu9"/);
  } finally {
    Deno.env.delete("MEMKIT_BACKEND");
  }
});

Deno.test("useBackend: matmul and a training step agree across cpu, wasm and webgpu", async () => {
  const results = new Map<BackendName, { product: Float32Array; loss: number[] }>();
  for (const name of ALL) {
    const info = await useBackend({ backend: name });
    assert.equal(info.backend, name);
    assert.equal(tf.getBackend(), name);
    const before = tf.memory().numTensors;
    results.set(name, await workload());
    assert.equal(tf.memory().numTensors, before, `${name} leaked tensors`);
  }
  const ref = results.get("cpu")!;
  for (const name of ["wasm", "webgpu"] as const) {
    const got = results.get(name)!;
    let maxDiff = 0;
    for (let i = 0; i < ref.product.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(ref.product[i] - got.product[i]));
    }
    assert.ok(maxDiff < 1e-3, `${name} matmul differs from cpu by ${maxDiff}`);
    for (let i = 0; i < ref.loss.length; i++) {
      assert.ok(
        Math.abs(ref.loss[i] - got.loss[i]) <= 1e-3 * Math.max(1, Math.abs(ref.loss[i])),
        `${name} loss[${i}] ${got.loss[i]} vs cpu ${ref.loss[i]}`,
      );
    }
  }
  await useBackend({ backend: "cpu" });
});
