/**
 * `mx.np`: MXNet's NumPy interface. Arrays are {@link NpArray}s (`mx.np.ndarray`), an
 * NDArray subclass with NumPy semantics over the same storage, engine and operators.
 * Names follow NumPy in camelCase (`expand_dims` -> `expandDims`), keyword arguments go
 * in one options object (`np.sum(x, { axis: 1, keepdims: true })`); see docs/numpy.md.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const { np } = mx;
 * const x = np.arange(12).reshape(3, 4);
 * const y = np.ones([3, 4]);
 * console.log(await np.concatenate([x, y], { axis: 0 }).sum().item()); // 78
 * console.log(await x.get(-1).tolist()); // [8, 9, 10, 11]
 * ```
 * @module
 */
import { NpArray } from "./ndarray.ts";

export { NpArray, type NpReduceOptions } from "./ndarray.ts";
/** The np array class (Python's `mx.np.ndarray`). */
export const ndarray: typeof NpArray = NpArray;
/** `None` as an index item: inserts an axis of size 1 (`x.get([np.newaxis, "..."])`). */
export const newaxis: null = null;
/** π. */
export const pi: number = Math.PI;
/** Euler's number. */
export const e: number = Math.E;
/** Positive infinity. */
export const inf: number = Infinity;
/** Not a number. */
export const nan: number = NaN;

export {
  arange,
  array,
  asarray,
  copy,
  dtype,
  empty,
  emptyLike,
  eye,
  full,
  fullLike,
  identity,
  indices,
  linspace,
  logspace,
  meshgrid,
  type NpCreateOptions,
  ones,
  onesLike,
  tri,
  zeros,
  zerosLike,
} from "./creation.ts";
export {
  abs,
  absolute,
  add,
  arccos,
  arccosh,
  arcsin,
  arcsinh,
  arctan,
  arctan2,
  arctanh,
  around,
  astype,
  cbrt,
  ceil,
  clip,
  copysign,
  cos,
  cosh,
  deg2rad,
  degrees,
  divide,
  equal,
  exp,
  exp2,
  expm1,
  fabs,
  fix,
  floatPower,
  floor,
  floorDivide,
  fmax,
  fmin,
  fmod,
  greater,
  greaterEqual,
  hypot,
  isfinite,
  isinf,
  isnan,
  isneginf,
  isposinf,
  ldexp,
  less,
  lessEqual,
  log,
  log10,
  log1p,
  log2,
  logaddexp,
  logicalAnd,
  logicalNot,
  logicalOr,
  logicalXor,
  maximum,
  minimum,
  mod,
  multiply,
  nanToNum,
  negative,
  notEqual,
  positive,
  power,
  rad2deg,
  radians,
  reciprocal,
  remainder,
  rint,
  round,
  sign,
  sin,
  sinh,
  sqrt,
  square,
  subtract,
  tan,
  tanh,
  trueDivide,
  trunc,
} from "./math.ts";
export {
  all,
  amax,
  amin,
  any,
  argmax,
  argmin,
  average,
  countNonzero,
  cumprod,
  cumsum,
  max,
  mean,
  median,
  min,
  percentile,
  prod,
  ptp,
  quantile,
  type ReduceOpts,
  std,
  sum,
  var_,
  variance,
} from "./reduce.ts";
export {
  append,
  arraySplit,
  atleast1d,
  atleast2d,
  atleast3d,
  broadcastArrays,
  broadcastTo,
  columnStack,
  concat,
  concatenate,
  deleteAt,
  diag,
  diagflat,
  diagonal,
  dsplit,
  dstack,
  expandDims,
  flip,
  fliplr,
  flipud,
  hsplit,
  hstack,
  insert,
  moveaxis,
  pad,
  ravel,
  repeat,
  reshape,
  roll,
  rollaxis,
  rot90,
  rowStack,
  split,
  squeeze,
  stack,
  swapaxes,
  tile,
  trace,
  transpose,
  tril,
  triu,
  vsplit,
  vstack,
} from "./manip.ts";
export {
  argsort,
  argwhere,
  flatnonzero,
  nonzero,
  searchsorted,
  sort,
  unique,
  type UniqueOptions,
  where,
} from "./sort.ts";
export {
  allclose,
  arrayEqual,
  corrcoef,
  cov,
  cross,
  diff,
  ediff1d,
  heaviside,
  isclose,
  nanprod,
  nansum,
} from "./extra.ts";
export { dot, einsum, inner, kron, matmul, outer, tensordot, vdot } from "./linalg.ts";
export { promoteTypes as resultType } from "./_core.ts";
export * as linalg from "./linalg_mod.ts";
export * as random from "./random_mod.ts";

/** The shape of `x`. */
export function shape(x: { readonly shape: readonly number[] }): readonly number[] {
  return x.shape;
}
/** The number of axes of `x`. */
export function ndim(x: { readonly ndim: number }): number {
  return x.ndim;
}
/** The number of elements of `x`. */
export function size(x: { readonly size: number }): number {
  return x.size;
}
