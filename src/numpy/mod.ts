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

export * from "./ndarray.ts";
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

export * from "./creation.ts";
export * from "./math.ts";
export * from "./reduce.ts";
export * from "./manip.ts";
export * from "./sort.ts";
export * from "./extra.ts";
export * from "./products.ts";
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
