/**
 * A kernel interrupt stops a dataset pass and frees what it held, in Deno's
 * own Jupyter kernel ("deno") and in the memkit kernel ("memkit"), driven by
 * Debian's jupyter_client (tests/data/_interrupt_driver.py): a `for await`
 * over flights-3m.parquet `.repeat().prefetch(4).toTensors(…)`, then over a
 * CSV parsed by 2 workers `.repeat().prefetch(4)`, each interrupted after
 * 1.5–2 s with KernelManager.interrupt_kernel(); the next cell reads the
 * dataset probes, live CSV workers, open passes and tfjs tensors.
 */
import assert from "node:assert/strict";
import { ensureKernels } from "../../scripts/_setup.ts";
import { interruptChild } from "./_sigint.ts";

const root = new URL("../../", import.meta.url).pathname;

interface Cell {
  status: string;
  error: string | null;
  result: string | null;
}
interface Interrupted {
  status: string;
  ename: string | null;
  evalue: string | null;
  seconds: number;
}
interface Held {
  probes: Record<string, number>;
  workers: number;
  passes: number;
  tensors: number;
  pulled: number;
  /** The most seen while the loop ran (before the interrupt). */
  during: { workers: number; bytes: number; tensors: number };
}

const ANSI = new RegExp(String.fromCharCode(27) + "\\[[0-9;]*m", "g");
function held(cell: unknown): Held {
  const c = cell as Cell;
  assert.equal(c.status, "ok", `check cell failed: ${c.error}`);
  const text = String(c.result).replace(ANSI, "");
  // Deno shows a string result quoted with '…'.
  return JSON.parse(text.slice(1, -1)) as Held;
}

let dataDir = "";
let csvPath = "";
globalThis.addEventListener("unload", () => {
  for (const p of [dataDir, csvPath.replace(/\/numbers\.csv$/, "")]) {
    if (p) Deno.removeSync(p, { recursive: true });
  }
});
async function writeCsv(): Promise<void> {
  if (csvPath) return;
  // ~4.5 MB of numbers: 60,000 rows of 4 float columns.
  const dir = await Deno.makeTempDir({ prefix: "memkit-interrupt-csv-" });
  csvPath = `${dir}/numbers.csv`;
  const lines = ["a,b,c,d"];
  for (let i = 0; i < 60_000; i++) {
    lines.push(`${i * 0.25},${(i % 97) / 7},${Math.sqrt(i)},${-i / 3}`);
  }
  await Deno.writeTextFile(csvPath, lines.join("\n") + "\n");
}

async function setup(): Promise<void> {
  await writeCsv();
  if (dataDir) return;
  // A private Jupyter data folder: the user's memkit kernelspec may point at
  // another checkout, and this test must run this one's.
  dataDir = await Deno.makeTempDir({ prefix: "memkit-interrupt-" });
  const before = Deno.env.get("JUPYTER_DATA_DIR");
  Deno.env.set("JUPYTER_DATA_DIR", dataDir);
  try {
    await ensureKernels();
  } finally {
    if (before === undefined) Deno.env.delete("JUPYTER_DATA_DIR");
    else Deno.env.set("JUPYTER_DATA_DIR", before);
  }
  // `deno jupyter --install` writes the user's folder whatever JUPYTER_DATA_DIR
  // says; give this folder the same spec (interrupt_mode: signal, the default).
  await Deno.mkdir(`${dataDir}/kernels/deno`, { recursive: true });
  await Deno.writeTextFile(
    `${dataDir}/kernels/deno/kernel.json`,
    JSON.stringify({
      argv: [Deno.execPath(), "jupyter", "--kernel", "--conn", "{connection_file}"],
      display_name: "Deno",
      language: "typescript",
    }),
  );
}

async function drive(kernel: string): Promise<Record<string, unknown>> {
  await setup();
  const out = await new Deno.Command("/usr/bin/python3", {
    args: [`${root}tests/data/_interrupt_driver.py`, kernel, dataDir, csvPath],
    cwd: root,
    env: { JUPYTER_DATA_DIR: dataDir, MEMKIT_REPORT: "off", PYDEVD_DISABLE_FILE_VALIDATION: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, `driver failed: ${new TextDecoder().decode(out.stderr)}`);
  const r = JSON.parse(new TextDecoder().decode(out.stdout));
  assert.equal(r.exception, undefined, `${r.exception}\nkernel log:\n${r.log}`);
  return r;
}

function assertStopped(
  r: Record<string, unknown>,
  key: string,
  checks: string[],
  during: { workers: number; tensors: boolean },
): void {
  const cell = r[key] as Interrupted;
  assert.equal(cell.status, "error", `${key}: the interrupted cell ends with an error`);
  assert.equal(cell.ename, "AbortError");
  assert.match(String(cell.evalue), /^Interrupted: SIGINT/);
  assert.ok(cell.seconds < 5, `${key}: the interrupt took ${cell.seconds} s`);
  for (const check of checks) {
    const h = held(r[check]);
    assert.ok(h.pulled > 0, `${check}: the loop ran before the interrupt`);
    // What the interrupt had to release was there while the loop ran.
    assert.equal(h.during.workers, during.workers, `${check}: CSV workers while running`);
    assert.ok(h.during.bytes > 0, `${check}: prefetch held nothing while running`);
    assert.equal(h.during.tensors > 0, during.tensors, `${check}: tensors while running`);
    assert.deepEqual(h.probes, {}, `${check}: dataset stages still hold bytes`);
    assert.equal(h.workers, 0, `${check}: CSV workers still alive`);
    assert.equal(h.passes, 0, `${check}: passes still open`);
    assert.equal(h.tensors, 0, `${check}: tensors left from toTensors`);
  }
}

Deno.test("data: SIGINT (Ctrl-C) aborts an open pass and frees workers and prefetch", async () => {
  await writeCsv();
  const { result: r } = await interruptChild(`${root}tests/data/_sigint_child.ts`, [csvPath], root);
  assert.equal(r.name, "AbortError");
  assert.equal(
    r.message,
    "Interrupted: SIGINT (a kernel interrupt or Ctrl-C) stopped the dataset pass",
  );
  assert.ok(r.pulled > 0);
  assert.equal(r.workersWhileRunning, 2);
  assert.equal(r.workers, 0);
  assert.equal(r.passes, 0);
  assert.deepEqual(r.probes, {});
});

for (const kernel of ["deno", "memkit"]) {
  Deno.test(`data: a kernel interrupt stops prefetch, workers and tensors in the ${kernel} kernel`, async () => {
    const r = await drive(kernel);
    assert.equal((r.setup as Cell).status, "ok", (r.setup as Cell).error ?? "");
    assertStopped(r, "parquet", ["parquet_check", "settled"], { workers: 0, tensors: true });
    assertStopped(r, "csv", ["csv_check", "csv_settled"], { workers: 2, tensors: false });
    assert.equal(String((r.alive as Cell).result).replace(ANSI, ""), "42");
  });
}
