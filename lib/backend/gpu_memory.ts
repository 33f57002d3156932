import { tf } from "../_tf.ts";

/**
 * Device-side memory as the active tfjs backend accounts for it. On webgpu,
 * `inUse + pendingFreeBytes + pooled === allocated`: every byte the backend
 * holds on the GPU is in exactly one bucket.
 */
export interface GpuMemory {
  /** The active backend's name ("webgpu", "wasm", "cpu", …). */
  backend: string;
  /**
   * Bytes in GPU buffers and textures that hold live data: tensors plus the
   * backend's own uniform and staging buffers (webgpu only, else 0).
   */
  inUse: number;
  /**
   * Bytes allocated on the GPU and kept in the backend's pool for reuse: freed
   * from tfjs's point of view, still held on the device (webgpu only, else 0).
   */
  pooled: number;
  /**
   * Tensors disposed by the user whose GPU buffers wait for the queued
   * commands that read them to be submitted (webgpu only, else 0).
   */
  pendingFrees: number;
  /** Bytes those pending frees still hold (webgpu only, else 0). */
  pendingFreeBytes: number;
  /** All bytes the backend holds on the GPU: in use, pending and pooled (webgpu only, else 0). */
  allocated: number;
  /** `tf.memory().numBytes`: the bytes of live tensors as tfjs counts them, on any backend. */
  tensorBytes: number;
  /**
   * Bytes of the wasm backend's linear memory. It grows and never shrinks
   * (WebAssembly memory cannot be returned), so a high value after a peak is
   * expected, not a leak. 0 when the wasm backend is not active.
   */
  wasmHeap: number;
}

interface BufferCounts {
  numBytesUsed: number;
  numBytesAllocated: number;
}

interface WebGpuInternals {
  bufferManager?: BufferCounts;
  textureManager?: BufferCounts;
  tensorDataPendingDisposal?: object[];
  tensorMap?: { get(dataId: object): { resource?: { size?: number } | null } | undefined };
}

interface WasmInternals {
  wasm?: { HEAPU8?: Uint8Array };
}

/**
 * Reads GPU and wasm memory from the active tfjs backend: bytes in use, bytes
 * pooled, pending frees and the wasm heap, each reported apart so that a pool
 * is never mistaken for a leak. This is the one module that reads backend
 * internals; the timeline, the disposal checks and the kernel all call it.
 *
 * @returns The byte counts; zeros where the backend has no such memory.
 * @example
 * ```ts
 * import { gpuMemory, useBackend } from "memkit";
 * await useBackend({ backend: "cpu" });
 * const m = gpuMemory();
 * if (m.inUse !== 0 || m.backend !== "cpu") throw new Error("cpu has no GPU memory");
 * ```
 */
export function gpuMemory(): GpuMemory {
  const name = tf.getBackend() ?? "none";
  const result: GpuMemory = {
    backend: name,
    inUse: 0,
    pooled: 0,
    pendingFrees: 0,
    pendingFreeBytes: 0,
    allocated: 0,
    // The engine's counter, not tf.memory(): that throws while a backend is
    // still initializing (a timeline's sampler timer fires during useBackend()).
    tensorBytes: name === "none" ? 0 : tf.engine().state.numBytes,
    wasmHeap: 0,
  };
  // The registry holds initialized backends only. tf.findBackend() would
  // start initializing one that is not ready, and a second init racing the
  // user's `await tf.setBackend()` leaves tfjs without a backend.
  const registry = (tf.engine() as unknown as { registry: Record<string, unknown> }).registry;
  const backend = name === "none" ? undefined : registry[name];
  if (!backend) return result;
  if (name === "webgpu") {
    const b = backend as unknown as WebGpuInternals;
    const used = (b.bufferManager?.numBytesUsed ?? 0) + (b.textureManager?.numBytesUsed ?? 0);
    const allocated = (b.bufferManager?.numBytesAllocated ?? 0) +
      (b.textureManager?.numBytesAllocated ?? 0);
    // A disposed tensor read by a command not yet submitted keeps its buffer
    // "used" until submitQueue(); count those bytes as pending, not in use.
    const pending = b.tensorDataPendingDisposal ?? [];
    let pendingBytes = 0;
    for (const dataId of pending) pendingBytes += b.tensorMap?.get(dataId)?.resource?.size ?? 0;
    pendingBytes = Math.min(pendingBytes, used);
    result.inUse = used - pendingBytes;
    result.pendingFrees = pending.length;
    result.pendingFreeBytes = pendingBytes;
    result.allocated = allocated;
    result.pooled = Math.max(0, allocated - used);
  } else if (name === "wasm") {
    result.wasmHeap = (backend as unknown as WasmInternals).wasm?.HEAPU8?.buffer.byteLength ?? 0;
  }
  return result;
}
