import assert from "node:assert/strict";
import { tf } from "../../lib/_tf.ts";
import { scope, trackLeaks, useBackend } from "../../mod.ts";
import type { LeakTrackerHook } from "../../lib/dispose/leak_tracker_hook.ts";

await useBackend({ backend: "cpu" });
const mem = () => {
  const m = tf.memory();
  return { numTensors: m.numTensors, numBytes: m.numBytes };
};

/** Two creation sites per call: ones() and mul(). */
function makeActivations(n: number): tf.Tensor[] {
  const out: tf.Tensor[] = [];
  for (let i = 0; i < n; i++) {
    const ones = tf.ones([8, 4]);
    out.push(ones, ones.mul(2));
  }
  return out;
}

Deno.test("trackLeaks: report groups survivors by user site, shape and dtype, with bytes", () => {
  const before = mem();
  const leaks = trackLeaks();
  const kept = makeActivations(3);
  const ints = tf.zeros([5], "int32");
  tf.ones([100]).dispose(); // disposed: not a survivor
  const report = leaks.report();
  leaks.stop();
  assert.equal(report.tensors, 7);
  assert.equal(report.bytes, 6 * 128 + 20);
  assert.equal(report.rows.length, 3);
  const ones = report.rows.filter((r) => r.shape.join() === "8,4");
  assert.equal(ones.length, 2, "ones() and mul() are two sites");
  for (const row of ones) {
    assert.equal(row.count, 3);
    assert.equal(row.bytes, 384);
    assert.equal(row.dtype, "float32");
    assert.match(row.site, /^makeActivations \(.*tests\/dispose\/track_leaks_test\.ts:\d+:\d+\)$/);
    assert.doesNotMatch(row.stack, /node_modules|tfjs|lib\/dispose/);
  }
  const intRow = report.rows.find((r) => r.dtype === "int32")!;
  assert.equal(intRow.bytes, 20);
  assert.match(intRow.site, /track_leaks_test\.ts/);
  const text = report.toString();
  assert.ok(text.startsWith("7 live tensor(s), 788 B, in 3 group(s)\ncount  bytes"), text);
  const bundle = (report as unknown as Record<symbol, () => Record<string, string>>)[
    Symbol.for("Jupyter.display")
  ]();
  const html = bundle["text/html"];
  assert.match(html, /<table>.*<th>site<\/th>.*makeActivations/s);
  assert.equal(bundle["text/plain"], text);
  assert.equal(Deno.inspect(report), text, "the terminal shows the table");
  tf.dispose([...kept, ints]);
  assert.deepEqual(mem(), before);
});

Deno.test("trackLeaks: a tidy's survivor is sited where the tidy was called", () => {
  const before = mem();
  using leaks = trackLeaks();
  function viaTidy(): tf.Tensor {
    return tf.tidy(() => tf.ones([3]).add(1).mul(2));
  }
  const survivor = viaTidy();
  const report = leaks.report();
  assert.equal(report.tensors, 1, "the tidy's intermediates are gone");
  assert.match(report.rows[0].site, /^viaTidy \(.*track_leaks_test\.ts:\d+:\d+\)$/);
  survivor.dispose();
  assert.equal(leaks.live, 0);
  assert.deepEqual(mem(), before);
});

Deno.test("trackLeaks: a clean scope leaves an empty report", async () => {
  const before = mem();
  using leaks = trackLeaks();
  {
    await using _s = await scope();
    makeActivations(4);
  }
  const report = leaks.report();
  assert.equal(report.tensors, 0);
  assert.equal(report.rows.length, 0);
  assert.equal(leaks.live, 0);
  assert.deepEqual(mem(), before);
});

