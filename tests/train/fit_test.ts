import assert from "node:assert/strict";
import { tf } from "../../lib/_tf.ts";
import { markOwned } from "../../lib/dispose/_ownership.ts";
import { disposeModel, fit, useBackend } from "../../mod.ts";
import type { BackendName, FitBatch, FitStep } from "../../mod.ts";

const mem = () => {
  const m = tf.memory();
  return { numTensors: m.numTensors, numBytes: m.numBytes };
};

function tinyModel(): tf.Sequential {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({
        units: 8,
        inputShape: [4],
        activation: "relu",
        kernelInitializer: "glorotUniform",
      }),
      tf.layers.dense({ units: 1 }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.01), loss: "meanSquaredError" });
  return model;
}

/** y = x0 + 2·x1 − x2 + 0.5·x3 on fixed pseudo-random rows. */
function regression(rows: number, seed: number): { xs: tf.Tensor2D; ys: tf.Tensor2D } {
  const x = new Float32Array(rows * 4);
  const y = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < 4; j++) x[i * 4 + j] = Math.sin(seed + i * 4 + j + 1);
    y[i] = x[i * 4] + 2 * x[i * 4 + 1] - x[i * 4 + 2] + 0.5 * x[i * 4 + 3];
  }
  return { xs: tf.tensor2d(x, [rows, 4]), ys: tf.tensor2d(y, [rows, 1]) };
}

/** Re-iterable: the same batch `steps` times per epoch. */
function repeat(batch: FitBatch, steps: number): Iterable<FitBatch> {
  return {
    *[Symbol.iterator]() {
      for (let i = 0; i < steps; i++) yield batch;
    },
  };
}

async function holdsFlat(backend: BackendName, steps: number): Promise<void> {
  await useBackend({ backend });
  const before = mem();
  const model = tinyModel();
  const batch = regression(16, 1);
  const counts: number[] = [];
  const bytes: number[] = [];
  const history = await fit(model, repeat(batch, steps), {
    progress: "silent",
    onStep: (s: FitStep) => {
      counts.push(s.numTensors);
      bytes.push(tf.memory().numBytes);
    },
  });
  assert.equal(history.steps, steps);
  assert.equal(history.stepLoss.length, steps);
  // Adam makes its slots on step 1; from then on nothing may grow.
  assert.equal(new Set(counts).size, 1, `${backend}: tensor count moved: ${[...new Set(counts)]}`);
  assert.equal(new Set(bytes).size, 1, `${backend}: bytes moved`);
  // weights 4 + Adam m/v 8 + beta powers 2 + the batch 2
  assert.equal(counts[0], before.numTensors + 16);
  const first = history.stepLoss[0];
  const last = history.stepLoss.at(-1)!;
  assert.ok(last < first / 2, `${backend}: loss ${first} → ${last} did not fall`);
  tf.dispose([batch.xs, batch.ys]);
  disposeModel(model);
  assert.deepEqual(mem(), before);
}

Deno.test("fit: 1,000 steps on cpu hold tensors and bytes constant", async () => {
  await holdsFlat("cpu", 1000);
});

Deno.test("fit: 1,000 steps on wasm hold tensors and bytes constant", async () => {
  await holdsFlat("wasm", 1000);
});

Deno.test("fit: steps on webgpu hold tensors and bytes constant", async () => {
  // The adapter here is llvmpipe (software): ~65 ms a step, so 40 steps by
  // default; MEMKIT_WEBGPU_STEPS=1000 runs the full length (about a minute).
  const steps = Number(Deno.env.get("MEMKIT_WEBGPU_STEPS") ?? 40);
  await holdsFlat("webgpu", steps);
  await useBackend({ backend: "cpu" });
});

Deno.test("fit: dataset-owned batches are neither captured nor disposed by fit", async () => {
  await useBackend({ backend: "cpu" });
  const before = mem();
  const model = tinyModel();
  let live: FitBatch | undefined;
  let made = 0;
  // Like toTensors(): marks its tensors and frees each batch on the next pull.
  const dataset: AsyncIterable<FitBatch> = {
    async *[Symbol.asyncIterator]() {
      try {
        for (let i = 0; i < 20; i++) {
          if (live) tf.dispose([live.xs as tf.Tensor, live.ys as tf.Tensor]);
          const b = regression(8, i);
          markOwned(b.xs);
          markOwned(b.ys);
          live = b;
          made++;
          yield b;
        }
      } finally {
        if (live) tf.dispose([live.xs as tf.Tensor, live.ys as tf.Tensor]);
        live = undefined;
      }
    },
  };
  const history = await fit(model, dataset, { epochs: 2, progress: "silent" });
  assert.equal(made, 40);
  assert.equal(history.epochLoss.length, 2);
  disposeModel(model);
  assert.deepEqual(mem(), before);
});

