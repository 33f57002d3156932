/**
 * `deno task notebook` end to end: the classic notebook server with the
 * memkit kernel, driven by a real browser (chromium through playwright-core):
 * each cell shows its report, and the session timeline (lib/plot: a static SVG
 * and a loader; plotly.js carried by the first plot only) draws plotly traces
 * under the classic notebook's require.js, the second from the page's copy.
 */
import assert from "node:assert/strict";
import { gotoWhenUp, notebookSession } from "../_notebook_server.ts";

const root = new URL("../../", import.meta.url).pathname;

// Browser-side snippets as strings: this file is type-checked without the DOM library.
// Both timelines upgrade from their static SVG to plotly (data-memkit="plotly"): the
// first inflates the plotly.js it carries, the second finds it on the page.
const UPGRADED = `(() => {
  const roots = [...document.querySelectorAll(".memkit-plot")];
  return roots.length === 2 && roots.every((r) => r.getAttribute("data-memkit") === "plotly");
})()`;
const STATE = `(() => {
  const html = (i) => String(Jupyter.notebook.get_cell(i).output_area.outputs
    .find((o) => o.data && o.data["text/html"])?.data["text/html"] ?? "");
  const roots = [...document.querySelectorAll(".memkit-plot")];
  return {
    requirejs: typeof window.require === "function" && Boolean(window.define && window.define.amd),
    traces: roots.map((r) => r.querySelectorAll(".js-plotly-plot .scatterlayer .trace").length),
    legends: roots.map((r) => [...r.querySelectorAll(".legendtext")].map((e) => e.textContent)),
    staticShown: roots.filter((r) => r.querySelector(".memkit-static").offsetParent !== null).length,
    sizes: [html(1).length, html(3).length],
  };
})()`;

Deno.test("kernel: classic notebook in chromium shows reports and the timeline", async () => {
  const data = await Deno.makeTempDir({ prefix: "memkit-jupyter-" });
  const dir = await Deno.makeTempDir({ prefix: "memkit-nb-" });
  const notebook = {
    cells: [
      "1 + 1",
      "await memkit.timeline()",
      "new Uint8Array(50_000_000).fill(1).length",
      "await memkit.timeline()",
    ].map((source) => ({
      cell_type: "code",
      execution_count: null,
      metadata: {},
      outputs: [],
      source,
    })),
    metadata: {
      kernelspec: { name: "memkit", display_name: "Deno (memkit)", language: "typescript" },
    },
    nbformat: 4,
    nbformat_minor: 5,
  };
  await Deno.writeTextFile(`${dir}/t.ipynb`, JSON.stringify(notebook));
  const session = await notebookSession(dir, { JUPYTER_DATA_DIR: data });
  try {
    const page = await session.browser.newPage();
    await gotoWhenUp(page, session.url("t.ipynb"), 60);
    await page.waitForFunction(
      () => {
        const j =
          (globalThis as { Jupyter?: { notebook?: { kernel?: { is_connected(): boolean } } } })
            .Jupyter;
        return j?.notebook?.kernel?.is_connected() ?? false;
      },
      null,
      { timeout: 60_000 },
    );
    await page.evaluate(() =>
      (globalThis as unknown as { Jupyter: { notebook: { execute_all_cells(): void } } }).Jupyter
        .notebook.execute_all_cells()
    );
    // Both timelines upgrade from their static SVG to plotly (data-memkit="plotly"): the
    // first inflates the plotly.js it carries, the second finds it on the page.
    await page.waitForFunction(UPGRADED, null, { timeout: 90_000 });
    const outputs = await page.locator(".output_area").allInnerTexts();
    assert.ok(outputs.some((t) => /^memkit · wall [\d.]+ ms · RSS /.test(t)), outputs.join("\n"));
    assert.equal(outputs.filter((t) => t.startsWith("memkit · wall")).length, 4);
    const plots = await page.evaluate(STATE) as {
      requirejs: boolean;
      traces: number[];
      legends: string[][];
      staticShown: number;
      sizes: number[];
    };
    await Deno.mkdir(`${root}out`, { recursive: true });
    await page.locator(".memkit-plot").nth(1).screenshot({
      path: `${root}out/kernel_timeline.png`,
    });
    assert.ok(plots.requirejs, "the classic notebook's require.js is on the page");
    assert.equal(await page.locator(".js-plotly-plot").count(), 2);
    for (const n of plots.traces) assert.ok(n >= 3, `${n} plotly traces drawn`);
    // lib/memory's one timeline figure: the engine's RSS line, per-cell peaks, and one
    // stacked band per part of RSS ("unexplained" its own).
    for (const name of ["engine RSS", "peak RSS in cell", "V8 heap used", "unexplained"]) {
      assert.ok(plots.legends[1].includes(name), `legend ${plots.legends[1].join(", ")}`);
    }
    assert.equal(plots.staticShown, 0, "the static SVGs give way to plotly");
    assert.ok(
      plots.sizes[0] > 1_000_000,
      `the first timeline carries plotly.js (${plots.sizes[0]})`,
    );
    assert.ok(plots.sizes[1] < 100_000, `the second timeline's HTML is ${plots.sizes[1]} bytes`);
    assert.ok(outputs.some((t) => t.includes("memkit session timeline")));
  } finally {
    await session.close();
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(data, { recursive: true });
  }
});
