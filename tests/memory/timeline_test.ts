import assert from "node:assert/strict";
import { tf } from "../../lib/_tf.ts";
import {
  BudgetExceededError,
  loadTimeline,
  registerProbe,
  timeline,
  useBackend,
} from "../../mod.ts";
import { SampleStore, SERIES } from "../../lib/memory/_store.ts";
import { CATEGORIES, CATEGORY_LABELS } from "../../lib/memory/_categories.ts";

await useBackend({ backend: "cpu" });

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("timeline: samples on its timer, marks, and an exact ledger of tfjs tensors", async () => {
  const before = tf.memory();
  const tl = timeline({ everyMs: 5 });
  await tick(40);
  const kept = Array.from({ length: 10 }, () => tf.zeros([100, 100])); // 10 × 40,000 bytes
  tl.mark("allocated");
  tf.dispose(kept);
  tl.mark("disposed");
  await tick(20);
  tl.stop();
  assert.equal(tl.running, false);
  assert.ok(tl.samples >= 5, `only ${tl.samples} samples in 60 ms at 5 ms`);
  const [first, second, last] = tl.ledger();
  assert.equal(first.to, "allocated");
  assert.equal(first.change.tfBytes, 400_000);
  assert.equal(first.change.tfTensors, 10);
  assert.ok(first.grew.includes("tfjs tensor bytes +400 kB"), first.grew.join(", "));
  assert.equal(second.from, "allocated");
  assert.equal(second.change.tfBytes, -400_000);
  assert.ok(second.shrank.includes("tensors -10"), second.shrank.join(", "));
  assert.equal(last.to, "now");
  assert.equal(tl.peaks.tfBytes.value - before.numBytes, 400_000);
  assert.equal(tl.peaks.tfBytes.mark, "allocated");
  assert.ok(tl.peaks.rss.value > 10e6);
  const after = tf.memory();
  assert.equal(after.numTensors, before.numTensors);
  assert.equal(after.numBytes, before.numBytes);
});

Deno.test("timeline: resetPeaks measures from now on", () => {
  const tl = timeline({ everyMs: 1000 });
  const t = tf.ones([1000]);
  tl.sample();
  t.dispose();
  tl.sample();
  const high = tl.peaks.tfBytes.value;
  tl.resetPeaks();
  assert.equal(tl.peaks.tfBytes.value, high - 4000);
  tl.stop();
});

Deno.test("timeline: probes are sampled and summed", () => {
  const off = registerProbe("test buffer", () => 123_456);
  try {
    const tl = timeline({ everyMs: 1000 });
    tl.stop();
    assert.equal(tl.latest.probes >= 123_456, true);
    assert.deepEqual(tl.toJSON().probes["test buffer"].max.slice(0, 1), [123_456]);
    assert.ok(tl.figure().data.some((t) => t.name === "test buffer"));
  } finally {
    off();
  }
});

Deno.test("timeline: memory stays bounded, thinning keeps the max and min", () => {
  const tl = timeline({ everyMs: 1000, maxSamples: 64 });
  const bytes = tl.bytes;
  for (let i = 0; i < 5000; i++) tl.sample();
  tl.stop();
  assert.equal(tl.samples, 5002); // the first sample, 5000, and the one stop() takes
  assert.ok(tl.toJSON().t.length <= 64);
  assert.equal(tl.bytes, bytes);

  const store = new SampleStore(16);
  const values = Object.fromEntries(SERIES.map((s) => [s, 0])) as Record<string, number>;
  for (let i = 0; i < 100; i++) {
    store.push({
      t: i,
      values: { ...values, rss: i === 37 ? 999 : i, heapUsed: 50 - i } as never,
      probes: {},
    });
  }
  assert.ok(
    store.length <= 16 && store.stride === 8,
    `length ${store.length} stride ${store.stride}`,
  );
  const rssMax = Array.from(store.cols.rss.max.subarray(0, store.length));
  assert.equal(Math.max(...rssMax), 999, "the spike survives thinning");
  assert.equal(store.cols.heapUsed.min[store.length - 1], 50 - 99);
  assert.equal(store.cols.rss.min[0], 0);
});

Deno.test("timeline: a maxSamples that is odd or tiny is a RangeError", () => {
  assert.throws(
    () => timeline({ maxSamples: 15 }),
    (e: Error) =>
      e instanceof RangeError &&
      e.message === "timeline: options.maxSamples must be an even integer ≥ 16, got 15",
  );
  assert.throws(
    () => timeline({ everyMs: 0 }),
    (e: Error) =>
      e instanceof RangeError &&
      e.message === "timeline: options.everyMs must be a number ≥ 1, got 0",
  );
});

