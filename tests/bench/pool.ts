/**
 * Pooling: a data → tensor loop over flights-200k (cpu backend), 10k steps
 * (1k with --smoke), with pooled batch buffers against a fresh Float32Array
 * per batch, each in its own process. Reports ArrayBuffers allocated, the
 * range of heap and external memory after warm-up (churn the GC must clean),
 * and the growth between two full GCs (leaks).
 * @module
 */
import { tableFromIPC } from "apache-arrow";
import { benchLine, round, SMOKE } from "./_advanced.ts";

const STEPS = SMOKE ? 1000 : 10_000;
const ROWS = 1024;
const child = Deno.args.indexOf("--child");

if (child >= 0 && Deno.args[child + 1].startsWith("toTensors")) {
  // The dataset path: from(batches).batch(ROWS).toTensors(), pooled or not.
  // On cpu a tensor's dataSync() is the array it was made from, so distinct
  // buffers = ArrayBuffers toTensors allocated for xs and ys.
  const pooled = Deno.args[child + 1] === "toTensors-pooled";
  const { from, useBackend } = await import("../../mod.ts");
  await useBackend({ backend: "cpu" });
  const table = tableFromIPC(
    await Deno.readFile(
      new URL("../../node_modules/vega-datasets/data/flights-200k.arrow", import.meta.url),
    ),
  );
  const ds = from(table.batches).repeat().batch(ROWS)
    .toTensors({ x: ["delay", "distance", "time"], y: "delay", pool: pooled });
  // A WeakSet: counting buffers must not keep them alive.
  const buffers = new WeakSet<ArrayBufferLike>();
  let allocations = 0;
  const count = (b: ArrayBufferLike) => {
    if (!buffers.has(b)) allocations++;
    buffers.add(b);
  };
  const heap: number[] = [];
  const ext: number[] = [];
  const gc = (globalThis as { gc?: () => void }).gc!;
  let settled: Deno.MemoryUsage | null = null;
  let sum = 0;
  let step = 0;
  let t0 = 0;
  for await (const { xs, ys } of ds) {
    count((xs.dataSync() as Float32Array).buffer);
    count((ys.dataSync() as Float32Array).buffer);
    sum += (xs.dataSync() as Float32Array)[step % (ROWS * 3)];
    if (step === STEPS / 10) {
      gc();
      settled = Deno.memoryUsage();
      t0 = performance.now();
    }
    if (step >= STEPS / 10 && step % 50 === 0) {
      const m = Deno.memoryUsage();
      heap.push(m.heapUsed);
      ext.push(m.external);
    }
    if (++step === STEPS) break;
  }
  const ms = performance.now() - t0;
  const range = (xs: number[]) => Math.max(...xs) - Math.min(...xs);
  gc();
  const end = Deno.memoryUsage();
  console.log(JSON.stringify({
    allocations,
    heapRange: range(heap),
    externalRange: range(ext),
    heapGrowth: end.heapUsed - settled!.heapUsed,
    externalGrowth: end.external - settled!.external,
    stepsPerSecond: (STEPS - STEPS / 10) / (ms / 1000),
    sum,
  }));
  Deno.exit(0);
}

if (child >= 0) {
  const mode = Deno.args[child + 1];
  const { tf } = await import("../../lib/_tf.ts");
  const { pool, useBackend } = await import("../../mod.ts");
  await useBackend({ backend: "cpu" });
  const table = tableFromIPC(
    await Deno.readFile(
      new URL("../../node_modules/vega-datasets/data/flights-200k.arrow", import.meta.url),
    ),
  );
  const cols = ["delay", "distance", "time"].map((n) =>
    table.getChild(n)!.toArray() as Float32Array
  );
  const p = pool({ slots: 2 });
  let allocations = 0;
  const naive = (batch: Float32Array[]) => {
    const buf = new Float32Array(ROWS * 3);
    allocations++;
    for (let c = 0; c < 3; c++) for (let r = 0; r < ROWS; r++) buf[r * 3 + c] = batch[c][r];
    return tf.tensor2d(buf, [ROWS, 3]);
  };
  const heap: number[] = [];
  const ext: number[] = [];
  const gc = (globalThis as { gc?: () => void }).gc!;
  let settled: Deno.MemoryUsage | null = null;
  let sum = 0;
  for (let step = 0; step < STEPS; step++) {
    const start = (step * ROWS) % (table.numRows - ROWS);
    const batch = cols.map((c) => c.subarray(start, start + ROWS));
    const x = mode === "pooled" ? p.tensor2d(batch) : naive(batch);
    const s = tf.sum(x);
    sum += s.dataSync()[0];
    tf.dispose([x, s]);
    if (step === STEPS / 10) {
      gc();
      settled = Deno.memoryUsage();
    }
    if (step >= STEPS / 10 && step % 50 === 0) {
      const m = Deno.memoryUsage();
      heap.push(m.heapUsed);
      ext.push(m.external);
    }
  }
  const range = (xs: number[]) => Math.max(...xs) - Math.min(...xs);
  gc();
  const end = Deno.memoryUsage();
  console.log(JSON.stringify({
    allocations: mode === "pooled" ? p.allocations : allocations,
    heapRange: range(heap),
    externalRange: range(ext),
    // After a full GC at warm-up and at the end: growth means a leak.
    heapGrowth: end.heapUsed - settled!.heapUsed,
    externalGrowth: end.external - settled!.external,
    sum,
  }));
  Deno.exit(0);
}

