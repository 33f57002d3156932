/**
 * Installs the system packages the tests need (Debian's Jupyter, pandas,
 * chromium) when they are missing: through apt-get when running as root,
 * otherwise it prints the exact command and exits.
 * @module
 */

/** Debian packages the integration tests and benchmarks need. */
export const DEBIAN_PACKAGES = [
  "python3-jupyter-client",
  "python3-nbclient",
  "python3-nbformat",
  "jupyter-nbconvert",
  "jupyter-notebook",
  "python3-pandas",
  "python3-zmq",
  "chromium",
];

/**
 * Packages installed without their recommends: Ceph's S3 server for the
 * object-storage tests and `bench scale` (with recommends, apt pulls in
 * hundreds of MB more; these three are ~64 MB of downloads).
 */
export const DEBIAN_PACKAGES_NO_RECOMMENDS = ["radosgw", "ceph-mon", "ceph-osd"];

/** The Python that has Debian's Jupyter (not the pyenv one first on PATH). */
export const SYSTEM_PYTHON = "/usr/bin/python3";

async function run(
  cmd: string,
  args: string[],
): Promise<{ ok: boolean; out: string; err: string }> {
  try {
    const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
    const decode = (b: Uint8Array) => new TextDecoder().decode(b);
    return { ok: out.success, out: decode(out.stdout), err: decode(out.stderr) };
  } catch (error) {
    return { ok: false, out: "", err: String(error) };
  }
}

async function missingPackages(list: string[] = DEBIAN_PACKAGES): Promise<string[]> {
  const missing: string[] = [];
  for (const pkg of list) {
    const { ok, out } = await run("dpkg-query", ["-W", "-f=${Status}", pkg]);
    if (!ok || !out.includes("install ok installed")) missing.push(pkg);
  }
  return missing;
}

/** Installs missing Debian packages (as root) or explains how, then exits. */
export async function ensureSystemDeps(): Promise<void> {
  const missing = await missingPackages();
  const lean = await missingPackages(DEBIAN_PACKAGES_NO_RECOMMENDS);
  if (missing.length === 0 && lean.length === 0) return;
  const installs: string[][] = [];
  if (missing.length) installs.push(["install", "-y", ...missing]);
  if (lean.length) installs.push(["install", "-y", "--no-install-recommends", ...lean]);
  const command = `apt-get update && ${installs.map((a) => `apt-get ${a.join(" ")}`).join(" && ")}`;
  const all = [...missing, ...lean];
  const isRoot = Deno.uid() === 0;
  if (!isRoot && missing.length === 0) {
    // Only Ceph is missing: the object-storage tests skip, saying why.
    console.error(
      `Ceph (${lean.join(", ")}) is missing and this is not root: the S3 tests and ` +
        `'bench scale' will be skipped. To run them: sudo apt-get install -y ` +
        `--no-install-recommends ${lean.join(" ")}`,
    );
    return;
  }
  if (!isRoot) {
    console.error(`memkit tests need Debian packages that are missing: ${all.join(", ")}`);
    console.error(`Install them as root, then run the tests again:\n  sudo sh -c '${command}'`);
    Deno.exit(2);
  }
  console.error(`Installing ${all.join(", ")} with apt-get …`);
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  for (const args of [["update"], ...installs]) {
    // Wait for another apt (up to 10 min) rather than fail on its lock.
    const child = new Deno.Command("apt-get", {
      args: ["-o", "DPkg::Lock::Timeout=600", ...args],
      env,
      stdout: "inherit",
      stderr: "inherit",
    }).spawn();
    const status = await child.status;
    if (!status.success) {
      console.error(`apt-get ${args.join(" ")} failed (exit ${status.code})`);
      Deno.exit(2);
    }
  }
}

/**
 * Registers the Jupyter kernels the notebooks run in: Deno's own ("deno") and
 * memkit's ("memkit"), for the current user, when they are missing or point
 * at another Deno binary.
 */
export async function ensureKernels(): Promise<void> {
  const list = await run(SYSTEM_PYTHON, ["-m", "jupyter_client.kernelspecapp", "list", "--json"]);
  const specs = list.ok
    ? (JSON.parse(list.out.slice(list.out.indexOf("{"))) as {
      kernelspecs: Record<string, { spec: { argv: string[] } }>;
    }).kernelspecs
    : {};
  const deno = Deno.execPath();
  if (specs.deno?.spec.argv[0] !== deno) {
    const out = await run(deno, ["jupyter", "--install", "--force"]);
    if (!out.ok) throw new Error(`Cannot install Deno's Jupyter kernel: ${out.err}`);
  }
  const installer = new URL("../kernel/install.ts", import.meta.url);
  const hasInstaller = await Deno.stat(installer).then(() => true, () => false);
  const main = new URL("../kernel/main.ts", import.meta.url).pathname;
  const argv = specs.memkit?.spec.argv ?? [];
  // The kernelspec is per user; reinstall when it runs another checkout's kernel or another Deno.
  if (hasInstaller && (argv[0] !== deno || !argv.includes(main))) {
    const out = await run(deno, ["run", "-A", "--quiet", installer.pathname]);
    if (!out.ok) throw new Error(`Cannot install the memkit kernel: ${out.err}`);
  }
}
