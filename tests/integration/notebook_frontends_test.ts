/**
 * What each front-end shows (issue 16), in headless Chromium:
 * 1. every tutorial notebook opened UNTRUSTED in the classic Notebook 6.4,
 *    before anything runs: each plot output shows a decoded `<img>` of
 *    non-zero size (the sanitizer strips scripts and inline SVG, not it);
 * 2. Run All on the quickstart (memkit kernel, CI size): plotly traces drawn,
 *    no leak warning;
 * 3. `jupyter nbconvert --to html --execute` on the quickstart, opened offline:
 *    the plot upgrades to plotly with scripts on and shows its picture with
 *    scripts off.
 *
 * The notebooks are copied to a temp folder outside the checkout, with their
 * deno.json (memkit's paths made absolute) and helper modules. Committed notebooks older than
 * the current output rules (see notebook_outputs_test.ts) are replaced there
 * by fresh CI-size executions, and the test says so.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { gotoWhenUp, notebookSession } from "../_notebook_server.ts";
import { executeNotebook, listNotebooks, NOTEBOOKS } from "../../scripts/_notebooks.ts";

const root = new URL("../../", import.meta.url).pathname;
const PYTHON = "/usr/bin/python3";

// Browser-side snippets as strings: this file is type-checked without the DOM library.
const LOADED = `Boolean(window.Jupyter && Jupyter.notebook && Jupyter.notebook._fully_loaded)`;
/** Per plot output (plotly MIME in the model): is a decoded, visible <img> in its area? */
const PICTURES = `(() => {
  const out = { trusted: Jupyter.notebook.trusted, plots: 0, shown: 0, inlineSvg: 0, bad: [] };
  Jupyter.notebook.get_cells().forEach((cell, i) => {
    if (!cell.output_area) return;
    cell.output_area.outputs.forEach((o, j) => {
      if (!o.data || !o.data["application/vnd.plotly.v1+json"]) return;
      out.plots++;
      const area = cell.output_area.element[0].querySelectorAll(".output_area")[j];
      const imgs = area ? [...area.querySelectorAll("img")] : [];
      out.inlineSvg += area ? area.querySelectorAll("svg").length : 0;
      const ok = imgs.some((im) => im.complete && im.naturalWidth > 0 &&
        im.getBoundingClientRect().width > 100 && im.getBoundingClientRect().height > 50);
      if (ok) out.shown++;
      else out.bad.push("cell " + i + ": " + (area ? area.innerText.slice(0, 80) : "no area"));
    });
  });
  return out;
})()`;
const TRACES = `[...document.querySelectorAll(".js-plotly-plot .scatterlayer .trace")].length`;

/** Notebooks whose reports predate the `kept` field (executed by an older kernel). */
function isStale(nb: { cells: { outputs?: { metadata?: Record<string, unknown> }[] }[] }) {
  return !nb.cells.some((c) =>
    (c.outputs ?? []).some((o) => {
      const r = o.metadata?.memkit as Record<string, unknown> | undefined;
      return r !== undefined && "kept" in r;
    })
  );
}

async function waitFor(page: Page, expr: string, timeout: number): Promise<void> {
  await page.waitForFunction(expr, null, { timeout, polling: 250 });
}