Deno.test("timeline: a budget warns near the limit and throws past it, aborting the signal", () => {
  const warnings: string[] = [];
  const tl = timeline({ everyMs: 1000 });
  const rss = tl.latest.rss;
  tl.budget({ host: rss * 1.05, warnAt: 0.5, onWarn: (m) => warnings.push(m) });
  assert.equal(warnings.length, 1);
  assert.match(
    warnings[0],
    /^memkit timeline: Host memory \(process RSS\) is .* of the .* budget at/,
  );
  assert.equal(tl.signal.aborted, false);
  tl.mark("fine");
  tl.budget({ host: rss / 2, onWarn: (m) => warnings.push(m) });
  assert.equal(tl.signal.aborted, true);
  assert.ok(tl.signal.reason instanceof BudgetExceededError);
  assert.throws(
    () => tl.mark("next"),
    (e: Error) =>
      e instanceof BudgetExceededError && e instanceof RangeError && e.kind === "host" &&
      /^Host memory \(process RSS\) budget exceeded: .* is over the .* limit at .* after mark "fine"$/
        .test(e.message),
  );
  assert.equal(tl.marks.at(-1)?.label, "next", "the mark is recorded before the throw");
  assert.ok(tl.summary().includes("budget exceeded"));
  tl.stop();

  const auto = timeline({
    everyMs: 1000,
    budget: { host: "auto", onWarn: (m) => warnings.push(m) },
  });
  auto.stop();
  assert.match(
    auto.summary(),
    /budget: host \d+(\.\d+)? [GT]B \(warn at 90%, throw\): within limits/,
  );
  assert.equal(auto.signal.aborted, false);

  const lenient = timeline({
    everyMs: 1000,
    budget: { host: 1, action: "warn", onWarn: () => {} },
  });
  lenient.mark("over, but only warned");
  assert.equal(lenient.signal.aborted, false);
  lenient.stop();
  assert.throws(
    () => timeline({ budget: { host: -1 } }),
    (e: Error) =>
      e instanceof RangeError &&
      e.message === "timeline.budget: host must be a positive number of bytes, got -1",
  );
});

Deno.test("timeline: the figure stacks host memory, shares x, marks and annotates peaks", () => {
  const tl = timeline({ everyMs: 1000, maxSamples: 1 << 14 });
  const kept: tf.Tensor[] = [];
  for (let i = 0; i < 6000; i++) {
    if (i % 1000 === 0) {
      kept.push(tf.zeros([1000]));
      tl.mark(`step ${i}`);
    } else tl.sample();
  }
  tf.dispose(kept);
  tl.stop();
  const fig = tl.figure({ maxPoints: 500 });
  const names = fig.data.map((t) => t.name);
  for (
    const n of [
      "V8 heap used",
      "V8 heap free",
      "ArrayBuffers (external)",
      "unexplained",
      "RSS",
      "tfjs tensor bytes",
      "tensors",
    ]
  ) {
    assert.ok(names.includes(n), `missing trace ${n}`);
  }
  // One stacked band per part of RSS, "unexplained" its own; together they are the RSS line.
  const host = fig.data.filter((t) => t.stackgroup === "host");
  assert.deepEqual(host.map((t) => t.name), CATEGORIES.map((c) => CATEGORY_LABELS[c]));
  const rssLine = fig.data.find((t) => t.name === "RSS")!;
  for (const i of [0, Math.floor(rssLine.y!.length / 2), rssLine.y!.length - 1]) {
    // (a band drawn with two points stayed 0)
    const sum = host.reduce((a, t) => a + (t.y!.length === 2 ? 0 : t.y![i] as number), 0);
    assert.equal(sum, rssLine.y![i], `bands add up to RSS at point ${i}`);
  }
  const len = fig.data[0].x!.length;
  assert.ok(len <= 500 + 10 && len >= 400, `points per trace: ${len}`);
  for (const t of fig.data) {
    // Bands of parts that stayed 0 (no wasm, no GPU here) are drawn with two points.
    if (t.stackgroup === "host" && t.y!.every((v) => v === 0)) continue;
    assert.deepEqual(t.x, fig.data[0].x, "one x for all traces");
  }
  const rssTrace = fig.data.find((t) => t.name === "RSS")!;
  assert.equal(
    Math.max(...rssTrace.y!),
    Math.max(...tl.toJSON().series.rss!.max as number[]),
    "peak kept",
  );
  assert.ok(String(rssTrace.hovertemplate).includes("bytes"));
  const shapes = fig.layout.shapes as unknown[];
  assert.equal(shapes.length, 6);
  const texts = (fig.layout.annotations as { text: string }[]).map((a) => a.text);
  assert.ok(texts.includes("step 5000"));
  assert.ok(texts.some((t) => /^peak RSS \d/.test(t)));
  assert.ok(texts.some((t) => t === "peak tfjs 24 kB"), texts.join(" | "));
  const viaSymbol = (tl as unknown as Record<symbol, () => Record<string, unknown>>)[
    Symbol.for("Jupyter.display")
  ]();
  assert.equal(viaSymbol["text/plain"], tl.bundle()["text/plain"]);
  const bundle = tl.bundle();
  assert.deepEqual(Object.keys(bundle).sort(), [
    "application/vnd.plotly.v1+json",
    "text/html",
    "text/plain",
  ]);
  const text = String(bundle["text/plain"]);
  assert.match(text, /^memory timeline: .* samples every 1000 ms/);
  assert.match(text, /step 4000 → step 5000/);
});

