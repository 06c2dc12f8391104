/**
 * `mx.nd.*` operator functions. Each takes its input arrays, then the parameters MXNet
 * passes positionally (`swapaxes(x, 1, 2)`, `clip(x, 0, 1)`), then an options object; or
 * one options object with the inputs by name (`exp({ data: x })`). The signatures are the
 * ones `mx.sym` has (src/ops/signatures.ts), so code written for `F = mx.nd` runs with
 * `F = mx.sym` too. Arguments are checked: a wrong kind or count throws a ParamError naming
 * the function.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const x = mx.nd.arange(0, 6).reshape([1, 2, 3]);
 * console.log(mx.nd.swapaxes(x, 1, 2).shape); // [1, 3, 2]
 * console.log(await mx.nd.clip(x, 1, 4).data()); // [1, 1, 2, 3, 4, 4]
 * console.log(mx.nd.exp({ data: x }).shape); // [1, 2, 3]
 * ```
 * @module
 */
import type { Context } from "../core/context.ts";
import type { DType } from "../core/dtype.ts";
import { waitAll as engineWaitAll } from "../engine/engine.ts";
import type {
  ArgReduceOptions,
  ArgsortOptions,
  ArithFn,
  AxisFn,
  BinaryFn,
  BroadcastToFn,
  CastFn,
  ClipFn,
  DataFn,
  DotFn,
  FlipFn,
  HardSigmoidOptions,
  ListFn,
  NormOptions,
  OneHotFn,
  PickFn,
  ReduceOptions,
  RepeatFn,
  ReshapeFn,
  SliceAxisFn,
  SliceFn,
  SoftmaxOptions,
  SortOptions,
  SplitFn,
  SqueezeFn,
  SwapaxesFn,
  TakeFn,
  TileFn,
  TopkFn,
  TopkOptions,
  TransposeFn,
  UnaryFn,
  WhereFn,
} from "../ops/signatures.ts";
import { specOf } from "../ops/frontend.ts";
import type { BroadcastLikeFn } from "../ops/signatures_shape.ts";
import { callNd, ndArith, ndFunction } from "./_frontend.ts";
import type { NDArray } from "./ndarray.ts";

