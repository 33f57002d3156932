/**
 * memkit: memory as a first-class, visible, controllable thing for machine
 * learning in Deno, on TensorFlow.js, Apache Arrow and plotly.js.
 *
 * `memkit` is the whole surface; each folder of lib/ is also a sub-path
 * export with only its own imports (`memkit/plot` loads neither tfjs nor
 * Arrow): `memkit/backend`, `memkit/data`, `memkit/dispose`, `memkit/dtype`,
 * `memkit/memory`, `memkit/plot`, `memkit/sparse`, `memkit/train`.
 * tests/mod_test.ts checks that every public file is re-exported here and by
 * its folder's mod.ts.
 * @module
 */

export * from "./lib/backend/mod.ts";
export * from "./lib/plot/mod.ts";
export * from "./lib/memory/mod.ts";
export * from "./lib/dispose/mod.ts";
export * from "./lib/dtype/mod.ts";
export * from "./lib/data/mod.ts";
export * from "./lib/sparse/mod.ts";
export * from "./lib/train/mod.ts";
export type {
  LayersModel,
  LossFn,
  Rank,
  Scalar,
  Sequential,
  Tensor,
  Tensor2D,
} from "./lib/tf_types.ts";
