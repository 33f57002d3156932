import assert from "node:assert/strict";
import * as mod from "../mod.ts";

/** Files under lib/ that are public but not yet stable enough for mod.ts. */
const UNSTABLE = new Set<string>([]);

async function* publicFiles(dir: URL): AsyncGenerator<URL> {
  for await (const entry of Deno.readDir(dir)) {
    if (entry.name.startsWith("_")) continue;
    if (entry.isDirectory) yield* publicFiles(new URL(`${entry.name}/`, dir));
    else if (entry.name.endsWith(".ts")) yield new URL(entry.name, dir);
  }
}

Deno.test("mod.ts re-exports every value exported by a public lib/ file", async () => {
  const lib = new URL("../lib/", import.meta.url);
  const missing: string[] = [];
  let checked = 0;
  for await (const file of publicFiles(lib)) {
    const rel = file.href.slice(lib.href.length);
    if (UNSTABLE.has(rel)) continue;
    const exports = await import(file.href) as Record<string, unknown>;
    for (const [name, value] of Object.entries(exports)) {
      checked++;
      if ((mod as Record<string, unknown>)[name] !== value) missing.push(`${rel}: ${name}`);
    }
  }
  assert.ok(checked > 0, "found no public exports under lib/");
  assert.deepEqual(missing, [], `mod.ts lacks: ${missing.join(", ")}`);
});

Deno.test("mod.ts has no default export", () => {
  assert.equal("default" in mod, false);
});
