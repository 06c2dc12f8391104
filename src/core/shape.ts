/**
 * Shapes, strides and NumPy broadcasting: the one place these rules live.
 * @module
 */
import { ShapeError } from "./errors.ts";

/** An array shape: one non-negative integer per axis. */
export type Shape = readonly number[];

/** Number of elements of a shape (1 for a scalar shape `[]`). */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major (C order) element strides of a shape. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/** Formats a shape as MXNet prints it in messages: `[2,3]`. */
export function formatShape(shape: Shape): string {
  return `[${shape.join(",")}]`;
}

/** True when two shapes are equal. */
export function shapeEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Checks that a value is a valid shape; `where` names the operator and argument. */
export function checkShape(shape: unknown, where: string): number[] {
  if (typeof shape === "number") shape = [shape];
  if (
    !Array.isArray(shape) ||
    !shape.every((d) => Number.isSafeInteger(d) && d >= 0)
  ) {
    throw new ShapeError(
      `${where}: expected a shape of non-negative integers, got ${JSON.stringify(shape)}`,
    );
  }
  return [...shape];
}

/**
 * The NumPy broadcast of several shapes: axes are aligned at the right; each pair of
 * dims must be equal or one of them 1.
 */
export function broadcastShapes(shapes: readonly Shape[], where: string): number[] {
  if (shapes.length === 2 && shapeEqual(shapes[0], shapes[1])) return [...shapes[0]];
  const ndim = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(ndim).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const o = ndim - s.length + i;
      const d = s[i];
      if (out[o] === 1) out[o] = d;
      else if (d !== 1 && d !== out[o]) {
        throw new ShapeError(
          `${where}: shapes ${shapes.map(formatShape).join(" and ")} cannot be broadcast ` +
            `(axis ${o}: ${out[o]} vs ${d})`,
        );
      }
    }
  }
  return out;
}

/**
 * Strides that read an array of shape `shape` as if broadcast to `target`: broadcast
 * axes get stride 0. `shape` must broadcast to `target`.
 */
export function broadcastStrides(shape: Shape, target: Shape): number[] {
  const own = stridesOf(shape);
  const out = new Array<number>(target.length).fill(0);
  const lead = target.length - shape.length;
  for (let i = 0; i < shape.length; i++) {
    out[lead + i] = shape[i] === 1 && target[lead + i] !== 1 ? 0 : own[i];
  }
  return out;
}

/** Normalises a possibly negative axis into [0, ndim); throws ShapeError naming `where`. */
export function normalizeAxis(axis: number, ndim: number, where: string): number {
  if (!Number.isInteger(axis) || axis < -ndim || axis >= Math.max(ndim, 1)) {
    throw new ShapeError(`${where}: axis ${axis} is out of range for an array of ${ndim} dims`);
  }
  return axis < 0 ? axis + ndim : axis;
}

/**
 * The sorted, de-duplicated axes an `axis` parameter selects: undefined/null means all
 * axes; `exclude` inverts the selection, as in MXNet's reductions.
 */
export function normalizeAxes(
  axis: number | readonly number[] | null | undefined,
  ndim: number,
  where: string,
  exclude = false,
): number[] {
  let axes: number[];
  if (axis === undefined || axis === null) axes = [...Array(ndim).keys()];
  else {
    const list = typeof axis === "number" ? [axis] : axis;
    axes = list.map((a) => normalizeAxis(a, ndim, where));
    if (new Set(axes).size !== axes.length) {
      throw new ShapeError(`${where}: axis ${JSON.stringify(axis)} repeats an axis`);
    }
  }
  if (exclude && axis !== undefined && axis !== null) {
    axes = [...Array(ndim).keys()].filter((a) => !axes.includes(a));
  }
  return axes.sort((a, b) => a - b);
}

/** The shape after reducing `axes` (kept as 1 with `keepdims`). */
export function reducedShape(shape: Shape, axes: readonly number[], keepdims: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    if (axes.includes(i)) {
      if (keepdims) out.push(1);
    } else out.push(shape[i]);
  }
  return out;
}

/**
 * Merges adjacent axes that are contiguous in every stride list, so kernels loop over
 * as few dims as possible. Returns the merged shape and strides (one list per input).
 */
export function collapseDims(
  shape: Shape,
  strides: readonly (readonly number[])[],
): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 1) continue;
    const last = outShape.length - 1;
    if (
      last >= 0 &&
      strides.every((s, j) => outStrides[j][last] === s[i] * shape[i])
    ) {
      outShape[last] *= shape[i];
      strides.forEach((s, j) => (outStrides[j][last] = s[i]));
    } else {
      outShape.push(shape[i]);
      strides.forEach((s, j) => outStrides[j].push(s[i]));
    }
  }
  return { shape: outShape, strides: outStrides };
}
