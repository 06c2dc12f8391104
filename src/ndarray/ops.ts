/**
 * `mx.nd.*` operator functions: thin, explicitly typed calls into the registry. The
 * NDArray methods of the same names call the same registry entries.
 * @module
 */
import type { Context } from "../core/context.ts";
import type { DType } from "../core/dtype.ts";
import { waitAll as engineWaitAll } from "../engine/engine.ts";
import { invoke } from "./apply.ts";
import { arith } from "./arith.ts";
import type { NDArray, ReduceOptions, TopkOptions } from "./ndarray.ts";

type Operand = NDArray | number;

/** `lhs + rhs` with broadcasting. */
export function add(lhs: Operand, rhs: Operand): NDArray {
  return arith("add", lhs, rhs);
}
/** `lhs - rhs`. */
export function subtract(lhs: Operand, rhs: Operand): NDArray {
  return arith("sub", lhs, rhs);
}
/** `lhs * rhs`. */
export function multiply(lhs: Operand, rhs: Operand): NDArray {
  return arith("mul", lhs, rhs);
}
/** `lhs / rhs`. */
export function divide(lhs: Operand, rhs: Operand): NDArray {
  return arith("div", lhs, rhs);
}
/** `base ** exp`. */
export function power(base: Operand, exp: Operand): NDArray {
  return arith("pow", base, exp);
}
/** Elementwise maximum. */
export function maximum(lhs: Operand, rhs: Operand): NDArray {
  return arith("maximum", lhs, rhs);
}
/** Elementwise minimum. */
export function minimum(lhs: Operand, rhs: Operand): NDArray {
  return arith("minimum", lhs, rhs);
}
/** `lhs == rhs` as 0/1. */
export function equal(lhs: Operand, rhs: Operand): NDArray {
  return arith("equal", lhs, rhs);
}
/** `lhs != rhs` as 0/1. */
export function notEqual(lhs: Operand, rhs: Operand): NDArray {
  return arith("notEqual", lhs, rhs);
}
/** `lhs > rhs` as 0/1. */
export function greater(lhs: Operand, rhs: Operand): NDArray {
  return arith("greater", lhs, rhs);
}
/** `lhs >= rhs` as 0/1. */
export function greaterEqual(lhs: Operand, rhs: Operand): NDArray {
  return arith("greaterEqual", lhs, rhs);
}
/** `lhs < rhs` as 0/1. */
export function lesser(lhs: Operand, rhs: Operand): NDArray {
  return arith("lesser", lhs, rhs);
}
/** `lhs <= rhs` as 0/1. */
export function lesserEqual(lhs: Operand, rhs: Operand): NDArray {
  return arith("lesserEqual", lhs, rhs);
}
export { add as plus, divide as div, multiply as mul, subtract as sub };

const u = (name: string) => (data: NDArray): NDArray => invoke(name, [data])[0];
/** `-x`. */
export const negative: (data: NDArray) => NDArray = u("negative");
/** `|x|`. */
export const abs: (data: NDArray) => NDArray = u("abs");
/** Sign of x (-1, 0, 1). */
export const sign: (data: NDArray) => NDArray = u("sign");
/** `e^x`. */
export const exp: (data: NDArray) => NDArray = u("exp");
/** Natural log. */
export const log: (data: NDArray) => NDArray = u("log");
/** `log(1 + x)`. */
export const log1p: (data: NDArray) => NDArray = u("log1p");
/** `e^x - 1`. */
export const expm1: (data: NDArray) => NDArray = u("expm1");
/** Square root. */
export const sqrt: (data: NDArray) => NDArray = u("sqrt");
/** `1 / sqrt(x)`. */
export const rsqrt: (data: NDArray) => NDArray = u("rsqrt");
/** `x * x`. */
export const square: (data: NDArray) => NDArray = u("square");
/** Cube root. */
export const cbrt: (data: NDArray) => NDArray = u("cbrt");
/** `1 / x`. */
export const reciprocal: (data: NDArray) => NDArray = u("reciprocal");
/** Sine. */
export const sin: (data: NDArray) => NDArray = u("sin");
/** Cosine. */
export const cos: (data: NDArray) => NDArray = u("cos");
/** Tangent. */
export const tan: (data: NDArray) => NDArray = u("tan");
/** Inverse sine. */
export const arcsin: (data: NDArray) => NDArray = u("arcsin");
/** Inverse cosine. */
export const arccos: (data: NDArray) => NDArray = u("arccos");
/** Inverse tangent. */
export const arctan: (data: NDArray) => NDArray = u("arctan");
/** Hyperbolic sine. */
export const sinh: (data: NDArray) => NDArray = u("sinh");
/** Hyperbolic cosine. */
export const cosh: (data: NDArray) => NDArray = u("cosh");
/** Hyperbolic tangent. */
export const tanh: (data: NDArray) => NDArray = u("tanh");
/** Logistic sigmoid. */
export const sigmoid: (data: NDArray) => NDArray = u("sigmoid");
/** `max(x, 0)`. */
export const relu: (data: NDArray) => NDArray = u("relu");
/** `x / (1 + |x|)`. */
export const softsign: (data: NDArray) => NDArray = u("softsign");
/** Gauss error function. */
export const erf: (data: NDArray) => NDArray = u("erf");
/** Round down. */
export const floor: (data: NDArray) => NDArray = u("floor");
/** Round up. */
export const ceil: (data: NDArray) => NDArray = u("ceil");
/** Round half away from zero. */
export const round: (data: NDArray) => NDArray = u("round");
/** Round toward zero. */
export const trunc: (data: NDArray) => NDArray = u("trunc");