Deno.test("timeline: saveJSON and loadTimeline round-trip; saveHTML is offline", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const tl = timeline({ everyMs: 2 });
    tl.mark("one");
    await tick(20);
    tl.mark("two");
    tl.stop();
    await tl.saveJSON(`${dir}/t.json`);
    const back = await loadTimeline(`${dir}/t.json`);
    assert.equal(back.running, false);
    assert.equal(back.samples, tl.samples);
    assert.deepEqual(back.marks.map((m) => m.label), ["one", "two"]);
    assert.deepEqual(back.peaks, tl.peaks);
    assert.deepEqual(back.figure().data, tl.figure().data);
    // Intervals closed by marks come back exactly (the open one's peak is not saved).
    assert.deepEqual(back.ledger().slice(0, 2), tl.ledger().slice(0, 2));
    await tl.saveHTML(`${dir}/t.html`);
    const html = await Deno.readTextFile(`${dir}/t.html`);
    assert.ok(html.includes(`class="memkit-plotly-gz"`) && html.includes("<svg"));
    assert.ok(!/<script[^>]+src=/.test(html), "no external script");
    await Deno.writeTextFile(`${dir}/bad.json`, `{"format": "csv"}`);
    await assert.rejects(
      () => loadTimeline(`${dir}/bad.json`),
      (e: Error) =>
        e instanceof TypeError &&
        e.message ===
          `Cannot load timeline "${dir}/bad.json": expected format "memkit-timeline" version 1, got "csv" version undefined`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("timeline: the sampler does not keep a script alive", async () => {
  const code =
    `import { timeline } from "memkit"; timeline({ everyMs: 10 }); console.log("started");`;
  const start = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", code],
    cwd: new URL("../../", import.meta.url).pathname,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(new TextDecoder().decode(out.stdout).trim(), "started");
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  assert.ok(performance.now() - start < 20_000);
});

Deno.test("timeline: an hour at 20 Hz stays bounded and plots ≤ ~2000 points a trace", () => {
  const tl = timeline({ everyMs: 50 });
  for (let i = 0; i < 72_000; i++) tl.sample();
  tl.stop();
  assert.equal(tl.samples, 72_002);
  const saved = tl.toJSON();
  assert.ok(
    saved.t.length <= 8192 && saved.stride === 16,
    `${saved.t.length} slots, stride ${saved.stride}`,
  );
  assert.ok(tl.bytes <= 8192 * (2 * SERIES.length + 1) * 8 + 1024, `${tl.bytes} bytes`);
  const fig = tl.figure();
  for (const t of fig.data) assert.ok(t.x!.length <= 2000, `${t.name}: ${t.x!.length} points`);
  // 11 stacked parts of RSS, the RSS line and tfjs lines, ≤ 2000 points each.
  assert.ok(JSON.stringify(fig).length < 600_000, `${JSON.stringify(fig).length} bytes`);
});

Deno.test("timeline: GPU bytes get their own stacked panel; the static SVG draws it", async () => {
  const tl = timeline({ everyMs: 1000 });
  tl.stop();
  const data = tl.toJSON();
  const n = data.t.length;
  data.series.gpuInUse = { max: Array(n).fill(3e8), min: Array(n).fill(3e8) };
  data.series.gpuPooled = { max: Array(n).fill(1e8), min: Array(n).fill(1e8) };
  data.peaks.gpuInUse = { value: 3e8, t: 0, mark: null };
  const gpu = await loadTimeline(data);
  const fig = gpu.figure();
  const panel = fig.data.filter((t) => t.yaxis === "y3");
  assert.deepEqual(panel.map((t) => t.name), ["GPU in use", "GPU pooled"]);
  assert.ok(panel.every((t) => t.stackgroup === "gpu"));
  assert.deepEqual((fig.layout.yaxis3 as { domain: number[] }).domain, [0, 0.26]);
  assert.ok(
    (fig.layout.annotations as { text: string }[]).some((a) => a.text === "peak GPU 300 MB"),
  );
  assert.match(gpu.summary(), /GPU in use 300 MB/);
  const html = String(gpu.bundle()["text/html"]);
  const svg = html.slice(html.indexOf("<svg"), html.indexOf("</svg>"));
  assert.ok(svg.includes(">GPU<"), "the GPU axis title is drawn");
});

Deno.test("timeline: on the wasm backend the wasm heap is sampled and drawn", async () => {
  await useBackend({ backend: "wasm" });
  try {
    const t = tf.ones([1000]);
    const tl = timeline({ everyMs: 1000 });
    t.dispose();
    tl.stop();
    assert.ok(tl.latest.wasmHeap > 0);
    assert.ok(tl.figure().data.some((d) => d.name === "wasm heap"));
  } finally {
    await useBackend({ backend: "cpu" });
  }
});
