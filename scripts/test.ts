/**
 * `deno task test`: runs every test (unit, doc examples, and integration tests
 * with a real Jupyter client and a real browser) and ends with one plain line
 * `N passed, N failed`.
 *
 * As root it first installs the Debian packages the integration tests need
 * (Jupyter, pandas, chromium), so CI runs everything. Otherwise the unit
 * tests run anyway, and each integration test runs when what it needs exists
 * here; the runner says which were skipped and why, and how to install the
 * rest (scripts/_requirements.ts lists what needs what).
 *
 * Extra arguments go to `deno test` (e.g. a file or `--filter`).
 * @module
 */
import { ensureKernels, ensureSystemDeps, installCommand } from "./_setup.ts";
import { FEATURE_PACKAGES, missingFeatures, NEEDS, needsOf } from "./_requirements.ts";

const missingPackages = await ensureSystemDeps({ required: false });
const missing = await missingFeatures();
const skipped = Object.keys(NEEDS).filter((path) => needsOf(path).some((f) => f in missing));
if (!("jupyter" in missing)) {
  // Deno's and memkit's kernelspecs: the notebook, kernel and browser tests start them by name.
  await ensureKernels();
}
if (skipped.length > 0) {
  console.error(
    "Skipping tests that need what this machine lacks (not root, so nothing installed):",
  );
  for (const path of skipped) {
    const why = needsOf(path).filter((f) => f in missing).map((f) => `${f}: ${missing[f]}`);
    console.error(`  ${path}  (${why.join("; ")})`);
  }
  const packages = Object.keys(missing).flatMap((f) => FEATURE_PACKAGES[f as keyof typeof missing]);
  console.error(`  and single tests marked lacks(…). To run them all:`);
  console.error(
    `  sudo sh -c '${installCommand(missingPackages.length ? missingPackages : packages)}'`,
  );
}

const extra = Deno.args;
const targets = extra.some((a) => !a.startsWith("-")) ? [] : ["tests/", "lib/", "mod.ts"];
const cmd = new Deno.Command(Deno.execPath(), {
  args: [
    "test",
    "--config",
    new URL("../deno.test.json", import.meta.url).pathname,
    "-A",
    "--doc",
    "--v8-flags=--expose-gc",
    "--no-check=remote",
    // --ignore takes paths without a trailing slash (then it also filters explicit arguments).
    ...(skipped.length ? [`--ignore=${skipped.map((p) => p.replace(/\/$/, "")).join(",")}`] : []),
    ...targets,
    ...extra,
  ],
  stdout: "piped",
  stderr: "inherit",
  env: { NO_COLOR: "1", MEMKIT_MISSING: Object.keys(missing).join(",") },
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
// deno test's own summary ("ok | 12 passed (3 steps) | 0 failed | 1 ignored") is not read
// by CI; restate it as the plain line.
const match =
  /(?:ok|FAILED) \| (\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed(?: \| (\d+) ignored)?/
    .exec(tail);
if (match) {
  if (skipped.length || match[3]) {
    console.log(
      `skipped: ${skipped.length} test files (see above); ignored: ${match[3] ?? 0} tests`,
    );
  }
  console.log(`${match[1]} passed, ${match[2]} failed`);
} else {
  console.log(`0 passed, 1 failed`);
  console.error("deno test printed no summary (it crashed or found no tests)");
}
Deno.exit(status.code);