const run = async (mode: string) => {
  const o = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--v8-flags=--expose-gc",
      new URL(import.meta.url).pathname,
      "--child",
      mode,
      ...(SMOKE ? ["--smoke"] : []),
    ],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  return JSON.parse(new TextDecoder().decode(o.stdout));
};
const ours = await run("pooled");
const rival = await run("naive");
benchLine("pool", {
  metric: `ArrayBuffers allocated over ${STEPS} data → tensor steps, pooled vs fresh buffers`,
  ours: ours.allocations,
  rival: rival.allocations,
  ratio: round(ours.allocations / rival.allocations),
  goal: "pooled allocates only its slots (2)",
  met: ours.allocations === 2 && ours.sum === rival.sum,
});
benchLine("pool", {
  metric: "external memory range (bytes) after warm-up, pooled vs fresh buffers",
  ours: ours.externalRange,
  rival: rival.externalRange,
  ratio: round(ours.externalRange / Math.max(1, rival.externalRange)),
  goal: "flat: pooled range < 64 KiB",
  met: ours.externalRange < 65536,
  heapRangeOurs: ours.heapRange,
  heapRangeRival: rival.heapRange,
});
benchLine("pool", {
  metric: "heap + external growth (bytes) from warm-up to the end, each after a full GC",
  ours: ours.heapGrowth + ours.externalGrowth,
  rival: rival.heapGrowth + rival.externalGrowth,
  ratio: round(
    (ours.heapGrowth + ours.externalGrowth) / Math.max(1, rival.heapGrowth + rival.externalGrowth),
  ),
  goal: "flat: |growth| < 256 KiB",
  met: Math.abs(ours.heapGrowth + ours.externalGrowth) < 256 * 1024,
  heapGrowthOurs: ours.heapGrowth,
  externalGrowthOurs: ours.externalGrowth,
});

// The same through the dataset: ds.batch(n).toTensors() with its pooled ring against pool: false.
const tOurs = await run("toTensors-pooled");
const tRival = await run("toTensors-plain");
benchLine("pool", {
  metric: `toTensors: ArrayBuffers for xs + ys over ${STEPS} steps, pooled vs pool: false`,
  ours: tOurs.allocations,
  rival: tRival.allocations,
  ratio: round(tOurs.allocations / tRival.allocations),
  goal: "pooled allocates only its 2 + 2 slots",
  met: tOurs.allocations === 4 && tOurs.sum === tRival.sum,
});
benchLine("pool", {
  metric: "toTensors: heap + external growth (bytes) from warm-up to the end, after full GCs",
  ours: tOurs.heapGrowth + tOurs.externalGrowth,
  rival: tRival.heapGrowth + tRival.externalGrowth,
  ratio: round(
    (tOurs.heapGrowth + tOurs.externalGrowth) /
      Math.max(1, Math.abs(tRival.heapGrowth + tRival.externalGrowth)),
  ),
  goal: "flat: |growth| < 256 KiB, and external range between GCs < 1% of pool: false",
  met: Math.abs(tOurs.heapGrowth + tOurs.externalGrowth) < 256 * 1024 &&
    tOurs.externalRange < 0.01 * tRival.externalRange,
  externalRangeOurs: tOurs.externalRange,
  externalRangeRival: tRival.externalRange,
  heapRangeOurs: tOurs.heapRange,
  heapRangeRival: tRival.heapRange,
  stepsPerSecondOurs: round(tOurs.stepsPerSecond),
  stepsPerSecondRival: round(tRival.stepsPerSecond),
});
