import assert from "node:assert/strict";
import { type RecordBatch, tableFromArrays } from "apache-arrow";
import { Dataset, from, probeBytes } from "../../mod.ts";

/** `count` rows in batches of `size`: id = 0..count-1, x = id * 0.5, cat in a 3-string dictionary. */
function batches(count: number, size: number): RecordBatch[] {
  const out: RecordBatch[] = [];
  for (let start = 0; start < count; start += size) {
    const n = Math.min(size, count - start);
    const id = Int32Array.from({ length: n }, (_, i) => start + i);
    const x = Float64Array.from(id, (v) => v * 0.5);
    out.push(tableFromArrays({ id, x }).batches[0]);
  }
  return out;
}

async function ids(ds: Dataset<RecordBatch>): Promise<number[]> {
  const out: number[] = [];
  for await (const b of ds) for (const v of b.getChild("id")!.toArray() as Int32Array) out.push(v);
  return out;
}

async function sizes(ds: Dataset<RecordBatch>): Promise<number[]> {
  const out: number[] = [];
  for await (const b of ds) out.push(b.numRows);
  return out;
}

const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);

Deno.test("a dataset is re-iterable: each pass starts again from the source", async () => {
  let opened = 0;
  const ds = from(function* () {
    opened++;
    yield* batches(10, 4);
  });
  assert.deepEqual(await ids(ds), range(0, 10));
  assert.deepEqual(await ids(ds), range(0, 10));
  assert.equal(opened, 2);
});

Deno.test("a one-shot iterator says so on the second pass", async () => {
  const gen = (function* () {
    yield 1;
  })();
  const ds = from(gen);
  for await (const _ of ds) { /* first pass */ }
  await assert.rejects(async () => {
    for await (const _ of ds) { /* second pass */ }
  }, { name: "TypeError", message: /Cannot read a one-shot iterator twice/ });
  assert.throws(() => from(42 as unknown as number[]), {
    name: "TypeError",
    message:
      "Cannot make a dataset from number: expected an iterable, an async iterable or a generator function",
  });
});

Deno.test("take and skip count rows across batch boundaries", async () => {
  const ds = from(batches(10, 4));
  assert.deepEqual(await ids(ds.take(6)), range(0, 6));
  assert.deepEqual(await sizes(ds.take(6)), [4, 2]);
  assert.deepEqual(await ids(ds.skip(5)), range(5, 10));
  assert.deepEqual(await ids(ds.skip(3).take(5)), range(3, 8));
  assert.deepEqual(await ids(ds.take(0)), []);
  assert.throws(() => ds.take(-1), {
    name: "RangeError",
    message: "Cannot take: the count must be an integer of at least 0, got -1",
  });
});

Deno.test("take stops reading the source", async () => {
  let pulled = 0;
  const ds = from(function* () {
    for (const b of batches(100, 10)) {
      pulled++;
      yield b;
    }
  });
  assert.deepEqual(await sizes(ds.take(15)), [10, 5]);
  assert.equal(pulled, 2);
});

Deno.test("batch re-chunks to exact row counts, in order", async () => {
  const ds = from(batches(23, 7));
  assert.deepEqual(await sizes(ds.batch(5)), [5, 5, 5, 5, 3]);
  assert.deepEqual(await ids(ds.batch(5)), range(0, 23));
  assert.deepEqual(await sizes(ds.batch(5, { dropRemainder: true })), [5, 5, 5, 5]);
  assert.deepEqual(await sizes(ds.batch(100)), [23]);
  // values survive the copy for straddling batches
  for await (const b of ds.batch(5)) {
    const id = b.getChild("id")!.toArray() as Int32Array;
    const x = b.getChild("x")!.toArray() as Float64Array;
    for (let i = 0; i < b.numRows; i++) assert.equal(x[i], id[i] * 0.5);
  }
});

