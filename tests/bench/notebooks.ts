/**
 * `deno task bench notebooks [--smoke]`: seconds each tutorial notebook takes
 * at CI size in the memkit kernel, through Debian's nbclient, and the
 * quickstart in Deno's own kernel as the rival in the same run (the memkit
 * kernel adds its agent and a report per cell). Goal: the quickstart within
 * 1.5× of Deno's kernel; the other lines are the times (timings moved here
 * from the notebook tests, which assert no wall-clock limit). `--smoke` runs
 * the quickstart only.
 * @module
 */
import { ensureKernels } from "../../scripts/_setup.ts";
import { executeNotebook, listNotebooks } from "../../scripts/_notebooks.ts";
import { bench } from "./_util.ts";

const smoke = Deno.args.includes("--smoke");
await ensureKernels();
const names = (await listNotebooks()).filter((n) => !smoke || n.startsWith("00_"));
const out = await Deno.makeTempDir({ prefix: "memkit-bench-notebooks-" });
try {
  const time = async (name: string, kernel: string) => {
    const r = await executeNotebook(name, kernel, `${out}/${kernel}-${name}`, "ci");
    if (!r.ok) throw new Error(`${name} failed in the ${kernel} kernel: ${r.error}`);
    return r.seconds;
  };
  const rival = await time("00_quickstart.ipynb", "deno");
  for (const name of names) {
    const ours = await time(name, "memkit");
    const metric = `${name} at CI size, seconds (memkit kernel)`;
    if (name.startsWith("00_")) {
      const r3 = (x: number) => Math.round(x * 1000) / 1000;
      const line = {
        metric: `${metric} vs Deno's kernel`,
        ours: r3(ours),
        rival: r3(rival),
        ratio: r3(ours / rival),
        goal: "ratio <= 1.5",
        met: ours / rival <= 1.5,
      };
      console.log(`BENCH notebooks ${JSON.stringify(line)}`);
    } else {bench(
        "notebooks",
        `${metric}; rival: the quickstart in Deno's kernel`,
        ours,
        rival,
        60,
        "max",
      );}
  }
} finally {
  await Deno.remove(out, { recursive: true });
}
