import assert from "node:assert/strict";
import type { RecordBatch } from "apache-arrow";
import { csv, type CsvBadRow, type CsvOptions, type CsvType, jsonl } from "../../mod.ts";
import { lacks } from "../_system.ts";

const WEATHER = "node_modules/vega-datasets/data/seattle-weather.csv";
const AIRPORTS = "node_modules/vega-datasets/data/flights-airport.csv";

/** A stream that delivers `text` in chunks of the given sizes (cycled). */
function streamOf(text: string | Uint8Array, sizes = [1 << 20]): ReadableStream<Uint8Array> {
  const bytes = typeof text === "string" ? new TextEncoder().encode(text) : text;
  let at = 0;
  let k = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      const n = sizes[k++ % sizes.length];
      controller.enqueue(bytes.slice(at, at + n));
      at += n;
    },
  });
}

async function rowsOf(
  source: string | ReadableStream<Uint8Array>,
  options: CsvOptions = {},
): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for await (const b of csv(source, options)) {
    for (let i = 0; i < b.numRows; i++) out.push({ ...b.get(i)!.toJSON() });
  }
  return out;
}

const RFC =
  'name,note,value\r\n"Smith, J","said ""hi""",1.5\r\n"multi\r\nline",,2\r\nplain,"",-3e2\r\n';

Deno.test("RFC 4180: quoted delimiters, escaped quotes, newlines in quotes, CRLF, empty vs null", async () => {
  const expected = [
    { name: "Smith, J", note: 'said "hi"', value: 1.5 },
    { name: "multi\r\nline", note: null, value: 2 },
    { name: "plain", note: "", value: -300 },
  ];
  const types = { name: "string", note: "string" } as const;
  assert.deepEqual(await rowsOf(streamOf(RFC), { types }), expected);
  // Every chunking gives the same rows: quotes and CRLF split across chunk boundaries.
  for (const sizes of [[1], [2], [3, 5], [7, 1, 13]]) {
    assert.deepEqual(
      await rowsOf(streamOf(RFC, sizes), { types, batchRows: 2 }),
      expected,
      `chunks ${sizes}`,
    );
  }
  // No final newline, LF only, a BOM, another delimiter.
  const noEol = '\uFEFFa;b\n1;x\n2;"y;z"';
  assert.deepEqual(await rowsOf(streamOf(noEol), { delimiter: ";", types: { b: "string" } }), [
    { a: 1, b: "x" },
    { a: 2, b: "y;z" },
  ]);
});

Deno.test("types: inferred, declared, dictionary codes stable across batches, nulls", async () => {
  const text = "i,f,s,b\n1,0.5,red,true\n2,,blue,false\n3,2.5,red,\n4,1e3,,true\n";
  const batches: RecordBatch[] = [];
  for await (const b of csv(streamOf(text), { batchRows: 2 })) batches.push(b);
  assert.deepEqual(
    batches[0].schema.fields.map((f) => `${f.name}:${f.type}`),
    ["i:Float64", "f:Float64", "s:Dictionary<Int32, Utf8>", "b:Bool"],
  );
  const rows = batches.flatMap((b) =>
    Array.from({ length: b.numRows }, (_, i) => b.get(i)!.toJSON())
  );
  assert.deepEqual(rows.map((r) => r.f), [0.5, null, 2.5, 1000]);
  assert.deepEqual(rows.map((r) => r.s), ["red", "blue", "red", null]);
  assert.deepEqual(rows.map((r) => r.b), [true, false, null, true]);
  const codes = batches.flatMap((b) => Array.from(b.getChild("s")!.data[0].values as Int32Array));
  assert.equal(codes[0], codes[2], "red has one code in both batches");
  const declared: RecordBatch[] = [];
  for await (
    const b of csv(streamOf(text), { types: { i: "int32", f: "float32" }, columns: ["f", "i"] })
  ) {
    declared.push(b);
  }
  assert.deepEqual(declared[0].schema.fields.map((f) => `${f.name}:${f.type}`), [
    "f:Float32",
    "i:Int32",
  ]);
  assert.deepEqual(Array.from(declared[0].getChild("i")!.toArray() as Int32Array), [1, 2, 3, 4]);
  const big = "v\n9007199254740993\n-5\n";
  for await (const b of csv(streamOf(big), { types: "int64" })) {
    assert.deepEqual(Array.from(b.getChild("v")!.data[0].values as BigInt64Array), [
      9007199254740993n,
      -5n,
    ]);
  }
});