/** `lhs + rhs` with broadcasting; a number takes the scalar form. */
export const add: ArithFn<NDArray> = ndArith("add");
/** Alias of `add`. */
export const plus: ArithFn<NDArray> = ndArith("plus");
/** `lhs - rhs`. */
export const subtract: ArithFn<NDArray> = ndArith("subtract");
/** Alias of `subtract`. */
export const sub: ArithFn<NDArray> = ndArith("sub");
/** `lhs * rhs`. */
export const multiply: ArithFn<NDArray> = ndArith("multiply");
/** Alias of `multiply`. */
export const mul: ArithFn<NDArray> = ndArith("mul");
/** `lhs / rhs`. */
export const divide: ArithFn<NDArray> = ndArith("divide");
/** Alias of `divide`. */
export const div: ArithFn<NDArray> = ndArith("div");
/** `lhs ** rhs`. */
export const power: ArithFn<NDArray> = ndArith("power");
/** Elementwise maximum. */
export const maximum: ArithFn<NDArray> = ndArith("maximum");
/** Elementwise minimum. */
export const minimum: ArithFn<NDArray> = ndArith("minimum");
/** `lhs == rhs` as 0/1. */
export const equal: ArithFn<NDArray> = ndArith("equal");
/** `lhs != rhs` as 0/1. */
export const notEqual: ArithFn<NDArray> = ndArith("notEqual");
/** `lhs > rhs` as 0/1. */
export const greater: ArithFn<NDArray> = ndArith("greater");
/** `lhs >= rhs` as 0/1. */
export const greaterEqual: ArithFn<NDArray> = ndArith("greaterEqual");
/** `lhs < rhs` as 0/1. */
export const lesser: ArithFn<NDArray> = ndArith("lesser");
/** `lhs <= rhs` as 0/1. */
export const lesserEqual: ArithFn<NDArray> = ndArith("lesserEqual");
/** `-x`. */
export const negative: UnaryFn<NDArray> = ndFunction("negative");
/** `|x|`. */
export const abs: UnaryFn<NDArray> = ndFunction("abs");
/** Sign of x (-1, 0, 1). */
export const sign: UnaryFn<NDArray> = ndFunction("sign");
/** `e^x`. */
export const exp: UnaryFn<NDArray> = ndFunction("exp");
/** Natural log. */
export const log: UnaryFn<NDArray> = ndFunction("log");
/** `log(1 + x)`. */
export const log1p: UnaryFn<NDArray> = ndFunction("log1p");
/** `e^x - 1`. */
export const expm1: UnaryFn<NDArray> = ndFunction("expm1");
/** Square root. */
export const sqrt: UnaryFn<NDArray> = ndFunction("sqrt");
/** `1 / sqrt(x)`. */
export const rsqrt: UnaryFn<NDArray> = ndFunction("rsqrt");
/** `x * x`. */
export const square: UnaryFn<NDArray> = ndFunction("square");
/** Cube root. */
export const cbrt: UnaryFn<NDArray> = ndFunction("cbrt");
/** `1 / x`. */
export const reciprocal: UnaryFn<NDArray> = ndFunction("reciprocal");
/** Sine. */
export const sin: UnaryFn<NDArray> = ndFunction("sin");
/** Cosine. */
export const cos: UnaryFn<NDArray> = ndFunction("cos");
/** Tangent. */
export const tan: UnaryFn<NDArray> = ndFunction("tan");
/** Inverse sine. */
export const arcsin: UnaryFn<NDArray> = ndFunction("arcsin");
/** Inverse cosine. */
export const arccos: UnaryFn<NDArray> = ndFunction("arccos");
/** Inverse tangent. */
export const arctan: UnaryFn<NDArray> = ndFunction("arctan");
/** Hyperbolic sine. */
export const sinh: UnaryFn<NDArray> = ndFunction("sinh");
/** Hyperbolic cosine. */
export const cosh: UnaryFn<NDArray> = ndFunction("cosh");
/** Hyperbolic tangent. */
export const tanh: UnaryFn<NDArray> = ndFunction("tanh");
/** Logistic sigmoid. */
export const sigmoid: UnaryFn<NDArray> = ndFunction("sigmoid");
/** `max(x, 0)`. */
export const relu: UnaryFn<NDArray> = ndFunction("relu");
/** `x / (1 + |x|)`. */
export const softsign: UnaryFn<NDArray> = ndFunction("softsign");
/** Gauss error function. */
export const erf: UnaryFn<NDArray> = ndFunction("erf");
/** Round down. */
export const floor: UnaryFn<NDArray> = ndFunction("floor");
/** Round up. */
export const ceil: UnaryFn<NDArray> = ndFunction("ceil");
/** Round half away from zero. */
export const round: UnaryFn<NDArray> = ndFunction("round");
/** Round toward zero. */
export const trunc: UnaryFn<NDArray> = ndFunction("trunc");
/** The identity, with a zero gradient (MXNet's `BlockGrad`, `stop_gradient`). */
export const BlockGrad: UnaryFn<NDArray> = ndFunction("BlockGrad");
/** Alias of `BlockGrad`. */
export const stopGradient: UnaryFn<NDArray> = ndFunction("stopGradient");
/** Zeros of the same shape and dtype. */
export const zerosLike: UnaryFn<NDArray> = ndFunction("zerosLike");
/** Ones of the same shape and dtype. */
export const onesLike: UnaryFn<NDArray> = ndFunction("onesLike");
/** Collapses all axes but the first (`Flatten`). */
export const Flatten: UnaryFn<NDArray> = ndFunction("Flatten");
/** Alias of `Flatten`. */
export const flatten: UnaryFn<NDArray> = ndFunction("flatten");
/** `broadcast_add`: `lhs + rhs` with broadcasting. */
export const broadcastAdd: BinaryFn<NDArray> = ndFunction("broadcastAdd");
/** Alias of `broadcastAdd`. */
export const broadcastPlus: BinaryFn<NDArray> = ndFunction("broadcastPlus");
/** `broadcast_sub`. */
export const broadcastSub: BinaryFn<NDArray> = ndFunction("broadcastSub");
/** Alias of `broadcastSub`. */
export const broadcastMinus: BinaryFn<NDArray> = ndFunction("broadcastMinus");
/** `broadcast_mul`. */
export const broadcastMul: BinaryFn<NDArray> = ndFunction("broadcastMul");
/** `broadcast_div`. */
export const broadcastDiv: BinaryFn<NDArray> = ndFunction("broadcastDiv");
/** `broadcast_power`. */
export const broadcastPower: BinaryFn<NDArray> = ndFunction("broadcastPower");
/** `broadcast_maximum`. */
export const broadcastMaximum: BinaryFn<NDArray> = ndFunction("broadcastMaximum");
/** `broadcast_minimum`. */
export const broadcastMinimum: BinaryFn<NDArray> = ndFunction("broadcastMinimum");
/** `broadcast_equal` (0/1). */
export const broadcastEqual: BinaryFn<NDArray> = ndFunction("broadcastEqual");
/** `broadcast_not_equal` (0/1). */
export const broadcastNotEqual: BinaryFn<NDArray> = ndFunction("broadcastNotEqual");
/** `broadcast_greater` (0/1). */
export const broadcastGreater: BinaryFn<NDArray> = ndFunction("broadcastGreater");
/** `broadcast_greater_equal` (0/1). */
export const broadcastGreaterEqual: BinaryFn<NDArray> = ndFunction("broadcastGreaterEqual");
/** `broadcast_lesser` (0/1). */
export const broadcastLesser: BinaryFn<NDArray> = ndFunction("broadcastLesser");
/** `broadcast_lesser_equal` (0/1). */
export const broadcastLesserEqual: BinaryFn<NDArray> = ndFunction("broadcastLesserEqual");
/** Broadcasts `lhs` to the shape of `rhs`. */
export const broadcastLike: BroadcastLikeFn<NDArray> = ndFunction("broadcastLike");
/** `elemwise_add` (broadcasts, a superset of MXNet's same-shape rule). */
export const elemwiseAdd: BinaryFn<NDArray> = ndFunction("elemwiseAdd");
/** `elemwise_sub`. */
export const elemwiseSub: BinaryFn<NDArray> = ndFunction("elemwiseSub");
/** `elemwise_mul`. */
export const elemwiseMul: BinaryFn<NDArray> = ndFunction("elemwiseMul");
/** `elemwise_div`. */
export const elemwiseDiv: BinaryFn<NDArray> = ndFunction("elemwiseDiv");
/** Sum over axes. */
export const sum: DataFn<NDArray, ReduceOptions> = ndFunction("sum");
/** Mean over axes. */
export const mean: DataFn<NDArray, ReduceOptions> = ndFunction("mean");
/** Product over axes. */
export const prod: DataFn<NDArray, ReduceOptions> = ndFunction("prod");
/** Maximum over axes. */
export const max: DataFn<NDArray, ReduceOptions> = ndFunction("max");
/** Minimum over axes. */
export const min: DataFn<NDArray, ReduceOptions> = ndFunction("min");
/** L2 (or L1) norm. */
export const norm: DataFn<NDArray, NormOptions> = ndFunction("norm");
/** Index of the maximum (float32, as MXNet). */
export const argmax: DataFn<NDArray, ArgReduceOptions> = ndFunction("argmax");
/** Index of the minimum. */
export const argmin: DataFn<NDArray, ArgReduceOptions> = ndFunction("argmin");
/** Matrix product (`transposeA`/`transposeB`). */
export const dot: DotFn<NDArray> = ndFunction("dot");
/** Batched matrix product of 3-D arrays. */
export const batchDot: DotFn<NDArray> = ndFunction("batchDot");
/** Softmax (last axis by default). */
export const softmax: DataFn<NDArray, SoftmaxOptions<NDArray>> = ndFunction("softmax");
/** Log-softmax. */
export const logSoftmax: DataFn<NDArray, SoftmaxOptions<NDArray>> = ndFunction("logSoftmax");
/** Sorted copy. */
export const sort: DataFn<NDArray, SortOptions> = ndFunction("sort");
/** Sorting indices. */
export const argsort: DataFn<NDArray, ArgsortOptions> = ndFunction("argsort");
/** Top-k indices, values, mask, or `[values, indices]` (`retTyp: "both"`), as MXNet. */
export const topk: TopkFn<NDArray, NDArray[]> = ndFunction("topk");
/** Gathers along an axis. */
export const take: TakeFn<NDArray> = ndFunction("take");
/** One element per position along `axis`. */
export const pick: PickFn<NDArray> = ndFunction("pick");
/** `condition ? x : y` elementwise. */
export const where: WhereFn<NDArray> = ndFunction("where");
/** Reshape with MXNet's codes (0, -1, -2, -3, -4); shares memory. */
export const Reshape: ReshapeFn<NDArray> = ndFunction("Reshape");
/** Alias of `Reshape`. */
export const reshape: ReshapeFn<NDArray> = ndFunction("reshape");
/** Permutes axes (reverses them by default). */
export const transpose: TransposeFn<NDArray> = ndFunction("transpose");
/** Swaps two axes. */
export const SwapAxis: SwapaxesFn<NDArray> = ndFunction("SwapAxis");
/** Alias of `SwapAxis`. */
export const swapaxes: SwapaxesFn<NDArray> = ndFunction("swapaxes");
/** Inserts an axis of size 1. */
export const expandDims: AxisFn<NDArray> = ndFunction("expandDims");
/** Removes axes of size 1. */
export const squeeze: SqueezeFn<NDArray> = ndFunction("squeeze");
/** Broadcasts to a shape. */
export const broadcastTo: BroadcastToFn<NDArray> = ndFunction("broadcastTo");
/** Slice with per-axis begin/end/step. */
export const slice: SliceFn<NDArray> = ndFunction("slice");
/** Slice along one axis. */
export const sliceAxis: SliceAxisFn<NDArray> = ndFunction("sliceAxis");
/** Reverses along axes. */
export const reverse: FlipFn<NDArray> = ndFunction("reverse");
/** Alias of `reverse`. */
export const flip: FlipFn<NDArray> = ndFunction("flip");
/** Repeats the whole array `reps` times per axis. */
export const tile: TileFn<NDArray> = ndFunction("tile");
/** Repeats each element. */
export const repeat: RepeatFn<NDArray> = ndFunction("repeat");
/** Clips to [aMin, aMax]. */
export const clip: ClipFn<NDArray> = ndFunction("clip");
/** Converts the dtype. */
export const Cast: CastFn<NDArray> = ndFunction("Cast");
/** Alias of `Cast`. */
export const cast: CastFn<NDArray> = ndFunction("cast");
/** One-hot encoding. */
export const oneHot: OneHotFn<NDArray> = ndFunction("oneHot");
/** Concatenates along `dim` (default 1, as MXNet). */
export const Concat: ListFn<NDArray, { dim?: number }> = ndFunction("Concat");
/** Alias of `Concat`. */
export const concat: ListFn<NDArray, { dim?: number }> = ndFunction("concat");
/** Stacks along a new axis. */
export const stack: ListFn<NDArray, { axis?: number }> = ndFunction("stack");
/** Splits into `numOutputs` equal parts along `axis` (default 1). */
export const SliceChannel: SplitFn<NDArray, NDArray[]> = ndFunction("SliceChannel");
/** Alias of `SliceChannel`. */
export const split: SplitFn<NDArray, NDArray[]> = ndFunction("split");
/** Top-k values and indices together. */
export function topkBoth(
  data: NDArray,
  opts: Omit<TopkOptions, "retTyp"> = {},
): [NDArray, NDArray] {
  const [v, i] = callNd("topkBoth", [data, { ...opts, retTyp: "both" }], specOf("topk"));
  return [v, i];
}

