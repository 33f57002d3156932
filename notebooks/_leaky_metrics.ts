/**
 * A small metrics helper with a planted leak, used by notebook 03 (disposal):
 * the notebook finds the leak with `trackLeaks()` and fixes it. Do not copy.
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** Mean absolute error of a model's predictions, as a number. */
export async function meanAbsoluteError(
  model: tf.LayersModel,
  xs: tf.Tensor,
  ys: tf.Tensor,
): Promise<number> {
  const predictions = model.predict(xs) as tf.Tensor;
  const error = predictions.sub(ys).abs().mean();
  const value = (await error.data())[0];
  error.dispose(); // disposes the mean, but not predictions, the difference or abs
  return value;
}
