import { tf } from "../_tf.ts";
import type { LayersModel, Tensor } from "../tf_types.ts";

/** A tfjs layer (any layer a `LayersModel` can hold). */
export type Layer = LayersModel["layers"][number];

/** What {@linkcode checkpoint} can wrap: a function of one tensor, a layer, layers in order, or a model. */
export type Segment = ((x: Tensor) => Tensor) | Layer | readonly Layer[] | LayersModel;

/** Options for {@linkcode checkpoint}. */
export interface CheckpointOptions {
  /**
   * The variables the segment reads whose gradients are wanted. tfjs's
   * `customGrad` only differentiates with respect to its inputs, so the
   * segment's weights must be named. For layers and models it defaults to
   * their trainable weights; for a plain function, to none.
   * @default {trainable weights of the layers, or []}
   */
  params?: readonly Tensor[];
  /**
   * Passed to `layer.apply(x, { training })` for layers and models.
   * @default {true}
   */
  training?: boolean;
}

/** The one piece of tfjs engine state checkpoint touches (not in tfjs's public types). */
interface EngineState {
  state: { activeTape: unknown };
}

function asFunction(segment: Segment, training: boolean): (x: Tensor) => Tensor {
  if (typeof segment === "function") return segment;
  const layers: readonly Layer[] = Array.isArray(segment) ? segment : [segment as Layer];
  return (x) => {
    let y = x;
    for (const layer of layers) {
      const out = layer.apply(y, { training });
      if (!(out instanceof tf.Tensor)) {
        throw new TypeError(
          `Cannot checkpoint layer "${layer.name}": apply returned ${
            Array.isArray(out) ? "several tensors" : "a symbolic tensor"
          }, expected one tensor`,
        );
      }
      y = out;
    }
    return y;
  };
}

function trainableOf(segment: Segment): Tensor[] {
  if (typeof segment === "function") return [];
  const layers: readonly Layer[] = Array.isArray(segment) ? segment : [segment as Layer];
  return layers.flatMap((layer) => layer.trainableWeights.map((w) => w.read()));
}

/**
 * Gradient checkpointing: wraps a segment (a function, layer, layers or model)
 * so that its forward pass keeps no activations. Only the segment's input is
 * saved; during backprop the segment runs again under `tf.grads` to rebuild
 * its activations, one segment at a time. Peak memory drops from the sum of
 * all activations to the segment boundaries plus one segment, for about one
 * extra forward pass of compute.
 *
 * The segment must be deterministic (no dropout, or a seeded one): the
 * recomputed activations must equal the first ones.
 *
 * @param segment What to checkpoint; layers must already be built.
 * @param options The variables to differentiate, and the training flag.
 * @returns A function `x => y` with the same values and gradients as the segment.
 * @throws {TypeError} When the segment is empty or a layer is not built.
 * @example
 * ```ts
 * import { checkpoint, useBackend } from "memkit";
 * import * as tf from "@tensorflow/tfjs";
 * await useBackend({ backend: "cpu" });
 * const w = tf.variable(tf.tensor2d([[2]]));
 * const seg = checkpoint((x) => tf.relu(tf.matMul(x, w)), { params: [w] });
 * const g = tf.variableGrads(() => tf.sum(seg(tf.tensor2d([[3]]))), [w]);
 * if ((await g.grads[w.name].data())[0] !== 3) throw new Error("wrong gradient");
 * ```
 */
export function checkpoint(
  segment: Segment,
  options: CheckpointOptions = {},
): (x: Tensor) => Tensor {
  if (Array.isArray(segment) && segment.length === 0) {
    throw new TypeError("Cannot checkpoint an empty list of layers: segment has 0 layers");
  }
  if (typeof segment !== "function") {
    const layers: readonly Layer[] = Array.isArray(segment) ? segment : [segment as Layer];
    for (const layer of layers) {
      if (!layer.built) {
        throw new TypeError(
          `Cannot checkpoint layer "${layer.name}": it is not built yet; build it (or its model) first`,
        );
      }
    }
  }
  const training = options.training ?? true;
  const run = asFunction(segment, training);
  const explicit = options.params;
  return (x: Tensor): Tensor => {
    const params = explicit ? [...explicit] : trainableOf(segment);
    const wrapped = tf.customGrad((...args: (Tensor | tf.GradSaveFunc)[]) => {
      const input = args[0] as Tensor;
      const save = args[args.length - 1] as tf.GradSaveFunc;
      save([input]);
      // customGrad runs this inside a tidy with the tape off: every
      // intermediate of the segment is freed, only the output survives.
      const value = run(input);
      return {
        value,
        gradFunc: (dy: Tensor, saved: Tensor[]) => {
          const recompute = (...xs: Tensor[]) => run(xs[0]);
          // The params are passed to tf.grads only so that it differentiates
          // with respect to them; the segment reads them by closure, and
          // tf.grads matches tensors by identity.
          // tfjs keeps one tape per engine: a nested tf.grads at depth 0
          // replaces it and sets it to null when done, which would crash the
          // outer backprop and leak its saved tensors. Put it back.
          const state = (tf.engine() as unknown as EngineState).state;
          const outerTape = state.activeTape;
          try {
            return tf.grads(recompute)([saved[0], ...params], dy);
          } finally {
            state.activeTape = outerTape;
          }
        },
      };
    });
    return wrapped(x, ...params);
  };
}
