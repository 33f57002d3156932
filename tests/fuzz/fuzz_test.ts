import assert from "node:assert/strict";
import { FAILURES, fuzz, type Result, tally } from "./_run.ts";
import { variants } from "./_mutate.ts";
import { difference, sameCell } from "./_worker.ts";

// CI size: 100 seeded variants per format, each read by memkit and by the
// reference (DuckDB; apache-arrow for Arrow) in a worker process with a
// timeout, a 1 GiB heap cap and an RSS watchdog. `deno task bench fuzz
// --count=N` runs thousands.
const COUNT = 100;

// Known failures of other owners' readers, each with the precise reason and
// a test that matches only that symptom: any other failure of the format
// still fails this test. (Findings: tests/fuzz/FINDINGS.md.)
const EXPECTED_TO_FAIL: Record<string, { reason: string; matches: (r: Result) => boolean }> = {};

Deno.test("fuzz: the same seed gives the same variants", () => {
  const bytes = new TextEncoder().encode("a,b\n1,2\n3,4\n");
  const a = [...variants(bytes, "csv", 5, 20)];
  const b = [...variants(bytes, "csv", 5, 20)];
  assert.deepEqual(a.map((v) => v.label), b.map((v) => v.label));
  assert.deepEqual(a.map((v) => Array.from(v.bytes)), b.map((v) => Array.from(v.bytes)));
  const c = [...variants(bytes, "csv", 6, 20)];
  assert.notDeepEqual(a.map((v) => v.label), c.map((v) => v.label));
});

Deno.test("fuzz: mutations of tiny inputs never throw (the driver must not die)", () => {
  for (const format of ["csv", "jsonl", "arrow", "parquet"] as const) {
    for (let n = 0; n <= 12; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37) & 0xff);
      for (const v of variants(bytes, format, n + 1, 200)) assert.ok(v.bytes instanceof Uint8Array);
    }
  }
});

Deno.test("fuzz: the comparison finds a changed value and forgives only documented conventions", () => {
  const read = (rows: (string | null)[][]) => ({ ok: true, names: ["a", "b"], rows });
  assert.equal(difference(read([["1", "x"]]), read([["1.0", "x"]])), null);
  assert.equal(difference(read([[null, "x"]]), read([["", "x"]])), null);
  assert.match(difference(read([["1", "x"]]), read([["2", "x"]]))!, /row 0 column "a"/);
  assert.match(difference(read([["1", "x"]]), read([["1", "y"]]))!, /"x" vs "y"/);
  assert.match(difference(read([["1", "x"]]), read([]))!, /1 rows vs 0/);
  assert.ok(!sameCell("x", "X"));
  // DuckDB renames a key that repeats another up to case; any other renaming is a difference.
  const named = (names: string[]) => ({ ok: true, names, rows: [["1", "2"]] });
  assert.equal(difference(named(["a", "A"]), named(["a", "A_1"])), null);
  assert.match(difference(named(["a", "b"]), named(["a", "b_1"]))!, /names/);
  assert.ok(sameCell("TRUE", "true"));
});

Deno.test({
  name:
    `fuzz: ${COUNT} variants per format, seed 1: no hang, crash, blow-up, unnamed error or silent difference`,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const results: Result[] = await fuzz({ count: COUNT, seed: 1, timeoutMs: 60_000 });
    const counts = tally(results);
    console.log(JSON.stringify(counts));
    for (const format of ["csv", "jsonl", "arrow", "parquet"]) {
      assert.equal(
        Object.values(counts[format]).reduce((a, b) => a + b, 0),
        COUNT,
        `${format}: every variant classified`,
      );
      // The fuzzer must exercise both paths: readable variants and refused ones.
      assert.ok(counts[format].same > 0, `${format}: some variants read the same`);
      assert.ok(counts[format].error + counts[format].stricter > 0, `${format}: some refused`);
      const failed = results.filter((r) =>
        r.format === format && (FAILURES as readonly string[]).includes(r.outcome)
      );
      const report = failed.map((r) =>
        `#${r.index} ${r.seed} ${r.outcome}: ${r.label} → ${r.detail}`
      )
        .join("\n");
      const known = EXPECTED_TO_FAIL[format];
      const unknown = known ? failed.filter((r) => !known.matches(r)) : failed;
      if (known && failed.length > unknown.length) {
        console.log(`${format}: ${failed.length - unknown.length} known (${known.reason})`);
      }
      assert.equal(unknown.length, 0, `${format} failures:\n${report}`);
    }
  },
});
