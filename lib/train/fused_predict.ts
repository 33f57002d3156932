import { tf } from "../_tf.ts";
import type { LayersModel, Sequential, Tensor, Tensor2D } from "../tf_types.ts";

type Layer = LayersModel["layers"][number];
type FusedActivation = "linear" | "relu" | "elu" | "relu6" | "sigmoid" | "leakyrelu";

const FUSABLE: ReadonlySet<string> = new Set(["linear", "relu", "elu", "relu6", "sigmoid"]);

interface DenseConfig {
  activation?: string;
}
interface ConvConfig {
  activation?: string;
  strides?: number | number[];
  padding?: "valid" | "same";
  dilationRate?: number | number[];
  dataFormat?: "channelsFirst" | "channelsLast";
}

function pair(v: number | number[] | undefined, dflt: number): [number, number] {
  if (v === undefined) return [dflt, dflt];
  return typeof v === "number" ? [v, v] : [v[0], v[1] ?? v[0]];
}

function applyRest(layer: Layer, y: Tensor, activation: string): Tensor {
  if (FUSABLE.has(activation)) return y;
  // A non-fusable activation (softmax, tanh, …) runs on its own, as in tfjs-layers.
  const act = (layer as unknown as { activation: { apply(t: Tensor): Tensor } }).activation;
  return act.apply(y);
}

function step(layer: Layer, x: Tensor): Tensor {
  const name = layer.getClassName();
  const weights = layer.getWeights();
  if (name === "Dense" && x.rank === 2) {
    const { activation = "linear" } = layer.getConfig() as DenseConfig;
    const y = tf.fused.matMul({
      a: x as Tensor2D,
      b: weights[0] as Tensor2D,
      bias: weights[1],
      activation: (FUSABLE.has(activation) ? activation : "linear") as FusedActivation,
    });
    return applyRest(layer, y, activation);
  }
  if (name === "Conv2D" && x.rank === 4) {
    const c = layer.getConfig() as ConvConfig;
    const activation = c.activation ?? "linear";
    const y = tf.fused.conv2d({
      x: x as tf.Tensor4D,
      filter: weights[0] as tf.Tensor4D,
      strides: pair(c.strides, 1),
      pad: c.padding ?? "valid",
      dataFormat: c.dataFormat === "channelsFirst" ? "NCHW" : "NHWC",
      dilations: pair(c.dilationRate, 1),
      bias: weights[1],
      activation: (FUSABLE.has(activation) ? activation : "linear") as FusedActivation,
    });
    return applyRest(layer, y, activation);
  }
  const out = layer.apply(x);
  if (!(out instanceof tf.Tensor)) {
    throw new TypeError(
      `Cannot run layer "${layer.name}" (${name}) in fusedPredict: it returned several or symbolic tensors`,
    );
  }
  return out;
}

/**
 * Inference through a Sequential model with fused kernels: every Dense and
 * Conv2D runs as one `tf.fused.matMul` / `tf.fused.conv2d` that applies the
 * bias and the activation (linear, relu, elu, relu6, sigmoid) in the same
 * kernel, so the product and the biased sum never exist as separate tensors.
 * tfjs-layers fuses only relu, linear and elu; this also fuses sigmoid and
 * relu6. Other layers run as they are. Results equal `model.predict`.
 *
 * @param model A built Sequential model (layers in a chain).
 * @param x The input batch.
 * @returns The output tensor (the caller owns it); intermediates are freed.
 * @throws {TypeError} When a layer returns more than one tensor.
 * @example
 * ```ts
 * import { fusedPredict, useBackend } from "memkit";
 * import * as tf from "@tensorflow/tfjs";
 * await useBackend({ backend: "cpu" });
 * const model = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [2], activation: "sigmoid" })] });
 * const x = tf.ones([4, 2]);
 * const a = fusedPredict(model, x);
 * const b = model.predict(x) as tf.Tensor;
 * if (tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] > 1e-6) throw new Error("differs");
 * tf.dispose([a, b, x]);
 * model.dispose();
 * ```
 */
export function fusedPredict(model: Sequential | LayersModel, x: Tensor): Tensor {
  return tf.tidy(() => {
    let y = x;
    for (const layer of model.layers) {
      if (layer.getClassName() === "InputLayer") continue;
      y = step(layer, y);
    }
    return y;
  });
}
