/**
 * `deno task notebook [args…]`: installs the memkit kernel, then starts the
 * classic Jupyter notebook server (Debian's, /usr/bin/python3) on 127.0.0.1.
 * Extra arguments go to the notebook server (e.g. `--no-browser`, `--port 8899`).
 * @module
 */
import { installKernel } from "./_spec.ts";

const dir = await installKernel();
console.error(`Installed kernelspec "memkit" in ${dir}`);
const python = Deno.env.get("MEMKIT_PYTHON") ?? "/usr/bin/python3";
let child: Deno.ChildProcess;
try {
  child = new Deno.Command(python, {
    // The classic server refuses to run as root (containers, CI) without --allow-root.
    args: [
      "-m",
      "notebook",
      "--ip=127.0.0.1",
      ...(Deno.uid() === 0 ? ["--allow-root"] : []),
      ...Deno.args,
    ],
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
} catch (e) {
  console.error(
    `Cannot start the notebook server: ${python} -m notebook failed (${(e as Error).message}); ` +
      `install it with: apt-get install -y jupyter-notebook`,
  );
  Deno.exit(1);
}
// A terminal's Ctrl-C reaches the whole process group, the server included; a
// signal sent to this process alone is passed on. Either way, wait for the
// server to finish its own shutdown.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, () => {
    try {
      child.kill(signal === "SIGINT" ? "SIGTERM" : signal);
    } catch {
      // already gone
    }
  });
}
Deno.exit((await child.status).code);
