/**
 * `deno task notebook` end to end: the classic notebook server with the
 * memkit kernel, driven by a real browser (chromium through playwright-core):
 * each cell shows its report, and the timeline draws as a plotly figure.
 */
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

const root = new URL("../../", import.meta.url).pathname;

Deno.test("kernel: classic notebook in chromium shows reports and the timeline", async () => {
  const data = await Deno.makeTempDir({ prefix: "memkit-jupyter-" });
  const dir = await Deno.makeTempDir({ prefix: "memkit-nb-" });
  const notebook = {
    cells: ["1 + 1", "await memkit.timeline()"].map((source) => ({
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
  const port = 20000 + Math.floor(Math.random() * 20000);
  const server = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--quiet",
      "--config",
      `${root}deno.json`,
      `${root}kernel/notebook.ts`,
      "--no-browser",
      `--port=${port}`,
      "--NotebookApp.token=memkit",
    ],
    cwd: dir,
    env: { JUPYTER_DATA_DIR: data },
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox"],
  });
  try {
    const page = await browser.newPage();
    const url = `http://127.0.0.1:${port}/notebooks/t.ipynb?token=memkit`;
    for (let i = 0;; i++) {
      try {
        await page.goto(url);
        break;
      } catch (e) {
        if (i > 60) throw e;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
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
    await page.waitForSelector(".js-plotly-plot .scatterlayer .trace", { timeout: 60_000 });
    const outputs = await page.locator(".output_area").allInnerTexts();
    assert.ok(outputs.some((t) => /^memkit · wall [\d.]+ ms · RSS /.test(t)), outputs.join("\n"));
    assert.equal(outputs.filter((t) => t.startsWith("memkit · wall")).length, 2);
    assert.equal(await page.locator(".js-plotly-plot").count(), 1);
    assert.ok(outputs.some((t) => t.includes("memkit session timeline")));
  } finally {
    await browser.close();
    server.kill("SIGTERM");
    await server.stderr.cancel();
    await server.status;
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(data, { recursive: true });
  }
});
