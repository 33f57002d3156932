import assert from "node:assert/strict";
import { tableFromIPC } from "apache-arrow";
import { mmap } from "../../mod.ts";

const FLIGHTS =
  new URL("../../node_modules/vega-datasets/data/flights-200k.arrow", import.meta.url).pathname;

Deno.test("mmap: flights-200k.arrow maps zero-copy and reads the same table as a plain read", async () => {
  const reference = tableFromIPC(await Deno.readFile(FLIGHTS));
  using file = mmap(FLIGHTS);
  assert.equal(file.mapped, true);
  assert.equal(file.fallbackReason, undefined);
  assert.equal(file.byteLength, (await Deno.stat(FLIGHTS)).size);
  const table = file.table();
  assert.equal(table.numRows, 200_000);
  for (const name of ["delay", "distance", "time"]) {
    const a = table.getChild(name)!.toArray();
    const b = reference.getChild(name)!.toArray();
    assert.deepEqual(a.subarray(0, 1000), b.subarray(0, 1000));
    assert.equal(a[199_999], b[199_999]);
    // Zero-copy: the column's values live inside the mapping's ArrayBuffer.
    assert.equal(a.buffer, file.bytes().buffer);
  }
  let rows = 0;
  for await (const batch of file.batches()) rows += batch.numRows;
  assert.equal(rows, 200_000);
});

Deno.test("mmap: raw float64 arrays view the file; close() detaches every view", async () => {
  const path = await Deno.makeTempFile({ suffix: ".f64" });
  try {
    const values = Float64Array.from({ length: 10_000 }, (_, i) => Math.sqrt(i));
    await Deno.writeFile(path, new Uint8Array(values.buffer));
    const file = mmap(path);
    const bytes = file.bytes();
    const view = new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
    assert.deepEqual(view, values);
    file.close();
    assert.equal(view.length, 0, "a view outlived close()");
    assert.throws(
      () => file.bytes(),
      (e: Error) =>
        e instanceof TypeError && /Cannot read ".*\.f64": the mapping is closed/.test(e.message),
    );
    file.close(); // idempotent
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("mmap: without --allow-ffi it falls back to streamed reads and says so", async () => {
  const child = new URL("./_mmap_child.ts", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", child, FLIGHTS],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.success, true, stderr);
  const result = JSON.parse(new TextDecoder().decode(out.stdout));
  assert.deepEqual(result, {
    mapped: false,
    reason: "--allow-ffi is not granted",
    rows: 200_000,
    tableRows: 200_000,
  });
  assert.match(
    stderr,
    /memkit mmap: not mapping ".*flights-200k\.arrow" \(--allow-ffi is not granted\); falling back to streamed reads/,
  );
});
