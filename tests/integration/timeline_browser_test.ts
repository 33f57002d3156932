/**
 * The timeline's Jupyter output in a real notebook and a real browser:
 * Deno's kernel executes a notebook (through nbclient), the classic notebook
 * server serves it, headless Chromium opens it, and the DOM must show plotly
 * traces (or, where plotly.js cannot be had, the static SVG) and no error.
 * Screenshots go to out/.
 */
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { timeline } from "../../mod.ts";

const PYTHON = "/usr/bin/python3";
const CHROMIUM = "/usr/bin/chromium";
const REPO = new URL("../../", import.meta.url).pathname;

const CELLS = [
  // A first cell's output is sometimes lost under nbclient (Deno's kernel may publish it
  // before the client's iopub subscription is live), so the first cell is a warm-up.
  `"warm-up"`,
  `import { timeline } from "memkit";
import * as tf from "@tensorflow/tfjs-core";
await tf.setBackend("cpu");
const tl = timeline({ everyMs: 20, title: "cell one" });
const kept = [];
for (let i = 0; i < 5; i++) {
  kept.push(tf.randomNormal([200, 200]));
  tl.mark(\`step \${i}\`);
  await new Promise((r) => setTimeout(r, 40));
}
tf.dispose(kept);
tl.stop();
// show(), not a bare \`tl\`: Deno's kernel may send a 2 MB result after "idle", and nbclient drops it.
await tl.show();`,
  `const tl2 = timeline({ everyMs: 10, title: "cell two" });
const big = new Float64Array(2e6).fill(1);
tl2.mark("allocated " + big.length);
await new Promise((r) => setTimeout(r, 200));
tl2.stop();
tl2`,
  `const tl3 = timeline({ everyMs: 10, live: true, liveEveryMs: 100, title: "live" });
await new Promise((r) => setTimeout(r, 450));
tl3.stop();
await new Promise((r) => setTimeout(r, 100));`,
];

const PY = `
import json, sys, nbformat, nbclient
from nbformat.sign import NotebookNotary
out, repo = sys.argv[1], sys.argv[2]
cells = json.loads(sys.argv[3])
nb = nbformat.v4.new_notebook()
nb.metadata["kernelspec"] = {"name": "memkit-test-deno", "display_name": "Deno", "language": "typescript"}
# Deno's kernel now and then publishes an output after the cell's "idle" status, and
# nbclient then drops it (a kernel/runner race, seen with and without memkit): retry.
for attempt in range(3):
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nbclient.NotebookClient(nb, timeout=60, kernel_name="memkit-test-deno", resources={"metadata": {"path": repo}}).execute()
    if all(c.outputs for c in nb.cells[1:]):
        break
    print("attempt", attempt + 1, "lost an output; retrying", file=sys.stderr)
nbformat.write(nb, out + "/full.ipynb")
cleared = nbformat.reads(nbformat.writes(nb), as_version=4)
cleared.cells[1].outputs = []
cleared.cells[1].execution_count = None
nbformat.write(cleared, out + "/cleared.ipynb")
notary = NotebookNotary()
for name in ("full", "cleared"):
    book = nbformat.read(out + "/" + name + ".ipynb", as_version=4)
    notary.sign(book)
    assert notary.check_signature(book)
print(json.dumps([[o.get("output_type") for o in c.outputs] for c in nb.cells]))
`;

// Browser-side snippets as strings: this file is type-checked without the DOM library.
const SETTLED = `(() => {
  const roots = [...document.querySelectorAll(".memkit-plot")];
  return roots.length > 0 && roots.every((r) => r.getAttribute("data-memkit"));
})()`;
const STATE = `[...document.querySelectorAll(".memkit-plot")].map((r) => ({
  mode: r.getAttribute("data-memkit"),
  traces: r.querySelectorAll(".js-plotly-plot .scatterlayer .trace").length,
  svgVisible: r.querySelector(".memkit-static").style.display !== "none" &&
    [...r.querySelectorAll(".memkit-static img")].some((i) => i.naturalWidth > 0),
  note: r.querySelector(".memkit-note").textContent,
}))`;

const LIVE_CELL = `import { timeline } from "memkit";
const live = timeline({ everyMs: 20, live: true, liveEveryMs: 250, title: "browser live" });
await new Promise((r) => setTimeout(r, 2500));
live.stop();`;
const LIVE_STATE = `(() => {
  const cell = document.querySelector(".memkit-live-test");
  const outputs = cell ? cell.querySelectorAll(".output_area").length : 0;
  const title = cell ? (cell.querySelector(".js-plotly-plot .gtitle") || {}).textContent || "" : "";
  const done = !!cell && !cell.classList.contains("running") && outputs > 0;
  return { outputs, title, done };
})()`;

interface OutputState {
  mode: string | null;
  traces: number;
  svgVisible: boolean;
  note: string | null;
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function waitForHttp(url: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      const r = await fetch(url);
      await r.body?.cancel();
      if (r.ok) return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`notebook server at ${url} did not answer within ${ms} ms`);
}