Deno.test("floats parse exactly as Number.parseFloat, on the fast path and off it", async () => {
  let seed = 12345;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const texts: string[] = [];
  for (let i = 0; i < 20000; i++) {
    const r = rand();
    const kind = i % 8;
    if (kind === 0) texts.push((r * 1000 - 500).toFixed(Math.floor(rand() * 8)));
    else if (kind === 1) texts.push(String(r * 10 ** Math.floor(rand() * 40 - 20)));
    else if (kind === 2) texts.push(String(Math.floor(r * 1e6)));
    else if (kind === 3) texts.push((r * 1e-5).toExponential(Math.floor(rand() * 17)));
    else if (kind === 4) texts.push("0.1000000000000000055511151231257827");
    else if (kind === 5) texts.push(String(r * 1e22 * 123.456));
    else if (kind === 6) texts.push(`${Math.floor(r * 1e7)}.${Math.floor(rand() * 1e9)}`);
    else {texts.push(
        [
          "-0",
          "1e22",
          "1e23",
          "123456789012345678",
          ".5",
          "5.",
          "+7",
          " 8 ",
          "NaN",
          "-Infinity",
        ][i % 10],
      );}
  }
  const text = "x\n" + texts.join("\n") + "\n";
  const f64: number[] = [];
  const f32: number[] = [];
  for await (const b of csv(streamOf(text, [4093]), { types: "float64" })) {
    f64.push(...(b.getChild("x")!.toArray() as Float64Array));
  }
  for await (const b of csv(streamOf(text, [4093]), { types: "float32" })) {
    f32.push(...(b.getChild("x")!.toArray() as Float32Array));
  }
  assert.equal(f64.length, texts.length);
  for (let i = 0; i < texts.length; i++) {
    const want = Number.parseFloat(texts[i]);
    assert.ok(Object.is(f64[i], want), `"${texts[i]}" → ${f64[i]}, parseFloat says ${want}`);
    assert.ok(Object.is(f32[i], Math.fround(want)), `"${texts[i]}" as float32`);
  }
});

Deno.test("malformed rows throw naming the file, line and field", async () => {
  const name = "stream";
  await assert.rejects(() => rowsOf(streamOf("a,b\n1,2\n3\n")), {
    name: "TypeError",
    message: `Cannot read CSV "${name}": line 3 has 1 fields, expected 2`,
  });
  await assert.rejects(() => rowsOf(streamOf("a,b\n1,2\n3,4,5\n")), {
    name: "TypeError",
    message: `Cannot read CSV "${name}": line 3 has 3 fields, expected 2`,
  });
  await assert.rejects(() => rowsOf(streamOf('a,b\n1,2\n"x\ny",oops\n'), { types: "float64" }), {
    name: "TypeError",
    message: `Cannot read CSV "${name}": line 3, column "a": "x\ny" is not a number`,
  });
  await assert.rejects(() => rowsOf(streamOf('a,b\n1,2\n"open,3\n4,5\n')), {
    name: "TypeError",
    message:
      `Cannot read CSV "${name}": line 3, column "a": unclosed quote (the rest of the file, 2 lines, cannot be read)`,
  });
  await assert.rejects(() => rowsOf(streamOf('a,b\n"x"y,2\n'), { types: "string" }), {
    name: "TypeError",
    message:
      `Cannot read CSV "${name}": line 2, column "a": unexpected text after the closing quote`,
  });
  await assert.rejects(() => rowsOf(streamOf("a\n1.5\n"), { types: "int32" }), {
    name: "TypeError",
    message: `Cannot read CSV "${name}": line 2, column "a": "1.5" is not a 32-bit integer`,
  });
  await assert.rejects(() => rowsOf(WEATHER, { columns: ["nope"] }), {
    name: "TypeError",
    message:
      `Cannot read CSV "${WEATHER}": no column "nope" (columns: date, precipitation, temp_max, temp_min, wind, weather)`,
  });
  await assert.rejects(() => rowsOf("missing.csv"), {
    name: "TypeError",
    message: /^Cannot read CSV "missing.csv": No such file/,
  });
  assert.throws(() => csv(WEATHER, { delimiter: "ab" }), {
    name: "RangeError",
    message:
      `Cannot read CSV "${WEATHER}": option "delimiter" must be one ASCII character other than a quote or newline, got "ab"`,
  });
});

Deno.test("skipBadRows skips and counts malformed rows", async () => {
  const text = "a,b\n1,2\n3\n4,x\n5,6,7\n8,9\n";
  const bad: CsvBadRow[] = [];
  const ds = csv(streamOf(text), { types: "float64", skipBadRows: (row) => bad.push(row) });
  const rows: unknown[] = [];
  for await (const b of ds) for (let i = 0; i < b.numRows; i++) rows.push(b.get(i)!.toJSON());
  assert.deepEqual(rows, [{ a: 1, b: 2 }, { a: 8, b: 9 }]);
  assert.equal(ds.skippedRows, 3);
  assert.deepEqual(bad.map((r) => r.line), [3, 4, 5]);
  assert.equal(bad[1].message, 'line 4, column "b": "x" is not a number');
});

