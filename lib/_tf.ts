/**
 * The one place memkit imports TensorFlow.js from. Every tfjs package goes
 * through the import map in deno.json so that exactly one copy of
 * tfjs-core exists; with two, the wasm backend registers on the wrong copy.
 *
 * It also keeps tfjs's "running TensorFlow.js in Node.js … tfjs-node" banner
 * out of the output: tfjs-node cannot run in Deno, so the advice is noise.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import "@tensorflow/tfjs-backend-webgpu";

type QuietCpu = { firstUse?: boolean };

// The banner is printed by the cpu backend on its first write when IS_NODE is
// set. Clearing `firstUse` on each new instance silences just that message and
// leaves IS_NODE (which selects the Node platform for file and fetch) alone.
const cpuFactory = tf.findBackendFactory("cpu");
if (cpuFactory !== null) {
  tf.removeBackend("cpu");
  tf.registerBackend("cpu", async () => {
    const backend = await cpuFactory();
    (backend as unknown as QuietCpu).firstUse = false;
    return backend;
  }, 1);
}

// tfjs starts the highest-priority backend on the first op when none was set.
// wasm (2) and webgpu (3) outrank cpu (1) but start asynchronously, so a
// first op before `await useBackend()` would throw "backend has not yet been
// initialized". Ranking them below cpu makes that first op run on cpu;
// `useBackend()` still picks webgpu or wasm by name.
for (const name of ["webgpu", "wasm"]) {
  const factory = tf.findBackendFactory(name);
  if (factory !== null) {
    tf.removeBackend(name);
    tf.registerBackend(name, factory, name === "webgpu" ? -1 : 0);
  }
}

export { tf };
