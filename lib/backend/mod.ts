/**
 * memkit/backend: Backends: pick the fastest TensorFlow.js backend that works
 * here (`useBackend`) and read GPU/wasm memory (`gpuMemory`).
 *
 * @example
 * ```ts
 * import * as backend from "memkit/backend";
 * if (Object.keys(backend).length === 0) throw new Error("empty");
 * ```
 * @module
 */
export { useBackend } from "./use_backend.ts";
export type { AdapterFacts, BackendInfo, BackendName, UseBackendOptions } from "./use_backend.ts";
export { gpuMemory } from "./gpu_memory.ts";
export type { GpuMemory } from "./gpu_memory.ts";
