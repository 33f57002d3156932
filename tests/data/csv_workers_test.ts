/**
 * Property test: 2 workers give the same rows, in the same batches' order,
 * as one thread, on random files of several MB (several pieces) with LF,
 * CRLF, CR-only and mixed line endings, with and without a final line
 * break, quoted fields holding delimiters, quotes and line breaks, and
 * blank lines; and a bad row deep in the file is reported at the same line.
 */
import assert from "node:assert/strict";
import { csv, type CsvOptions } from "../../mod.ts";

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ENDINGS = ["\n", "\r\n", "\r"];

/** A random file: ~`bytes` long, endings "lf" | "crlf" | "cr" | "mixed". */
function randomCsv(seed: number, bytes: number, endings: string, finalBreak: boolean): string {
  const r = rng(seed);
  const end = () =>
    endings === "mixed"
      ? ENDINGS[Math.floor(r() * 3)]
      : ENDINGS[["lf", "crlf", "cr"].indexOf(endings)];
  const parts: string[] = ["x,n,s", end()];
  let size = 0;
  let i = 0;
  while (size < bytes) {
    const q = r();
    const s = q < 0.1
      ? `"a,b${end()}c ""${i}"""`
      : q < 0.15
      ? '""'
      : q < 0.2
      ? ""
      : `w${Math.floor(r() * 1e6)}`;
    const row = `${(r() * 1e4 - 5e3).toPrecision(1 + Math.floor(r() * 17))},${
      r() < 0.05 ? "" : String(BigInt(Math.floor(r() * 2 ** 53)) * 1000n + BigInt(i))
    },${s}`;
    parts.push(row);
    size += row.length + 1;
    if (r() < 0.01) parts.push(end()); // a blank line
    parts.push(end());
    i++;
  }
  if (!finalBreak) parts.pop();
  return parts.join("");
}

async function read(path: string, options: CsvOptions) {
  const rows: string[] = [];
  const sizes: number[] = [];
  for await (const b of csv(path, options)) {
    sizes.push(b.numRows);
    for (let i = 0; i < b.numRows; i++) {
      rows.push(
        JSON.stringify(b.get(i)!.toJSON(), (_, v) => typeof v === "bigint" ? String(v) : v),
      );
    }
  }
  return { rows, sizes };
}

Deno.test("workers: the same rows as one thread for every line ending, final line and quoting", async () => {
  const dir = await Deno.makeTempDir();
  try {
    let seed = 1;
    for (const endings of ["lf", "crlf", "cr", "mixed"]) {
      for (const finalBreak of [true, false]) {
        const path = `${dir}/r.csv`;
        await Deno.writeTextFile(path, randomCsv(seed++, 2.6e6, endings, finalBreak));
        const options: CsvOptions = {
          types: { x: "float64", n: "int64", s: "string" },
          batchRows: 30_000,
        };
        const one = await read(path, options);
        const two = await read(path, { ...options, workers: 2 });
        const what = `${endings}, final break ${finalBreak}`;
        assert.ok(one.rows.length > 40_000, what);
        assert.equal(two.rows.length, one.rows.length, what);
        assert.deepEqual(two.sizes, one.sizes, what);
        assert.ok(two.rows.every((row, i) => row === one.rows[i]), what);
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("workers: a bad row deep in a CR-only file is reported at the same line", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const lines = ["a,b"];
    for (let i = 0; i < 300_000; i++) lines.push(i === 250_000 ? "1" : `${i},${i / 8}`);
    const path = `${dir}/cr.csv`;
    await Deno.writeTextFile(path, lines.join("\r"));
    for (const workers of [0, 2]) {
      await assert.rejects(
        async () => {
          for await (const _ of csv(path, { types: "float64", workers })) { /* read */ }
        },
        { message: `Cannot read CSV "${path}": line 250002 has 1 fields, expected 2` },
        `workers ${workers}`,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
