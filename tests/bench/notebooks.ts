/**
 * `deno task bench notebooks [--smoke] [--only=00,02]`: how long each tutorial
 * notebook takes to execute at CI size (MEMKIT_SIZE=ci) through nbclient, in
 * the memkit kernel, against the same notebook in Deno's own kernel in the
 * same run (the rival: what the memkit kernel's reports cost on top). The
 * goal is the limit the notebook test used to assert: ≤ 60 s each. Tests
 * assert no wall-clock time; this benchmark does. `--smoke` runs the
 * quickstart only. Needs Debian's Jupyter (the test task installs it as root).
 * @module
 */
import { ensureKernels, SYSTEM_PYTHON } from "../../scripts/_setup.ts";
import { executeNotebook, listNotebooks, notebookKernel } from "../../scripts/_notebooks.ts";

const GOAL_S = 60;
const smoke = Deno.args.includes("--smoke");
const only = Deno.args.find((a) => a.startsWith("--only="));
const wanted = only ? only.slice("--only=".length).split(",").filter(Boolean) : [];

const probe = await new Deno.Command(SYSTEM_PYTHON, { args: ["-c", "import nbclient"] })
  .output().catch(() => null);
if (!probe?.success) {
  console.error(`bench notebooks: needs nbclient in ${SYSTEM_PYTHON} (Debian python3-nbclient)`);
  Deno.exit(2);
}
await ensureKernels();
const kernel = await notebookKernel();
let names = await listNotebooks();
if (smoke) names = names.filter((n) => n.startsWith("00"));
if (wanted.length) names = names.filter((n) => wanted.some((w) => n.includes(w)));

async function seconds(name: string, k: string): Promise<number> {
  const out = await Deno.makeTempFile({ suffix: ".ipynb" });
  try {
    const r = await executeNotebook(name, k, out, "ci");
    if (!r.ok || r.errors > 0) throw new Error(`${name} failed in ${k}: ${r.error}`);
    return r.seconds;
  } finally {
    await Deno.remove(out);
  }
}

for (const name of names) {
  // Rival first, then ours: both start cold (a fresh kernel each).
  const rival = await seconds(name, "deno");
  const ours = kernel === "deno" ? rival : await seconds(name, kernel);
  const round = (x: number) => Number(x.toFixed(2));
  console.log(`BENCH notebooks ${
    JSON.stringify({
      metric: `${name} executed at CI size in the ${kernel} kernel, vs Deno's own kernel`,
      ours: round(ours),
      rival: round(rival),
      ratio: round(ours / rival),
      goal: `ours <= ${GOAL_S} s`,
      met: ours <= GOAL_S,
      unit: "s",
    })
  }`);
}
