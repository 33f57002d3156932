/**
 * lib/data/_pass_gc.ts: a pass collects when RSS has grown by its headroom, within a time budget,
 * with `globalThis.gc` (tests run with --expose-gc) and, in a child without the flag, with the
 * `gc` Deno gives a fresh `node:vm` context. csv() validates its `rssHeadroom` option.
 */
import assert from "node:assert/strict";
import { PassGc } from "../../lib/data/_pass_gc.ts";
import { csv } from "../../mod.ts";

const MiB = 1 << 20;

/** A WeakRef to a dropped 1 MiB buffer, made in an earlier job (so it is not kept for this one). */
async function droppedBuffer(): Promise<WeakRef<ArrayBuffer>> {
  const ref = new WeakRef(new ArrayBuffer(MiB));
  await new Promise((r) => setTimeout(r, 0));
  return ref;
}

/** Grows RSS by `mib` MiB of touched memory, kept alive by the returned array. */
function grow(mib: number): Uint8Array {
  return new Uint8Array(mib * MiB).fill(1);
}

Deno.test("PassGc: collects once RSS grew past the headroom, and the dropped buffer is freed", async () => {
  const ref = await droppedBuffer();
  const gc = new PassGc(1);
  const kept = grow(16);
  gc.handed(4 * MiB);
  assert.equal(gc.collections, 0, "RSS is read every 8 MiB handed out, not before");
  gc.handed(4 * MiB);
  assert.equal(gc.collections, 1);
  assert.equal(ref.deref(), undefined, "a full collection frees what nobody holds");
  assert.equal(kept[0], 1);
});

Deno.test("PassGc: headroom 0 never collects; RSS under the headroom does not collect", async () => {
  const off = new PassGc(0);
  const kept = grow(16);
  for (let i = 0; i < 8; i++) off.handed(8 * MiB);
  assert.equal(off.collections, 0);
  const roomy = new PassGc(1 << 30);
  for (let i = 0; i < 8; i++) roomy.handed(8 * MiB);
  assert.equal(roomy.collections, 0);
  assert.equal(kept[0], 1);
  await Promise.resolve();
});

Deno.test("PassGc: a budget of 0 allows one collection, then skips", () => {
  const gc = new PassGc(1, 0);
  const kept = [grow(16)];
  gc.handed(8 * MiB);
  assert.equal(gc.collections, 1);
  for (let i = 0; i < 4; i++) {
    kept.push(grow(8));
    gc.handed(8 * MiB);
  }
  assert.equal(gc.collections, 1);
  assert.ok(gc.skipped >= 1, `skipped ${gc.skipped}`);
});

Deno.test("PassGc: without --expose-gc it collects through node:vm's gc", async () => {
  const child = `
    import { PassGc } from ${
    JSON.stringify(new URL("../../lib/data/_pass_gc.ts", import.meta.url).href)
  };
    const exposed = typeof globalThis.gc;
    const ref = new WeakRef(new ArrayBuffer(1 << 20));
    await new Promise((r) => setTimeout(r, 0));
    const gc = new PassGc(1);
    const kept = new Uint8Array(16 << 20).fill(1);
    gc.handed(8 << 20);
    console.log(JSON.stringify({ exposed, collections: gc.collections, freed: ref.deref() === undefined, kept: kept[0] }));
  `;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", child],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  assert.deepEqual(JSON.parse(text), {
    exposed: "undefined",
    collections: 1,
    freed: true,
    kept: 1,
  });
});

Deno.test("csv({ rssHeadroom }): an integer of bytes, 0 or more", () => {
  assert.throws(() => csv("x.csv", { rssHeadroom: -1 }), /rssHeadroom/);
  assert.throws(
    () => csv("x.csv", { rssHeadroom: "64MB" as unknown as number }),
    (e: Error) => e instanceof TypeError && /rssHeadroom/.test(e.message),
  );
  csv("x.csv", { rssHeadroom: 0 }); // lazy: nothing is read until a pass starts
});
