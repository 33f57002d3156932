/**
 * The kernelspec: where Jupyter looks for kernels, and what memkit's says.
 * @module
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

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

/** The Jupyter data folder that holds `kernels/` ($JUPYTER_DATA_DIR or the platform's). */
export function dataDir(kernels = kernelsDir()): string {
  return dirname(kernels);
}

/**
 * True when `path` is a deno that may vanish: npx's cache (`…/_npx/…`), npm's
 * cache or the temp folder. Clearing npm's cache would then break the
 * kernelspec. A global npm install (`…/lib/node_modules/deno/deno`) stays.
 */
export function isEphemeral(path: string): boolean {
  const p = path.replaceAll("\\", "/");
  const tmp = (Deno.env.get("TMPDIR") ?? "/tmp").replace(/\/+$/, "");
  return /\/_npx\/|\/\.npm\/|\/npm-cache\//.test(p) || p.startsWith(`${tmp}/`);
}

/**
 * A deno for the kernelspec that outlives npm's cache: `Deno.execPath()` when
 * it is a stable install (e.g. ~/.deno/bin/deno, /usr/bin/deno), else a hard
 * link to it (a copy across file systems) at `<data>/memkit/deno-<version>`,
 * outside this checkout.
 */
export async function stableDeno(data = dataDir()): Promise<string> {
  const exec = Deno.execPath();
  if (!isEphemeral(exec)) return exec;
  const dir = join(data, "memkit");
  const target = join(dir, `deno-${Deno.version.deno}${Deno.build.os === "windows" ? ".exe" : ""}`);
  if (await Deno.stat(target).then((s) => s.isFile && s.size > 0, () => false)) return target;
  await Deno.mkdir(dir, { recursive: true });
  const tmp = `${target}.${Deno.pid}.tmp`;
  try {
    await Deno.link(exec, tmp);
  } catch {
    await Deno.copyFile(exec, tmp);
  }
  if (Deno.build.os !== "windows") await Deno.chmod(tmp, 0o755);
  await Deno.rename(tmp, target);
  return target;
}

/** kernel.json for the memkit kernel, with absolute paths to this checkout and to `deno`. */
export function kernelSpec(deno = Deno.execPath()): Record<string, unknown> {
  const main = fileURLToPath(new URL("./main.ts", import.meta.url));
  const config = fileURLToPath(new URL("../deno.kernel.json", import.meta.url));
  return {
    argv: [deno, "run", "-A", "--quiet", "--config", config, main, "{connection_file}"],
    display_name: "Deno (memkit)",
    language: "typescript",
    // Deno's kernel ends on SIGINT but interrupts on a control message.
    interrupt_mode: "message",
    env: {},
    metadata: { memkit: { version: "0.1.0" } },
  };
}

/** Writes the "memkit" kernelspec, pointing at a stable deno; returns its folder. */
export async function installKernel(dir = kernelsDir()): Promise<string> {
  const target = join(dir, "memkit");
  await Deno.mkdir(target, { recursive: true });
  const deno = await stableDeno(dataDir(dir));
  await Deno.writeTextFile(
    join(target, "kernel.json"),
    JSON.stringify(kernelSpec(deno), null, 2) + "\n",
  );
  return target;
}
