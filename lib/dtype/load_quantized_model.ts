import { dirname, join } from "node:path";
import { tf } from "../_tf.ts";
import type { LayersModel } from "../tf_types.ts";

/**
 * Loads a tfjs layers model directory from disk (model.json and the weight
 * files its manifest names), e.g. one written by `saveQuantizedModel`.
 * Quantized weights (uint8/uint16/float16) are decoded by tfjs itself. In
 * Deno, stock `tf.loadLayersModel("file:///abs/dir/model.json")` works too
 * (tfjs fetches, and Deno's fetch reads file URLs); this takes plain relative
 * or absolute paths and reads through `tf.io.fromMemory`.
 *
 * @param path The directory, or its model.json.
 * @returns The model, with float32 weights.
 * @example
 * ```ts
 * import { loadQuantizedModel, saveQuantizedModel, useBackend } from "memkit";
 * import * as tf from "@tensorflow/tfjs";
 * await useBackend({ backend: "cpu" });
 * const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
 * const dir = await Deno.makeTempDir();
 * await saveQuantizedModel(model, dir, { dtype: "float16" });
 * const back = await loadQuantizedModel(`${dir}/model.json`);
 * if (back.layers.length !== 1) throw new Error("layers");
 * model.dispose();
 * back.dispose();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function loadQuantizedModel(path: string): Promise<LayersModel> {
  const file = path.endsWith(".json") ? path : join(path, "model.json");
  let json: tf.io.ModelJSON;
  try {
    json = JSON.parse(await Deno.readTextFile(file));
  } catch (e) {
    throw new TypeError(`Cannot load model "${file}": ${(e as Error).message}`);
  }
  if (!json.modelTopology || !Array.isArray(json.weightsManifest)) {
    throw new TypeError(
      `Cannot load model "${file}": it has no modelTopology or weightsManifest (not a tfjs layers model)`,
    );
  }
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: ArrayBuffer[] = [];
  for (const group of json.weightsManifest) {
    specs.push(...group.weights);
    for (const p of group.paths) {
      const bytes = await Deno.readFile(join(dirname(file), p));
      buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    }
  }
  return await tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: json.modelTopology,
    weightSpecs: specs,
    weightData: tf.io.concatenateArrayBuffers(buffers),
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
    trainingConfig: json.trainingConfig,
  }));
}
