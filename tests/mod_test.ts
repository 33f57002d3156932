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

/** The sub-path exports: each folder of lib/ with a mod.ts. */
const SUBPATHS = ["backend", "data", "dispose", "dtype", "memory", "plot", "sparse", "train"];

Deno.test("mod.ts and each folder's mod.ts re-export every value of their public lib/ files", async () => {
  const lib = new URL("../lib/", import.meta.url);
  const missing: string[] = [];
  let checked = 0;
  for await (const file of publicFiles(lib)) {
    const rel = file.href.slice(lib.href.length);
    if (UNSTABLE.has(rel)) continue;
    // A file at lib/'s root (type aliases) belongs to mod.ts alone.
    const folder = rel.includes("/") ? rel.split("/")[0] : null;
    const sub = folder === null
      ? mod as Record<string, unknown>
      : await import(new URL(`${folder}/mod.ts`, lib).href) as Record<string, unknown>;
    const exports = await import(file.href) as Record<string, unknown>;
    for (const [name, value] of Object.entries(exports)) {
      checked++;
      // `export *` drops a name two folders both export, so a clash shows here too.
      if ((mod as Record<string, unknown>)[name] !== value) missing.push(`mod.ts: ${rel} ${name}`);
      if (sub[name] !== value) missing.push(`lib/${folder}/mod.ts: ${rel} ${name}`);
    }
  }
  assert.ok(checked > 0, "found no public exports under lib/");
  assert.deepEqual(missing, [], `missing re-exports: ${missing.join(", ")}`);
});

Deno.test("deno.json maps every sub-path to its folder's mod.ts, in exports and the import map", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  const folders: string[] = [];
  for await (const entry of Deno.readDir(new URL("../lib/", import.meta.url))) {
    if (!entry.isDirectory) continue;
    folders.push(entry.name);
    await Deno.stat(new URL(`../lib/${entry.name}/mod.ts`, import.meta.url));
  }
  assert.deepEqual(folders.sort(), SUBPATHS);
  const expected: Record<string, string> = { ".": "./mod.ts" };
  for (const f of SUBPATHS) expected[`./${f}`] = `./lib/${f}/mod.ts`;
  assert.deepEqual(config.exports, expected);
  for (const f of SUBPATHS) assert.equal(config.imports[`memkit/${f}`], `./lib/${f}/mod.ts`);
  assert.equal(config.imports.memkit, "./mod.ts");
});

Deno.test("mod.ts and the folders' mod.ts re-export no private (_) file", async () => {
  const files = ["../mod.ts", ...SUBPATHS.map((f) => `../lib/${f}/mod.ts`)];
  for (const f of files) {
    const text = await Deno.readTextFile(new URL(f, import.meta.url));
    const from = [...text.matchAll(/^export[^;]*?from\s+"([^"]+)"/gms)].map((m) => m[1]);
    const typeOnly = new Set(
      [...text.matchAll(/^export type[^;]*?from\s+"(\.\.\/[^"]+)"/gms)].map((m) => m[1]),
    );
    assert.ok(from.length > 0, `${f} re-exports nothing`);
    for (const spec of from) {
      assert.ok(!spec.split("/").at(-1)!.startsWith("_"), `${f} re-exports the private ${spec}`);
      // Types from lib/tf_types.ts or another folder's public file may be re-exported
      // (type-only) where this folder's signatures use them; values only from the folder.
      if (f !== "../mod.ts" && !typeOnly.has(spec)) {
        assert.match(spec, /^\.\/[a-z0-9_]+\.ts$/, `${f}: ${spec} is outside its folder`);
      }
    }
  }
});

Deno.test("mod.ts has no default export", () => {
  assert.equal("default" in mod, false);
});

Deno.test("importing memkit changes nothing global: no codecs, no backend ranks, no listeners", async () => {
  // In a fresh process: import everything, look, then call the entry points that set things up.
  const code = `
    import { compressionRegistry, CompressionType } from "apache-arrow";
    import * as tf from "@tensorflow/tfjs-core";
    import "@tensorflow/tfjs-backend-cpu"; // what loading tfjs registers by itself
    const before = () => ({
      lz4: typeof compressionRegistry.get(CompressionType.LZ4_FRAME)?.decode,
      zstd: typeof compressionRegistry.get(CompressionType.ZSTD)?.decode,
      backends: Object.fromEntries(
        Object.entries(tf.engine().registryFactory).map(([k, v]) => [k, v.priority]),
      ),
    });
    const bare = before();
    const memkit = await import(${JSON.stringify(new URL("../mod.ts", import.meta.url).href)});
    const imported = before();
    await memkit.useBackend({ backend: "cpu" });
    memkit.arrow(${JSON.stringify(new URL("../deno.json", import.meta.url).pathname)});
    console.log(JSON.stringify({ bare, imported, after: before() }));
  `;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", code],
    cwd: new URL("..", import.meta.url),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, stderr);
  const { bare, imported, after } = JSON.parse(new TextDecoder().decode(out.stdout));
  assert.deepEqual(imported, bare, "importing memkit changed tfjs's or Arrow's registries");
  assert.equal(bare.lz4, "undefined");
  assert.equal(after.lz4, "function", "arrow() registers the LZ4 decoder");
  assert.equal(after.backends.wasm, 0, "useBackend() loads wasm and ranks it below cpu");
  assert.equal(after.backends.webgpu, -1);
  assert.doesNotMatch(stderr, /tfjs-node|Hi, looks like/);
});
