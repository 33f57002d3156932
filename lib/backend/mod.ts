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
export * from "./use_backend.ts";
export * from "./gpu_memory.ts";
