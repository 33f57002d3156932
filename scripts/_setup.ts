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

async function missingPackages(): Promise<string[]> {
  const missing: string[] = [];
  for (const pkg of [...DEBIAN_PACKAGES, ...DEBIAN_PACKAGES_NO_RECOMMENDS]) {
    const { ok, out } = await run("dpkg-query", ["-W", "-f=${Status}", pkg]);
    if (!ok || !out.includes("install ok installed")) missing.push(pkg);
  }
  return missing;
}

/**
 * Installs missing Debian packages when running as root. Otherwise, with
 * `required` (the default) it explains how and exits; without, it returns
 * the missing packages so the caller can skip what needs them.
 */
export async function ensureSystemDeps(
  options: { required?: boolean } = {},
): Promise<string[]> {
  const missing = await missingPackages();
  if (missing.length === 0) return [];
  const command = installCommand(missing);
  const isRoot = Deno.uid() === 0;
  if (!isRoot) {
    if (options.required === false) return missing;
    console.error(`memkit needs Debian packages that are missing: ${missing.join(", ")}`);
    console.error(`Install them as root, then run this again:\n  sudo sh -c '${command}'`);
    Deno.exit(2);
  }
  console.error(`Installing ${missing.join(", ")} with apt-get …`);
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  for (const args of installArgs(missing)) {
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
  return [];
}

/** apt-get's argument lists that install `packages` (Ceph's without recommends). */
function installArgs(packages: string[]): string[][] {
  const lean = packages.filter((p) => DEBIAN_PACKAGES_NO_RECOMMENDS.includes(p));
  const rest = packages.filter((p) => !lean.includes(p));
  const out = [["update"]];
  if (rest.length) out.push(["install", "-y", ...rest]);
  if (lean.length) out.push(["install", "-y", "--no-install-recommends", ...lean]);
  return out;
}

/** The shell command that installs `packages` as root. */
export function installCommand(packages: string[]): string {
  return installArgs(packages).map((a) => `apt-get ${a.join(" ")}`).join(" && ");
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
  // The kernelspec is per user and may come from another checkout, another Deno or an older
  // layout (a config that lacks the kernel's dependencies): installing is cheap, so always install.
  if (hasInstaller) {
    const out = await run(deno, ["run", "-A", "--quiet", installer.pathname]);
    if (!out.ok) throw new Error(`Cannot install the memkit kernel: ${out.err}`);
  }
}
