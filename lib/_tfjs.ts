/**
 * TensorFlow.js as memkit loads it: tfjs-core, tfjs-layers and the cpu
 * backend, without the `@tensorflow/tfjs` union package (which adds the
 * converter, tfjs-data, webgl and core-js: about 210 MB of node_modules that
 * memkit never uses). The union's one thing memkit needs is the chained ops
 * (`x.add(y)`, `x.matMul(w)`, …): tfjs-core's Node build leaves them out and
 * the union bundles them, so they are registered here, once, on tfjs's
 * global Tensor class, exactly as tfjs-core's `public/chained_ops/*.js`
 * define them (137 methods: 121 call the op of the same name with the tensor
 * first, the rest are listed below). A method already present (the union
 * loaded too) is left alone.
 * @module
 */
import * as core from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
// Types only (erased at run time): the chained ops' declarations on Tensor.
import type {} from "@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops";

export * from "@tensorflow/tfjs-core";
export * from "@tensorflow/tfjs-layers";

/** Methods `x.name(...args)` that are `core.name(x, ...args)`. */
const SAME_NAME = [
  "abs",
  "acos",
  "acosh",
  "add",
  "all",
  "any",
  "argMax",
  "argMin",
  "asin",
  "asinh",
  "atan",
  "atan2",
  "atanh",
  "avgPool",
  "batchToSpaceND",
  "batchNorm",
  "broadcastTo",
  "cast",
  "ceil",
  "clipByValue",
  "conv1d",
  "conv2d",
  "conv2dTranspose",
  "cos",
  "cosh",
  "cumprod",
  "cumsum",
  "depthToSpace",
  "depthwiseConv2d",
  "dilation2d",
  "div",
  "divNoNan",
  "dot",
  "elu",
  "equal",
  "erf",
  "euclideanNorm",
  "exp",
  "expandDims",
  "expm1",
  "fft",
  "floor",
  "floorDiv",
  "gather",
  "greater",
  "greaterEqual",
  "ifft",
  "irfft",
  "isFinite",
  "isInf",
  "isNaN",
  "leakyRelu",
  "less",
  "lessEqual",
  "localResponseNormalization",
  "log",
  "log1p",
  "logSigmoid",
  "logSoftmax",
  "logSumExp",
  "logicalAnd",
  "logicalNot",
  "logicalOr",
  "logicalXor",
  "matMul",
  "max",
  "maxPool",
  "maximum",
  "mean",
  "min",
  "minimum",
  "mirrorPad",
  "mod",
  "mul",
  "neg",
  "norm",
  "notEqual",
  "onesLike",
  "pad",
  "pool",
  "pow",
  "prelu",
  "prod",
  "reciprocal",
  "relu",
  "relu6",
  "reshape",
  "resizeBilinear",
  "resizeNearestNeighbor",
  "reverse",
  "rfft",
  "round",
  "rsqrt",
  "selu",
  "separableConv2d",
  "sigmoid",
  "sign",
  "sin",
  "sinh",
  "slice",
  "softmax",
  "softplus",
  "spaceToBatchND",
  "split",
  "sqrt",
  "square",
  "squaredDifference",
  "squeeze",
  "step",
  "stridedSlice",
  "sub",
  "sum",
  "tan",
  "tanh",
  "tile",
  "topk",
  "transpose",
  "unique",
  "unsortedSegmentSum",
  "unstack",
  "zerosLike",
] as const;

type Proto = Record<string, unknown> & { throwIfDisposed(): void };
type Op = (...args: unknown[]) => unknown;

function registerChainedOps(): void {
  const proto = core.Tensor.prototype as unknown as Record<string, unknown>;
  const ops = core as unknown as Record<string, Op>;
  const define = (name: string, fn: (this: core.Tensor, ...args: never[]) => unknown) => {
    if (!(name in proto)) proto[name] = fn;
  };
  for (const name of SAME_NAME) {
    const op = ops[name];
    define(name, function (this: core.Tensor, ...args: unknown[]) {
      (this as unknown as Proto).throwIfDisposed();
      return op(this, ...args);
    });
  }
  const reshape = (t: core.Tensor, shape: number[]) => {
    (t as unknown as Proto).throwIfDisposed();
    return core.reshape(t, shape);
  };
  const cast = (t: core.Tensor, dtype: core.DataType) => {
    (t as unknown as Proto).throwIfDisposed();
    return core.cast(t, dtype);
  };
  define("as1D", function () {
    return reshape(this, [this.size]);
  });
  define("flatten", function () {
    return reshape(this, [this.size]);
  });
  define("as2D", function (...s: number[]) {
    return reshape(this, s.slice(0, 2));
  });
  define("as3D", function (...s: number[]) {
    return reshape(this, s.slice(0, 3));
  });
  define("as4D", function (...s: number[]) {
    return reshape(this, s.slice(0, 4));
  });
  define("as5D", function (...s: number[]) {
    return reshape(this, s.slice(0, 5));
  });
  define("asScalar", function () {
    core.util.assert(this.size === 1, () => "The array must have only 1 element.");
    return reshape(this, []);
  });
  define("reshapeAs", function (x: core.Tensor) {
    return reshape(this, x.shape);
  });
  define("asType", function (dtype: core.DataType) {
    return cast(this, dtype);
  });
  define("toBool", function () {
    return cast(this, "bool");
  });
  define("toFloat", function () {
    return cast(this, "float32");
  });
  define("toInt", function () {
    return cast(this, "int32");
  });
  define("concat", function (x: core.Tensor | core.Tensor[], axis?: number) {
    (this as unknown as Proto).throwIfDisposed();
    return core.concat([this, ...(x instanceof core.Tensor ? [x] : x)], axis);
  });
  define("stack", function (x: core.Tensor | core.Tensor[], axis?: number) {
    (this as unknown as Proto).throwIfDisposed();
    return core.stack([this, ...(x instanceof core.Tensor ? [x] : x)], axis);
  });
  define("where", function (condition: core.Tensor, x: core.Tensor) {
    (this as unknown as Proto).throwIfDisposed();
    return core.where(condition, this, x);
  });
}

registerChainedOps();
