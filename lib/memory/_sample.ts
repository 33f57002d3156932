/** One reading of every source the timeline samples. */
import { tf } from "../_tf.ts";
import { gpuMemory } from "../backend/gpu_memory.ts";
import { readBreakdown } from "./_breakdown.ts";
import { CATEGORIES } from "./_categories.ts";
import type { RawSample, SeriesName } from "./_store.ts";
import { hostGpuBytes } from "./_host_gpu.ts";
import { probeBytes } from "./probes.ts";

/**
 * Reads every source once, the parts of RSS included: ~60–150 µs (statm,
 * V8's heap spaces, glibc's mallinfo2, tfjs's counters), plus a few ms every
 * 5 s to re-read thread stacks from /proc/self/smaps.
 */
export function readSample(): RawSample {
  // The engine's counters, not tf.memory(): that would start a backend if none is set yet.
  const state = tf.engine().state;
  const gpu = gpuMemory();
  const probes = probeBytes();
  let probeTotal = 0;
  for (const name in probes) probeTotal += probes[name];
  const parts = readBreakdown({ wasmHeap: gpu.wasmHeap, gpuStaging: hostGpuBytes(gpu) });
  const values = {
    rss: parts.rss,
    heapUsed: parts.heap.used,
    heapTotal: parts.heap.total,
    external: parts.heap.external,
    tfBytes: state.numBytes,
    tfTensors: state.numTensors,
    gpuInUse: gpu.inUse,
    gpuPooled: gpu.pooled,
    wasmHeap: gpu.wasmHeap,
    probes: probeTotal,
  } as Record<SeriesName, number>;
  for (const c of CATEGORIES) values[`rss.${c}`] = parts.bytes[c];
  return { t: performance.now(), values, probes };
}
