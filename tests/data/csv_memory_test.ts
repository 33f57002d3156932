import assert from "node:assert/strict";
import type { RecordBatch } from "apache-arrow";
import { csv } from "../../mod.ts";

/** A stream over `text` in 64 KiB chunks. */
function streamOf(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + 65536));
      at += 65536;
    },
  });
}

/** Row i of the mixed file: float, int64 beyond 2^53, string, dictionary, bool; some nulls. */
function row(i: number): string {
  const f = i % 7 === 3 ? "" : String(i / 8);
  const big = String(2n ** 60n + BigInt(i));
  const s = i % 11 === 5 ? "" : `"s${i}, q"`;
  return `${f},${big},${s},${["red", "green", "blue"][i % 3]},${i % 2 === 0}`;
}

function expected(i: number): string {
  return JSON.stringify([
    i % 7 === 3 ? null : i / 8,
    String(2n ** 60n + BigInt(i)),
    i % 11 === 5 ? null : `s${i}, q`,
    ["red", "green", "blue"][i % 3],
    i % 2 === 0,
  ]);
}

function rowOf(b: RecordBatch, i: number): string {
  const cols = b.schema.fields.map((_, c) => b.getChildAt(c)!.get(i));
  return JSON.stringify(cols, (_, v) => typeof v === "bigint" ? String(v) : v);
}

Deno.test("batches a consumer keeps are never overwritten by later batches", async () => {
  const n = 20_000;
  const lines = ["f,big,s,d,b"];
  for (let i = 0; i < n; i++) lines.push(row(i));
  const text = lines.join("\n") + "\n";
  for (const options of [{ batchRows: 700 }, { batchBytes: 4096 }]) {
    // Keep every batch, check them only after the whole pass.
    const kept: RecordBatch[] = [];
    for await (const b of csv(streamOf(text), options)) kept.push(b);
    assert.ok(kept.length > 20, `${kept.length} batches`);
    let i = 0;
    for (const b of kept) {
      for (let r = 0; r < b.numRows; r++, i++) assert.equal(rowOf(b, r), expected(i), `row ${i}`);
    }
    assert.equal(i, n);
    // No two batches share value memory: each owns the slab it was parsed into.
    const buffers = new Set<ArrayBufferLike>();
    for (const b of kept) {
      const mine = new Set<ArrayBufferLike>();
      for (const d of b.data.children) {
        for (const a of [d.values, d.valueOffsets, d.nullBitmap]) {
          if (a && a.byteLength > 0) mine.add(a.buffer);
        }
      }
      for (const buffer of mine) {
        assert.ok(!buffers.has(buffer), "a buffer shared by two batches");
        buffers.add(buffer);
      }
    }
  }
});

Deno.test("batch memory: a small batch is exact-size; wide rows end batches at batchBytes", async () => {
  const small = "a,b,c\n1,2,3\n4,5,6\n";
  for await (const b of csv(streamOf(small))) {
    for (const d of b.data.children) {
      // 2 rows of float64: exact-size values, not the parser's first (1024-row) slab.
      assert.ok(d.values.buffer.byteLength <= 64, `${d.values.buffer.byteLength} bytes`);
    }
  }
  const width = 200;
  const header = Array.from({ length: width }, (_, c) => `c${c}`).join(",");
  const rows = Array.from(
    { length: 3000 },
    (_, r) => Array.from({ length: width }, (_, c) => (r * c) % 1000).join(","),
  );
  const batchBytes = 1 << 20;
  let total = 0;
  for await (const b of csv(streamOf(`${header}\n${rows.join("\n")}\n`), { batchBytes })) {
    // Values end the batch once they reach batchBytes (so at most one row beyond it).
    assert.ok(b.numRows * width * 8 < batchBytes + width * 8, `${b.numRows} rows`);
    for (const d of b.data.children) assert.ok(d.values.buffer.byteLength <= batchBytes + 4096);
    for (let r = 0; r < b.numRows; r += 97) {
      assert.equal(b.getChildAt(7)!.get(r), ((total + r) * 7) % 1000);
    }
    total += b.numRows;
  }
  assert.equal(total, 3000);
});

Deno.test("a column named twice in `columns` gets the same values and nulls twice", async () => {
  const got: unknown[][] = [];
  for await (const b of csv(streamOf("a,b\n1,x\n,y\n3,z\n"), { columns: ["a", "b", "a"] })) {
    for (let c = 0; c < 3; c++) got.push(b.getChildAt(c)!.toArray() as unknown as unknown[]);
    assert.equal(b.getChildAt(0)!.nullCount, 1);
    assert.equal(b.getChildAt(2)!.nullCount, 1);
    assert.equal(b.getChildAt(2)!.get(1), null);
  }
  assert.deepEqual([...got[0]], [...got[2]]);
});