Deno.test("fit: disposeBatches frees fresh tensors from a plain generator", async () => {
  await useBackend({ backend: "cpu" });
  const before = mem();
  const model = tinyModel();
  const fresh = {
    *[Symbol.iterator]() {
      for (let i = 0; i < 10; i++) yield regression(8, i);
    },
  };
  await fit(model, fresh, { epochs: 2, progress: "silent", disposeBatches: true });
  disposeModel(model);
  assert.deepEqual(mem(), before);
});

Deno.test("fit: epochs, timeline marks, onEpoch and the loss history", async () => {
  await useBackend({ backend: "cpu" });
  const before = mem();
  const model = tinyModel();
  const a = regression(16, 1);
  const b = regression(16, 2);
  const marks: string[] = [];
  const epochs: number[] = [];
  const history = await fit(model, [a, b], {
    epochs: 3,
    progress: "silent",
    timeline: { mark: (label) => marks.push(label) },
    onEpoch: (e) => {
      epochs.push(e.epoch);
      assert.equal(e.steps, 2);
    },
  });
  assert.deepEqual(marks, ["epoch 1", "epoch 2", "epoch 3"]);
  assert.deepEqual(epochs, [0, 1, 2]);
  assert.equal(history.stepLoss.length, 6);
  assert.equal(history.epochLoss.length, 3);
  assert.ok(
    Math.abs(history.epochLoss[0] - (history.stepLoss[0] + history.stepLoss[1]) / 2) < 1e-6,
  );
  tf.dispose([a.xs, a.ys, b.xs, b.ys]);
  disposeModel(model);
  assert.deepEqual(mem(), before);
});

Deno.test("fit: an AbortSignal stops it between steps with the signal's reason", async () => {
  await useBackend({ backend: "cpu" });
  const before = mem();
  const model = tinyModel();
  const batch = regression(8, 3);
  const controller = new AbortController();
  let steps = 0;
  await assert.rejects(
    () =>
      fit(model, repeat(batch, 100), {
        progress: "silent",
        signal: controller.signal,
        onStep: () => {
          if (++steps === 5) controller.abort();
        },
      }),
    (e: Error) => e.name === "AbortError",
  );
  assert.equal(steps, 5);
  tf.dispose([batch.xs, batch.ys]);
  disposeModel(model);
  assert.deepEqual(mem(), before);
});

Deno.test("fit: bad models, data and options are clear errors", async () => {
  await useBackend({ backend: "cpu" });
  const before = mem();
  const batch = regression(4, 0);
  const raw = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [4] })] });
  await assert.rejects(
    () => fit(raw, [batch]),
    (e: Error) =>
      e instanceof TypeError &&
      e.message ===
        `Cannot fit model "${raw.name}": it is not compiled; call model.compile({ optimizer, loss }) first`,
  );
  raw.dispose();
  const model = tinyModel();
  await assert.rejects(
    () =>
      fit(model, [{ xs: batch.xs, ys: "label" as unknown as tf.Tensor }], { progress: "silent" }),
    (e: Error) =>
      e instanceof TypeError &&
      e.message === 'Cannot fit: batch 0 of epoch 0 has no tensor "ys" (got string)',
  );
  await assert.rejects(
    () => fit(model, [batch], { epochs: 0 }),
    (e: Error) =>
      e instanceof RangeError &&
      e.message === "Cannot fit: options.epochs is 0, expected an integer ≥ 1",
  );
  function* once() {
    yield batch;
  }
  await assert.rejects(
    () => fit(model, once(), { epochs: 2, progress: "silent" }),
    (e: Error) => /epoch 2 yielded no batches; the data must start over/.test(e.message),
  );
  tf.dispose([batch.xs, batch.ys]);
  disposeModel(model);
  assert.deepEqual(mem(), before);
});
