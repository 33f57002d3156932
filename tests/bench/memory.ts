/**
 * `deno task bench memory [--smoke] [--no-notebooks | --only-notebooks]`: issue 14's goals, each
 * against a `--naive` run of the same demo in the same benchmark run.
 *
 * 1. The demo (flights-3m, 3M rows, 1 epoch): peak RSS (goal ≤ 200 MB), RSS at
 *    the end ÷ RSS at 10% of the run (goal ≤ 1.10), the unexplained share of
 *    RSS at the peak (goal ≤ 10%).
 * 2. 3 epochs on 1M rows: RSS end ÷ 10% (≤ 1.10) and the last epoch's end ÷
 *    the first's (goal ≤ 1.02: no growth from epoch to epoch).
 * 3. The sampler's cost at 20 Hz (goal ≤ 1% of one core): one timeline sample,
 *    breakdown included, timed directly.
 * 4. Each tutorial notebook's final state in the memkit kernel: the
 *    unexplained share of the engine's RSS after its last cell (goal ≤ 10%),
 *    from the breakdown the kernel stores in each cell's metadata. The executed
 *    notebooks go to a temp dir (never committed). `--smoke`: CI sizes, and no
 *    notebooks (they have their own tests).
 *
 * Each demo runs in its own process; `--naive` is the demo without its memory
 * fixes (WebGPU adapter probed in process, no `reclaim()` between row groups).
 * @module
 */
import { timeline } from "../../mod.ts";
import type { TimelineData } from "../../mod.ts";
import { bench } from "./_util.ts";

const smoke = Deno.args.includes("--smoke");
const notebooks = !smoke && !Deno.args.includes("--no-notebooks");
const demos = !Deno.args.includes("--only-notebooks");
const demo = new URL("../../scripts/demo.ts", import.meta.url).pathname;
const tmp = await Deno.makeTempDir({ prefix: "memkit-bench-memory-" });

interface Measures {
  peak: number;
  flat: number;
  unexplainedAtPeak: number;
  epochGrowth: number | null;
  seconds: number;
}

/** Runs the demo in its own process and reads its timeline.json. */
async function runDemo(rows: number, epochs: number, naive: boolean): Promise<Measures> {
  const out = `${tmp}/${rows}-${epochs}-${naive ? "naive" : "ours"}`;
  const args = [
    "run",
    "-A",
    "--quiet",
    // What `deno task demo` passes (see deno.json); --naive runs with V8's defaults.
    naive ? "--v8-flags=--expose-gc" : "--v8-flags=--expose-gc,--max-semi-space-size=4",
    demo,
    `--rows=${rows}`,
    `--epochs=${epochs}`,
    `--out=${out}`,
    ...(naive ? ["--naive"] : []),
  ];
  const t0 = performance.now();
  const r = await new Deno.Command(Deno.execPath(), { args, stdout: "piped", stderr: "piped" })
    .output();
  if (!r.success) {
    throw new Error(
      `demo ${args.slice(4).join(" ")} failed:\n` +
        new TextDecoder().decode(r.stderr).slice(-2000),
    );
  }
  const seconds = (performance.now() - t0) / 1000;
  const data = JSON.parse(await Deno.readTextFile(`${out}/timeline.json`)) as TimelineData;
  const t = data.t;
  const rss = data.series.rss!.max as number[];
  let k = 0;
  for (let i = 1; i < rss.length; i++) if (rss[i] > rss[k]) k = i;
  const at10 = rss[t.findIndex((x) => x >= t[t.length - 1] * 0.1)];
  const unexplained = data.series["rss.unexplained"]!.max[k] as number;
  // fit() marks "epoch N" at each epoch's start; the demo marks "trained" at the end.
  const ends = data.marks.filter((m) => /^epoch [2-9]|^trained$/.test(m.label));
  const epochGrowth = epochs > 1 && ends.length >= 2
    ? ends[ends.length - 1].values.rss / ends[0].values.rss
    : null;
  return {
    peak: rss[k],
    flat: rss[rss.length - 1] / at10,
    unexplainedAtPeak: unexplained / rss[k],
    epochGrowth,
    seconds,
  };
}

