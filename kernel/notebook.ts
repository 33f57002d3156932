/**
 * `deno task notebook [args…]`: installs the memkit kernel, then starts the
 * classic Jupyter notebook server (Debian's, /usr/bin/python3) on 127.0.0.1.
 * Extra arguments go to the notebook server (e.g. `--no-browser`, `--port 8899`).
 * MEMKIT_PYTHON names another Python (one with the classic `notebook` module).
 * @module
 */
import { installKernel } from "./_spec.ts";

const dir = await installKernel();
console.error(`Installed kernelspec "memkit" in ${dir}`);
const python = Deno.env.get("MEMKIT_PYTHON") ?? "/usr/bin/python3";
const how = `Install it (Debian/Ubuntu: apt-get install -y jupyter-notebook; elsewhere: ` +
  `python3 -m pip install "notebook<7"), or point MEMKIT_PYTHON at a Python that has it, ` +
  `e.g. MEMKIT_PYTHON=$HOME/venv/bin/python deno task notebook. JupyterLab or VS Code work ` +
  `too: open them with the "Deno (memkit)" kernel installed above.`;
// Ask first: without it, python prints only "No module named notebook".
let probe: Deno.CommandOutput | Error;
try {
  probe = await new Deno.Command(python, {
    args: ["-c", "import notebook, sys; sys.stdout.write(notebook.__version__)"],
    stdout: "piped",
    stderr: "piped",
  }).output();
} catch (e) {
  probe = e as Error;
}
if (probe instanceof Error || !probe.success) {
  const why = probe instanceof Error
    ? `${python} cannot be run (${probe.message})`
    : `${python} has no classic Jupyter "notebook" module`;
  console.error(`Cannot start the notebook server: ${why}. ${how}`);
  Deno.exit(1);
}
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
    `Cannot start the notebook server: ${python} -m notebook failed (${
      (e as Error).message
    }). ${how}`,
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
