/**
 * `deno task test`: installs what the tests need when it is missing, runs every
 * test (unit, doc examples, integration with a real Jupyter client and a real
 * browser) and ends with one plain line `N passed, N failed`.
 *
 * Extra arguments go to `deno test` (e.g. a file or `--filter`).
 * @module
 */
import { ensureKernels, ensureSystemDeps } from "./_setup.ts";

await ensureSystemDeps();
// Deno's and memkit's kernelspecs: the notebook, kernel and browser tests start them by name.
await ensureKernels();

const extra = Deno.args;
const targets = extra.some((a) => !a.startsWith("-")) ? [] : ["tests/", "lib/", "mod.ts"];
const cmd = new Deno.Command(Deno.execPath(), {
  args: [
    "test",
    "-A",
    "--doc",
    "--v8-flags=--expose-gc",
    "--no-check=remote",
    ...targets,
    ...extra,
  ],
  stdout: "piped",
  stderr: "inherit",
  env: { NO_COLOR: "1" },
});
const child = cmd.spawn();
let tail = "";
const decoder = new TextDecoder();
for await (const chunk of child.stdout) {
  const text = decoder.decode(chunk, { stream: true });
  await Deno.stdout.write(chunk);
  tail = (tail + text).slice(-4000);
}
const status = await child.status;
// deno test's own summary ("ok | 12 passed (3 steps) | 0 failed") is not read
// by CI; restate it as the plain line.
const match = /(?:ok|FAILED) \| (\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed/.exec(tail);
if (match) {
  console.log(`${match[1]} passed, ${match[2]} failed`);
} else {
  console.log(`0 passed, 1 failed`);
  console.error("deno test printed no summary (it crashed or found no tests)");
}
Deno.exit(status.code);
