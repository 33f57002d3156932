/**
 * The CSV benchmark's shapes (tests/bench/_csv_corpus.ts: full-precision `repr` floats, short
 * decimals, int64 beyond 2^53, quoted text with commas and line breaks, 200 columns, 90% empty)
 * read cell by cell the same as DuckDB reads them, through the fuzz worker's comparison
 * (tests/fuzz/_worker.ts: DuckDB `read_csv` with every column as text; numbers compared as
 * doubles, so a float that is not bit-identical to the correctly rounded one differs). 1 MB per
 * shape: several batches each, so the fast loop, the general reader and batch ends all take part.
 * The timestamps shape is checked against `Date` in csv_number_test.ts (DuckDB's text spelling of
 * an instant is not memkit's).
 */
import assert from "node:assert/strict";
import { type Shape, writeShape } from "../bench/_csv_corpus.ts";

const WORKER = new URL("../fuzz/_worker.ts", import.meta.url).pathname;
const CONFIG = new URL("../../deno.test.json", import.meta.url).pathname;
const SHAPES: Shape[] = ["floats", "decimals", "ints", "text", "wide", "sparse"];

Deno.test("csv: the benchmark's shapes read the same as DuckDB, cell by cell", async () => {
  const dir = await Deno.makeTempDir({ prefix: "memkit-csv-corpus-" });
  try {
    const jobs: string[] = [];
    const written: number[] = [];
    for (const [id, shape] of SHAPES.entries()) {
      const path = `${dir}/${shape}.csv`;
      written.push(await writeShape(shape, path, 1e6));
      jobs.push(JSON.stringify({ id, format: "csv", path }));
    }
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--quiet", "--config", CONFIG, WORKER],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(jobs.join("\n") + "\n"));
    await writer.close();
    const out = await child.output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const lines = new TextDecoder().decode(out.stdout).trim().split("\n").map((l) => JSON.parse(l));
    for (const [id, shape] of SHAPES.entries()) {
      const ours = lines.find((l) => l.id === id && l.side === "ours");
      const ref = lines.find((l) => l.id === id && l.side === "ref");
      assert.ok(ours?.ok, `${shape}: memkit failed: ${ours?.error}`);
      assert.ok(ref?.ok, `${shape}: DuckDB failed: ${ref?.error}`);
      assert.equal(ours.rows, written[id], `${shape}: memkit's rows`);
      assert.equal(ref.rows, written[id], `${shape}: DuckDB's rows`);
      assert.equal(ref.diff, null, `${shape}: ${ref.diff}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