Deno.test({
  name:
    "timeline output renders in the classic notebook in Chromium, also with earlier outputs cleared",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    // Inside the repository (out/ is ignored), so that kernels the notebook server starts
    // (cwd = the notebook's folder) find deno.json and resolve "memkit".
    await Deno.mkdir(`${REPO}out`, { recursive: true });
    const dir = await Deno.makeTempDir({ dir: `${REPO}out`, prefix: "nb-" });
    // A private Jupyter home: kernelspec, trust database and runtime files stay here.
    const env = {
      JUPYTER_DATA_DIR: `${dir}/data`,
      JUPYTER_CONFIG_DIR: `${dir}/config`,
      JUPYTER_RUNTIME_DIR: `${dir}/runtime`,
      JUPYTER_PATH: `${dir}/data`,
      NO_COLOR: "1",
    };
    await Deno.mkdir(`${dir}/data/kernels/memkit-test-deno`, { recursive: true });
    await Deno.writeTextFile(
      `${dir}/data/kernels/memkit-test-deno/kernel.json`,
      JSON.stringify({
        argv: [Deno.execPath(), "jupyter", "--kernel", "--conn", "{connection_file}"],
        display_name: "Deno",
        language: "typescript",
      }),
    );
    await Deno.mkdir(`${REPO}out`, { recursive: true });
    let server: Deno.ChildProcess | undefined;
    let browser: Awaited<ReturnType<typeof chromium.launch>> | undefined;
    try {
      const exec = await new Deno.Command(PYTHON, {
        args: ["-c", PY, dir, REPO, JSON.stringify(CELLS)],
        env,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stderr = new TextDecoder().decode(exec.stderr);
      assert.ok(exec.success, `executing the notebook failed:\n${stderr.slice(-3000)}`);
      const kinds = JSON.parse(new TextDecoder().decode(exec.stdout).trim().split("\n").at(-1)!);
      // Cell 1 shows the timeline, cell 2 ends with it (execute_result); cell 3's live output is one
      // display_data updated in place, not one output per update.
      assert.deepEqual(kinds.slice(1), [["display_data"], ["execute_result"], ["display_data"]]);
      const full = JSON.parse(await Deno.readTextFile(`${dir}/full.ipynb`));
      const part = (cell: number, mime: string) =>
        [full.cells[cell + 1].outputs[0].data[mime]].flat().join("");
      const html = (cell: number) => part(cell, "text/html");
      assert.ok(html(0).includes(`class="memkit-plotly-gz"`), "the first output carries plotly.js");
      assert.ok(!html(1).includes(`class="memkit-plotly-gz"`), "later outputs do not");
      assert.ok(!html(2).includes(`class="memkit-plotly-gz"`), "the live output does not");
      assert.ok(html(1).length < 200_000, `second output is ${html(1).length} chars`);
      assert.ok(part(2, "text/plain").includes("stopped"), "live output got its final update");
      assert.ok(
        !/cdn|https?:\/\/(?!www\.w3\.org)/i.test(html(1)),
        "no network reference in the output",
      );

      const port = freePort();
      const args = [
        "-m",
        "notebook",
        "--no-browser",
        `--port=${port}`,
        "--ip=127.0.0.1",
        "--NotebookApp.token=",
        "--NotebookApp.password=",
        `--notebook-dir=${REPO}`,
        ...(Deno.uid() === 0 ? ["--allow-root"] : []),
      ];
      // exec: the shell becomes the server, so killing the child stops the server.
      server = new Deno.Command("sh", {
        args: ["-c", `exec "$0" "$@" > "${dir}/server.log" 2>&1`, PYTHON, ...args],
        env,
      }).spawn();
      const base = `http://127.0.0.1:${port}`;
      const rel = dir.slice(REPO.length);
      await waitForHttp(`${base}/api/status`, 20_000);

      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--no-first-run",
          "--disable-background-networking",
        ],
      });

      const launched = browser;
      const open = async (
        context: Awaited<ReturnType<typeof launched.newContext>>,
        name: string,
      ) => {
        const page = await context.newPage();
        const errors: string[] = [];
        page.on("pageerror", (e) => errors.push(String(e)));
        page.on("console", (m) => {
          if (m.type() === "error" && /memkit|plotly|Mismatched/i.test(m.text())) {
            errors.push(m.text());
          }
        });
        await page.setViewportSize({ width: 1100, height: 1400 });
        await page.goto(`${base}/notebooks/${rel}/${name}.ipynb`);
        await page.waitForSelector(".memkit-plot", { timeout: 20_000 });
        // Every output settles: upgraded to plotly, or left on its static SVG.
        await page.waitForFunction(SETTLED, undefined, { timeout: 20_000 });
        const state = await page.evaluate(STATE) as OutputState[];
        const trusted = await page.evaluate("IPython.notebook.trusted") as boolean;
        return { page, errors, state, trusted };
      };

      const shared = await browser.newContext();
      const a = await open(shared, "full");
      await a.page.screenshot({ path: `${REPO}out/timeline_notebook.png`, fullPage: true });
      assert.equal(a.trusted, true);
      // The classic notebook runs require.js: plotly.js must still end up on window.Plotly.
      assert.equal(await a.page.evaluate("typeof define === 'function' && !!define.amd"), true);
      assert.equal(await a.page.evaluate("window.__memkitPlotly.source"), "page");
      assert.deepEqual(a.errors, []);
      assert.equal(a.state.length, 3);
      for (const s of a.state) {
        assert.equal(s.mode, "plotly", JSON.stringify(a.state));
        assert.ok(s.traces >= 6, `expected ≥ 6 traces, got ${s.traces}`);
      }

      // live: true from the browser: one output, updated in place while the cell runs.
      await a.page.waitForFunction(
        "IPython.notebook.kernel && IPython.notebook.kernel.is_connected()",
        undefined,
        {
          timeout: 20_000,
        },
      );
      await a.page.evaluate(`(() => {
        const cell = IPython.notebook.insert_cell_at_bottom("code");
        cell.set_text(${JSON.stringify(LIVE_CELL)});
        cell.element.addClass("memkit-live-test");
        cell.execute();
      })()`);
      const titles = new Set<string>();
      const counts = new Set<number>();
      const until = Date.now() + 25_000;
      while (Date.now() < until) {
        const seen = await a.page.evaluate(LIVE_STATE) as {
          outputs: number;
          title: string;
          done: boolean;
        };
        if (seen.title) titles.add(seen.title);
        if (seen.outputs) counts.add(seen.outputs);
        if (seen.done) break;
        await new Promise((r) => setTimeout(r, 150));
      }
      assert.deepEqual([...counts], [1], "one output, updated in place");
      assert.ok(titles.size >= 3, `the plot updated: ${[...titles].join(" | ")}`);
      await a.page.locator(".memkit-live-test").screenshot({
        path: `${REPO}out/timeline_notebook_live.png`,
      });

      // Cell 1 (the carrier) cleared, same browser: plotly comes from the IndexedDB cache.
      const b = await open(shared, "cleared");
      assert.deepEqual(b.errors, []);
      assert.equal(b.state.length, 2);
      for (const s of b.state) assert.equal(s.mode, "plotly", JSON.stringify(b.state));
      assert.equal(await b.page.evaluate("window.__memkitPlotly.source"), "cache");
      await shared.close();

      // Cell 1 cleared, a browser that never saw plotly: each output still shows its plot (SVG).
      const fresh = await browser.newContext();
      const c = await open(fresh, "cleared");
      await c.page.screenshot({ path: `${REPO}out/timeline_notebook_cleared.png`, fullPage: true });
      assert.deepEqual(c.errors, []);
      assert.equal(c.state.length, 2);
      for (const s of c.state) {
        assert.equal(s.mode, "static");
        assert.ok(s.svgVisible, "static SVG shown");
        assert.match(s.note ?? "", /neither on this page nor cached/);
      }
      await fresh.close();

      // saveHTML: one offline page from file://, interactive, hover in human units and bytes.
      const tl = timeline({ everyMs: 5, title: "saved" });
      await new Promise((r) => setTimeout(r, 60));
      tl.mark("middle");
      await new Promise((r) => setTimeout(r, 60));
      tl.stop();
      await tl.saveHTML(`${dir}/saved.html`);
      const offline = await browser.newContext({ offline: true });
      const page = await offline.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      await page.goto(`file://${dir}/saved.html`);
      await page.waitForFunction(SETTLED, undefined, { timeout: 20_000 });
      const [saved] = await page.evaluate(STATE) as OutputState[];
      assert.equal(saved.mode, "plotly");
      assert.ok(saved.traces >= 5);
      const box = await page.locator(".memkit-plotly .nsewdrag").first().boundingBox();
      assert.ok(box);
      // Plotly shows hover on mouse motion over the drag layer; move in steps from outside,
      // and try a few points in case one lands on an annotation.
      let hover = "";
      for (const fx of [0.6, 0.4, 0.8, 0.3]) {
        await page.mouse.move(1, 1);
        await page.mouse.move(box.x + box.width * fx, box.y + box.height * 0.6, { steps: 8 });
        try {
          await page.waitForFunction(
            `(document.querySelector(".hoverlayer") || {}).textContent?.includes("bytes")`,
            undefined,
            { timeout: 2_000 },
          );
        } catch { /* try another point */ }
        hover = await page.evaluate(`document.querySelector(".hoverlayer").textContent`) as string;
        if (hover.includes("bytes")) break;
      }
      assert.match(hover, /RSS/);
      assert.match(hover, /\d+(\.\d+)?MB \([\d,]+ bytes\)/);
      await page.screenshot({ path: `${REPO}out/timeline_saved_hover.png` });
      assert.deepEqual(errors, []);
      await offline.close();
    } finally {
      await browser?.close();
      if (server) {
        try {
          server.kill("SIGTERM");
        } catch { /* already gone */ }
        const status = await server.status;
        if (status.code !== 0 && status.signal === null) {
          console.error(await Deno.readTextFile(`${dir}/server.log`).catch(() => ""));
        }
      }
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
