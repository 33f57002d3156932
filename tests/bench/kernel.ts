/**
 * `deno task bench kernel [--smoke]`: the latency a trivial cell (`1 + 1`)
 * takes through the memkit kernel, with the report off and on, against
 * Deno's kernel alone, all three running at once and measured in alternation
 * (one cell each per round) by Debian's jupyter_client
 * (tests/kernel/bench_driver.py). The goal: median +3 ms at most with the
 * report off, +10 ms with it on.
 * @module
 */
import { kernelSpec } from "../../kernel/_spec.ts";

const smoke = Deno.args.includes("--smoke");
const rounds = smoke ? 30 : 200;
const argv = kernelSpec().argv as string[];
const kernels = {
  deno: { argv: [Deno.execPath(), "jupyter", "--kernel", "--conn", "{connection_file}"] },
  memkit_off: { argv, env: { MEMKIT_REPORT: "off" } },
  memkit_on: { argv, env: { MEMKIT_REPORT: "on" } },
};
const root = new URL("../../", import.meta.url).pathname;
const out = await new Deno.Command("/usr/bin/python3", {
  args: [`${root}tests/kernel/bench_driver.py`, String(rounds), JSON.stringify(kernels)],
  cwd: root,
  stdout: "piped",
  stderr: "inherit",
}).output();
if (!out.success) {
  console.error("The kernel benchmark driver failed");
  Deno.exit(1);
}
const times = JSON.parse(new TextDecoder().decode(out.stdout)) as Record<string, number[]>;

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}
const r3 = (x: number) => Math.round(x * 1000) / 1000;
const rival = quantile(times.deno, 0.5);
for (const [mode, goal] of [["off", 3], ["on", 10]] as const) {
  const xs = times[`memkit_${mode}`];
  const ours = quantile(xs, 0.5);
  const line = {
    metric: `trivial cell median latency (ms), memkit kernel report ${mode} vs Deno's kernel`,
    ours: r3(ours),
    rival: r3(rival),
    ratio: r3(ours / rival),
    overhead_ms: r3(ours - rival),
    goal: `overhead <= ${goal} ms`,
    met: ours - rival <= goal,
    repeats: xs.length,
    spread: {
      ours_p25_p75: [r3(quantile(xs, 0.25)), r3(quantile(xs, 0.75))],
      rival_p25_p75: [r3(quantile(times.deno, 0.25)), r3(quantile(times.deno, 0.75))],
    },
  };
  console.log(`BENCH kernel ${JSON.stringify(line)}`);
}
