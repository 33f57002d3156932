/**
 * The TensorFlow.js types that memkit's public signatures use, re-exported
 * under memkit's name so users (and `deno doc`) can name them without
 * importing tfjs's own module. Each is an alias, identical to tfjs's type
 * (tests/tf_types_test.ts proves it at compile time): a value of one is a
 * value of the other.
 * @module
 */
import type * as tf from "./_tfjs.ts";

/** A tfjs tensor of any rank (`tf.Tensor`). */
export type Tensor = tf.Tensor;
/** A rank-2 tfjs tensor, `[rows, columns]` (`tf.Tensor2D`). */
export type Tensor2D = tf.Tensor2D;
/** A scalar tfjs tensor (`tf.Scalar`). */
export type Scalar = tf.Scalar;
/** A tfjs tensor's rank (`tf.Rank`). */
export type Rank = tf.Rank;
/** A tfjs Layers model (`tf.LayersModel`), what `tf.sequential()` and `tf.model()` build. */
export type LayersModel = tf.LayersModel;
/** A tfjs sequential model (`tf.Sequential`). */
export type Sequential = tf.Sequential;
/** A loss function: targets and predictions in, a scalar tensor out (e.g. `tf.losses.meanSquaredError`). */
export type LossFn = (yTrue: Tensor, yPred: Tensor) => Scalar;
