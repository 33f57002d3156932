/** Which of tfjs's GPU bytes live in host memory (a software WebGPU adapter). */
import { tf } from "../_tf.ts";

interface WebGpuLike {
  adapterInfo?: { vendor?: string; architecture?: string };
}

/**
 * Bytes of tfjs's GPU buffers that live in host memory: all of them on a
 * software WebGPU adapter (Mesa's llvmpipe/lavapipe, SwiftShader), none on a
 * hardware GPU.
 */
export function hostGpuBytes(gpu: { backend: string; allocated: number }): number {
  if (gpu.backend !== "webgpu" || gpu.allocated === 0) return 0;
  const info = (tf.findBackend("webgpu") as unknown as WebGpuLike | undefined)?.adapterInfo;
  const text = `${info?.vendor ?? ""} ${info?.architecture ?? ""}`;
  // tfjs keeps the adapter's vendor and architecture only; Mesa's software adapters
  // report Vulkan's vendor id for Mesa, 0x10005 (65541).
  return /^(65541|0x10005)\b|mesa|llvmpipe|lavapipe|swiftshader|software|cpu/i.test(text)
    ? gpu.allocated
    : 0;
}
