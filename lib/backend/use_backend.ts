import { setupBackends, tf } from "../_tf.ts";

/** The tfjs backends memkit chooses between, best first. */
export type BackendName = "webgpu" | "wasm" | "cpu";

/** What is known about the WebGPU adapter, when there is one. */
export interface AdapterFacts {
  /** Vendor as the driver reports it (often a PCI id). */
  vendor: string;
  /** Architecture, empty when the driver does not say. */
  architecture: string;
  /** Human-readable adapter name, e.g. "llvmpipe (LLVM 15.0.6, 256 bits)". */
  description: string;
  /** True for a fallback (software) adapter as WebGPU flags it. */
  fallback: boolean;
  /** True when the adapter renders in software (fallback, llvmpipe, SwiftShader, lavapipe…). */
  software: boolean;
  /** The limits that bound tensor sizes on the GPU. */
  limits: {
    maxBufferSize: number;
    maxStorageBufferBindingSize: number;
    maxComputeWorkgroupStorageSize: number;
    maxComputeInvocationsPerWorkgroup: number;
  };
}

/** The result of {@linkcode useBackend}. */
export interface BackendInfo {
  /** The backend now active in tfjs. */
  backend: BackendName;
  /** Adapter facts when a WebGPU adapter was found (used or not). */
  adapter?: AdapterFacts;
  /** Threads the wasm backend runs on (1 when threads are unavailable). */
  wasmThreads?: number;
  /** Why each better backend was skipped, keyed by backend. */
  skipped: Partial<Record<BackendName, string>>;
  /** How the backend was chosen. */
  reason: "requested" | "best available";
}

/** Options for {@linkcode useBackend}. */
export interface UseBackendOptions {
  /**
   * The backend to start. `"auto"` picks the best one available. When unset,
   * the `MEMKIT_BACKEND` environment variable decides, else `"auto"`.
   * @default {"auto"}
   */
  backend?: BackendName | "auto";
  /**
   * Whether `"auto"` may pick a software WebGPU adapter. The wasm backend beats
   * one (1024² matmul here: ~76 ms wasm against ~373 ms webgpu over llvmpipe),
   * so auto skips it unless this is set. An explicit `backend: "webgpu"` always
   * accepts a software adapter.
   * @default {false}
   */
  allowSoftwareGpu?: boolean;
}

const SOFTWARE_PATTERN = /llvmpipe|lavapipe|swiftshader|softpipe|software|warp/i;
const NAMES: readonly BackendName[] = ["webgpu", "wasm", "cpu"];

let wasmPathsSet = false;

/** Points the wasm backend at its `.wasm` files in the installed package. */
async function ensureWasmPaths(): Promise<void> {
  if (wasmPathsSet) return;
  const { setWasmPaths } = await import("@tensorflow/tfjs-backend-wasm");
  // import.meta.resolve gives the file URL of the package's entry in the one
  // node_modules copy; the .wasm binaries sit beside it in dist/.
  const entry = import.meta.resolve("@tensorflow/tfjs-backend-wasm");
  const dir = new URL("./", entry);
  setWasmPaths(dir.protocol === "file:" ? decodeURIComponent(dir.pathname) : dir.href);
  wasmPathsSet = true;
}

async function adapterFacts(): Promise<AdapterFacts | string> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) return "navigator.gpu is not available in this runtime";
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  } catch (error) {
    return `requestAdapter failed: ${(error as Error).message}`;
  }
  if (!adapter) return "no WebGPU adapter was found";
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  const fallback = info.isFallbackAdapter === true;
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    description: info.description,
    fallback,
    software: fallback || SOFTWARE_PATTERN.test(`${info.description} ${info.device}`),
    limits: {
      maxBufferSize: adapter.limits.maxBufferSize,
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxComputeWorkgroupStorageSize: adapter.limits.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: adapter.limits.maxComputeInvocationsPerWorkgroup,
    },
  };
}

// What the child process runs: the same questions as adapterFacts(), answered as JSON.
const PROBE = `const gpu = globalThis.navigator?.gpu;
let out;
if (!gpu) out = "navigator.gpu is not available in this runtime";
else {
  try {
    const a = await gpu.requestAdapter({ powerPreference: "high-performance" });
    out = a ? { info: { vendor: a.info.vendor, architecture: a.info.architecture,
      description: a.info.description, device: a.info.device,
      isFallbackAdapter: a.info.isFallbackAdapter === true }, limits: {
      maxBufferSize: a.limits.maxBufferSize,
      maxStorageBufferBindingSize: a.limits.maxStorageBufferBindingSize,
      maxComputeWorkgroupStorageSize: a.limits.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: a.limits.maxComputeInvocationsPerWorkgroup } }
      : "no WebGPU adapter was found";
  } catch (e) { out = "requestAdapter failed: " + e.message; }
}
console.log(JSON.stringify(out));`;

/**
 * Asks for the WebGPU adapter in a child process, so that a software adapter
 * that will not be used never loads its driver here: Mesa's llvmpipe maps
 * libLLVM and the driver into the process for good, +65 MB of RSS measured in
 * `deno task demo`. Returns undefined when no child can be started (no
 * --allow-run), and the caller then asks in process.
 */
