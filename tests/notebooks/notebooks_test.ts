/**
 * The tutorial notebooks: each committed notebook carries outputs that came
 * from its current sources (stored sha256 per code cell), has no error output,
 * and re-executes cleanly at CI size through a real Jupyter client (Debian's
 * nbclient) in the memkit kernel — Deno's kernel while kernel/main.ts does not
 * exist yet; the quickstart also runs in Deno's own kernel. Re-executed
 * outputs pass tests/notebooks/_output_checks.ts (no inline SVG, no U+2212, a
 * static picture in every plot, no leak warning in the quickstart); absolute
 * paths are checked on the committed notebooks (tests/integration/
 * notebook_outputs_test.ts). No wall-clock limit: `deno task bench notebooks`
 * times them.
 * Executions write to temp files; the committed notebooks are never rewritten.
 * @module
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { ensureKernels } from "../../scripts/_setup.ts";
import {
  executeNotebook,
  listNotebooks,
  notebookKernel,
  NOTEBOOKS,
} from "../../scripts/_notebooks.ts";
import { type NotebookOutput, outputIssues } from "./_output_checks.ts";

interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, unknown>;
}
interface Cell {
  cell_type: "code" | "markdown" | "raw";
  source: string | string[];
  metadata: { memkit?: { source_sha256?: string } };
  outputs?: Output[];
}
interface Notebook {
  cells: Cell[];
  metadata: { memkit?: { executed?: { kernel: string; size: string } } };
}

const text = (s: string | string[] | undefined) => (Array.isArray(s) ? s.join("") : s ?? "");
const sha256 = (s: string) => createHash("sha256").update(s, "utf8").digest("hex");

async function readNotebook(path: string | URL): Promise<Notebook> {
  return JSON.parse(await Deno.readTextFile(path)) as Notebook;
}

/** Problems with a notebook's outputs: errors, stderr noise, a missing timeline plot. */
function outputProblems(nb: Notebook, fresh: string | null = null): string[] {
  const problems: string[] = [];
  let plots = 0;
  nb.cells.forEach((cell, i) => {
    for (const out of cell.outputs ?? []) {
      if (out.output_type === "error") problems.push(`cell ${i} has an error output`);
      if (out.output_type === "stream" && out.name === "stderr") {
        problems.push(`cell ${i} wrote to stderr: ${text(out.text).slice(0, 200)}`);
      }
      if (out.data?.["application/vnd.plotly.v1+json"]) plots++;
    }
  });
  if (plots === 0) problems.push("no memory-timeline plot among the outputs");
  // Fresh executions (`fresh` names the notebook) must pass the output rules
  // now; the committed ones are held to them by notebook_outputs_test.ts.
  if (fresh !== null) {
    problems.push(
      ...outputIssues(nb.cells as { outputs?: NotebookOutput[] }[], {
        paths: false,
        leaks: fresh.startsWith("00_"),
      }),
    );
  }
  return problems;
}

await ensureKernels();
const names = await listNotebooks();
const kernel = await notebookKernel();

Deno.test("notebooks: the eight tutorials 00–07 exist", () => {
  assert.equal(names.length, 8, `found ${names.join(", ")}`);
  names.forEach((name, i) => assert.match(name, new RegExp(`^0${i}_[a-z0-9_]+\\.ipynb$`)));
});

for (const name of names) {
  Deno.test(`notebooks: ${name} is committed with the outputs of its current sources`, async () => {
    const nb = await readNotebook(new URL(name, NOTEBOOKS));
    const code = nb.cells.filter((c) => c.cell_type === "code");
    assert.ok(code.length > 0, "no code cells");
    assert.equal(nb.metadata.memkit?.executed?.size, "full", "not executed at full size");
    code.forEach((cell, i) => {
      assert.equal(
        cell.metadata.memkit?.source_sha256,
        sha256(text(cell.source)),
        `code cell ${i} changed since it was executed; run deno task notebooks ${name}`,
      );
    });
    assert.ok(code.some((c) => (c.outputs ?? []).length > 0), "no outputs at all");
    assert.deepEqual(outputProblems(nb), []);
    const last = nb.cells.at(-1)!;
    assert.equal(last.cell_type, "markdown");
    assert.match(text(last.source), /^## Takeaways/);
  });

  Deno.test(`notebooks: ${name} re-executes at CI size in the ${kernel} kernel`, async () => {
    const out = await Deno.makeTempFile({ suffix: ".ipynb" });
    try {
      const result = await executeNotebook(name, kernel, out, "ci");
      assert.equal(result.error, null);
      assert.equal(result.errors, 0);
      assert.ok(result.ok);
      assert.deepEqual(outputProblems(await readNotebook(out), name), []);
    } finally {
      await Deno.remove(out);
    }
  });
}

// Deno's own kernel runs every notebook above until the memkit kernel exists;
// once it does, the quickstart runs in both.
Deno.test({
  name: "notebooks: the quickstart also runs in Deno's own kernel",
  ignore: kernel === "deno",
  fn: async () => {
    const out = await Deno.makeTempFile({ suffix: ".ipynb" });
    try {
      const result = await executeNotebook("00_quickstart.ipynb", "deno", out, "ci");
      assert.equal(result.error, null);
      assert.ok(result.ok);
      assert.deepEqual(outputProblems(await readNotebook(out), "00_quickstart.ipynb"), []);
    } finally {
      await Deno.remove(out);
    }
  },
});