/** Waits for all pushed work; throws the first failure not reported elsewhere. */
export function waitAll(): Promise<void> {
  return engineWaitAll();
}

/** Sampling functions shared by `mx.random` and `mx.nd.random`. */
export interface SampleOptions<D extends DType = DType> {
  /** Device. */
  ctx?: Context;
  /** Output dtype. */
  dtype?: D;
}

/** `lhs % rhs` with MXNet's mod: the result has the divisor's sign, and 0 where it is 0. */
export const modulo: ArithFn<NDArray> = ndArith("modulo");
/** `lhs && rhs` as 0/1 (non-zero, NaN included, is true). */
export const logicalAnd: ArithFn<NDArray> = ndArith("logicalAnd");
/** `lhs || rhs` as 0/1. */
export const logicalOr: ArithFn<NDArray> = ndArith("logicalOr");
/** Exactly one of lhs, rhs non-zero, as 0/1. */
export const logicalXor: ArithFn<NDArray> = ndArith("logicalXor");
/** `broadcast_mod`: MXNet's mod with broadcasting. */
export const broadcastMod: BinaryFn<NDArray> = ndFunction("broadcastMod");
/** `broadcast_hypot`: sqrt(lhs² + rhs²) with broadcasting. */
export const broadcastHypot: BinaryFn<NDArray> = ndFunction("broadcastHypot");
/** `broadcast_logical_and` (0/1). */
export const broadcastLogicalAnd: BinaryFn<NDArray> = ndFunction("broadcastLogicalAnd");
/** `broadcast_logical_or` (0/1). */
export const broadcastLogicalOr: BinaryFn<NDArray> = ndFunction("broadcastLogicalOr");
/** `broadcast_logical_xor` (0/1). */
export const broadcastLogicalXor: BinaryFn<NDArray> = ndFunction("broadcastLogicalXor");
/** Base-2 logarithm. */
export const log2: UnaryFn<NDArray> = ndFunction("log2");
/** Base-10 logarithm. */
export const log10: UnaryFn<NDArray> = ndFunction("log10");
/** Inverse hyperbolic sine. */
export const arcsinh: UnaryFn<NDArray> = ndFunction("arcsinh");
/** Inverse hyperbolic cosine. */
export const arccosh: UnaryFn<NDArray> = ndFunction("arccosh");
/** Inverse hyperbolic tangent. */
export const arctanh: UnaryFn<NDArray> = ndFunction("arctanh");
/** Radians to degrees. */
export const degrees: UnaryFn<NDArray> = ndFunction("degrees");
/** Degrees to radians. */
export const radians: UnaryFn<NDArray> = ndFunction("radians");
/** MXNet's rint: the nearer of floor and ceil, halves to the floor (2.5 -> 2, 3.5 -> 3). */
export const rint: UnaryFn<NDArray> = ndFunction("rint");
/** Round toward zero. */
export const fix: UnaryFn<NDArray> = ndFunction("fix");
/** The gamma function. */
export const gamma: UnaryFn<NDArray> = ndFunction("gamma");
/** log |gamma(x)|. */
export const gammaln: UnaryFn<NDArray> = ndFunction("gammaln");
/** Inverse error function. */
export const erfinv: UnaryFn<NDArray> = ndFunction("erfinv");
/** `1 / cbrt(x)`. */
export const rcbrt: UnaryFn<NDArray> = ndFunction("rcbrt");
/** `!x` as 0/1 in x's dtype. */
export const logicalNot: UnaryFn<NDArray> = ndFunction("logicalNot");
/** `max(0, min(1, alpha * x + beta))` (alpha 0.2, beta 0.5). */
export const hardSigmoid: DataFn<NDArray, HardSigmoidOptions> = ndFunction("hardSigmoid");
/** Softmax of `-x` (last axis by default). */
export const softmin: DataFn<NDArray, SoftmaxOptions> = ndFunction("softmin");
/** Sum over axes, NaN counted as 0. */
export const nansum: DataFn<NDArray, ReduceOptions> = ndFunction("nansum");
/** Product over axes, NaN counted as 1. */
export const nanprod: DataFn<NDArray, ReduceOptions> = ndFunction("nanprod");
