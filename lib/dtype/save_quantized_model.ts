import { join } from "node:path";
import { tf } from "../_tf.ts";
import type { LayersModel } from "../tf_types.ts";

/** Options for {@linkcode saveQuantizedModel}. */
export interface SaveQuantizedModelOptions {
  /**
   * tf.io's weight quantization: "uint8" (4× smaller), "uint16" or "float16"
   * (2× smaller), each per tensor, so that any tfjs can load the files.
   * @default {"uint8"}
   */
  dtype?: "uint8" | "uint16" | "float16";
}

/** What {@linkcode saveQuantizedModel} wrote and measured. */
export interface SavedQuantizedModel {
  /** The files written: model.json and weights.bin. */
  files: string[];
  /** Bytes of weights.bin. */
  weightBytes: number;
  /** Bytes of the same weights unquantized (float32). */
  float32Bytes: number;
  /** float32Bytes / weightBytes. */
  ratio: number;
  /** Largest absolute error of the weights as tfjs will load them. */
  maxError: number;
  /** Mean absolute error of the weights as tfjs will load them. */
  meanError: number;
}

type Spec = tf.io.WeightsManifestEntry;

function joinWeights(data: tf.io.WeightData | undefined): ArrayBuffer {
  if (data === undefined) return new ArrayBuffer(0);
  return Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data;
}

/**
 * Saves a tfjs layers model with quantized weights as a standard tfjs model
 * directory (model.json + weights.bin). The weights carry tf.io's own
 * `quantization` entries (uint8/uint16 affine per tensor, or float16), which
 * every tfjs loader decodes — `tf.loadLayersModel("http://…/model.json")`, the
 * browser, or {@linkcode loadQuantizedModel} here. Only float32 weights are
 * quantized; int32 weights are written as they are.
 *
 * @param model The model to save (it is not changed).
 * @param dir A directory; created if missing; model.json and weights.bin are overwritten.
 * @param options The quantization dtype.
 * @returns The files, their weight bytes against float32, and the max/mean error.
 * @example
 * ```ts
 * import { loadQuantizedModel, saveQuantizedModel, useBackend } from "memkit";
 * import * as tf from "@tensorflow/tfjs";
 * await useBackend({ backend: "cpu" });
 * const model = tf.sequential({ layers: [tf.layers.dense({ units: 8, inputShape: [16] })] });
 * const dir = await Deno.makeTempDir();
 * const saved = await saveQuantizedModel(model, dir, { dtype: "uint8" });
 * if (saved.ratio < 3.5) throw new Error(String(saved.ratio));
 * const back = await loadQuantizedModel(dir);
 * if (back.countParams() !== model.countParams()) throw new Error("params");
 * model.dispose();
 * back.dispose();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function saveQuantizedModel(
  model: LayersModel,
  dir: string,
  options: SaveQuantizedModelOptions = {},
): Promise<SavedQuantizedModel> {
  const dtype = options.dtype ?? "uint8";
  if (dtype !== "uint8" && dtype !== "uint16" && dtype !== "float16") {
    throw new TypeError(
      `Cannot save a quantized model: options.dtype is "${dtype}", expected "uint8", "uint16" or "float16"`,
    );
  }
  if (!(model instanceof tf.LayersModel)) {
    throw new TypeError(
      `Cannot save a quantized model: expected a tf.LayersModel, got ${
        Object.prototype.toString.call(model)
      }`,
    );
  }
  let artifacts: tf.io.ModelArtifacts | null = null;
  await model.save(tf.io.withSaveHandler((a) => {
    artifacts = a;
    return Promise.resolve({ modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) });
  }));
  const a = artifacts! as tf.io.ModelArtifacts;
  const raw = joinWeights(a.weightData);
  const specs: Spec[] = [];
  const parts: Uint8Array[] = [];
  let offset = 0, maxError = 0, errSum = 0, errN = 0;
  for (const spec of a.weightSpecs ?? []) {
    const size = spec.shape.reduce((p, d) => p * d, 1);
    const bytes = size * 4; // float32 and int32 are 4 bytes a value
    if (spec.dtype !== "float32") {
      parts.push(new Uint8Array(raw, offset, bytes));
      specs.push({ ...spec });
      offset += bytes;
      continue;
    }
    const x = new Float32Array(raw.slice(offset, offset + bytes));
    offset += bytes;
    let back: Float32Array;
    if (dtype === "float16") {
      const h = new Float16Array(x);
      for (let i = 0; i < x.length; i++) {
        if (!Number.isFinite(h[i]) && Number.isFinite(x[i])) {
          throw new RangeError(
            `Cannot save weight "${spec.name}" as float16: value ${
              x[i]
            } at index ${i} is beyond ±65504`,
          );
        }
      }
      parts.push(new Uint8Array(h.buffer));
      specs.push({ ...spec, quantization: { dtype: "float16" } });
      back = Float32Array.from(h);
    } else {
      let min = Infinity, max = -Infinity;
      for (const v of x) {
        if (!Number.isFinite(v)) {
          throw new RangeError(
            `Cannot save weight "${spec.name}" as ${dtype}: it holds ${v}, which cannot be quantized`,
          );
        }
        if (v < min) min = v;
        if (v > max) max = v;
      }
      if (x.length === 0) min = max = 0;
      const levels = dtype === "uint8" ? 255 : 65535;
      // tfjs decodes q·scale + min in float32: use those exact float32 values here.
      const scale = Math.fround(max > min ? (max - min) / levels : 1);
      const fmin = Math.fround(min);
      const q = dtype === "uint8" ? new Uint8Array(x.length) : new Uint16Array(x.length);
      back = new Float32Array(x.length);
      for (let i = 0; i < x.length; i++) {
        q[i] = Math.min(levels, Math.max(0, Math.round((x[i] - fmin) / scale)));
        back[i] = q[i] * scale + fmin;
      }
      parts.push(new Uint8Array(q.buffer));
      specs.push({ ...spec, quantization: { dtype, min: fmin, scale } });
    }
    for (let i = 0; i < x.length; i++) {
      const e = Math.abs(back[i] - x[i]);
      if (e > maxError) maxError = e;
      errSum += e;
      errN++;
    }
  }
  const weightBytes = parts.reduce((s, p) => s + p.byteLength, 0);
  const bin = new Uint8Array(weightBytes);
  let at = 0;
  for (const p of parts) {
    bin.set(p, at);
    at += p.byteLength;
  }
  const json: Record<string, unknown> = {
    format: a.format ?? "layers-model",
    generatedBy: a.generatedBy,
    convertedBy: `memkit saveQuantizedModel (${dtype})`,
    modelTopology: a.modelTopology,
    weightsManifest: [{ paths: ["weights.bin"], weights: specs }],
  };
  if (a.trainingConfig) json.trainingConfig = a.trainingConfig;
  await Deno.mkdir(dir, { recursive: true });
  const files = [join(dir, "model.json"), join(dir, "weights.bin")];
  await Deno.writeTextFile(files[0], JSON.stringify(json));
  await Deno.writeFile(files[1], bin);
  return {
    files,
    weightBytes,
    float32Bytes: raw.byteLength,
    ratio: weightBytes ? raw.byteLength / weightBytes : 1,
    maxError,
    meanError: errN ? errSum / errN : 0,
  };
}
