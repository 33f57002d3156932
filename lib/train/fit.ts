import { setImmediate } from "node:timers";
import { tf } from "../_tf.ts";
import { scoped } from "../dispose/scoped.ts";
import { isOwned } from "../dispose/_ownership.ts";
import { progress as startProgress, type ProgressOptions } from "../plot/progress.ts";
import type { LayersModel, Scalar, Tensor } from "../tf_types.ts";

/** One training batch: inputs and targets (arrays for multi-input or multi-output models). */
export interface FitBatch {
  /** Inputs, e.g. float32 of shape [rows, features]. */
  xs: Tensor | Tensor[];
  /** Targets, e.g. shape [rows, 1]. */
  ys: Tensor | Tensor[];
}

/** What {@linkcode FitOptions.onStep} receives after each optimizer step. */
export interface FitStep {
  /** Epoch, from 0. */
  epoch: number;
  /** Step within the epoch, from 0. */
  step: number;
  /** Steps done since fit began, from 1. */
  globalStep: number;
  /** This batch's loss. */
  loss: number;
  /** `tf.memory().numTensors` after the step's scope closed. */
  numTensors: number;
}

/** What {@linkcode FitOptions.onEpoch} receives after each epoch. */
export interface FitEpoch {
  /** Epoch, from 0. */
  epoch: number;
  /** Mean of the epoch's step losses (each batch weighs the same). */
  loss: number;
  /** Steps in the epoch. */
  steps: number;
  /** Wall time of the epoch in milliseconds. */
  ms: number;
  /** `tf.memory().numTensors` at the end of the epoch. */
  numTensors: number;
}

/** The loss history {@linkcode fit} returns. */
export interface FitHistory {
  /** Mean loss per epoch. */
  epochLoss: number[];
  /** Loss of every step, in order. */
  stepLoss: number[];
  /** Steps run in all. */
  steps: number;
  /** Wall time in milliseconds. */
  ms: number;
}

/** Options for {@linkcode fit}. */
export interface FitOptions {
  /**
   * Passes over the data; the data must start over on each `for await`.
   * @default {1}
   */
  epochs?: number;
  /** Stops training between steps; fit then rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** Where to mark each epoch's start (a memkit timeline, or anything with `mark`). */
  timeline?: { mark(label: string): void };
  /** Called after each step (awaited when it returns a promise). */
  onStep?: (step: FitStep) => void | Promise<void>;
  /** Called after each epoch (awaited when it returns a promise). */
  onEpoch?: (epoch: FitEpoch) => void | Promise<void>;
  /**
   * How to show progress (see `progress()`); `"silent"` shows none.
   * @default {"auto"}
   */
  progress?: ProgressOptions["mode"];
  /** Steps per epoch, when known: gives the progress display a total and an ETA. */
  stepsPerEpoch?: number;
  /**
   * Dispose each batch's tensors after its step. Leave it off for a dataset
   * (it owns and disposes its tensors; fit never disposes those anyway) and
   * for arrays of tensors reused every epoch. Turn it on when a plain
   * generator yields fresh tensors and hands them over to fit.
   * @default {false}
   */
  disposeBatches?: boolean;
}

/** Longest stretch of steps without letting timers run (see the loop). */
const YIELD_EVERY_MS = 20;

function asList(t: Tensor | Tensor[]): Tensor[] {
  return Array.isArray(t) ? t : [t];
}

function checkBatch(batch: unknown, epoch: number, step: number): FitBatch {
  const where = `batch ${step} of epoch ${epoch}`;
  if (batch === null || typeof batch !== "object") {
    throw new TypeError(
      `Cannot fit: ${where} is ${batch === null ? "null" : typeof batch}, expected {xs, ys}`,
    );
  }
  for (const key of ["xs", "ys"] as const) {
    const value = (batch as Record<string, unknown>)[key];
    const list = Array.isArray(value) ? value : [value];
    if (list.length === 0 || !list.every((t) => t instanceof tf.Tensor)) {
      throw new TypeError(
        `Cannot fit: ${where} has no tensor "${key}" (got ${
          Array.isArray(value) ? "an array" : typeof value
        })`,
      );
    }
    for (const t of list as Tensor[]) {
      if (t.isDisposed) {
        throw new Error(
          `Cannot fit: ${where} has a disposed "${key}" tensor (shape [${t.shape}]); ` +
            `was it disposed by the producer before fit used it?`,
        );
      }
    }
  }
  return batch as FitBatch;
}

