/**
 * `deno task notebooks [name…]`: executes every tutorial notebook at full size
 * (MEMKIT_SIZE=full) in the memkit kernel (Deno's kernel while kernel/main.ts
 * does not exist yet) and rewrites it in place with its outputs, then re-runs
 * the quickstart in Deno's own kernel to prove it works there too. Runs one
 * notebook at a time; `--ci` runs at CI size; names filter. Notebooks are committed with the outputs this writes.
 * @module
 */
import { ensureKernels, ensureSystemDeps } from "./_setup.ts";
import { executeNotebook, listNotebooks, notebookKernel, NOTEBOOKS } from "./_notebooks.ts";

await ensureSystemDeps();
await ensureKernels();
const wanted = Deno.args.filter((a) => !a.startsWith("-"));
const size = Deno.args.includes("--ci") ? "ci" : "full";
// memkit's kernel once kernel/main.ts exists, Deno's until then.
const kernel = await notebookKernel();
let failed = 0;
for (const name of await listNotebooks()) {
  if (wanted.length && !wanted.some((w) => name.includes(w))) continue;
  const path = new URL(name, NOTEBOOKS).pathname;
  const runs: [string, string][] = [[kernel, path]];
  if (name.startsWith("00") && kernel !== "deno") {
    runs.push(["deno", await Deno.makeTempFile({ suffix: ".ipynb" })]);
  }
  for (const [kernel, out] of runs) {
    console.error(`── ${name} in ${kernel} (${size}) …`);
    const result = await executeNotebook(name, kernel, out, size);
    console.error(
      `   ${result.ok ? "ok" : "FAILED"} · ${result.cells} cells · ${result.seconds.toFixed(1)} s` +
        (result.error ? `\n${result.error}` : ""),
    );
    if (!result.ok) failed++;
  }
}
Deno.exit(failed ? 1 : 0);
