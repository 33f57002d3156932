/**
 * The memkit kernel driven by a real Jupyter client (Debian's jupyter_client
 * in /usr/bin/python3, tests/kernel/driver.py), installed through
 * kernel/install.ts into a temporary Jupyter data folder.
 */
import assert from "node:assert/strict";
import { CATEGORIES, CATEGORY_LABELS } from "../../lib/memory/_categories.ts";

const root = new URL("../../", import.meta.url).pathname;
const python = "/usr/bin/python3";

interface Msg {
  type: string;
  content: Record<string, unknown> & { data?: Record<string, unknown> };
  metadata: Record<string, unknown>;
  late?: boolean;
}
interface Run {
  iopub: Msg[];
  reply: Record<string, unknown>;
  prompt: string | null;
}
interface Report {
  cell: number | null;
  wallMs: number;
  rssStart: number;
  rssEnd: number;
  rssPeak: number;
  peakIsPerCell: boolean;
  heap: number | null;
  tensors: number | null;
  tensorsDelta: number | null;
  tensorBytesDelta: number | null;
  survivors: number;
  survivorBytes: number;
  sites: { site: string; count: number; bytes: number; shape?: number[]; dtype?: string }[];
}
type Out = Record<string, unknown> & { log: string; exception?: string };

const MiB = 1024 * 1024;
let dataDir = "";

async function setup(): Promise<void> {
  if (dataDir) return;
  dataDir = await Deno.makeTempDir({ prefix: "memkit-jupyter-" });
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", `${root}kernel/install.ts`],
    env: { JUPYTER_DATA_DIR: dataDir },
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
}

