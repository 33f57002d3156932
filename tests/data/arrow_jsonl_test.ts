import assert from "node:assert/strict";
import * as zlib from "node:zlib";
import {
  compressionRegistry,
  CompressionType,
  RecordBatchFileWriter,
  RecordBatchStreamWriter,
  type Table,
  tableFromArrays,
} from "apache-arrow";
import lz4 from "lz4js";
import { arrow, jsonl } from "../../mod.ts";

const FLIGHTS_ARROW = "node_modules/vega-datasets/data/flights-200k.arrow";
const FLIGHTS_JSON = "node_modules/vega-datasets/data/flights-200k.json";

const z = zlib as unknown as { zstdCompressSync: (b: Uint8Array) => Uint8Array };
// Encoders only for writing test files; memkit registers the decoders.
compressionRegistry.set(CompressionType.LZ4_FRAME, {
  ...compressionRegistry.get(CompressionType.LZ4_FRAME),
  encode: (d) => Uint8Array.from(lz4.compress(d)),
});
compressionRegistry.set(CompressionType.ZSTD, {
  ...compressionRegistry.get(CompressionType.ZSTD),
  encode: (d) => new Uint8Array(z.zstdCompressSync(d)),
});

function sample(batches: number, rows: number): Table {
  const parts = Array.from({ length: batches }, (_, b) =>
    tableFromArrays({
      id: Int32Array.from({ length: rows }, (_, i) => b * rows + i),
      x: Float64Array.from({ length: rows }, (_, i) => Math.sin(b * rows + i)),
    }));
  return parts.slice(1).reduce((t, p) => t.concat(p), parts[0]);
}

async function idsOf(ds: AsyncIterable<{ numRows: number; getChild(n: string): unknown }>) {
  const ids: number[] = [];
  for await (const b of ds) {
    const v = b.getChild("id") as { toArray(): Int32Array };
    ids.push(...v.toArray());
  }
  return ids;
}

Deno.test("arrow reads flights-200k.arrow and matches the JSON copy of the same data", async () => {
  const json = JSON.parse(await Deno.readTextFile(FLIGHTS_JSON)) as Record<string, number>[];
  let row = 0;
  for await (const b of arrow(FLIGHTS_ARROW)) {
    const delay = b.getChild("delay")!.toArray();
    const distance = b.getChild("distance")!.toArray();
    const time = b.getChild("time")!.toArray();
    for (let i = 0; i < b.numRows; i++, row++) {
      assert.equal(delay[i], json[row].delay);
      assert.equal(distance[i], json[row].distance);
      assert.equal(time[i], Math.fround(json[row].time));
    }
  }
  assert.equal(row, json.length);
});

Deno.test("arrow: file format by random access, stream format, LZ4 and ZSTD, columns", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const table = sample(5, 1000);
    const want = Array.from({ length: 5000 }, (_, i) => i);
    for (const compressionType of [null, CompressionType.LZ4_FRAME, CompressionType.ZSTD]) {
      const file = `${dir}/t-${compressionType}.arrow`;
      const stream = `${dir}/t-${compressionType}.arrows`;
      await Deno.writeFile(
        file,
        RecordBatchFileWriter.writeAll(table, { compressionType }).toUint8Array(true),
      );
      await Deno.writeFile(
        stream,
        RecordBatchStreamWriter.writeAll(table, { compressionType }).toUint8Array(true),
      );
      assert.deepEqual(await idsOf(arrow(file)), want, `file ${compressionType}`);
      assert.deepEqual(await idsOf(arrow(stream)), want, `stream ${compressionType}`);
      const bytes = await Deno.readFile(stream);
      assert.deepEqual(await idsOf(arrow(new Blob([bytes]).stream())), want);
    }
    const file = `${dir}/t-null.arrow`;
    for await (const b of arrow(file, { columns: ["x"] })) {
      assert.deepEqual(b.schema.fields.map((f) => f.name), ["x"]);
    }
    await assert.rejects(async () => {
      for await (const _ of arrow(file, { columns: ["nope"] })) { /* */ }
    }, {
      name: "TypeError",
      message: `Cannot read Arrow IPC "${file}": no column "nope" (columns: id, x)`,
    });

    // Random access: reading 2 of 50 batches over HTTP fetches a small part of the file.
    const big = `${dir}/big.arrow`;
    const bigBytes = RecordBatchFileWriter.writeAll(sample(50, 2000)).toUint8Array(true);
    await Deno.writeFile(big, bigBytes);
    let served = 0;
    const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, (req) => {
      const m = /bytes=(\d+)-(\d+)/.exec(req.headers.get("range") ?? "")!;
      const start = Number(m[1]);
      const end = Math.min(Number(m[2]) + 1, bigBytes.length);
      served += end - start;
      return new Response(bigBytes.slice(start, end) as Uint8Array<ArrayBuffer>, {
        status: 206,
        headers: { "content-range": `bytes ${start}-${end - 1}/${bigBytes.length}` },
      });
    });
    try {
      const url = `http://127.0.0.1:${server.addr.port}/big.arrow`;
      assert.deepEqual(
        await idsOf(arrow(url).take(4000)),
        Array.from({ length: 4000 }, (_, i) => i),
      );
      assert.ok(served < bigBytes.length / 5, `served ${served} of ${bigBytes.length}`);
    } finally {
      await server.shutdown();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("jsonl: types from the first batch, nulls, stable dictionary codes, errors with lines", async () => {
  const text = '{"a":1,"s":"x","b":true}\n\n{"a":null,"s":"y","b":false}\n{"a":2.5,"s":"x"}\n';
  const stream = () => new Blob([text]).stream();
  const rows: unknown[] = [];
  const codes: number[] = [];
  for await (const b of jsonl(stream(), { batchRows: 2 })) {
    for (let i = 0; i < b.numRows; i++) rows.push(b.get(i)!.toJSON());
    codes.push(...(b.getChild("s")!.data[0].values as Int32Array));
  }
  assert.deepEqual(rows, [
    { a: 1, s: "x", b: true },
    { a: null, s: "y", b: false },
    { a: 2.5, s: "x", b: null },
  ]);
  assert.equal(codes[0], codes[2]);
  await assert.rejects(async () => {
    for await (const _ of jsonl(new Blob(['{"a":1}\n{"a":"two"}\n']).stream())) { /* */ }
  }, {
    name: "TypeError",
    message: 'Cannot read JSONL "stream": line 2 field "a": "two" is not a number',
  });
  await assert.rejects(async () => {
    for await (const _ of jsonl(new Blob(['{"a":1}\n{oops\n']).stream())) { /* */ }
  }, { name: "TypeError", message: /^Cannot read JSONL "stream": line 2: / });
});
