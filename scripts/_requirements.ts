/**
 * What the integration tests need from the system, and which tests need it.
 * `deno task test` runs every unit test anywhere; a test that needs Jupyter,
 * Chromium or pandas runs whenever those exist, and the runner names what it
 * skipped and why. As root the test task installs them all, so CI runs all.
 * @module
 */
import { SYSTEM_PYTHON } from "./_setup.ts";

/** A system capability some tests need. */
export type Feature = "jupyter" | "chromium" | "pandas" | "ceph";

/** The Debian packages that provide each feature. */
export const FEATURE_PACKAGES: Record<Feature, string[]> = {
  jupyter: [
    "python3-jupyter-client",
    "python3-nbclient",
    "python3-nbformat",
    "jupyter-nbconvert",
    "jupyter-notebook",
    "python3-zmq",
  ],
  chromium: ["chromium"],
  pandas: ["python3-pandas"],
  // Installed without recommends (scripts/_setup.ts).
  ceph: ["radosgw", "ceph-mon", "ceph-osd"],
};

/**
 * Test files, or folders (ending in /), that need features; the longest
 * matching entry wins. Tests in other files that need a feature for one
 * case ask `lacks()` in tests/_system.ts and are ignored individually.
 */
export const NEEDS: Record<string, Feature[]> = {
  "tests/kernel/": ["jupyter"],
  "tests/kernel/notebook_browser_test.ts": ["jupyter", "chromium"],
  "tests/notebooks/": ["jupyter"],
  "tests/integration/": ["jupyter", "chromium"],
  "tests/data/interrupt_test.ts": ["jupyter"],
  "tests/bench_smoke_test.ts": ["jupyter", "pandas"],
  "tests/data/s3_test.ts": ["ceph"],
};

/** The features a test file needs (longest matching entry of NEEDS). */
export function needsOf(path: string): Feature[] {
  let best = "";
  for (const key of Object.keys(NEEDS)) {
    const match = key.endsWith("/") ? path.startsWith(key) : path === key;
    if (match && key.length > best.length) best = key;
  }
  return best ? NEEDS[best] : [];
}

async function works(cmd: string, args: string[]): Promise<boolean> {
  try {
    const out = await new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).output();
    return out.success;
  } catch {
    return false;
  }
}

/**
 * Each feature that is missing here, with the reason. `MEMKIT_ASSUME_MISSING`
 * (comma-separated features) pretends some are missing, to test the runner's
 * skip path on a machine that has everything.
 */
export async function missingFeatures(): Promise<Partial<Record<Feature, string>>> {
  const missing: Partial<Record<Feature, string>> = {};
  for (const f of (Deno.env.get("MEMKIT_ASSUME_MISSING") ?? "").split(",").filter(Boolean)) {
    if (f in FEATURE_PACKAGES) missing[f as Feature] = "assumed missing (MEMKIT_ASSUME_MISSING)";
  }
  const modules = "import jupyter_client, nbclient, nbformat, nbconvert, notebook, zmq";
  if (!missing.jupyter && !await works(SYSTEM_PYTHON, ["-c", modules])) {
    missing.jupyter =
      `${SYSTEM_PYTHON} cannot import Jupyter (jupyter_client, nbclient, notebook…)`;
  }
  if (!missing.chromium && !await works("chromium", ["--version"])) {
    missing.chromium = "no chromium on PATH";
  }
  if (!missing.pandas && !await works(SYSTEM_PYTHON, ["-c", "import pandas"])) {
    missing.pandas = `${SYSTEM_PYTHON} cannot import pandas`;
  }
  const ceph = ["ceph-mon", "ceph-osd", "radosgw", "radosgw-admin", "monmaptool", "ceph"];
  if (
    !missing.ceph && !await works("sh", ["-c", ceph.map((b) => `command -v ${b}`).join(" && ")])
  ) {
    missing.ceph = `Ceph's ${ceph.join(", ")} are not all on PATH`;
  }
  return missing;
}
