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

export { tf };