Deno.test("trackLeaks: stacks off and sampled", () => {
  const before = mem();
  {
    using off = trackLeaks({ stacks: false });
    const ts = [tf.ones([2]), tf.ones([2])];
    const r = off.report();
    assert.deepEqual(r.rows.map((x) => [x.site, x.count]), [["(stacks off)", 2]]);
    tf.dispose(ts);
  }
  {
    using half = trackLeaks({ stacks: 0.5 });
    const ts = Array.from({ length: 10 }, () => tf.ones([3]));
    const r = half.report();
    const unsampled = r.rows.find((x) => x.site === "(not sampled)");
    assert.equal(unsampled?.count, 5);
    assert.equal(r.tensors, 10);
    tf.dispose(ts);
  }
  assert.deepEqual(mem(), before);
});

Deno.test("trackLeaks: variables only when asked, and bad options are errors", () => {
  const before = mem();
  {
    using plain = trackLeaks();
    using withVars = trackLeaks({ variables: true });
    const init = tf.zeros([4]);
    const v = tf.variable(init, true, "leak_test_v");
    init.dispose();
    assert.equal(plain.live, 0);
    assert.equal(withVars.live, 1);
    v.dispose();
    assert.equal(withVars.live, 0);
  }
  assert.throws(
    () => trackLeaks({ stacks: 2 }),
    (e: Error) =>
      e instanceof RangeError &&
      e.message ===
        "Cannot track leaks: options.stacks is 2, expected true, false or a sample rate in (0, 1]",
  );
  assert.throws(() => trackLeaks({ stacks: "yes" as unknown as boolean }), TypeError);
  assert.deepEqual(mem(), before);
});

Deno.test("trackLeaks: stop freezes the report", () => {
  const before = mem();
  const leaks = trackLeaks();
  const t = tf.ones([6]);
  leaks.stop();
  t.dispose();
  assert.equal(leaks.report().tensors, 1);
  assert.equal(leaks.live, 1);
  assert.deepEqual(mem(), before);
});

Deno.test("trackLeaks: a tensor garbage-collected without dispose is reported", async () => {
  const fixture = new URL("./_gc_fixture.ts", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", "--v8-flags=--expose-gc", fixture],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, stderr);
  const result = JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!);
  assert.equal(result.collected.count, 3);
  assert.equal(result.collected.bytes, 3 * 4096);
  assert.equal(result.live, 0);
  assert.equal(result.seen.length, 3);
  for (const leak of result.seen) {
    assert.deepEqual(leak.shape, [32, 32]);
    assert.equal(leak.bytes, 4096);
    assert.match(leak.site, /^dropUndisposed \(.*_gc_fixture\.ts:\d+:\d+\)$/);
  }
  // tfjs still counts the collected tensors: the memory is leaked, not freed.
  assert.equal(result.numTensors, 3);
  assert.equal(result.numBytes, 3 * 4096);
  // The default handler warns once per site, not once per tensor.
  assert.equal(result.warned.length, 1);
  assert.match(result.warned[0], /garbage-collected without dispose\(\)/);
});

Deno.test("trackLeaks: publishes a global hook that describes live tensors by id", () => {
  const before = mem();
  const key = Symbol.for("memkit.leakTracker");
  const g = globalThis as Record<symbol, unknown>;
  assert.ok(!(key in g), "no hook before tracking");
  const outer = trackLeaks();
  const inner = trackLeaks({ stacks: false });
  const hook = g[key] as LeakTrackerHook;
  assert.equal(hook.version, 1);
  const early = tf.zeros([3, 2], "int32");
  inner.stop();
  const late = tf.ones([4]);
  // The newest running tracker answers; `inner` (stacks off) has stopped.
  const e = hook.describe(early.id)!;
  assert.deepEqual([e.shape, e.dtype, e.bytes], [[3, 2], "int32", 24]);
  assert.match(e.site, /track_leaks_test\.ts:\d+:\d+/);
  assert.equal(hook.describe(late.id)?.bytes, 16);
  late.dispose();
  assert.equal(hook.describe(late.id), undefined, "a disposed tensor is not live");
  assert.equal(hook.describe(-1), undefined);
  outer.stop();
  assert.ok(!(key in g), "the hook goes when the last tracker stops");
  early.dispose();
  assert.deepEqual(mem(), before);
});
