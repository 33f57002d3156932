/**
 * The kernelspec: where Jupyter looks for kernels, and what memkit's says.
 * @module
 */
import { join } from "node:path";

/** The user's Jupyter kernels folder: $JUPYTER_DATA_DIR, else the platform's default. */
export function kernelsDir(): string {
  const env = Deno.env.get("JUPYTER_DATA_DIR");
  if (env) return join(env, "kernels");
  const home = Deno.env.get("HOME") ?? Deno.env.get("USERPROFILE") ?? ".";
  if (Deno.build.os === "darwin") return join(home, "Library", "Jupyter", "kernels");
  if (Deno.build.os === "windows") {
    return join(Deno.env.get("APPDATA") ?? home, "jupyter", "kernels");
  }
  const data = Deno.env.get("XDG_DATA_HOME") ?? join(home, ".local", "share");
  return join(data, "jupyter", "kernels");
}

/** kernel.json for the memkit kernel, with absolute paths to this checkout and this deno. */
export function kernelSpec(): Record<string, unknown> {
  const main = new URL("./main.ts", import.meta.url).pathname;
  const config = new URL("../deno.kernel.json", import.meta.url).pathname;
  return {
    argv: [Deno.execPath(), "run", "-A", "--quiet", "--config", config, main, "{connection_file}"],
    display_name: "Deno (memkit)",
    language: "typescript",
    // Deno's kernel ends on SIGINT but interrupts on a control message.
    interrupt_mode: "message",
    env: {},
    metadata: { memkit: { version: "0.1.0" } },
  };
}

/** Writes the "memkit" kernelspec; returns its folder. */
export async function installKernel(dir = kernelsDir()): Promise<string> {
  const target = join(dir, "memkit");
  await Deno.mkdir(target, { recursive: true });
  await Deno.writeTextFile(
    join(target, "kernel.json"),
    JSON.stringify(kernelSpec(), null, 2) + "\n",
  );
  return target;
}
