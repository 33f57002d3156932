import { tf } from "../_tf.ts";
import type { LayersModel } from "../tf_types.ts";

/** Options for {@linkcode disposeModel}. */
export interface DisposeModelOptions {
  /**
   * Also dispose the model's optimizer (`model.optimizer`, compiled in) with
   * its slot variables (Adam's first and second moments, RMSProp's mean
   * squares, …), even when it was passed in as an instance.
   * @default {true}
   */
  optimizer?: boolean;
  /**
   * Throw when a variable of the model or optimizer is still alive afterwards
   * (a layer shared with another live model keeps its weights).
   * @default {true}
   */
  check?: boolean;
}

/** What {@linkcode disposeModel} freed. */
export interface DisposeModelReport {
  /** Tensors freed, from `tf.memory().numTensors` before and after. */
  numTensors: number;
  /** Bytes freed, from `tf.memory().numBytes` before and after. */
  numBytes: number;
  /** Variables of the model and optimizer that were disposed. */
  variables: number;
  /** Names of variables still alive afterwards (empty when all are gone). */
  remaining: string[];
}

type Optimizer = tf.Optimizer;

/** The optimizer's own variables, found by walking its fields. */
function optimizerVariables(optimizer: Optimizer): tf.Variable[] {
  const found = new Set<tf.Variable>();
  const visit = (value: unknown, depth: number) => {
    if (value instanceof tf.Variable) found.add(value);
    else if (Array.isArray(value) && depth < 2) { for (const v of value) visit(v, depth + 1); }
    // Slots are stored as {originalName, variable} records.
    else if (value !== null && typeof value === "object" && depth < 2 && "variable" in value) {
      visit((value as { variable: unknown }).variable, depth + 1);
    }
  };
  for (const value of Object.values(optimizer)) visit(value, 0);
  return [...found];
}

/**
 * Disposes a tfjs LayersModel, and by default its optimizer with its slot
 * variables, then checks that every variable is really gone: each is disposed
 * and no longer registered with the engine. `model.dispose()` alone leaves an
 * optimizer passed in as an instance (and its Adam moments) alive.
 *
 * @param model The model to dispose.
 * @param options Whether to dispose the optimizer, and whether to throw on survivors.
 * @returns Tensors and bytes freed, variables disposed, and any survivors.
 * @throws {Error} When `check` is on and variables survive, naming them.
 * @throws {TypeError} When `model` is not a tfjs LayersModel.
 * @example
 * ```ts
 * import { disposeModel, useBackend } from "memkit";
 * import * as tf from "@tensorflow/tfjs";
 * await useBackend({ backend: "cpu" });
 * const before = tf.memory().numTensors;
 * const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
 * model.compile({ optimizer: tf.train.adam(), loss: "meanSquaredError" });
 * await model.fit(tf.ones([4, 3]), tf.ones([4, 2]), { epochs: 1, verbose: 0 });
 * const report = disposeModel(model);
 * if (report.remaining.length !== 0) throw new Error("variables survived");
 * if (tf.memory().numTensors !== before + 2) throw new Error("leaked"); // + the two inputs
 * ```
 */
export function disposeModel(
  model: LayersModel,
  options: DisposeModelOptions = {},
): DisposeModelReport {
  if (!(model instanceof tf.LayersModel)) {
    const got: unknown = model;
    const what = got === null
      ? "null"
      : typeof got === "object"
      ? (got.constructor?.name ?? "object")
      : typeof got;
    throw new TypeError(`Cannot dispose model: expected a tf.LayersModel, got ${what}`);
  }
  const before = tf.memory();
  const variables = new Set<tf.Variable>();
  for (const w of model.weights) variables.add(w.read() as tf.Variable);
  // A compiled model's optimizer; reading it on an uncompiled model is fine.
  const optimizer = model.optimizer as Optimizer | undefined;
  const withOptimizer = options.optimizer ?? true;
  if (withOptimizer && optimizer) {
    for (const v of optimizerVariables(optimizer)) {
      variables.add(v);
    }
  }

  model.dispose();
  if (withOptimizer && optimizer) optimizer.dispose();

  const registered = tf.engine().registeredVariables;
  const remaining: string[] = [];
  for (const v of variables) {
    if (!v.isDisposed || registered[v.name] === v) remaining.push(v.name);
  }
  const after = tf.memory();
  const report: DisposeModelReport = {
    numTensors: before.numTensors - after.numTensors,
    numBytes: before.numBytes - after.numBytes,
    variables: variables.size - remaining.length,
    remaining,
  };
  if ((options.check ?? true) && remaining.length > 0) {
    throw new Error(
      `Cannot dispose model "${model.name}": ${remaining.length} variable(s) are still alive ` +
        `(${remaining.slice(0, 5).join(", ")}${remaining.length > 5 ? ", …" : ""}); ` +
        `a layer shared with another model keeps its weights`,
    );
  }
  return report;
}