Deno.test("filter takes a row predicate or a batch mask", async () => {
  const ds = from(batches(20, 6));
  assert.deepEqual(await ids(ds.filter((row) => row.id % 3 === 0)), [0, 3, 6, 9, 12, 15, 18]);
  const masked = ds.filter((b: RecordBatch) => {
    const id = b.getChild("id")!.toArray() as Int32Array;
    return Uint8Array.from(id, (v) => (v >= 10 ? 1 : 0));
  }, { by: "batch" });
  assert.deepEqual(await ids(masked), range(10, 20));
  await assert.rejects(
    () => ids(ds.filter(() => [true], { by: "batch" })),
    {
      name: "RangeError",
      message: "Cannot filter: the mask has 1 entries, expected 6 (one per row)",
    },
  );
});

Deno.test("filter's index counts over the whole pass, like map's", async () => {
  // Plain elements: the index is the element's position in the pass.
  const seen: number[] = [];
  const kept: string[] = [];
  const letters = from(["a", "b", "c", "d", "e"]).filter((x, i) => {
    assert.equal(x, "abcde"[i]);
    seen.push(i);
    return i % 2 === 0;
  });
  for await (const x of letters) kept.push(x);
  assert.deepEqual(seen, [0, 1, 2, 3, 4]);
  assert.deepEqual(kept, ["a", "c", "e"]);
  // RecordBatches: the index is the row's position over all batches (20 rows in batches of 6).
  const indices: number[] = [];
  const odd = from(batches(20, 6)).filter((row, i) => {
    indices.push(i);
    assert.equal(row.id, i, "the index is the row's position in the pass");
    return i % 2 === 1;
  });
  assert.deepEqual(await ids(odd), range(0, 20).filter((i) => i % 2 === 1));
  assert.deepEqual(indices, range(0, 20));
  // Each pass starts again at 0.
  indices.length = 0;
  await ids(odd);
  assert.deepEqual(indices, range(0, 20));
});

Deno.test("map, repeat and concatenate", async () => {
  const ds = from([1, 2, 3]);
  const out: number[] = [];
  for await (const x of ds.map((x) => x * 2).repeat(2).concatenate(from([100]))) out.push(x);
  assert.deepEqual(out, [2, 4, 6, 2, 4, 6, 100]);
});

Deno.test("shuffle is a true permutation, reproducible by seed, local to its buffer", async () => {
  const ds = from(batches(5000, 256));
  const a = await ids(ds.shuffle(1000, { seed: 42 }));
  const b = await ids(ds.shuffle(1000, { seed: 42 }));
  const c = await ids(ds.shuffle(1000, { seed: 43 }));
  assert.deepEqual([...a].sort((p, q) => p - q), range(0, 5000));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.notDeepEqual(a, range(0, 5000));
  // With a buffer of 1000 rows (plus up to two input batches) no row moves further forward.
  for (let i = 0; i < a.length; i++) assert.ok(a[i] <= i + 1000 + 2 * 256, `row ${a[i]} at ${i}`);
  // Rows keep their values through the gather.
  for await (const batch of ds.shuffle(1000, { seed: 1 })) {
    const id = batch.getChild("id")!.toArray() as Int32Array;
    const x = batch.getChild("x")!.toArray() as Float64Array;
    for (let i = 0; i < batch.numRows; i++) assert.equal(x[i], id[i] * 0.5);
  }
  // Each pass (epoch) of one dataset gets a different, still reproducible order.
  const shuffled = ds.shuffle(1000, { seed: 42 });
  const e1 = await ids(shuffled);
  const e2 = await ids(shuffled);
  assert.deepEqual(e1, a);
  assert.notDeepEqual(e1, e2);
  // Elements other than batches shuffle too.
  const xs: number[] = [];
  for await (const x of from(range(0, 100)).shuffle(10, { seed: 3 })) xs.push(x);
  assert.deepEqual([...xs].sort((p, q) => p - q), range(0, 100));
  assert.notDeepEqual(xs, range(0, 100));
});

