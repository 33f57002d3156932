/**
 * Kernel faults (issue 17) through a real Jupyter client: invalid requests get
 * error replies, engine deaths between cells are announced and a cell sent at
 * once is re-queued, the restart limit gives EngineStopped for every execute,
 * huge outputs are truncated with a note, 100,000 lines arrive in order,
 * timer errors show in the next cell, the engine's connection file is 0600.
 * Driven by tests/kernel/faults_driver.py (Debian's jupyter_client).
 */
import assert from "node:assert/strict";

const root = new URL("../../", import.meta.url).pathname;

interface Msg {
  type: string;
  content: Record<string, unknown>;
}
interface Run {
  iopub: Msg[];
  reply: Record<string, unknown>;
}
interface Raw {
  type: string;
  content: Record<string, unknown>;
  parent: Record<string, unknown>;
}
type Out = Record<string, unknown> & { log: string; exception?: string };

async function drive(scenario: string): Promise<Out> {
  const dataDir = await Deno.makeTempDir({ prefix: "memkit-jupyter-" });
  const work = await Deno.makeTempDir({ prefix: `memkit-${scenario}-` });
  try {
    const inst = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--quiet", `${root}kernel/install.ts`],
      env: { JUPYTER_DATA_DIR: dataDir },
    }).output();
    assert.equal(inst.code, 0, new TextDecoder().decode(inst.stderr));
    const out = await new Deno.Command("/usr/bin/python3", {
      args: [`${root}tests/kernel/faults_driver.py`, scenario, work],
      cwd: `${root}tests/kernel`,
      env: { JUPYTER_DATA_DIR: dataDir, MEMKIT_REPORT: "on", MEMKIT_LINES: "100000" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, `driver failed: ${new TextDecoder().decode(out.stderr)}`);
    const result = JSON.parse(new TextDecoder().decode(out.stdout)) as Out;
    assert.equal(result.exception, undefined, `${result.exception}\nkernel log:\n${result.log}`);
    return result;
  } finally {
    await Deno.remove(work, { recursive: true }).catch(() => {});
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
}

const of = (r: unknown, type: string) => (r as Run).iopub.filter((m) => m.type === type);
const text = (r: unknown) => of(r, "stream").map((m) => String(m.content.text)).join("");

Deno.test("kernel faults: invalid requests, late errors, big outputs, private engine file", async () => {
  const r = await drive("faults_protocol");
  const bad = r.bad_content as Raw;
  assert.equal(bad?.type, "execute_reply", "signed content that is not JSON gets a reply");
  assert.equal(bad.content.status, "error");
  assert.equal(bad.content.ename, "InvalidMessage");
  const arr = r.array_header as Raw;
  assert.equal(arr?.content.ename, "InvalidMessage", "a header that is an array gets an error");
  assert.deepEqual(arr.parent, {}, "an invalid header is never echoed as parent_header");
  assert.equal((r.unknown as Raw)?.type, "frobnicate_reply");
  assert.equal((r.unknown as Raw).content.ename, "UnsupportedRequest");
  assert.equal((r.debug as Raw)?.type, "debug_reply");
  assert.equal((r.alive as Run).reply.status, "ok", "the kernel keeps serving");
  assert.match(text(r.late), /late boom/, "a timer's error shows in the next cell");
  assert.equal(r.conn_mode, "0o600");
  const huge = r.huge as Run;
  assert.equal(huge.reply.status, "ok");
  const chars = r.huge_stream_chars as number;
  assert.ok(chars > 900_000 && chars < 1_100_000, `50 MB line truncated to ~1 MB, got ${chars}`);
  assert.ok(of(huge, "execute_result").length === 1, "the result after a huge output arrives");
  const lines = r.lines as { ok: boolean; got: number; n: number; status: string };
  assert.equal(lines.status, "ok");
  assert.equal(lines.got, lines.n, "every printed line arrives");
  assert.ok(lines.ok, "in order");
  assert.equal((r.after_lines as Run).reply.status, "ok");
});

Deno.test("kernel faults: engine deaths, re-queue and the restart limit", async () => {
  const r = await drive("faults_engine");
  const after = r.after_kill as Run;
  assert.equal(after.reply.status, "ok");
  assert.match(text(after), /engine restarted: variables lost/);
  const once = r.at_once as Run;
  assert.equal(once.reply.status, "ok", "a cell sent as the engine died is re-queued, not blamed");
  assert.equal(r.at_once_pid, true);
  const deaths = r.deaths as (string | null)[];
  assert.equal(deaths[0], "EngineDied");
  assert.ok(deaths.includes("EngineStopped") || deaths.at(-1) === "EngineDied");
  for (const key of ["stopped", "stopped_again"]) {
    const s = r[key] as Run;
    assert.equal(s.reply.ename, "EngineStopped", `${key}: a clear error, not silence`);
    assert.match(String(of(s, "error")[0]?.content.evalue), /restart the kernel/);
  }
  assert.equal(r.info_when_stopped, "error");
  assert.match(r.log, /not restarting it/);
});
