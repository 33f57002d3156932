/**
 * The one place memkit imports TensorFlow.js from. Every tfjs package goes
 * through the import map in deno.json so that exactly one copy of
 * tfjs-core exists; with two, the wasm backend registers on the wrong copy.
 *
 * Importing this file loads no backend and changes no priority: that happens
 * in {@linkcode setupBackends}, which `useBackend()` calls. The one thing it
 * does at import, a documented decision (README, "Design notes for
 * contributors"), is to keep tfjs's "running TensorFlow.js in Node.js …
 * tfjs-node" banner out of the output: the cpu backend prints it on its first
 * write when IS_NODE is set, tfjs-node cannot run in Deno, so the advice is
 * noise, and a notebook that makes tensors before `useBackend()` would show
 * it. The cpu factory entry is wrapped in place (never removed or re-ranked)
 * to clear `firstUse` on each new instance; IS_NODE, which selects the Node
 * platform for file and fetch, is left alone.
 * @module
 */
import * as tf from "./_tfjs.ts";

type QuietCpu = { firstUse?: boolean };
type FactoryEntry = {
  factory: () => tf.KernelBackend | Promise<tf.KernelBackend>;
  priority: number;
  quiet?: boolean;
};

function quietCpu(): void {
  const cpu = (tf.engine().registryFactory as Record<string, FactoryEntry>).cpu;
  if (cpu && !cpu.quiet) {
    const original = cpu.factory;
    cpu.factory = async () => {
      const backend = await original();
      (backend as unknown as QuietCpu).firstUse = false;
      return backend;
    };
    cpu.quiet = true;
  }
  // A cpu backend that already started (a tf op ran before this) is quieted in place.
  const running = tf.engine().registry.cpu as unknown as QuietCpu | undefined;
  if (running) running.firstUse = false;
}

quietCpu();

let setUp: Promise<void> | undefined;

/**
 * Loads and ranks memkit's backends once (idempotent); `useBackend()` calls
 * it before choosing one. tfjs starts the highest-priority backend on the
 * first op when none was set. wasm (2) and webgpu (3) would outrank cpu (1)
 * but start asynchronously, so a first op before a backend is ready would
 * throw "backend has not yet been initialized". Ranking them below cpu makes
 * such an op run on cpu; `useBackend()` still picks webgpu or wasm by name.
 * Entries are changed in place, never removed: removing a backend that
 * already runs would dispose its tensors.
 */
export function setupBackends(): Promise<void> {
  setUp ??= (async () => {
    await import("@tensorflow/tfjs-backend-wasm");
    await import("@tensorflow/tfjs-backend-webgpu");
    const factories = tf.engine().registryFactory as Record<string, FactoryEntry>;
    if (factories.wasm) factories.wasm.priority = 0;
    if (factories.webgpu) factories.webgpu.priority = -1;
  })();
  return setUp;
}

export { tf };