/** Clips to [aMin, aMax]. */
export function clip(data: NDArray, aMin: number, aMax: number): NDArray {
  return data.clip(aMin, aMax);
}
/** Sum over axes. */
export function sum(data: NDArray, opts: ReduceOptions = {}): NDArray {
  return data.sum(opts);
}
/** Mean over axes. */
export function mean(data: NDArray, opts: ReduceOptions = {}): NDArray {
  return data.mean(opts);
}
/** Product over axes. */
export function prod(data: NDArray, opts: ReduceOptions = {}): NDArray {
  return data.prod(opts);
}
/** Maximum over axes. */
export function max(data: NDArray, opts: ReduceOptions = {}): NDArray {
  return data.max(opts);
}
/** Minimum over axes. */
export function min(data: NDArray, opts: ReduceOptions = {}): NDArray {
  return data.min(opts);
}
/** L2 (or L1) norm. */
export function norm(
  data: NDArray,
  opts: { ord?: number; axis?: number | number[]; keepdims?: boolean } = {},
): NDArray {
  return data.norm(opts);
}
/** Index of the maximum. */
export function argmax(data: NDArray, opts: { axis?: number; keepdims?: boolean } = {}): NDArray {
  return data.argmax(opts);
}
/** Index of the minimum. */
export function argmin(data: NDArray, opts: { axis?: number; keepdims?: boolean } = {}): NDArray {
  return data.argmin(opts);
}
/** Matrix product (`transposeA`/`transposeB`). */
export function dot(
  lhs: NDArray,
  rhs: NDArray,
  opts: { transposeA?: boolean; transposeB?: boolean } = {},
): NDArray {
  return lhs.dot(rhs, opts);
}
/** Batched matrix product of 3-D arrays. */
export function batchDot(
  lhs: NDArray,
  rhs: NDArray,
  opts: { transposeA?: boolean; transposeB?: boolean } = {},
): NDArray {
  return invoke("batch_dot", [lhs, rhs], { ...opts })[0];
}
/** Reshape (MXNet codes 0, -1, -2, -3, -4). */
export function reshape(
  data: NDArray,
  shape: readonly number[],
  opts: { reverse?: boolean } = {},
): NDArray {
  return data.reshape(shape, opts);
}
/** Permute axes. */
export function transpose(data: NDArray, axes: readonly number[] = []): NDArray {
  return data.transpose(axes);
}
/** Swap two axes. */
export function swapaxes(data: NDArray, dim1: number, dim2: number): NDArray {
  return data.swapaxes(dim1, dim2);
}
/** Insert an axis. */
export function expandDims(data: NDArray, axis: number): NDArray {
  return data.expandDims(axis);
}
/** Remove size-1 axes. */
export function squeeze(data: NDArray, axis?: number | number[]): NDArray {
  return data.squeeze(axis);
}
/** Collapse all but the first axis. */
export function flatten(data: NDArray): NDArray {
  return data.flatten();
}
/** Broadcast to a shape. */
export function broadcastTo(data: NDArray, shape: readonly number[]): NDArray {
  return data.broadcastTo(shape);
}
/** Broadcast to another array's shape. */
export function broadcastLike(lhs: NDArray, rhs: NDArray): NDArray {
  return lhs.broadcastLike(rhs);
}
/** Concatenate along `dim` (default 1, as MXNet). */
export function concat(arrays: readonly NDArray[], opts: { dim?: number } = {}): NDArray {
  return invoke("Concat", arrays, { numArgs: arrays.length, ...opts })[0];
}
/** Stack along a new axis. */
export function stack(arrays: readonly NDArray[], opts: { axis?: number } = {}): NDArray {
  return invoke("stack", arrays, { numArgs: arrays.length, ...opts })[0];
}
/** Split into `numOutputs` equal parts along `axis` (default 1). */
export function split(
  data: NDArray,
  opts: { numOutputs: number; axis?: number; squeezeAxis?: boolean },
): NDArray[] {
  return invoke("SliceChannel", [data], { ...opts });
}
/** Slice with per-axis begin/end/step. */
export function slice(
  data: NDArray,
  opts: {
    begin: readonly (number | null)[];
    end: readonly (number | null)[];
    step?: readonly (number | null)[];
  },
): NDArray {
  return data.slice(opts.begin, opts.end, opts.step);
}
/** Slice along one axis. */
export function sliceAxis(
  data: NDArray,
  opts: { axis: number; begin: number; end: number | null },
): NDArray {
  return data.sliceAxis(opts.axis, opts.begin, opts.end);
}
/** Tile. */
export function tile(data: NDArray, reps: readonly number[]): NDArray {
  return data.tile(reps);
}
/** Repeat elements. */
export function repeat(data: NDArray, opts: { repeats: number; axis?: number }): NDArray {
  return data.repeat(opts.repeats, opts.axis);
}
/** Reverse along axes. */
export function flip(data: NDArray, axis: number | readonly number[]): NDArray {
  return data.flip(axis);
}
/** Gather along an axis. */
export function take(
  a: NDArray,
  indices: NDArray,
  opts: { axis?: number; mode?: "clip" | "wrap" } = {},
): NDArray {
  return a.take(indices, opts);
}
/** One element per position along `axis`. */
export function pick(
  data: NDArray,
  index: NDArray,
  opts: { axis?: number; keepdims?: boolean } = {},
): NDArray {
  return data.pick(index, opts);
}
/** One-hot encoding. */
export function oneHot(
  indices: NDArray,
  depth: number,
  opts: { onValue?: number; offValue?: number; dtype?: DType } = {},
): NDArray {
  return indices.oneHot(depth, opts);
}
/** `condition ? x : y` elementwise. */
export function where(condition: NDArray, x: NDArray, y: NDArray): NDArray {
  return invoke("where", [condition, x, y])[0];
}
/** Converts dtype. */
export function cast(data: NDArray, dtype: DType): NDArray {
  return data.astype(dtype);
}
/** Zeros like `data`. */
export function zerosLike(data: NDArray): NDArray {
  return data.zerosLike();
}
/** Ones like `data`. */
export function onesLike(data: NDArray): NDArray {
  return data.onesLike();
}
/** Softmax. */
export function softmax(
  data: NDArray,
  opts: { axis?: number; temperature?: number } = {},
): NDArray {
  return data.softmax(opts);
}
/** Log-softmax. */
export function logSoftmax(
  data: NDArray,
  opts: { axis?: number; temperature?: number } = {},
): NDArray {
  return data.logSoftmax(opts);
}
/** Top-k. With `retTyp: "both"` use `topkBoth`. */
export function topk(data: NDArray, opts: TopkOptions = {}): NDArray {
  return data.topk(opts);
}
/** Top-k values and indices together. */
export function topkBoth(
  data: NDArray,
  opts: Omit<TopkOptions, "retTyp"> = {},
): [NDArray, NDArray] {
  const [v, i] = invoke("topk", [data], { ...opts, retTyp: "both" });
  return [v, i];
}
/** Sorted copy. */
export function sort(data: NDArray, opts: { axis?: number; isAscend?: boolean } = {}): NDArray {
  return data.sort(opts);
}
/** Sorting indices. */
export function argsort(
  data: NDArray,
  opts: { axis?: number; isAscend?: boolean; dtype?: DType } = {},
): NDArray {
  return data.argsort(opts);
}

/** Waits for all pushed work; throws the first failure not reported elsewhere. */
export function waitAll(): Promise<void> {
  return engineWaitAll();
}

/** Sampling functions shared by `mx.random` and `mx.nd.random`. */
export interface SampleOptions {
  /** Device. */
  ctx?: Context;
  /** Output dtype. */
  dtype?: DType;
}
