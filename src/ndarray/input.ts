/**
 * Host input: flattening nested numbers, arrays and typed arrays into flat values and a
 * shape, and nesting flat values back.
 * @module
 */
import type { TypedArray } from "../core/dtype.ts";
import { ShapeError } from "../core/errors.ts";
import { type Shape, sizeOf } from "../core/shape.ts";

/** Values `mx.nd.array` accepts: numbers, nested arrays, typed arrays. */
export type ArrayLikeInput =
  | number
  | boolean
  | readonly unknown[]
  | TypedArray;

/** Nested array of shape `shape` from flat values. */
export function nest(flat: unknown[], shape: Shape): unknown {
  if (shape.length === 0) return flat[0];
  const go = (offset: number, axis: number): unknown[] => {
    const n = shape[axis];
    if (axis === shape.length - 1) return flat.slice(offset, offset + n);
    const step = sizeOf(shape.slice(axis + 1));
    return Array.from({ length: n }, (_, i) => go(offset + i * step, axis + 1));
  };
  return go(0, 0);
}

/** Flattens nested host values and infers their shape; ragged input throws. */
export function flatten(
  value: ArrayLikeInput,
  where: string,
): { values: ArrayLike<number | bigint | boolean>; shape: number[] } {
  if (ArrayBuffer.isView(value)) {
    const v = value as TypedArray;
    return { values: v, shape: [v.length] };
  }
  if (typeof value === "number" || typeof value === "boolean") {
    return { values: [value], shape: [] };
  }
  const shape: number[] = [];
  let probe: unknown = value;
  while (Array.isArray(probe) || ArrayBuffer.isView(probe)) {
    const arr = probe as ArrayLike<unknown>;
    shape.push(arr.length);
    if (arr.length === 0) break;
    probe = arr[0];
  }
  const values: (number | bigint | boolean)[] = [];
  const walk = (v: unknown, axis: number) => {
    if (axis === shape.length) {
      if (typeof v !== "number" && typeof v !== "bigint" && typeof v !== "boolean") {
        throw new ShapeError(`${where}: expected a number at depth ${axis}, got ${typeof v}`);
      }
      values.push(v);
      return;
    }
    const arr = v as ArrayLike<unknown>;
    if ((!Array.isArray(v) && !ArrayBuffer.isView(v)) || arr.length !== shape[axis]) {
      throw new ShapeError(
        `${where}: ragged nested array: expected length ${shape[axis]} at depth ${axis}`,
      );
    }
    for (let i = 0; i < arr.length; i++) walk(arr[i], axis + 1);
  };
  walk(value, 0);
  return { values, shape };
}