/**
 * Trains a compiled tfjs LayersModel over a re-iterable dataset of
 * `{xs, ys}` batches (what a memkit dataset's `toTensors()` yields, an array,
 * or any iterable), with memory held flat: each optimizer step runs in its own
 * disposal scope (`scoped()`), so gradients, activations and the loss tensor
 * are freed at the end of the step and the tensor count stays constant over
 * any number of steps. Shows progress, marks each epoch on a timeline when
 * given one, and returns the loss history.
 *
 * Who disposes the batches: a dataset owns the tensors it yields and frees
 * them on its next step, and fit never disposes those. Tensors from an array
 * are yours to dispose after fit; fresh tensors from a plain generator need
 * `disposeBatches: true` (or disposal in the generator after each `yield`).
 *
 * The loss is the model's compiled loss (mean over the batch, summed over
 * outputs) plus regularization penalties; metrics are not computed.
 *
 * @param model A tf.LayersModel compiled with an optimizer and a loss.
 * @param data Re-iterable (async) iterable of `{xs, ys}`.
 * @param options Epochs, callbacks, timeline, progress, abort signal.
 * @returns The loss per epoch and per step.
 * @throws {TypeError} When the model is not compiled or a batch is malformed.
 * @throws {Error} When an epoch after the first yields no batches (the data is not re-iterable).
 * @example
 * ```ts
 * import { fit, useBackend } from "memkit";
 * import * as tf from "@tensorflow/tfjs";
 * await useBackend({ backend: "cpu" });
 * const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2] })] });
 * model.compile({ optimizer: tf.train.sgd(0.1), loss: "meanSquaredError" });
 * const xs = tf.tensor2d([[0, 1], [1, 0], [1, 1], [0, 0]]);
 * const ys = tf.tensor2d([[1], [1], [2], [0]]);
 * const before = tf.memory().numTensors;
 * const history = await fit(model, [{ xs, ys }], { epochs: 50, progress: "silent" });
 * if (!(history.epochLoss[49] < history.epochLoss[0])) throw new Error("did not learn");
 * if (tf.memory().numTensors !== before) throw new Error("leaked");
 * tf.dispose([xs, ys]);
 * model.dispose();
 * ```
 */
