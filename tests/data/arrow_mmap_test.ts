import assert from "node:assert/strict";
import type { RecordBatch } from "apache-arrow";
import { arrow } from "../../mod.ts";

const FLIGHTS =
  new URL("../../node_modules/vega-datasets/data/flights-200k.arrow", import.meta.url).pathname;
const SIZE = Deno.statSync(FLIGHTS).size;
const gc = (globalThis as { gc?: () => void }).gc;

async function sums(batches: AsyncIterable<RecordBatch>) {
  let rows = 0, delay = 0, distance = 0, time = 0;
  for await (const b of batches) {
    rows += b.numRows;
    for (const v of b.getChild("delay")!.toArray() as Int16Array) delay += v;
    for (const v of b.getChild("distance")!.toArray() as Int16Array) distance += v;
    for (const v of b.getChild("time")!.toArray() as Float32Array) time += v;
  }
  return { rows, delay, distance, time };
}

// /proc/self/maps names the file by its real path (node_modules links to .deno/).
const REAL = Deno.realPathSync(FLIGHTS);
const mapped = () => Deno.readTextFileSync("/proc/self/maps").includes(REAL);

Deno.test("arrow({ mmap: true }) reads zero-copy views of the mapped file, equal to a plain read", async () => {
  const plain = await sums(arrow(FLIGHTS));
  assert.equal(plain.rows, 200_000);
  const ds = arrow(FLIGHTS, { mmap: true });
  assert.deepEqual(await sums(ds), plain);
  assert.deepEqual(await sums(ds), plain, "a second pass maps again");
  for await (const b of ds) {
    // zero-copy: the values view the mapping, which is the whole file
    assert.equal(b.getChild("delay")!.data[0].values.buffer.byteLength, SIZE);
    assert.ok(mapped(), "the file is in /proc/self/maps while a batch is alive");
  }
  for await (const b of arrow(FLIGHTS)) {
    assert.ok(b.getChild("delay")!.data[0].values.buffer.byteLength < SIZE, "plain reads copy");
  }
  // stages that hold batches past the end of the source still read valid data
  assert.deepEqual(await sums(ds.batch(300_000)), plain);
  assert.deepEqual(await sums(ds.shuffle(50_000, { seed: 1 })), plain);
  const picked = arrow(FLIGHTS, { mmap: true, columns: ["time"] });
  for await (const b of picked) assert.deepEqual(b.schema.fields.map((f) => f.name), ["time"]);
});

Deno.test("arrow({ mmap: true }): the mapping is released once no batch refers to it", async () => {
  if (!gc) return; // needs --v8-flags=--expose-gc (the test task sets it)
  // In its own function: a suspended async frame can keep its last loop value alive.
  const pass = async () => {
    let rows = 0;
    for await (const b of arrow(FLIGHTS, { mmap: true })) {
      rows += b.numRows;
      assert.ok(mapped());
    }
    return rows;
  };
  assert.equal(await pass(), 200_000);
  for (let i = 0; i < 20 && mapped(); i++) {
    gc();
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal(mapped(), false, "the mapping outlived every batch");
});

Deno.test("arrow({ mmap: true }) errors: URLs, streams, missing files", async () => {
  assert.throws(
    () => arrow("https://example.com/x.arrow", { mmap: true }),
    (e: Error) =>
      e instanceof TypeError &&
      e.message ===
        `Cannot read Arrow IPC "https://example.com/x.arrow": mmap needs a local file, got https://example.com/x.arrow`,
  );
  assert.throws(
    () => arrow(new ReadableStream(), { mmap: true }),
    (e: Error) => e instanceof TypeError && /"stream": mmap needs a local file/.test(e.message),
  );
  await assert.rejects(
    async () => {
      for await (const _ of arrow("/nonexistent/x.arrow", { mmap: true }));
    },
    (e: Error) =>
      e instanceof TypeError &&
      /^Cannot read Arrow IPC "\/nonexistent\/x\.arrow": /.test(e.message),
  );
});

Deno.test("arrow({ mmap: true }) without --allow-ffi reads by offset and says so once", async () => {
  const child = new URL("./_arrow_mmap_child.ts", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", child, FLIGHTS],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.success, true, stderr);
  const plain = await sums(arrow(FLIGHTS));
  assert.deepEqual(JSON.parse(new TextDecoder().decode(out.stdout)), {
    rows: 2 * plain.rows,
    delay: 2 * plain.delay,
  });
  const notes = stderr.match(/memkit arrow: not mapping/g) ?? [];
  assert.equal(notes.length, 1, stderr);
  assert.match(
    stderr,
    /memkit arrow: not mapping ".*flights-200k\.arrow" \(--allow-ffi is not granted\); reading it by offset instead/,
  );
});
