/**
 * `deno task kernel:folder DIR`: makes memkit importable from notebooks and
 * scripts in DIR (a folder outside this checkout) under Deno's own kernel,
 * `deno run` and `deno test`. It writes DIR/deno.json with memkit's import
 * map: `memkit` (and each `memkit/<part>` sub-path) pointing at this
 * checkout, and the npm packages memkit uses at their exact pins, with
 * `nodeModulesDir: "auto"` (tfjs's wasm backend needs a node_modules folder).
 * An existing DIR/deno.json keeps its other settings and imports.
 * The memkit kernel needs none of this: in a folder without a Deno config it
 * runs the notebook with memkit's config.
 * @module
 */
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));

/** The import map entries that make `memkit` resolvable from another folder. */
export async function memkitImports(): Promise<Record<string, string>> {
  const config = JSON.parse(await Deno.readTextFile(join(root, "deno.json"))) as {
    name?: string;
    exports?: string | Record<string, string>;
    imports?: Record<string, string>;
  };
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(config.imports ?? {})) {
    // Packages only: relative entries (memkit's own files) are replaced below.
    if (/^(npm|jsr|node|https?):/.test(v)) out[k] = v;
  }
  const exports = typeof config.exports === "string"
    ? { ".": config.exports }
    : config.exports ?? { ".": "./mod.ts" };
  for (const [sub, path] of Object.entries(exports)) {
    const name = sub === "." ? "memkit" : `memkit/${sub.replace(/^\.\//, "")}`;
    out[name] = pathToFileURL(join(root, path)).href;
  }
  return out;
}

/** Writes (or updates) `dir`/deno.json; returns its path. */
export async function writeFolderConfig(dir: string): Promise<string> {
  const file = join(resolve(dir), "deno.json");
  let current: Record<string, unknown> = {};
  try {
    current = JSON.parse(await Deno.readTextFile(file));
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) {
      throw new Error(`Cannot update ${file}: ${(e as Error).message}`);
    }
  }
  const imports = {
    ...(current.imports as Record<string, string> ?? {}),
    ...await memkitImports(),
  };
  const next = { ...current, nodeModulesDir: current.nodeModulesDir ?? "auto", imports };
  await Deno.mkdir(resolve(dir), { recursive: true });
  await Deno.writeTextFile(file, JSON.stringify(next, null, 2) + "\n");
  return file;
}

if (import.meta.main) {
  const dir = Deno.args[0];
  if (!dir) {
    console.error("Usage: deno task kernel:folder <folder of your notebooks>");
    Deno.exit(2);
  }
  const file = await writeFolderConfig(dir);
  console.log(
    `Wrote ${file}: notebooks in this folder can now import "memkit" in Deno's kernel ` +
      `("deno" kernelspec) as well as in the memkit kernel.`,
  );
}