const MB = 1e6;
const oneRows = smoke ? 100_000 : 3_000_000;
const threeRows = smoke ? 50_000 : 1_000_000;
let allMet = true;
const report = (...a: Parameters<typeof bench>) => {
  allMet = bench(...a) && allMet;
};

// ── 1. the demo, one epoch ─────────────────────────────────────────────
if (demos) {
  const ours = await runDemo(oneRows, 1, false);
  const naive = await runDemo(oneRows, 1, true);
  const size = `${oneRows / 1e6}M rows × 1 epoch`;
  report("memory", `peak RSS MB, demo ${size}`, ours.peak / MB, naive.peak / MB, 200, "max");
  report("memory", `RSS end ÷ RSS at 10%, demo ${size}`, ours.flat, naive.flat, 1.1, "max");
  report(
    "memory",
    `unexplained share of RSS at the peak, demo ${size}`,
    ours.unexplainedAtPeak,
    naive.unexplainedAtPeak,
    0.1,
    "max",
  );
  console.error(`demo ${size}: ${ours.seconds.toFixed(1)} s, naive ${naive.seconds.toFixed(1)} s`);
}

// ── 2. three epochs ────────────────────────────────────────────────────
if (demos) {
  const ours = await runDemo(threeRows, 3, false);
  const naive = await runDemo(threeRows, 3, true);
  const size = `${threeRows / 1e6}M rows × 3 epochs`;
  report("memory", `RSS end ÷ RSS at 10%, demo ${size}`, ours.flat, naive.flat, 1.1, "max");
  report(
    "memory",
    `RSS at the last epoch's end ÷ at the first's, demo ${size}`,
    ours.epochGrowth ?? NaN,
    naive.epochGrowth,
    1.02,
    "max",
  );
  report("memory", `peak RSS MB, demo ${size}`, ours.peak / MB, naive.peak / MB, 200, "max");
}

// ── 3. the sampler's cost at 20 Hz ─────────────────────────────────────
{
  const tl = timeline({ everyMs: 1_000_000 });
  const n = smoke ? 500 : 5000;
  for (let i = 0; i < 50; i++) tl.sample();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) tl.sample();
  const perSampleMs = (performance.now() - t0) / n;
  tl.stop();
  // A share of one core: 20 samples a second, each perSampleMs long.
  report(
    "memory",
    "sampler cost at 20 Hz, share of one core",
    (perSampleMs * 20) / 1000,
    null,
    0.01,
    "max",
  );
}

// ── 4. every tutorial notebook's final state in the memkit kernel ──────
if (notebooks) {
  const { executeNotebook, listNotebooks } = await import("../../scripts/_notebooks.ts");
  const { ensureKernels } = await import("../../scripts/_setup.ts");
  // This checkout's memkit kernelspec (set JUPYTER_DATA_DIR to keep it apart from others').
  await ensureKernels();
  for (const name of await listNotebooks()) {
    const out = `${tmp}/${name}`;
    const result = await executeNotebook(name, "memkit", out, "full");
    if (!result.ok) {
      console.error(`notebook ${name} failed: ${result.error}`);
      allMet = false;
      continue;
    }
    const nb = JSON.parse(await Deno.readTextFile(out));
    let last: { rss: number; bytes: Record<string, number> } | null = null;
    for (const cell of nb.cells) {
      for (const o of cell.outputs ?? []) {
        const b = o.metadata?.memkit?.breakdown;
        if (b) last = b;
      }
    }
    if (!last) {
      console.error(`notebook ${name}: no cell report carried a breakdown`);
      allMet = false;
      continue;
    }
    report(
      "memory",
      `unexplained share of engine RSS, notebook ${name} final state (${
        Math.round(last.rss / MB)
      } MB; Deno kernel runtime named at engine start: ${
        Math.round((last.bytes.kernelRuntime ?? 0) / MB)
      } MB)`,
      last.bytes.unexplained / last.rss,
      null,
      0.1,
      "max",
    );
  }
} else console.error("notebooks skipped (--smoke or --no-notebooks)");

await Deno.remove(tmp, { recursive: true });
if (!allMet) console.error("bench memory: some goals not met (see the BENCH lines)");