async function drive(scenario: string): Promise<Out> {
  await setup();
  const work = await Deno.makeTempDir({ prefix: `memkit-kernel-${scenario}-` });
  const out = await new Deno.Command(python, {
    args: [`${root}tests/kernel/driver.py`, scenario, work],
    cwd: root,
    env: { JUPYTER_DATA_DIR: dataDir, MEMKIT_REPORT: "on" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert.equal(out.code, 0, `driver failed: ${new TextDecoder().decode(out.stderr)}`);
  const result = JSON.parse(text) as Out;
  assert.equal(result.exception, undefined, `${result.exception}\nkernel log:\n${result.log}`);
  await Deno.remove(work, { recursive: true });
  return result;
}

function of(run: unknown, type: string): Msg[] {
  return (run as Run).iopub.filter((m) => m.type === type);
}
// deno colours values with ANSI codes; compare the text.
const ANSI = new RegExp(String.fromCharCode(27) + "\\[[0-9;]*m", "g");
function plain(m: Msg | undefined): string {
  return String(m?.content.data?.["text/plain"] ?? "").replace(ANSI, "");
}
function report(run: unknown): Report | undefined {
  const m = of(run, "display_data").find((d) => d.metadata.memkit);
  return m?.metadata.memkit as Report | undefined;
}
interface Figure {
  data: { name: string; x: number[]; y: number[] }[];
  layout: { shapes: { type: string }[]; annotations: { text: unknown }[] };
}
/** A timeline output from lib/plot: plotly JSON, a static SVG, the loader, and plotly.js at most once. */
function assertTimeline(m: Msg | undefined, carrier: boolean): void {
  const data = m?.content.data ?? {};
  const fig = data["application/vnd.plotly.v1+json"] as Figure | undefined;
  assert.ok(fig && fig.data.length > 0 && fig.data[0].x.length > 0, "a plotly figure with RSS");
  const html = String(data["text/html"]);
  assert.ok(html.includes("<svg"), "a static SVG for when plotly.js cannot load");
  assert.ok(html.includes("__memkitPlotly"), "the loader");
  assert.equal(
    html.includes('class="memkit-plotly-gz"'),
    carrier,
    "plotly.js carried once per engine",
  );
}
function assertOrder(run: unknown): void {
  // The report comes before the cell goes idle, and idle is the last message before stragglers.
  const msgs = (run as Run).iopub.filter((m) => !m.late);
  assert.equal(msgs.at(-1)?.type, "status");
  assert.equal(msgs.at(-1)?.content.execution_state, "idle");
}

Deno.test("kernel: spec installs with absolute paths and message interrupts", async () => {
  await setup();
  const spec = JSON.parse(await Deno.readTextFile(`${dataDir}/kernels/memkit/kernel.json`));
  assert.equal(spec.display_name, "Deno (memkit)");
  assert.equal(spec.interrupt_mode, "message");
  assert.equal(spec.argv[0], Deno.execPath());
  assert.ok(spec.argv.includes(`${root}kernel/main.ts`));
  assert.equal(spec.argv.at(-1), "{connection_file}");
});

Deno.test("kernel: wire protocol through a real Jupyter client", async () => {
  const r = await drive("protocol");
  const info = r.kernel_info as Record<string, Record<string, unknown>>;
  assert.equal(info.status, "ok");
  assert.equal(info.implementation, "Deno kernel");
  assert.equal(info.language_info.name, "typescript");
  // execute: result, stream, error, display data
  assert.equal(plain([...of(r.result, "execute_result")][0]), "42");
  assertOrder(r.result);
  const streams = of(r.stream, "stream").map((m) => [m.content.name, m.content.text]);
  assert.deepEqual(streams, [["stdout", "to stdout\n"], ["stderr", "to stderr\n"]]);
  const err = of(r.error, "error")[0];
  assert.equal(err.content.ename, "RangeError");
  assert.equal(err.content.evalue, "boom");
  assert.equal((r.error as Run).reply.status, "error");
  const shown = of(r.display, "display_data").find((m) => !m.metadata.memkit);
  assert.equal(shown?.content.data?.["text/html"], "<b>hi</b>");
  assert.equal(of(r.display, "execute_result")[0]?.content.data?.["text/html"], "<i>x</i>");
  // execute_result always comes before idle, even with a timer running in the engine
  for (const run of r.ordering as Run[]) {
    const result = run.iopub.find((m) => m.type === "execute_result");
    assert.ok(result, "each cell has its result");
    assert.notEqual(result.late, true, "the result came after idle");
  }
  // input() over stdin
  assert.equal((r.input as Run).prompt, "name?");
  assert.equal(plain(of(r.input, "execute_result")[0]), '"memkit!"');
  // completion, inspection, is_complete
  assert.ok((r.complete as { matches: string[] }).matches.includes("memoryUsage"));
  assert.equal(r.inspect_status, "ok");
  const ic = r.is_complete as { parent_ok: boolean; content: { status: string } };
  assert.ok(ic.parent_ok);
  assert.equal(ic.content.status, "incomplete");
  // interrupt: the endless cell errors quickly, and the state survives
  const intr = r.interrupt as { status: string; seconds: number };
  assert.equal(intr.status, "error");
  assert.ok(intr.seconds < 5, `interrupt took ${intr.seconds} s`);
  assert.equal(plain(of(r.after_interrupt, "execute_result")[0]), "42");
  const sigint = r.sigint as { status: string; after: Run };
  assert.equal(sigint.status, "error");
  assert.equal(plain(of(sigint.after, "execute_result")[0]), "8");
  // history and comm_info are forwarded and answered by Deno's kernel
  for (const [key, type] of [["history", "history_reply"], ["comm_info", "comm_info_reply"]]) {
    const h = r[key] as { parent_ok: boolean; type: string };
    assert.ok(h.parent_ok, key);
    assert.equal(h.type, type);
  }
  // bad signature: no answer, not executed, logged
  const bad = r.bad_signature as { answered: boolean; pwned: Run };
  assert.equal(bad.answered, false);
  assert.equal(plain(of(bad.pwned, "execute_result")[0]), '"no"');
  assert.match(r.log, /rejected a message with a bad signature on shell: execute_request/);
});

Deno.test("kernel: per-cell memory report, switch and timeline", async () => {
  const r = await drive("report");
  const trivial = report(r.trivial)!;
  assert.ok(trivial, "a trivial cell has a report");
  assert.ok(trivial.wallMs > 0 && trivial.wallMs < 1000, `wall ${trivial.wallMs} ms`);
  assert.ok(trivial.rssEnd > 50 * MiB, `RSS ${trivial.rssEnd}`);
  assert.equal(trivial.tensors, null, "no tfjs loaded yet");
  assertOrder(r.trivial);
  // A cell that allocates 200 MB shows it.
  const alloc = report(r.alloc)!;
  const grew = (alloc.rssEnd - alloc.rssStart) / MiB;
  assert.ok(grew > 190 && grew < 260, `RSS grew ${grew} MiB`);
  assert.ok(alloc.rssPeak >= alloc.rssEnd);
  assert.ok(alloc.peakIsPerCell);
  // The breakdown names where the 200 MiB went: V8's external memory (an ArrayBuffer).
  assert.match(
    String((alloc as { mover?: string }).mover),
    /^largest mover ArrayBuffers \+2\d\d\.\d MB$/,
  );
  // The peak is per cell: a later small cell's peak is below the big cells' peak.
  const peak = report(r.peak)!;
  assert.ok(peak.rssPeak - peak.rssStart > 280 * MiB, `peak ${peak.rssPeak - peak.rssStart}`);
  const clean = report(r.tf_clean)!;
  // Only once V8 has collected the 300 MB can a later peak be seen below it; when its GC
  // has not run yet (its timing varies), the later cell starts above that peak anyway.
  if (clean.rssStart < peak.rssPeak - 32 * MiB) {
    assert.ok(clean.rssPeak < peak.rssPeak, `peak ${clean.rssPeak} after ${peak.rssPeak}`);
  } else assert.ok(clean.rssPeak - clean.rssStart < 32 * MiB, `peak ${clean.rssPeak}`);
  // tfjs: counts from the first tensor on, and a leak warning for survivors.
  const leak = report(r.tf_leak)!;
  assert.equal(leak.tensorsDelta, 2);
  assert.equal(leak.tensorBytesDelta, 8_000_000);
  assert.equal(leak.survivors, 2);
  assert.match(plain(of(r.tf_leak, "display_data").find((m) => m.metadata.memkit)), /⚠ 2 tensors/);
  assert.equal(clean.tensorsDelta, 0);
  assert.equal(clean.survivors, 0);
  const disposed = report(r.tf_dispose)!;
  assert.equal(disposed.tensorsDelta, -2);
  assert.equal(disposed.tensorBytesDelta, -8_000_000);
  const sites = report(r.tf_sites)!;
  assert.equal(sites.survivors, 1);
  assert.match(sites.sites[0].site, /^cell \[\d+\]:1:\d+$/);
  // The switch: off shows nothing, quiet only notable cells, bad modes throw.
  assert.equal(report(r.while_off), undefined);
  // A tensor made while the report was off is not blamed on the cell that turns it back on.
  assert.equal(report(r.quiet), undefined);
  assert.equal(report(r.quiet_trivial), undefined);
  assert.ok(report(r.quiet_big), "quiet mode reports a 100 MB cell");
  const bad = of(r.bad_mode, "error")[0];
  assert.equal(bad.content.ename, "TypeError");
  assert.match(String(bad.content.evalue), /mode must be "on", "off" or "quiet", got "loud"/);
  assert.ok(report(r.on), "report back on");
  // The timeline: a plotly figure through lib/plot, one band per cell.
  const tl = of(r.timeline, "execute_result")[0];
  assert.match(String(tl.content.data?.["text/plain"]), /memkit session timeline: \d+ cells/);
  assertTimeline(tl, true);
  // Only the engine's first plot carries plotly.js; later timelines are small.
  const again = of(r.timeline_again, "execute_result")[0];
  const size = JSON.stringify(again.content.data).length;
  assert.ok(size < 300_000, `the second timeline output is ${size} bytes`);
  assertTimeline(again, false);
  const fig = again.content.data?.["application/vnd.plotly.v1+json"] as Figure;
  const names = fig.data.map((t) => t.name);
  // lib/memory's one timeline figure: the parts of RSS stacked (read by the agent at each
  // cell's end), the engine's RSS line (sampled every 100 ms), per-cell peaks, tfjs.
  assert.deepEqual(names, [
    ...CATEGORIES.map((c) => CATEGORY_LABELS[c]),
    "engine RSS",
    "peak RSS in cell",
    "tfjs tensor bytes",
    "tensors",
  ]);
  const rss = fig.data.find((t) => t.name === "engine RSS")!.y;
  assert.ok(Math.max(...rss) > 300 * MiB, "the 300 MB cell's peak is on the RSS line");
  const bands = fig.layout.shapes.filter((s) => s.type === "rect");
  assert.ok(bands.length >= 17, `${bands.length} cell bands`);
  assert.ok(fig.layout.annotations.some((a) => /^\[\d+\]$/.test(String(a.text))));
  assert.ok(fig.layout.annotations.some((a) => /^peak RSS \d/.test(String(a.text))));
  const [marks, samples] = JSON.parse(plain(of(r.timeline_data, "execute_result")[0]));
  assert.ok(marks >= 17, `marks ${marks}`);
  assert.ok(samples >= 5, `samples ${samples}`);
});

Deno.test("kernel: leak warnings use trackLeaks() when the notebook runs it", async () => {
  const r = await drive("leaks");
  assert.match(plain(of(r.load, "execute_result")[0]), /cpu/);
  const untracked = report(r.untracked)!;
  assert.equal(untracked.survivors, 1);
  assert.deepEqual(untracked.sites, [], "no tracker yet and sites off: no site");
  // Two tensors survive the cell; tidy's temporaries do not. Sites, shapes and bytes come
  // from the tracker, and a top-level cell frame says which cell it was.
  const leak = report(r.leak)!;
  assert.equal(leak.survivors, 2);
  assert.equal(leak.survivorBytes, 64 * 64 * 4 + 40);
  assert.equal(leak.sites.length, 2);
  const [ones, zeros] = leak.sites;
  assert.deepEqual([ones.count, ones.bytes, ones.shape, ones.dtype], [
    1,
    16384,
    [64, 64],
    "float32",
  ]);
  assert.deepEqual([zeros.count, zeros.bytes, zeros.shape, zeros.dtype], [1, 40, [10], "int32"]);
  // Lines are those of the cell as Deno's kernel transpiles it, not always the typed ones.
  assert.match(ones.site, new RegExp(`^cell \\[${leak.cell}\\]:\\d+:\\d+$`));
  assert.match(zeros.site, new RegExp(`^cell \\[${leak.cell}\\]:\\d+:\\d+$`));
  const text = plain(of(r.leak, "display_data").find((m) => m.metadata.memkit));
  assert.match(text, /⚠ 2 tensors \(16\.42 kB\) created in this cell still alive: /);
  assert.match(text, /1× float32\[64,64\] 16\.38 kB at cell \[\d+\]:1:\d+; 1× int32\[10\] 40 B at/);
  // Tensors made in a function from an earlier cell: grouped under that function's frame.
  const fn = report(r.leak_fn)!;
  assert.equal(fn.survivors, 2);
  assert.equal(fn.sites.length, 1);
  assert.deepEqual([fn.sites[0].count, fn.sites[0].bytes, fn.sites[0].shape], [2, 40, [5]]);
  assert.match(fn.sites[0].site, /^makeOnes \(cell:2:\d+\)$/);
  assert.equal(report(r.clean)!.survivors, 0);
  assert.equal(plain(of(r.report, "execute_result")[0]), "4", "the tracker's own report agrees");
  // Stopped: the hook is gone, and the warning falls back to the agent (no sites).
  assert.equal(plain(of(r.stop, "execute_result")[0]), "true");
  const after = report(r.after_stop)!;
  assert.equal(after.survivors, 1);
  assert.deepEqual(after.sites, []);
  assert.match(
    plain(of(r.after_stop, "display_data").find((m) => m.metadata.memkit)),
    /trackLeaks\(\) or memkit\.sites\(true\) records where/,
  );
});

Deno.test("kernel: restart, engine death and shutdown", async () => {
  const r = await drive("lifecycle");
  const after = [...of(r.after_restart, "execute_result")][0];
  assert.equal(plain(after), '"undefined"', "restart starts a fresh engine");
  const died = of(r.died, "error")[0];
  assert.equal(died?.content.ename, "EngineDied");
  assert.match(String(died?.content.evalue), /exited with code 3/);
  assert.equal((r.died as Run).reply.status, "error");
  assert.equal((r.after_death as Run).reply.status, "ok");
  assert.ok(report(r.after_death), "the restarted engine has its agent again");
  assert.equal(r.engine_gone, true, "shutdown ends the engine");
  assert.equal(r.kernel_alive, false);
});

Deno.test("kernel: a notebook executed by nbclient carries the reports", async () => {
  const r = await drive("notebook");
  const [first, second] = r.cells as {
    output_type: string;
    data: Record<string, string>;
    metadata: { memkit?: Report };
  }[][];
  const rep = first.find((o) => o.metadata.memkit)?.metadata.memkit;
  assert.ok(rep, "the first cell has a report");
  const grew = (rep.rssEnd - rep.rssStart) / MiB;
  assert.ok(grew > 60 && grew < 120, `RSS grew ${grew} MiB`);
  const tl = second.find((o) => o.output_type === "execute_result");
  assert.ok(tl, "the timeline cell has its result");
  assertTimeline({ type: "execute_result", content: { data: tl.data }, metadata: {} }, true);
});