export async function fit(
  model: LayersModel,
  data: AsyncIterable<FitBatch> | Iterable<FitBatch>,
  options: FitOptions = {},
): Promise<FitHistory> {
  if (!(model instanceof tf.LayersModel)) {
    throw new TypeError(`Cannot fit: model must be a LayersModel, got ${typeof model}`);
  }
  const optimizer = model.optimizer as tf.Optimizer | undefined;
  // A Sequential keeps its compiled losses on the functional model inside it.
  const inner = model instanceof tf.Sequential
    ? (model as unknown as { model?: LayersModel }).model
    : model;
  const lossFns = inner?.lossFunctions;
  if (!optimizer || !lossFns || lossFns.length === 0) {
    throw new TypeError(
      `Cannot fit model "${model.name}": it is not compiled; call model.compile({ optimizer, loss }) first`,
    );
  }
  const iterable = data as Partial<AsyncIterable<FitBatch> & Iterable<FitBatch>> | null;
  if (
    iterable === null || typeof iterable !== "object" ||
    (typeof iterable[Symbol.asyncIterator] !== "function" &&
      typeof iterable[Symbol.iterator] !== "function")
  ) {
    throw new TypeError(
      `Cannot fit: data must be an iterable or async iterable of {xs, ys}, got ${
        data === null ? "null" : typeof data
      }`,
    );
  }
  const epochs = options.epochs ?? 1;
  if (!Number.isInteger(epochs) || epochs < 1) {
    throw new RangeError(`Cannot fit: options.epochs is ${epochs}, expected an integer ≥ 1`);
  }
  const signal = options.signal;
  signal?.throwIfAborted();

  const total = options.stepsPerEpoch ? options.stepsPerEpoch * epochs : undefined;
  const bar = startProgress({
    label: `fit ${model.name}`,
    total,
    unit: "steps",
    mode: options.progress,
  });
  const history: FitHistory = { epochLoss: [], stepLoss: [], steps: 0, ms: 0 };
  const started = performance.now();

  // The loss the compiled model would minimise, built fresh inside each step's scope.
  const totalLoss = (xs: Tensor[], ys: Tensor[]): Scalar => {
    const out = model.apply(xs.length === 1 ? xs[0] : xs, { training: true }) as
      | Tensor
      | Tensor[];
    const outputs = asList(out);
    if (outputs.length !== ys.length) {
      throw new TypeError(
        `Cannot fit model "${model.name}": it has ${outputs.length} output(s) but the batch has ${ys.length} target(s)`,
      );
    }
    let loss = tf.mean(lossFns[0](ys[0], outputs[0]));
    for (let i = 1; i < outputs.length; i++) {
      loss = tf.add(loss, tf.mean(lossFns[i](ys[i], outputs[i])));
    }
    for (const penalty of model.calculateLosses()) loss = tf.add(loss, penalty);
    return loss as Scalar;
  };

  let lastYield = performance.now();
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      options.timeline?.mark(`epoch ${epoch + 1}`);
      const epochStart = performance.now();
      let steps = 0;
      let sum = 0;
      for await (const raw of data as AsyncIterable<FitBatch>) {
        signal?.throwIfAborted();
        const batch = checkBatch(raw, epoch, steps);
        const xs = asList(batch.xs);
        const ys = asList(batch.ys);
        const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
        const loss = await scoped(async () => {
          const cost = optimizer.minimize(() => totalLoss(xs, ys), true, variables);
          return (await cost!.data())[0];
        }, { name: "fit step" });
        if (options.disposeBatches) {
          for (const t of [...xs, ...ys]) if (!isOwned(t)) t.dispose();
        }
        steps++;
        sum += loss;
        history.steps++;
        history.stepLoss.push(loss);
        const numTensors = tf.memory().numTensors;
        bar.update(
          history.steps,
          `epoch ${epoch + 1}/${epochs} · loss ${loss.toPrecision(4)} · ${numTensors} tensors`,
        );
        await options.onStep?.({
          epoch,
          step: steps - 1,
          globalStep: history.steps,
          loss,
          numTensors,
        });
        // On wasm and cpu a step is synchronous work chained by resolved
        // promises (microtasks), which starves timers: the timeline sampler,
        // live plots and progress redraws would not run until training ends.
        // Yielding to the macrotask queue every ~20 ms lets them run; a
        // setImmediate costs ~50 µs here (setTimeout(0) ~2.5 ms), so < 0.3%.
        if (performance.now() - lastYield > YIELD_EVERY_MS) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          lastYield = performance.now();
        }
      }
      if (steps === 0) {
        throw new Error(
          epoch === 0
            ? `Cannot fit model "${model.name}": the data yielded no batches`
            : `Cannot fit model "${model.name}": epoch ${
              epoch + 1
            } yielded no batches; the data must ` +
              `start over on each for await (a Dataset, an array, or an iterable object, not a one-shot generator)`,
        );
      }
      const mean = sum / steps;
      history.epochLoss.push(mean);
      await options.onEpoch?.({
        epoch,
        loss: mean,
        steps,
        ms: performance.now() - epochStart,
        numTensors: tf.memory().numTensors,
      });
    }
  } finally {
    history.ms = performance.now() - started;
    const last = history.epochLoss.at(-1);
    bar.done(last === undefined ? "stopped" : `loss ${last.toPrecision(4)}`);
  }
  return history;
}
