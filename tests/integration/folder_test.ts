/**
 * memkit from a folder outside this checkout (issue 16), through real Jupyter
 * clients (Debian's nbclient):
 * - the memkit kernel, in a folder with no Deno config, imports `memkit`
 *   (memkit's config is used) while the notebook's own folder stays its
 *   working directory for files and relative imports;
 * - Deno's own kernel, after `deno task kernel:folder DIR`, imports `memkit`
 *   and starts the wasm backend;
 * - the kernelspec survives deleting the (npx-like) folder of the deno that
 *   installed it, and the kernel's log carries no "deno jupyter is unstable".
 */
import assert from "node:assert/strict";
import { join } from "node:path";

const root = new URL("../../", import.meta.url).pathname;

// Runs cells in a kernel with nbclient; prints each cell's outputs as text.
const RUN = `
import json, sys, nbformat
from nbclient import NotebookClient
kernel, cwd, cells = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
nb = nbformat.v4.new_notebook()
nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
err = None
try:
    NotebookClient(nb, kernel_name=kernel, timeout=240, allow_errors=True,
                   resources={"metadata": {"path": cwd}}).execute(cwd=cwd)
except Exception as e:
    err = repr(e)
outs = []
for c in nb.cells:
    texts = []
    for o in c.outputs:
        if o.output_type == "stream":
            texts.append(o.text)
        elif o.output_type == "error":
            texts.append("ERROR " + o.ename + ": " + o.evalue)
        elif "data" in o and o.get("metadata", {}).get("memkit") is None:
            texts.append(o.data.get("text/plain", ""))
    outs.append("\\n".join(texts))
print(json.dumps({"outputs": outs, "error": err}))
`;
const ANSI = new RegExp(String.fromCharCode(27) + "\\[[0-9;]*m", "g");

async function runCells(
  kernel: string,
  dataDir: string,
  cwd: string,
  cells: string[],
): Promise<string[]> {
  // A first cell's output is sometimes lost under nbclient (Deno's kernel may
  // publish it before the client's iopub subscription is live): warm up first.
  const out = await new Deno.Command("/usr/bin/python3", {
    args: ["-c", RUN, kernel, cwd, JSON.stringify(['"warm-up"', ...cells])],
    cwd,
    env: { JUPYTER_DATA_DIR: dataDir, MEMKIT_REPORT: "off", NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, `nbclient failed: ${stderr}`);
  const r = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    outputs: string[];
    error: string | null;
  };
  assert.equal(r.error, null, `${kernel} kernel failed: ${r.error}\n${stderr}`);
  if (kernel === "memkit") {
    assert.doesNotMatch(stderr, /"deno jupyter" is unstable/, "the unstable warning is filtered");
  }
  return r.outputs.slice(1).map((o) => o.replace(ANSI, ""));
}

Deno.test("memkit from a folder outside the checkout, in both kernels", async (t) => {
  const tmp = await Deno.makeTempDir({ prefix: "memkit-folder-" });
  const dataDir = join(tmp, "jupyter");
  try {
    // An npx-like deno: a hard link (or copy) under …/_npx/…, deleted after install.
    const npx = join(tmp, "npm-cache", "_npx", "0123abcd", "node_modules", "deno");
    await Deno.mkdir(npx, { recursive: true });
    const fake = join(npx, "deno");
    await Deno.link(Deno.execPath(), fake).catch(() => Deno.copyFile(Deno.execPath(), fake));
    const inst = await new Deno.Command(fake, {
      args: ["run", "-A", "--quiet", `${root}kernel/install.ts`],
      env: { JUPYTER_DATA_DIR: dataDir },
    }).output();
    assert.equal(inst.code, 0, new TextDecoder().decode(inst.stderr));
    await Deno.remove(join(tmp, "npm-cache"), { recursive: true });
    const spec = JSON.parse(
      await Deno.readTextFile(join(dataDir, "kernels", "memkit", "kernel.json")),
    ) as { argv: string[] };
    const deno = spec.argv[0];
    assert.ok(!deno.includes("_npx"), `kernelspec deno ${deno} is not npx's`);
    assert.ok(!deno.startsWith(root), "the deno copy is outside the checkout");
    assert.ok((await Deno.stat(deno)).isFile, "the kernelspec's deno exists after npx's is gone");
    // Deno's own kernelspec, with the same stable deno.
    await Deno.mkdir(join(dataDir, "kernels", "deno"), { recursive: true });
    await Deno.writeTextFile(
      join(dataDir, "kernels", "deno", "kernel.json"),
      JSON.stringify({
        argv: [deno, "jupyter", "--kernel", "--conn", "{connection_file}"],
        display_name: "Deno",
        language: "typescript",
      }),
    );

    await t.step("memkit kernel, folder without deno.json", async () => {
      const dir = join(tmp, "plain");
      await Deno.mkdir(dir);
      await Deno.writeTextFile(join(dir, "data.txt"), "local data");
      await Deno.writeTextFile(join(dir, "helper.ts"), "export const answer: number = 42;\n");
      const out = await runCells("memkit", dataDir, dir, [
        'import { humanBytes, useBackend } from "memkit";\nhumanBytes(1234567)',
        'const b = await useBackend({ backend: "wasm" }); b.backend',
        "Deno.cwd()",
        'Deno.readTextFileSync("data.txt")',
        'import { answer } from "./helper.ts";\nanswer',
      ]);
      assert.match(out[0], /1\.23 MB/);
      assert.match(out[1], /wasm/);
      assert.match(out[2], new RegExp(dir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
      assert.match(out[3], /local data/);
      assert.match(out[4], /42/);
      assert.ok(!(await Deno.stat(join(dir, "deno.json")).catch(() => null)), "nothing written");
    });

    await t.step("Deno's kernel after kernel:folder", async () => {
      const dir = join(tmp, "deno-kernel");
      const w = await new Deno.Command(deno, {
        args: ["run", "-A", "--quiet", `${root}kernel/folder.ts`, dir],
      }).output();
      assert.equal(w.code, 0, new TextDecoder().decode(w.stderr));
      const config = JSON.parse(await Deno.readTextFile(join(dir, "deno.json")));
      assert.match(config.imports.memkit, /^file:\/\/.*mod\.ts$/);
      // console.log, not a cell's value: Deno's own kernel may publish an execute_result after
      // "idle", and nbclient then drops it (seen once in a clean-clone CI run); a stream is not late.
      const out = await runCells("deno", dataDir, dir, [
        'import { humanBytes, useBackend } from "memkit";\nconsole.log(humanBytes(1234567))',
        'const b = await useBackend({ backend: "wasm" }); console.log(b.backend)',
      ]);
      assert.match(out[0], /1\.23 MB/);
      assert.match(out[1], /wasm/);
    });
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
});
