/**
 * memkit re-exports the tfjs types its signatures use as aliases
 * (lib/tf_types.ts). Each must be exactly tfjs's type: this file does not
 * type-check otherwise, and `deno test` type-checks it first.
 */
import assert from "node:assert/strict";
import type * as tf from "@tensorflow/tfjs";
import type { LayersModel, LossFn, Rank, Scalar, Sequential, Tensor, Tensor2D } from "../mod.ts";

/** true when A and B are the same type (mutually assignable in every position). */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true
  : false;

const checks = {
  Tensor: true as Equals<Tensor, tf.Tensor>,
  Tensor2D: true as Equals<Tensor2D, tf.Tensor2D>,
  Scalar: true as Equals<Scalar, tf.Scalar>,
  Rank: true as Equals<Rank, tf.Rank>,
  LayersModel: true as Equals<LayersModel, tf.LayersModel>,
  Sequential: true as Equals<Sequential, tf.Sequential>,
  LossFn: true as Equals<LossFn, (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar>,
} satisfies Record<string, true>;

Deno.test("memkit's tfjs type aliases are exactly tfjs's types (checked at compile time)", () => {
  assert.deepEqual(Object.values(checks), Object.values(checks).map(() => true));
  assert.equal(Object.keys(checks).length, 7);
});