Deno.test("front-ends: untrusted classic notebook, Run All, nbconvert HTML", async (t) => {
  const tmp = await Deno.makeTempDir({ prefix: "memkit-frontends-" });
  const data = join(tmp, "jupyter");
  const dir = join(tmp, "notebooks");
  await Deno.mkdir(dir, { recursive: true });
  // The quickstart reads ../node_modules/vega-datasets/…: give the copy the same neighbour.
  await Deno.symlink(join(root, "node_modules"), join(tmp, "node_modules"));
  // The notebooks' own config, its memkit paths made absolute, and their helper modules.
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", NOTEBOOKS)));
  for (const [k, v] of Object.entries(config.imports as Record<string, string>)) {
    if (v.startsWith(".")) config.imports[k] = new URL(v, NOTEBOOKS).href;
  }
  await Deno.writeTextFile(join(dir, "deno.json"), JSON.stringify(config, null, 2));
  await Deno.symlink(join(root, "node_modules"), join(dir, "node_modules"));
  for await (const e of Deno.readDir(NOTEBOOKS)) {
    if (e.isFile && e.name.endsWith(".ts")) {
      await Deno.copyFile(new URL(e.name, NOTEBOOKS), join(dir, e.name));
    }
  }
  const inst = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", `${root}kernel/install.ts`],
    env: { JUPYTER_DATA_DIR: data },
  }).output();
  assert.equal(inst.code, 0, new TextDecoder().decode(inst.stderr));
  const before = Deno.env.get("JUPYTER_DATA_DIR");
  Deno.env.set("JUPYTER_DATA_DIR", data);
  const names = await listNotebooks();
  const refreshed: string[] = [];
  for (const name of names) {
    const src = new URL(name, NOTEBOOKS).pathname;
    const nb = JSON.parse(await Deno.readTextFile(src));
    if (isStale(nb)) {
      const r = await executeNotebook(name, "memkit", join(dir, name), "ci");
      assert.ok(r.ok, `${name} failed at CI size: ${r.error}`);
      refreshed.push(name);
    } else await Deno.copyFile(src, join(dir, name));
  }
  if (before === undefined) Deno.env.delete("JUPYTER_DATA_DIR");
  else Deno.env.set("JUPYTER_DATA_DIR", before);
  if (refreshed.length) {
    console.error(
      `front-ends: committed notebooks predate the current outputs; ` +
        `checked fresh CI-size executions of ${refreshed.join(", ")}`,
    );
  }
  const session = await notebookSession(dir, { JUPYTER_DATA_DIR: data, MEMKIT_SIZE: "ci" }, [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
  ]);
  try {
    const page = await session.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const open = async (name: string) => {
      await gotoWhenUp(page, session.url(name));
      await waitFor(page, LOADED, 60_000);
    };

    await t.step("every notebook, untrusted: each plot shows its picture", async () => {
      for (const name of names) {
        await open(name);
        // Let images decode.
        await page.waitForTimeout(500);
        const r = await page.evaluate(PICTURES) as {
          trusted: boolean;
          plots: number;
          shown: number;
          inlineSvg: number;
          bad: string[];
        };
        assert.equal(r.trusted, false, `${name} opened untrusted`);
        assert.ok(r.plots > 0, `${name} has plot outputs`);
        assert.equal(r.shown, r.plots, `${name}: ${r.bad.join("; ")}`);
        await page.locator(".output_area img").first().screenshot({
          path: join(tmp, `${name}.png`),
        });
      }
    });

    await t.step("Run All on the quickstart draws plotly traces", async () => {
      await open("00_quickstart.ipynb");
      await waitFor(
        page,
        `Jupyter.notebook.kernel && Jupyter.notebook.kernel.is_connected()`,
        60_000,
      );
      await page.evaluate(
        `Jupyter.notebook.clear_all_output(); Jupyter.notebook.execute_all_cells()`,
      );
      await waitFor(
        page,
        `Jupyter.notebook.get_cells().every((c) => c.cell_type !== "code" ||
          (c.input_prompt_number !== "*" && c.input_prompt_number != null))`,
        300_000,
      );
      await waitFor(page, `${TRACES} > 0`, 60_000);
      const text = (await page.locator(".output_area").allInnerTexts()).join("\n");
      assert.doesNotMatch(text, /⚠|still alive/, "no leak warning in the quickstart");
      assert.match(text, /memkit · wall/, "cell reports shown");
      assert.doesNotMatch(text, /Error|EngineDied/);
      // Let the autosave-free page go without saving.
      await page.evaluate(`Jupyter.notebook.set_dirty(false)`);
    });

    await t.step("nbconvert --execute HTML: plotly offline, picture without scripts", async () => {
      const out = await new Deno.Command(PYTHON, {
        args: [
          "-m",
          "nbconvert",
          "--to",
          "html",
          "--execute",
          "--ExecutePreprocessor.kernel_name=memkit",
          "--ExecutePreprocessor.timeout=300",
          "--output-dir",
          tmp,
          join(dir, "00_quickstart.ipynb"),
        ],
        cwd: dir,
        env: { JUPYTER_DATA_DIR: data, MEMKIT_SIZE: "ci" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(out.code, 0, new TextDecoder().decode(out.stderr).slice(-3000));
      const html = join(tmp, "00_quickstart.html");
      const ctx = await session.browser.newContext({ offline: true });
      const p = await ctx.newPage();
      await p.goto(`file://${html}`);
      await p.waitForFunction(
        `[...document.querySelectorAll(".memkit-plot")].length > 0 &&
         [...document.querySelectorAll(".memkit-plot")].every((r) => r.getAttribute("data-memkit") === "plotly")`,
        null,
        { timeout: 60_000 },
      );
      assert.ok((await p.evaluate(TRACES) as number) > 0, "plotly traces drawn offline");
      await ctx.close();
      const noJs = await session.browser.newContext({ offline: true, javaScriptEnabled: false });
      const q = await noJs.newPage();
      await q.goto(`file://${html}`);
      const shown = await q.evaluate(`[...document.querySelectorAll(".memkit-plot img")]
        .filter((im) => im.complete && im.naturalWidth > 0).length`) as number;
      assert.ok(shown > 0, "without scripts, the static picture shows");
      await noJs.close();
    });
  } finally {
    await session.close();
    await Deno.remove(tmp, { recursive: true });
  }
});
