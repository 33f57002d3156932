/**
 * For the SIGINT tests: runs a child script that prints "running" once its dataset pass is open,
 * sends it SIGINT 300 ms later (SIGKILL after 20 s if it hangs) and returns its exit code and the
 * JSON it printed after the interrupt.
 * @module
 */
import assert from "node:assert/strict";

/** What the child reports after the interrupt: the error and how many batches it pulled. */
export interface ChildReport {
  name: string;
  message: string;
  pulled: number;
  [key: string]: unknown;
}

/** The child's exit code, its whole stdout and the JSON object it printed last. */
export interface Interrupted {
  code: number;
  text: string;
  result: ChildReport;
}

/** Runs `script args…` with `deno run -A`, interrupts it once it is running, and reads its report. */
export async function interruptChild(
  script: string,
  args: string[],
  cwd?: string,
): Promise<Interrupted> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", script, ...args],
    cwd,
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).values();
  let text = "";
  while (!text.includes("running\n")) {
    const { value, done } = await lines.next();
    assert.ok(!done, `the child ended before running: ${text}`);
    text += value;
  }
  await new Promise((r) => setTimeout(r, 300));
  child.kill("SIGINT");
  const killer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  for await (const chunk of lines) text += chunk;
  const status = await child.status;
  clearTimeout(killer);
  assert.equal(status.code, 0, `the child did not stop on SIGINT: ${text}`);
  return { code: status.code, text, result: JSON.parse(text.slice(text.indexOf("{"))) };
}
