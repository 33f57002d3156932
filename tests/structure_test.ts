/**
 * Structure rules that keep one home per concept (issue 15), checked on the
 * sources: who may patch tfjs's engine, who may import lib/'s private files,
 * and where the byte table and the HTML escape live.
 */
import assert from "node:assert/strict";

const root = new URL("../", import.meta.url);

/**
 * Private lib/ files that kernel/ or scripts/ may still import, each with
 * its reason: only the memory model's documented kernel protocol (issue 14).
 */
const PROTOCOL = "lib/memory/_kernel_protocol.ts";
const ALLOWED_PRIVATE: Record<string, string> = {
  [`kernel/_reporter.ts -> ${PROTOCOL}`]: "the session timeline's store",
  [`kernel/_report.ts -> ${PROTOCOL}`]: "the largest mover in the cell line",
  [`kernel/agent.ts -> ${PROTOCOL}`]: "the engine's breakdown and the session figure",
};

async function* sources(dir: string): AsyncGenerator<[string, string]> {
  for await (const e of Deno.readDir(new URL(dir, root))) {
    const path = `${dir}${e.name}`;
    if (e.isDirectory) yield* sources(`${path}/`);
    else if (e.name.endsWith(".ts")) yield [path, await Deno.readTextFile(new URL(path, root))];
  }
}

/** Relative specifiers a file imports, statically or with import(), resolved against root. */
function imports(path: string, text: string): string[] {
  const specs = [
    ...text.matchAll(/^\s*(?:import|export)[^;]*?from\s+"(\.[^"]+)"/gms),
    ...text.matchAll(/import\(\s*"(\.[^"]+)"\s*\)/g),
  ].map((m) => m[1]);
  return specs.map((s) => new URL(s, new URL(path, root)).href.slice(root.href.length));
}

Deno.test("only the tensor-event hub patches tfjs's engine", async () => {
  const patchers: string[] = [];
  for (const dir of ["lib/", "kernel/", "scripts/"]) {
    for await (const [path, text] of sources(dir)) {
      if (/\.(trackTensor|disposeTensor|endScope)\s*=[^=]/.test(text)) patchers.push(path);
    }
  }
  assert.deepEqual(patchers, ["lib/dispose/_tensor_hub.ts"]);
});

Deno.test("kernel/ and scripts/ import no private lib/ file, and scripts/ nothing from tests/", async () => {
  const found: string[] = [];
  let checked = 0;
  for (const dir of ["kernel/", "scripts/"]) {
    for await (const [path, text] of sources(dir)) {
      for (const target of imports(path, text)) {
        checked++;
        const privateLib = target.startsWith("lib/") && target.split("/").at(-1)!.startsWith("_");
        const test = dir === "scripts/" && target.startsWith("tests/");
        const edge = `${path} -> ${target}`;
        if ((privateLib || test) && !(edge in ALLOWED_PRIVATE)) found.push(edge);
      }
    }
  }
  assert.ok(checked > 10, `found only ${checked} imports`);
  assert.deepEqual(found, []);
});

Deno.test("one dtype byte table and one HTML escape", async () => {
  const copies: string[] = [];
  for (const dir of ["lib/", "kernel/", "scripts/"]) {
    for await (const [path, text] of sources(dir)) {
      if (path !== "lib/dtype/dtype_bytes.ts" && /complex64"?\s*(?:\?|:)\s*8/.test(text)) {
        copies.push(`${path}: a dtype byte table (use dtypeBytes)`);
      }
      if (path !== "lib/plot/escape_html.ts" && /"&lt;"/.test(text)) {
        copies.push(`${path}: an HTML escape (use escapeHtml)`);
      }
    }
  }
  assert.deepEqual(copies, []);
});

Deno.test("every test that needs Jupyter, Chromium or pandas is known to the test runner", async () => {
  const { needsOf } = await import("../scripts/_requirements.ts");
  const unknown: string[] = [];
  let needy = 0;
  for await (const [path, text] of sources("tests/")) {
    if (path.startsWith("tests/bench/") || !path.endsWith("_test.ts")) continue;
    const uses = /\/usr\/bin\/python3|SYSTEM_PYTHON|chromium|executeNotebook|ensureKernels/.test(
      text,
    );
    if (!uses) continue;
    needy++;
    if (needsOf(path).length === 0 && !text.includes("lacks(")) unknown.push(path);
  }
  assert.ok(needy >= 5, `found only ${needy} tests that use system features`);
  assert.deepEqual(unknown, [], "add them to NEEDS in scripts/_requirements.ts or use lacks()");
});

Deno.test("deno.json has only the library's dependencies; the other configs add to the same pins", async () => {
  const read = async (f: string) => JSON.parse(await Deno.readTextFile(new URL(f, root)));
  const lib = (await read("deno.json")).imports as Record<string, string>;
  const used = new Set<string>();
  for await (const [, text] of sources("lib/")) {
    const found = [
      ...text.matchAll(/^\s*(?:import|export)[^;]*?from\s+"([^".][^"]*)"/gms),
      ...text.matchAll(/import\(\s*"([^".][^"]*)"\s*\)/g),
      ...text.matchAll(/^import\s+"([^".][^"]*)";/gm),
    ];
    for (const m of found) {
      if (m[1].startsWith("node:") || m[1].startsWith("memkit")) continue;
      used.add(m[1].startsWith("@") ? m[1].split("/").slice(0, 2).join("/") : m[1].split("/")[0]);
    }
  }
  // Found at run time rather than imported: plotly.js (import.meta.resolve). The demo's data is
  // not a dependency (scripts/_demo_data.ts fetches one file of vega-datasets into a cache).
  // The @tensorflow/tfjs union is not a library dependency (lib/_tfjs.ts loads core and layers).
  const runtime = ["plotly.js-dist-min"];
  for (const name of Object.keys(lib)) {
    if (name.startsWith("memkit")) continue;
    assert.ok(
      used.has(name) || runtime.includes(name),
      `deno.json pins ${name}, which lib/ never uses`,
    );
  }
  for (const name of used) assert.ok(name in lib, `lib/ imports ${name}, missing from deno.json`);
  for (const other of ["deno.test.json", "deno.kernel.json", "notebooks/deno.json"]) {
    const imports = (await read(other)).imports as Record<string, string>;
    for (const [name, target] of Object.entries(lib)) {
      if (other === "notebooks/deno.json" && name.startsWith("memkit")) continue;
      assert.equal(imports[name], target, `${other}: ${name}`);
    }
  }
});

// Round 2's first try was refused for its size (notebooks re-executed and committed on many
// branches, generated data): committed files stay small; data is made by scripts at run time.
Deno.test("no tracked file over 400 kB, except executed notebooks (under 4 MB each)", async () => {
  const out = await new Deno.Command("git", {
    args: ["ls-files", "-z"],
    cwd: root,
    stdout: "piped",
    stderr: "null",
  }).output();
  assert.ok(out.success, "git ls-files failed");
  const big: string[] = [];
  for (const path of new TextDecoder().decode(out.stdout).split("\0").filter(Boolean)) {
    const size = (await Deno.stat(new URL(path, root))).size;
    const limit = /^notebooks\/[^/]+\.ipynb$/.test(path) ? 4_000_000 : 400_000;
    if (size > limit) big.push(`${path} (${size} bytes)`);
  }
  assert.deepEqual(big, []);
});