Deno.test("prefetch reads ahead but never holds more than n elements", async () => {
  let produced = 0;
  let maxAhead = 0;
  let consumed = 0;
  const ds = from(async function* () {
    for (const b of batches(400, 10)) {
      produced++;
      maxAhead = Math.max(maxAhead, produced - consumed);
      yield b;
    }
  });
  let maxProbe = 0;
  for await (const _ of ds.prefetch(3)) {
    consumed++;
    await new Promise((r) => setTimeout(r, 1));
    const held = probeBytes()["data prefetch(3)"];
    maxProbe = Math.max(maxProbe, held);
  }
  assert.equal(consumed, 40);
  // The consumer holds one, the queue at most 3, and the pump may be pulling one more.
  assert.ok(maxAhead <= 5, `read ${maxAhead} ahead`);
  assert.ok(maxAhead >= 3, `prefetch did not read ahead (${maxAhead})`);
  const perBatch = 10 * (4 + 8);
  assert.ok(maxProbe > 0 && maxProbe <= 3 * perBatch + 64, `probe read ${maxProbe}`);
  assert.equal(probeBytes()["data prefetch(3)"], undefined);
});

Deno.test("break stops the source, prefetch and probes", async () => {
  let closed = 0;
  let produced = 0;
  const ds = from(async function* () {
    try {
      for (let i = 0; i < 1000; i++) {
        produced++;
        yield batches(10, 10)[0];
      }
    } finally {
      closed++;
    }
  });
  let n = 0;
  for await (const _ of ds.map((b) => b).shuffle(30, { seed: 1 }).prefetch(2)) {
    if (++n === 3) break;
  }
  assert.equal(closed, 1);
  assert.ok(produced < 20, `source ran on to ${produced}`);
  const live = Object.keys(probeBytes()).filter((k) => k.startsWith("data "));
  assert.deepEqual(live, []);
});

Deno.test("an AbortSignal stops every stage and the loop throws its reason", async () => {
  let closed = 0;
  const ds = from(async function* () {
    try {
      for (let i = 0;; i++) {
        await new Promise((r) => setTimeout(r, 1));
        yield i;
      }
    } finally {
      closed++;
    }
  });
  const controller = new AbortController();
  let n = 0;
  await assert.rejects(async () => {
    for await (const _ of ds.prefetch(4).iterate({ signal: controller.signal })) {
      if (++n === 5) controller.abort(new RangeError("stop now"));
    }
  }, { name: "RangeError", message: "stop now" });
  assert.equal(n, 5);
  assert.equal(closed, 1);
  // A signal given to a stage works the same way, and an aborted signal stops before reading.
  await assert.rejects(async () => {
    for await (const _ of from([1, 2]).map((x) => x, { signal: AbortSignal.abort() })) {
      throw new Error("read an element");
    }
  }, { name: "AbortError" });
  const live = Object.keys(probeBytes()).filter((k) => k.startsWith("data "));
  assert.deepEqual(live, []);
});

Deno.test("stages report the bytes they hold while a pass runs", async () => {
  const ds = from(batches(4000, 500)).shuffle(2000, { seed: 9 });
  let seen = 0;
  for await (const _ of ds) {
    seen = Math.max(seen, probeBytes()["data shuffle(2000)"] ?? 0);
  }
  // 2000+ rows of (int32, float64) are buffered: at least 24 kB.
  assert.ok(seen >= 2000 * 12, `shuffle reported ${seen}`);
  assert.equal(probeBytes()["data shuffle(2000)"], undefined);
});

Deno.test("nothing can follow toTensors", () => {
  const ds = from(batches(4, 4)).toTensors({ x: ["x"], y: "id" });
  assert.throws(() => (ds as unknown as Dataset<RecordBatch>).prefetch(2), {
    name: "TypeError",
    message: "Cannot add prefetch(2) after toTensors: toTensors must be the last stage, " +
      "because it disposes each element's tensors when the next one is pulled",
  });
});

Deno.test("sources of known size report progress: bytes or rows, rate, total", async () => {
  const script = `
import { csv, parquet } from "${new URL("../../mod.ts", import.meta.url).href}";
for await (const _ of csv("node_modules/vega-datasets/data/seattle-weather.csv", { progress: true })) {}
for await (const _ of parquet("node_modules/vega-datasets/data/flights-3m.parquet", { progress: "flights", columns: ["delay"] })) {}
`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", script],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const err = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, err);
  assert.match(
    err,
    /csv seattle-weather\.csv · 48\.2k\/48\.2k bytes \(100%\) · [\d.]+[kMG]? bytes\/s · [\d.]+ s · 1461 rows/,
  );
  assert.match(err, /flights · 3\.00M\/3\.00M rows \(100%\) · [\d.]+[kMG]? rows\/s/);
});
