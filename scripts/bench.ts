/**
 * `deno task bench [name…] [--smoke]`: runs tests/bench/<name>.ts, each in its
 * own process; no name runs them all. Each benchmark prints one line per goal:
 * `BENCH <name> {"metric": …, "ours": …, "rival": …, "ratio": …, "goal": …, "met": …}`.
 * @module
 */
const names = Deno.args.filter((a) => !a.startsWith("-"));
const flags = Deno.args.filter((a) => a.startsWith("-"));
const dir = new URL("../tests/bench/", import.meta.url);
const all: string[] = [];
for await (const entry of Deno.readDir(dir)) {
  if (entry.isFile && entry.name.endsWith(".ts") && !entry.name.startsWith("_")) {
    all.push(entry.name.slice(0, -3));
  }
}
all.sort();
for (const name of names) {
  if (!all.includes(name)) {
    console.error(`Unknown benchmark "${name}": expected one of ${all.join(", ")}`);
    Deno.exit(2);
  }
}
let failed = 0;
for (const name of names.length ? names : all) {
  console.error(`── bench ${name} ${flags.join(" ")}`);
  const status = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--quiet",
      // Benchmarks use the tests' config: their rivals (DuckDB, pandas bridges) are not library deps.
      "--config",
      new URL("../deno.test.json", import.meta.url).pathname,
      new URL(`${name}.ts`, dir).pathname,
      ...flags,
    ],
    stdout: "inherit",
    stderr: "inherit",
  }).spawn().status;
  if (!status.success) failed++;
}
Deno.exit(failed ? 1 : 0);
