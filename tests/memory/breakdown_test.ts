import assert from "node:assert/strict";
import { memoryBreakdown, reclaim, timeline, trimMalloc } from "../../mod.ts";
import { CATEGORIES, CATEGORY_LABELS } from "../../lib/memory/_categories.ts";
import { largestMover, SessionTimeline } from "../../lib/memory/_kernel_protocol.ts";
import { dataInput, timelineFigure } from "../../lib/memory/_figure.ts";

const sum = (b: Record<string, number>) => Object.values(b).reduce((a, v) => a + v, 0);

Deno.test("memoryBreakdown: the parts add up to RSS, none negative, buffers named", () => {
  const held = new Uint8Array(64e6).fill(7);
  const m = memoryBreakdown();
  assert.deepEqual(Object.keys(m.bytes).sort(), [...CATEGORIES].sort());
  assert.equal(sum(m.bytes), m.rss);
  for (const c of CATEGORIES) assert.ok(m.bytes[c] >= 0, `${c} ${m.bytes[c]}`);
  assert.ok(m.bytes.arrayBuffers >= 64e6, `ArrayBuffers ${m.bytes.arrayBuffers}`);
  assert.ok(m.bytes.fileBacked > 10e6, "deno's code pages are file-backed");
  assert.ok(m.malloc.available, "glibc malloc read through FFI with -A");
  assert.ok(m.bytes.threadStacks > 0, "thread stacks found from the stack pointers");
  assert.ok(Math.abs(sum(m.shares) - 1) < 1e-9);
  assert.match(m.table(), /ArrayBuffers \(external\)\s+\d+(\.\d+)? MB/);
  assert.equal(held[0], 7);
});

Deno.test("memoryBreakdown: without FFI permission malloc is 'unavailable' with the reason", async () => {
  const code = `import { memoryBreakdown } from "memkit";
const m = memoryBreakdown();
const sum = Object.values(m.bytes).reduce((a, v) => a + v, 0);
console.log(JSON.stringify({ malloc: m.malloc, ok: sum === m.rss, neg: Object.values(m.bytes).some((v) => v < 0), table: m.table() }));`;
  const dir = await Deno.makeTempDir();
  const file = `${dir}/no_ffi.ts`;
  await Deno.writeTextFile(file, code);
  const config = new URL("../../deno.json", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    // Everything a script usually gets, but no FFI (and hence no /proc/self either).
    args: [
      "run",
      "--quiet",
      "--config",
      config,
      "--allow-read",
      "--allow-env",
      "--allow-sys",
      file,
    ],
    env: { DENO_NO_PROMPT: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  await Deno.remove(dir, { recursive: true });
  const text = new TextDecoder().decode(out.stdout);
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  const r = JSON.parse(text);
  assert.equal(r.malloc.available, false);
  assert.match(r.malloc.reason, /FFI permission/);
  assert.ok(r.ok, "parts still add up to RSS");
  assert.equal(r.neg, false);
  assert.match(r.table, /malloc unavailable: needs FFI permission/);
});

Deno.test("trimMalloc and reclaim give freed native memory back", () => {
  let blocks: Uint8Array[] | null = Array.from({ length: 400 }, () => new Uint8Array(60e3).fill(1));
  assert.equal(blocks.length, 400);
  blocks = null;
  const r = reclaim();
  assert.equal(r.trimmed, true);
  const t = trimMalloc();
  assert.ok(t.available);
  assert.ok(t.freeAfter <= t.freeBefore, `${t.freeAfter} > ${t.freeBefore}`);
});

Deno.test("timeline figure: one stacked band per category, summing to RSS; json keeps each series", () => {
  const tl = timeline({ everyMs: 1000 });
  const a = new Uint8Array(32e6).fill(1);
  tl.mark("allocated");
  tl.stop();
  const fig = tl.figure();
  const bands = fig.data.filter((t) => t.stackgroup === "host");
  assert.deepEqual(bands.map((b) => b.name), CATEGORIES.map((c) => CATEGORY_LABELS[c]));
  const data = tl.toJSON();
  for (const c of CATEGORIES) assert.ok(data.series[`rss.${c}`], `timeline.json has rss.${c}`);
  const n = data.t.length;
  for (let i = 0; i < n; i++) {
    const parts = CATEGORIES.reduce((s, c) => s + (data.series[`rss.${c}`]!.max[i] as number), 0);
    assert.equal(parts, data.series.rss!.max[i], `slot ${i}`);
  }
  assert.match(tl.ledger()[0].grew.join(" "), /ArrayBuffers \(external\) \+3\d/);
  assert.equal(a[0], 1);
});

Deno.test("kernel protocol: session data draws with the same figure; largest mover named", () => {
  const s = new SessionTimeline(100);
  for (let i = 0; i < 20; i++) s.sample(i * 100, 100e6 + i * 1e6);
  const bytes = Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<string, number>;
  bytes.fileBacked = 50e6;
  bytes.unexplained = 60e6;
  const before = { rss: 110e6, bytes: { ...bytes } } as Parameters<typeof largestMover>[0];
  bytes.arrayBuffers = 40e6;
  const after = { rss: 150e6, bytes } as Parameters<typeof largestMover>[0];
  s.cell({ label: "[1]", start: 500, end: 2100, rss: 150e6, peak: 160e6, breakdown: after });
  s.event(2200, "engine restarted");
  assert.equal(largestMover(before, after), "largest mover ArrayBuffers +40 MB");
  assert.equal(largestMover(before, before), null);
  const data = JSON.parse(JSON.stringify(s.toJSON()));
  const fig = timelineFigure(
    dataInput(data, { rssName: "engine RSS", intervalName: "cell" }),
    2000,
  );
  const bands = fig.data.filter((t) => t.stackgroup === "host");
  assert.equal(bands.length, CATEGORIES.length);
  // The parts are read at cell ends only: the bands have that one point; RSS every sample.
  assert.equal(bands.find((b) => b.name === "unexplained")!.x!.length, 1);
  assert.equal(fig.data.find((t) => t.name === "engine RSS")!.x!.length, 21);
  assert.ok(fig.data.some((t) => t.name === "peak RSS in cell"));
  const shapes = fig.layout.shapes as { type: string }[];
  assert.deepEqual(shapes.map((x) => x.type), ["rect", "line"]);
});
