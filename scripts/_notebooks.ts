/**
 * Shared by `deno task notebooks`, `deno task bench notebooks` and the notebook tests: lists the tutorial
 * notebooks and executes one through Debian's nbclient in a given kernel.
 * @module
 */
import { SYSTEM_PYTHON } from "./_setup.ts";

/** The repository's notebooks/ folder. */
export const NOTEBOOKS = new URL("../notebooks/", import.meta.url);

/**
 * The kernel the notebooks run in: memkit's own ("memkit") once kernel/ is in
 * the repository (kernel/main.ts exists), else Deno's ("deno"). The switch is
 * automatic so the suite works before and after the kernel is merged.
 */
export async function notebookKernel(): Promise<"memkit" | "deno"> {
  const main = new URL("../kernel/main.ts", import.meta.url);
  return await Deno.stat(main).then(() => "memkit" as const, () => "deno" as const);
}

/** What one execution reports. */
export interface Execution {
  ok: boolean;
  seconds: number;
  cells: number;
  errors: number;
  error: string | null;
}

/** The tutorial notebooks, sorted by name. */
export async function listNotebooks(): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(NOTEBOOKS)) {
    if (entry.isFile && entry.name.endsWith(".ipynb")) names.push(entry.name);
  }
  return names.sort();
}

/**
 * Executes `name` in `kernel` with MEMKIT_SIZE=`size`, writing the executed
 * notebook to `out`.
 */
export async function executeNotebook(
  name: string,
  kernel: string,
  out: string,
  size: "ci" | "full",
): Promise<Execution> {
  const driver = new URL("_execute_notebook.py", import.meta.url).pathname;
  const path = new URL(name, NOTEBOOKS).pathname;
  const result = await new Deno.Command(SYSTEM_PYTHON, {
    args: [driver, path, kernel, out, "900"],
    env: { MEMKIT_SIZE: size, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(result.stdout).trim();
  const last = stdout.split("\n").at(-1) ?? "";
  try {
    return JSON.parse(last) as Execution;
  } catch {
    const stderr = new TextDecoder().decode(result.stderr);
    throw new Error(`Cannot execute notebook "${name}" in ${kernel}: ${stderr.slice(-2000)}`);
  }
}
