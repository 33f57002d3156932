/**
 * `deno task bench fuzz [--count=N] [--seed=S] [--formats=csv,arrow] [--big] [--smoke]
 * [--show=lenient,stricter] [--repro=FORMAT:INDEX --out=PATH]`:
 * the full fuzz run. Seeded variants of real files per format, each read by
 * memkit and by the reference (DuckDB; apache-arrow for Arrow) in a worker
 * process with a timeout, a heap cap and an RSS watchdog. Prints the count
 * per outcome class and format, every failure with its seed and variant, and
 * one BENCH line per format: ours = failures of memkit, rival = variants the
 * reference itself hung, crashed or blew up on (goal: ours 0).
 * @module
 */
import { CLASSES, FAILURES, fuzz, type Result, tally } from "../fuzz/_run.ts";
import type { Format } from "../fuzz/_mutate.ts";

const arg = (name: string) =>
  Deno.args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const smoke = Deno.args.includes("--smoke");
const count = Number(arg("count") ?? (smoke ? 20 : 500));
const seed = Number(arg("seed") ?? 1);
const formats = (arg("formats")?.split(",") ?? ["csv", "jsonl", "arrow", "parquet"]) as Format[];
const big = Deno.args.includes("--big");
// --show=lenient,stricter also prints those (non-failure) classes one per line.
const show = new Set(arg("show")?.split(",") ?? []);

const repro = arg("repro");
if (repro) {
  // --repro=arrow:129 --out=path: writes that variant of this seed and count.
  const [format, index] = repro.split(":");
  const { variantAt } = await import("../fuzz/_run.ts");
  const v = await variantAt(format as Format, seed, Number(index), count, big);
  const out = arg("out") ?? `fuzz-${format}-${seed}-${index}`;
  await Deno.writeFile(out, v.bytes);
  console.log(`${out}: ${v.seed}: ${v.label} (${v.bytes.length} bytes)`);
  Deno.exit(0);
}
const t0 = performance.now();
const seen: Result[] = [];
const results: Result[] = await fuzz({
  formats,
  count,
  seed,
  big,
  onResult(r) {
    seen.push(r);
    if ((r.index + 1) % 50 === 0) {
      const c = tally(seen)[r.format];
      const classes = Object.entries(c).filter(([, n]) => n).map(([k, n]) => `${k} ${n}`);
      const s = ((performance.now() - t0) / 1000).toFixed(0);
      console.error(`fuzz: ${r.format} ${r.index + 1}/${count} (${s} s): ${classes.join(", ")}`);
    }
    if (show.has(r.outcome)) {
      console.log(
        `${r.outcome.toUpperCase()} ${r.format} seed=${seed} #${r.index} (${r.seed}): ${r.label} → ${r.detail}`,
      );
    }
    if ((FAILURES as readonly string[]).includes(r.outcome)) {
      console.log(
        `FAIL ${r.format} seed=${seed} #${r.index} (${r.seed}) ${r.outcome}: ${r.label} → ${r.detail}`,
      );
    }
  },
});
const counts = tally(results);
console.log(
  `fuzz: seed ${seed}, ${count} variants per format, ${
    ((performance.now() - t0) / 1000).toFixed(0)
  } s`,
);
console.log(["format", ...CLASSES].map((c) => c.padStart(10)).join(""));
for (const f of formats) {
  console.log(
    [f, ...CLASSES.map((c) => String(counts[f]?.[c] ?? 0))].map((c) => c.padStart(10)).join(""),
  );
}
for (const f of formats) {
  const ours = FAILURES.reduce((n, c) => n + (counts[f]?.[c] ?? 0), 0);
  const rival = counts[f]?.["ref-failed"] ?? 0;
  console.log(
    `BENCH fuzz ${
      JSON.stringify({
        metric:
          `${f} variants failed (hang, crash, memory, unnamed error, different values) of ${count}`,
        ours,
        rival,
        ratio: rival ? ours / rival : null,
        goal: 0,
        met: ours === 0,
      })
    }`,
  );
}
