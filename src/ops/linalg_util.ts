/**
 * Builder helpers shared by the linear-algebra operators: batched products over the last
 * two axes, transposes, and triangle masks built from index ranges (so they run on every
 * backend).
 * @module
 */
import { ShapeError } from "../core/errors.ts";
import { formatShape, type Shape, sizeOf } from "../core/shape.ts";
import type { Builder } from "./op_def.ts";

/** Swaps the last two axes (batched transpose). */
export function mT<T>(b: Builder<T>, x: T): T {
  const nd = b.shape(x).length;
  const axes = [...Array(nd).keys()];
  [axes[nd - 2], axes[nd - 1]] = [axes[nd - 1], axes[nd - 2]];
  return b.op("transpose", [x], { axes });
}

/**
 * Batched product op(x) op(y) of (..., n, k) and (..., k, m) sharing the leading dims;
 * `ta` / `tb` transpose the matrices first.
 */
export function bmm<T>(b: Builder<T>, x: T, y: T, ta = false, tb = false): T {
  const xs = b.shape(x), ys = b.shape(y);
  const lead = xs.slice(0, -2);
  const batch = sizeOf(lead);
  const x3 = b.op("Reshape", [x], { shape: [batch, ...xs.slice(-2)] });
  const y3 = b.op("Reshape", [y], { shape: [batch, ...ys.slice(-2)] });
  const z = b.op("batch_dot", [x3, y3], { transposeA: ta, transposeB: tb });
  const rows = ta ? xs[xs.length - 1] : xs[xs.length - 2];
  const cols = tb ? ys[ys.length - 2] : ys[ys.length - 1];
  return b.op("Reshape", [z], { shape: [...lead, rows, cols] });
}

/** Row and column indices of an n x n matrix, as (n, 1) and (1, n) arrays of `dtype`. */
export function rowsCols<T>(b: Builder<T>, n: number, dtype: string): [T, T] {
  const r = b.op("_iota", [], { size: n, start: 0, step: 1, dtype });
  return [b.op("Reshape", [r], { shape: [n, 1] }), b.op("Reshape", [r], { shape: [1, n] })];
}

/**
 * The (n, n) 0/1 mask of a triangle: the lower one (row >= col) or the upper one, with
 * the diagonal when `diagonal`.
 */
export function triangleMask<T>(
  b: Builder<T>,
  n: number,
  lower: boolean,
  diagonal: boolean,
  dtype: string,
): T {
  const [r, c] = rowsCols(b, n, dtype);
  // col - row: <= 0 on and below the diagonal, >= 0 on and above it.
  const d = b.op("broadcast_sub", [c, r]);
  const cmp = lower
    ? (diagonal ? "_lesser_equal_scalar" : "_lesser_scalar")
    : (diagonal ? "_greater_equal_scalar" : "_greater_scalar");
  return b.op(cmp, [d], { scalar: 0 });
}

/** `x` with the entries outside one triangle of its last two axes set to 0. */
export function keepTriangle<T>(b: Builder<T>, x: T, lower: boolean, diagonal = true): T {
  const s = b.shape(x);
  return b.op("broadcast_mul", [
    x,
    triangleMask(b, s[s.length - 1], lower, diagonal, b.dtype(x)),
  ]);
}

/** An identity matrix for every matrix of `like` (..., n, n). */
export function identityLike<T>(b: Builder<T>, like: T): T {
  const s = b.shape(like);
  const eye = b.op("_eye", [], { N: s[s.length - 1], dtype: b.dtype(like) });
  return b.op("broadcast_to", [eye], { shape: [...s] });
}

/** Checks (..., n, n) square matrices of at least 2 dims; returns n. */
export function squareSize(s: Shape, where: string): number {
  if (s.length < 2 || s[s.length - 1] !== s[s.length - 2]) {
    throw new ShapeError(`${where}: expected (..., n, n) square matrices, got ${formatShape(s)}`);
  }
  return s[s.length - 1];
}

/** Checks that `a` and `b` have the same leading dims (all but the last two). */
export function sameBatch(a: Shape, b: Shape, where: string, names = ["A", "B"]): void {
  const la = a.slice(0, -2), lb = b.slice(0, -2);
  if (a.length < 2 || b.length < 2 || la.length !== lb.length || la.some((d, i) => d !== lb[i])) {
    throw new ShapeError(
      `${where}: ${names[0]} ${formatShape(a)} and ${names[1]} ${formatShape(b)} must be ` +
        `matrices (>= 2 dims) with the same leading dims`,
    );
  }
}
