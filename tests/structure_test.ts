/**
 * Structure rules that keep one home per concept (issue 15), checked on the
 * sources: who may patch tfjs's engine, who may import lib/'s private files,
 * and where the byte table and the HTML escape live.
 */
import assert from "node:assert/strict";

const root = new URL("../", import.meta.url);

/**
 * Private lib/ files that kernel/ or scripts/ may still import, each with
 * its reason. The memory-timeline protocol file for the kernel (issue 14)
 * belongs here once it exists.
 */
const ALLOWED_PRIVATE: Record<string, string> = {
  "kernel/_timeline_view.ts -> lib/plot/_style.ts":
    "the kernel's own timeline figure, until issue 14 moves it into lib/memory",
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