Deno.test("seattle-weather and flights-airport round-trip against pandas", {
  ignore: lacks("pandas"),
}, async () => {
  const script = `
import pandas as pd, json, sys
out = {}
for path in sys.argv[1:]:
    df = pd.read_csv(path, keep_default_na=False, na_values=[""])
    out[path] = {"columns": list(df.columns), "rows": json.loads(df.to_json(orient="values"))}
print(json.dumps(out))`;
  const run = await new Deno.Command("/usr/bin/python3", {
    args: ["-c", script, WEATHER, AIRPORTS],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(run.code, 0, new TextDecoder().decode(run.stderr));
  const pandas = JSON.parse(new TextDecoder().decode(run.stdout));
  for (const path of [WEATHER, AIRPORTS]) {
    const expected = pandas[path] as { columns: string[]; rows: unknown[][] };
    const ours: unknown[][] = [];
    let columns: string[] = [];
    // pandas reads dates as strings: so do we here (inferred, they would be date32).
    const types: Record<string, CsvType> = path === WEATHER ? { date: "string" } : {};
    for await (const b of csv(path, { batchRows: 300, types })) {
      columns = b.schema.fields.map((f) => f.name);
      for (let i = 0; i < b.numRows; i++) ours.push(Object.values(b.get(i)!.toJSON()));
    }
    assert.deepEqual(columns, expected.columns);
    assert.equal(ours.length, expected.rows.length);
    assert.deepEqual(ours, expected.rows, path);
  }
});

Deno.test("workers parse numeric files in parallel with the same rows, lines and errors", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // ~3 MB in 1 MiB reads: several pieces; quoted numbers and CRLF included.
    const lines = ["a,b,c"];
    for (let i = 0; i < 120_000; i++) {
      lines.push(i % 1000 === 7 ? `${i},"${i / 4}",-${i}e-3\r` : `${i},${i / 4},-${i}e-3`);
    }
    const path = `${dir}/n.csv`;
    await Deno.writeTextFile(path, lines.join("\n") + "\n");
    const read = async (workers: number) => {
      const sums = [0, 0, 0];
      const sizes: number[] = [];
      for await (const b of csv(path, { types: "float64", workers, batchRows: 50_000 })) {
        sizes.push(b.numRows);
        for (let c = 0; c < 3; c++) {
          for (const v of b.getChildAt(c)!.toArray() as Float64Array) sums[c] += v;
        }
      }
      return { sums, sizes };
    };
    const one = await read(0);
    const two = await read(2);
    assert.deepEqual(two, one);
    assert.deepEqual(one.sizes, [50_000, 50_000, 20_000]);

    // A bad row deep in the file: the same absolute line either way.
    const broken = [...lines];
    broken[100_001] = "1,2";
    await Deno.writeTextFile(path, broken.join("\n") + "\n");
    for (const workers of [0, 2]) {
      await assert.rejects(async () => {
        for await (const _ of csv(path, { types: "float64", workers })) { /* */ }
      }, {
        name: "TypeError",
        message: `Cannot read CSV "${path}": line 100002 has 2 fields, expected 3`,
      });
    }
    const skipped: number[] = [];
    let rows = 0;
    const ds = csv(path, {
      types: "float64",
      workers: 2,
      skipBadRows: (r) => skipped.push(r.line),
    });
    for await (const b of ds) rows += b.numRows;
    assert.equal(rows, 119_999);
    assert.deepEqual(skipped, [100_002]);
    assert.equal(ds.skippedRows, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("csv and jsonl read URLs front to back", async () => {
  const text = await Deno.readTextFile(WEATHER);
  const lines = text.trim().split("\n").slice(1);
  const json = lines.map((l) => {
    const [date, precipitation] = l.split(",");
    return JSON.stringify({ date, precipitation: Number(precipitation) });
  }).join("\n");
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen() {} },
    (req) => new Response(new URL(req.url).pathname.endsWith(".csv") ? text : json),
  );
  try {
    const base = `http://127.0.0.1:${server.addr.port}`;
    let rows = 0;
    let sum = 0;
    for await (const b of csv(`${base}/w.csv`, { columns: ["precipitation"], batchRows: 100 })) {
      rows += b.numRows;
      for (const v of b.getChild("precipitation")!.toArray() as Float64Array) sum += v;
    }
    assert.equal(rows, 1461);
    const expected = lines.reduce((s, l) => s + Number(l.split(",")[1]), 0);
    assert.equal(sum, expected);
    let jsonRows = 0;
    let jsonSum = 0;
    for await (const b of jsonl(`${base}/w.jsonl`, { batchRows: 500 })) {
      jsonRows += b.numRows;
      for (const v of b.getChild("precipitation")!.toArray() as Float64Array) jsonSum += v;
    }
    assert.equal(jsonRows, 1461);
    assert.equal(jsonSum, expected);
  } finally {
    await server.shutdown();
  }
});

Deno.test("the all-numeric fast path and the general row reader give the same values", async () => {
  // LF rows take the fast path; the same rows with CR-only endings take the general reader.
  let seed = 3;
  const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const rows: string[] = [];
  for (let i = 0; i < 30_000; i++) {
    const cell = (k: number) => {
      const r = rand();
      if (r < 0.3) return "";
      if (k === 0) return (rand() * 2e6 - 1e6).toPrecision(1 + Math.floor(rand() * 17));
      if (k === 1) return String(Math.floor(rand() * 2 ** 31) - 2 ** 30);
      return String(BigInt(Math.floor(rand() * 2 ** 53)) * 997n - 2n ** 60n);
    };
    const d = rand() < 0.3
      ? ""
      : `${(rand() * 100 - 50).toFixed(3)}e${Math.floor(rand() * 40 - 20)}`;
    rows.push(`${cell(0)},${cell(1)},${cell(2)},${d}`);
  }
  const types = { a: "float64", b: "int32", c: "int64", d: "float32" } as const;
  const read = async (eol: string) => {
    const out: string[] = [];
    for await (const b of csv(streamOf("a,b,c,d" + eol + rows.join(eol) + eol), { types })) {
      for (let i = 0; i < b.numRows; i++) {
        out.push(
          JSON.stringify(b.get(i)!.toJSON(), (_, v) => typeof v === "bigint" ? String(v) : v),
        );
      }
    }
    return out;
  };
  const fast = await read("\n");
  const general = await read("\r");
  assert.equal(fast.length, 30_000);
  assert.deepEqual(fast, general);
  assert.ok(fast.some((r) => r.includes("null")));
});

Deno.test("the text fast path and the general row reader give the same strings, lines and errors", async () => {
  // Default options take the fast path for ASCII text; a second null token ("NA", absent
  // from the data) sends every row through the general reader. Odd chunk sizes cut quoted
  // fields, escapes and CRLFs at every place.
  let seed = 11;
  const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  const pieces = [
    "a",
    "bc",
    "tab\there",
    "x,y",
    'say ""hi""',
    "line\nbreak",
    "cr\r\nlf",
    "lone\rcr",
    "é",
    "日本",
  ];
  const rows: string[] = [];
  const notes: string[] = [];
  for (let i = 0; i < 20_000; i++) {
    let text = "";
    for (let k = Math.floor(rand() * 12); k > 0; k--) text += pick(pieces) + " ";
    const plain = !/[,"\n\r]/.test(text);
    const r = rand();
    const note = r < 0.08 ? "" : r < 0.12 ? '""' : plain && r < 0.6 ? text : `"${text}"`;
    const city = rand() < 0.05
      ? '"Quito, EC"'
      : rand() < 0.05
      ? ""
      : pick(["Lima", "Oslo", "Pune"]);
    rows.push(`${i},${city},${note}`);
    notes.push(note);
  }
  const text = "id,city,note\r\n" + rows.join("\n") + "\n1,Lima\n";
  const types = { id: "float64", city: "dictionary", note: "string" } as const;
  const read = async (nullValues: string[]) => {
    const out: string[] = [];
    try {
      for await (
        const b of csv(streamOf(text, [997, 65536, 13, 4096]), { types, nullValues })
      ) {
        for (let i = 0; i < b.numRows; i++) out.push(JSON.stringify(b.get(i)!.toJSON()));
      }
    } catch (e) {
      out.push((e as Error).message);
    }
    return out;
  };
  const fast = await read([""]);
  const general = await read(["", "NA"]);
  assert.equal(fast.length, 20_001, fast.slice(-2).join("\n"));
  assert.deepEqual(fast, general);
  // The last row's error names the same line on both paths (quoted line breaks counted).
  const breaks = rows.reduce((n, r) => n + (r.match(/\r\n|\n|\r/g)?.length ?? 0), 0);
  assert.match(fast[20_000], new RegExp(`line ${20_000 + breaks + 2} has 2 fields`));
  // Values, not only agreement: escapes undone, quoted "" an empty string, unquoted empty null.
  const parsed = fast.slice(0, 20_000).map((r) => JSON.parse(r));
  for (let i = 0; i < 20_000; i++) {
    const raw = notes[i];
    const want = raw === "" ? null : raw[0] === '"' ? raw.slice(1, -1).replaceAll('""', '"') : raw;
    assert.equal(parsed[i].note, want, `row ${i}`);
  }
  assert.ok(parsed.some((r) => r.city === "Quito, EC") && parsed.some((r) => r.city === null));
  assert.ok(parsed.some((r) => r.note === "") && parsed.some((r) => /日本/.test(r.note ?? "")));
});
