/**
 * JSONL bad input (issue 17's list): strict UTF-8 naming the line, keys
 * first seen late, long lines in linear time and bounded memory, options
 * checked.
 */
import assert from "node:assert/strict";
import { jsonl, type JsonlOptions } from "../../mod.ts";

function stream(data: string | Uint8Array, chunk = 1 << 16): ReadableStream<Uint8Array> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  let at = 0;
  return new ReadableStream({
    pull(c) {
      if (at >= bytes.length) return c.close();
      c.enqueue(bytes.slice(at, at + chunk));
      at += chunk;
    },
  });
}

async function rows(s: ReadableStream<Uint8Array>, options: JsonlOptions = {}) {
  const out: Record<string, unknown>[] = [];
  for await (const b of jsonl(s, options)) {
    for (let i = 0; i < b.numRows; i++) out.push({ ...b.get(i)!.toJSON() });
  }
  return out;
}

Deno.test("jsonl: invalid UTF-8 is an error naming the line; invalidUtf8: 'replace' reads U+FFFD", async () => {
  const head = new TextEncoder().encode('{"s":"ok"}\n{"s":"a');
  const bytes = new Uint8Array([...head, 0xff, ...new TextEncoder().encode('b"}\n')]);
  await assert.rejects(() => rows(stream(bytes)), {
    name: "TypeError",
    message:
      'Cannot read JSONL "stream": line 2 is not valid UTF-8 (invalidUtf8: "replace" reads it with U+FFFD)',
  });
  assert.deepEqual(await rows(stream(bytes), { invalidUtf8: "replace" }), [{ s: "ok" }, {
    s: "a\uFFFDb",
  }]);
});

Deno.test("jsonl: keys first seen later in the first batch widen the schema; after it, an error", async () => {
  const text = '\uFEFF{"a":1}\r\n{"a":2,"b":"x"}\n\n{"b":"y"}\n';
  assert.deepEqual(await rows(stream(text)), [
    { a: 1, b: null },
    { a: 2, b: "x" },
    { a: null, b: "y" },
  ]);
  await assert.rejects(
    () => rows(stream('{"a":1}\n{"a":2}\n{"a":3,"late":true}\n'), { batchRows: 2 }),
    {
      message:
        'Cannot read JSONL "stream": line 3 has the key "late", which the first 2 rows did not have; pass columns to read it (or to leave it out)',
    },
  );
  // Named columns: other keys are left out on purpose.
  assert.deepEqual(
    await rows(stream('{"a":1}\n{"a":2,"late":true}\n'), { batchRows: 1, columns: ["a"] }),
    [{ a: 1 }, { a: 2 }],
  );
});

Deno.test("jsonl: a 30 MB line in 64 KB chunks parses (each byte searched once)", async () => {
  const long = "x".repeat(30e6);
  const before = Deno.memoryUsage().rss;
  const got = await rows(stream(`{"s":"${long}","n":1}\n{"s":"y","n":2}\n`));
  assert.equal(got.length, 2);
  assert.equal((got[0].s as string).length, 30e6);
  assert.equal(got[1].n, 2);
  const grew = (Deno.memoryUsage().rss - before) / 1e6;
  assert.ok(grew < 400, `RSS grew ${grew.toFixed(0)} MB`);
});

Deno.test("jsonl: unknown options and wrong types are TypeErrors naming them", () => {
  assert.throws(() => jsonl(stream("{}"), { batchrows: 5 } as JsonlOptions), {
    name: "TypeError",
    message:
      /^Cannot read JSONL "stream": unknown option "batchrows" \(options: columns, batchRows/,
  });
  assert.throws(() => jsonl(stream("{}"), { batchRows: 0 }), {
    name: "TypeError",
    message: 'Cannot read JSONL "stream": option "batchRows" has a wrong type or value: 0',
  });
});
