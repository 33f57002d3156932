/**
 * Benchmarks are not timed tests, but they must not rot: every benchmark runs
 * here at CI size (`--smoke`) and must print well-formed `BENCH` lines with
 * the rival measured in the same run. Whether a goal is met is read from the
 * full-size runs (`deno task bench`), not asserted here: smoke sizes are
 * dominated by start-up costs on a shared machine.
 */
import assert from "node:assert/strict";

const root = new URL("../", import.meta.url);

Deno.test("every benchmark runs at CI size and prints BENCH lines in DESIGN.md's format", async () => {
  const names: string[] = [];
  for await (const e of Deno.readDir(new URL("tests/bench/", root))) {
    if (e.isFile && e.name.endsWith(".ts") && !e.name.startsWith("_")) {
      names.push(e.name.slice(0, -3));
    }
  }
  assert.ok(names.length >= 10, `found only ${names.length} benchmarks`);
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--quiet",
      "--config",
      new URL("deno.test.json", root).pathname,
      new URL("scripts/bench.ts", root).pathname,
      "--smoke",
    ],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, `a benchmark failed:\n${stderr.slice(-3000)}`);
  const seen = new Set<string>();
  for (const line of stdout.split("\n")) {
    if (!line.startsWith("BENCH ")) continue;
    const match = /^BENCH (\S+) (\{.*\})$/.exec(line);
    assert.ok(match, `malformed line: ${line}`);
    const record = JSON.parse(match[2]);
    for (const key of ["metric", "ours", "rival", "ratio", "goal", "met"]) {
      assert.ok(key in record, `${match[1]}: no "${key}" in ${line}`);
    }
    assert.equal(typeof record.met, "boolean", line);
    // ours/rival are numbers, or objects for composite goals (size and time).
    for (const side of [record.ours, record.rival]) {
      assert.ok(Number.isFinite(side) || (side !== null && typeof side === "object"), line);
    }
    seen.add(match[1]);
  }
  assert.deepEqual([...seen].sort(), names.sort(), "every benchmark prints at least one line");
});