async function probeInChild(): Promise<{ facts?: AdapterFacts; reason?: string } | undefined> {
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "--quiet", PROBE],
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).output();
    if (!out.success) return undefined;
    const r = JSON.parse(new TextDecoder().decode(out.stdout).trim());
    if (typeof r === "string") return { reason: r };
    const info = r.info;
    const fallback = info.isFallbackAdapter === true;
    const software = fallback || SOFTWARE_PATTERN.test(`${info.description} ${info.device}`);
    return {
      facts: {
        vendor: info.vendor,
        architecture: info.architecture,
        description: info.description,
        fallback,
        software,
        limits: r.limits,
      },
      reason: software
        ? `the WebGPU adapter "${info.description}" is a software renderer, slower than wasm; ` +
          `pass allowSoftwareGpu: true or backend: "webgpu" to use it`
        : undefined,
    };
  } catch {
    return undefined;
  }
}

/** Starts one backend, returning null on success or the reason it failed. */
async function start(name: BackendName): Promise<string | null> {
  await setupBackends();
  if (name === "wasm") await ensureWasmPaths();
  if (tf.findBackendFactory(name) === null) {
    return `the ${name} backend is not registered (is tfjs imported twice?)`;
  }
  let ok: boolean;
  const warn = console.warn;
  try {
    // tfjs reports init failures through console.warn and returns false;
    // memkit turns them into a reason instead of noise.
    let warned = "";
    console.warn = (...args: unknown[]) => {
      warned += args.map(String).join(" ");
    };
    ok = await tf.setBackend(name);
    if (!ok) return warned.trim() || `tf.setBackend("${name}") returned false`;
  } catch (error) {
    return (error as Error).message;
  } finally {
    console.warn = warn;
  }
  await tf.ready();
  return null;
}

function readEnvChoice(): string | undefined {
  try {
    return Deno.env.get("MEMKIT_BACKEND") || undefined;
  } catch {
    return undefined; // no --allow-env: behave as if unset
  }
}

/**
 * Starts the best tfjs backend available, or the one asked for.
 *
 * Auto order: webgpu on a hardware adapter, else wasm (SIMD, threads where the
 * runtime allows), else cpu. A software WebGPU adapter is skipped unless
 * `allowSoftwareGpu` is set. An explicit choice (option or `MEMKIT_BACKEND`)
 * that cannot start throws; it never falls back silently.
 *
 * @param options Which backend, and whether a software GPU counts.
 * @returns The backend chosen, adapter facts, and why better ones were skipped.
 * @throws {TypeError} When the requested backend name is unknown.
 * @throws {Error} When the requested backend cannot start, with the reason.
 * @example
 * ```ts
 * import { useBackend } from "memkit";
 * const info = await useBackend({ backend: "cpu" });
 * if (info.backend !== "cpu") throw new Error("expected cpu");
 * ```
 */
export async function useBackend(options: UseBackendOptions = {}): Promise<BackendInfo> {
  await setupBackends();
  const { getThreadsCount } = await import("@tensorflow/tfjs-backend-wasm");
  const fromEnv = options.backend === undefined ? readEnvChoice() : undefined;
  const choice = options.backend ?? fromEnv ?? "auto";
  if (choice !== "auto" && !NAMES.includes(choice as BackendName)) {
    const source = options.backend === undefined ? "MEMKIT_BACKEND" : "options.backend";
    throw new TypeError(
      `Cannot use backend: ${source} is "${choice}", expected one of "auto", "webgpu", "wasm", "cpu"`,
    );
  }
  const skipped: BackendInfo["skipped"] = {};
  let adapter: AdapterFacts | undefined;
  // In auto mode, a software adapter is only used when allowed: ask in a child first.
  const probe = choice === "auto" && !options.allowSoftwareGpu ? await probeInChild() : undefined;
  if (probe?.reason) {
    skipped.webgpu = probe.reason;
    adapter = probe.facts;
  } else if (choice === "webgpu" || choice === "auto") {
    const facts = await adapterFacts();
    if (typeof facts === "string") skipped.webgpu = facts;
    else adapter = facts;
  }
  const info = (backend: BackendName, reason: BackendInfo["reason"]): BackendInfo => ({
    backend,
    adapter,
    wasmThreads: backend === "wasm" ? getThreadsCount() : undefined,
    skipped,
    reason,
  });

  if (choice !== "auto") {
    const name = choice as BackendName;
    const failure = name === "webgpu" && !adapter ? skipped.webgpu! : await start(name);
    if (failure !== null) {
      const source = options.backend === undefined ? " (from MEMKIT_BACKEND)" : "";
      throw new Error(`Cannot start the ${name} backend${source}: ${failure}`);
    }
    delete skipped[name];
    return info(name, "requested");
  }

  if (adapter) {
    if (adapter.software && !options.allowSoftwareGpu) {
      skipped.webgpu =
        `the WebGPU adapter "${adapter.description}" is a software renderer, slower than wasm; ` +
        `pass allowSoftwareGpu: true or backend: "webgpu" to use it`;
    } else {
      const failure = await start("webgpu");
      if (failure === null) return info("webgpu", "best available");
      skipped.webgpu = failure;
    }
  }
  const wasmFailure = await start("wasm");
  if (wasmFailure === null) return info("wasm", "best available");
  skipped.wasm = wasmFailure;
  const cpuFailure = await start("cpu");
  if (cpuFailure !== null) {
    throw new Error(`Cannot start any tfjs backend: cpu failed: ${cpuFailure}`);
  }
  return info("cpu", "best available");
}
