/**
 * Bad input and bad options: clear errors naming the file, line, column and
 * text; nulls for quoted empty numbers; distinct names for duplicate
 * headers; strict UTF-8 (or U+FFFD on request); a shrinking file; memory
 * bounded by the real data (huge headers, NUL files, lines without breaks).
 */
import assert from "node:assert/strict";
import { csv, type CsvOptions } from "../../mod.ts";

function stream(text: string | Uint8Array): ReadableStream<Uint8Array> {
  return new Blob([text as BlobPart]).stream();
}

async function rows(source: string | ReadableStream<Uint8Array>, options: CsvOptions = {}) {
  const out: Record<string, unknown>[] = [];
  for await (const b of csv(source, options)) {
    for (let i = 0; i < b.numRows; i++) out.push({ ...b.get(i)!.toJSON() });
  }
  return out;
}

function rssMB(): number {
  return Deno.memoryUsage().rss / 1e6;
}

Deno.test("options: an unknown option or a wrong type is a TypeError naming it", () => {
  const s = stream("a\n1\n");
  assert.throws(() => csv(s, { inferTypes: false } as CsvOptions), {
    name: "TypeError",
    message: /^Cannot read CSV "stream": unknown option "inferTypes" \(options: header, names/,
  });
  assert.throws(() => csv(s, { batchRows: "100" } as unknown as CsvOptions), {
    name: "TypeError",
    message: 'Cannot read CSV "stream": option "batchRows" must be a integer, got "100"',
  });
  assert.throws(() => csv(s, { header: 1 } as unknown as CsvOptions), {
    name: "TypeError",
    message: /option "header" must be a boolean, got 1/,
  });
  assert.throws(() => csv(s, { types: { a: "float" } } as unknown as CsvOptions), {
    name: "TypeError",
    message: /option "types": unknown type "float" \(expected one of float64, float32/,
  });
  assert.throws(() => csv(s, { invalidUtf8: "ignore" } as unknown as CsvOptions), {
    name: "TypeError",
    message: /option "invalidUtf8" must be "error" or "replace", got "ignore"/,
  });
  assert.throws(() => csv(s, { batchRows: 0 }), {
    name: "RangeError",
    message: 'Cannot read CSV "stream": option "batchRows" must be ≥ 1, got 0',
  });
});

Deno.test("a quoted empty field is null in numeric, bool and time columns, '' in strings", async () => {
  const text = 'x,b,d,s\n1.5,true,2024-01-02,a\n"","","",""\n,,,\n';
  assert.deepEqual(await rows(stream(text)), [
    { x: 1.5, b: true, d: Date.UTC(2024, 0, 2), s: "a" },
    { x: null, b: null, d: null, s: "" },
    { x: null, b: null, d: null, s: null },
  ]);
  // Declared types too, and other null tokens.
  assert.deepEqual(
    await rows(stream('x,y\n"",NA\n2,3\n'), { types: "float64", nullValues: ["", "NA"] }),
    [{ x: null, y: null }, { x: 2, y: 3 }],
  );
});

Deno.test("every row error names the file, line, column and text", async () => {
  await assert.rejects(
    () => rows(stream("a,when\n1,2024-01-01\n2,yesterday\n"), { sampleRows: 1 }),
    {
      message:
        /^Cannot read CSV "stream": line 3, column "when": "yesterday" is not a date \(YYYY-MM-DD\)$/,
    },
  );
  await assert.rejects(() => rows(stream("a,b\n1,2\n2,x\n"), { types: "float64" }), {
    message: 'Cannot read CSV "stream": line 3, column "b": "x" is not a number',
  });
  await assert.rejects(
    () => rows(stream("a\n1\n99999999999999999999\n"), { types: "int64" }),
    {
      message:
        'Cannot read CSV "stream": line 3, column "a": "99999999999999999999" is not a 64-bit integer',
    },
  );
  // A later value that does not fit the inferred type: named, never rounded.
  const text = "n\n" + "1\n".repeat(20) + "1.5\n";
  await assert.rejects(() => rows(stream(text), { types: { n: "int32" } }), {
    message: 'Cannot read CSV "stream": line 22, column "n": "1.5" is not a 32-bit integer',
  });
});

Deno.test("duplicate header names become a, a_1 with a warning, each with its own data", async () => {
  const warn = console.warn;
  const warnings: string[] = [];
  console.warn = (m: string) => warnings.push(m);
  try {
    assert.deepEqual(await rows(stream("a,a,b,a\n1,2,3,4\n")), [{ a: 1, a_1: 2, b: 3, a_2: 4 }]);
  } finally {
    console.warn = warn;
  }
  assert.equal(warnings.length, 1);
  assert.match(
    warnings[0],
    /^Reading CSV "stream": column 2 is also named "a"; renamed "a_1"; column 4 is also named "a"; renamed "a_2"$/,
  );
});

Deno.test("invalid UTF-8 is an error naming line and column; invalidUtf8: 'replace' gives U+FFFD", async () => {
  const head = new TextEncoder().encode("id,s\n1,ok\n2,");
  const bytes = new Uint8Array([...head, 0x61, 0xff, 0x62, 10]);
  await assert.rejects(() => rows(stream(bytes), { types: { s: "string" } }), {
    message: /^Cannot read CSV "stream": line 3, column "s": invalid UTF-8 in "a\uFFFDb"/,
  });
  await assert.rejects(() => rows(stream(bytes), { types: { s: "dictionary" } }), {
    message: /line 3, column "s": invalid UTF-8/,
  });
  for (const type of ["string", "dictionary"] as const) {
    assert.deepEqual(await rows(stream(bytes), { types: { s: type }, invalidUtf8: "replace" }), [
      { id: 1, s: "ok" },
      { id: 2, s: "a\uFFFDb" },
    ]);
  }
  // In the header: named too.
  await assert.rejects(() => rows(stream(new Uint8Array([0x61, 0xc3, 10, 0x31, 10]))), {
    message: 'Cannot read CSV "stream": line 1 (the header) is not valid UTF-8',
  });
});

Deno.test("a BOM mid-file is data, not stripped; an unclosed quote is never skipped", async () => {
  const [b] = await Array.fromAsync(csv(stream("\uFEFFs\nx\n\uFEFFy\n"), { types: "string" }));
  assert.equal(b.schema.fields[0].name, "s");
  // The bytes, since TextDecoder (and so Arrow's toJSON) would hide a leading BOM.
  const data = b.getChild("s")!.data[0];
  assert.deepEqual([...data.values], [0x78, 0xef, 0xbb, 0xbf, 0x79]);
  await assert.rejects(() => rows(stream("a\n1\n\uFEFF2\n"), { types: "float64" }), {
    message: /line 3, column "a"/,
  });
  const text = "a,b\n" + "1,2\n".repeat(698) + '3,"open\n' + "4,5\n".repeat(60);
  await assert.rejects(() => rows(stream(text), { skipBadRows: true }), {
    message:
      'Cannot read CSV "stream": line 700, column "b": unclosed quote (the rest of the file, 61 lines, cannot be read)',
  });
});

Deno.test("a file that shrinks while read is an error, not a short dataset", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/s.csv`;
    await Deno.writeTextFile(path, "a,b\n" + "1,2\n".repeat(1_000_000));
    let n = 0;
    await assert.rejects(async () => {
      for await (const b of csv(path, { batchRows: 10_000 })) {
        if (n++ === 0) await Deno.truncate(path, 1_000_000);
        void b;
      }
    }, {
      message:
        /^Cannot read CSV ".*s\.csv": the file shrank while being read \(\d+ of 4000004 bytes\)$/,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("memory follows the data: a 10,000-column header, a NUL file, a line with no break", async () => {
  const before = rssMB();
  const header = Array.from({ length: 10_000 }, (_, i) => `c${i}`).join(",");
  await assert.rejects(() => rows(stream(header + "\n" + "1,2,3,4,5,6\n".repeat(100))), {
    message: 'Cannot read CSV "stream": line 2 has 6 fields, expected 10000',
  });
  assert.ok(rssMB() - before < 200, `RSS grew ${(rssMB() - before).toFixed(0)} MB`);
  // 48 KB of NULs instead of line breaks: one header field, no rows.
  const nul = new Uint8Array(48_000);
  for (let i = 0; i < nul.length; i += 8) nul.set([0x31, 0x2c, 0x32], i);
  assert.deepEqual(await rows(stream(nul)), []);
  assert.ok(rssMB() - before < 200, `RSS grew ${(rssMB() - before).toFixed(0)} MB`);
  // A first line longer than maxLineBytes.
  await assert.rejects(() => rows(stream("x".repeat(3 << 20)), { maxLineBytes: 1 << 20 }), {
    name: "RangeError",
    message: /the first row is over 1048576 bytes \(no line break; maxLineBytes\)/,
  });
  await assert.rejects(
    () => rows(stream("a\n" + "y".repeat(3 << 20)), { maxLineBytes: 1 << 20, types: "string" }),
    { name: "RangeError", message: /line 2 is over 1048576 bytes long/ },
  );
  await assert.rejects(() => rows(stream(header), { maxColumns: 5000 }), {
    name: "RangeError",
    message: /line 1 has over 5000 fields/,
  });
});
