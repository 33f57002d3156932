import assert from "node:assert/strict";

const demo = new URL("../scripts/demo.ts", import.meta.url).pathname;

async function runDemo(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", demo, ...args],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

Deno.test("demo: streams flights-3m, trains, leaks nothing, writes an offline HTML timeline", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { code, stdout, stderr } = await runDemo([
      "--rows",
      "30000",
      "--batch",
      "2048",
      "--out",
      dir,
    ]);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /rows seen\s+30,000/);
    assert.match(stdout, /steps\s+15\b/); // ceil(30000 / 2048)
    assert.match(stdout, /tensors at start \/ end\s+(\d+) \/ \1\b/);
    assert.match(stdout, /peak RSS\s+\d/);
    assert.doesNotMatch(stdout + stderr, /tfjs-node|Hi, looks like you are running/);
    const html = await Deno.readTextFile(`${dir}/timeline.html`);
    assert.ok(html.length > 1_000_000, "the HTML should inline plotly.js");
    assert.doesNotMatch(html, /<script[^>]+src="https?:/, "the HTML must not load from a CDN");
    const saved = JSON.parse(await Deno.readTextFile(`${dir}/timeline.json`));
    assert.equal(saved.format, "memkit-timeline");
    assert.ok(saved.marks.some((m: { label: string }) => m.label === "epoch 1"));
    // One series per part of RSS, so a reader can recompute the shares; they add up to RSS.
    const parts = Object.keys(saved.series).filter((k) => k.startsWith("rss."));
    assert.equal(parts.length, 12, parts.join(" "));
    for (let i = 0; i < saved.t.length; i++) {
      const sum = parts.reduce((a, k) => a + saved.series[k].max[i], 0);
      assert.equal(sum, saved.series.rss.max[i], `slot ${i}`);
    }
    assert.match(stdout, /unexplained at peak\s+\d/);
    assert.match(stdout, /RSS now, every part named/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("demo: a bad option is a clear error naming the value", async () => {
  const { code, stderr } = await runDemo(["--rows=-5"]);
  assert.equal(code, 2);
  assert.match(stderr, /invalid --rows "-5": expected a positive integer/);
  const bad = await runDemo(["--rows", "10", "--backend", "tpu"]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /options\.backend is "tpu"/);
});
