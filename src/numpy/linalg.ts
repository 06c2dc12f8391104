/**
 * `mx.np.linalg`: norms composed from reductions, and the factorizations (inv, det, solve,
 * cholesky, eigh, svd, ...) from the host operators of src/ops/linalg_host.ts, which run on
 * CPU arrays (UnsupportedError elsewhere).
 * @module
 */
import { ParamError } from "../core/errors.ts";
import { checkOptions } from "../core/options.ts";
import { normalizeAxes, reducedShape } from "../core/shape.ts";
import type { NDArray } from "../ndarray/ndarray.ts";
import { asNp, cast, floatType, op, opAll, requireHost, reshapeTo } from "./_core.ts";
import { broadcastTo, moveaxis } from "./manip.ts";
import type { NpArray } from "./ndarray.ts";
import { dot, matmul } from "./products.ts";

/** Options of {@link norm}. */
export interface NormOptions {
  /** Order: vector 1, 2, Infinity, -Infinity, 0 or any p; matrix "fro", "nuc", 1, -1, Infinity, -Infinity, 2, -2. */
  ord?: number | "fro" | "nuc" | null;
  /** Axis (vector norm) or two axes (matrix norm); all axes flattened by default. */
  axis?: number | readonly number[] | null;
  /** Keep the reduced axes as size 1. */
  keepdims?: boolean;
}

/** Vector or matrix norm, as numpy.linalg.norm. */
export function norm(x: NDArray, opts: NormOptions = {}): NpArray {
  checkOptions("np.linalg.norm", opts, ["ord", "axis", "keepdims"]);
  const f = cast(x, floatType(x.dtype));
  const ord = opts.ord ?? null;
  const keepdims = opts.keepdims ?? false;
  const matrix = (Array.isArray(opts.axis) && opts.axis.length === 2) ||
    ((opts.axis === undefined || opts.axis === null) && f.ndim === 2 && ord !== null);
  const axes = normalizeAxes(opts.axis ?? null, f.ndim, "np.linalg.norm: axis");
  const shape = reducedShape(f.shape, axes, keepdims);
  const red = (name: string, t: NpArray, ax = axes) =>
    reshapeTo(op(name, [t], { axis: ax, keepdims: true }), reducedShape(t.shape, ax, true));
  const finish = (t: NpArray) => reshapeTo(t, shape);
  const absF = () => op("abs", [f]);
  if (!matrix) {
    if (ord === null || ord === 2 || ord === "fro") {
      return finish(op("sqrt", [red("sum", op("square", [f]))]));
    }
    if (ord === 1) return finish(red("sum", absF()));
    if (ord === Infinity) return finish(red("max", absF()));
    if (ord === -Infinity) return finish(red("min", absF()));
    if (ord === 0) {
      return finish(red("sum", cast(op("_not_equal_scalar", [f], { scalar: 0 }), f.dtype)));
    }
    if (typeof ord === "number") {
      const s = red("sum", op("_power_scalar", [absF()], { scalar: ord }));
      return finish(op("_power_scalar", [s], { scalar: 1 / ord }));
    }
    throw new ParamError(`np.linalg.norm: ord ${ord} is not a vector norm`);
  }
  const [r, c] = axes.length === 2 ? axes : [0, 1];
  if (ord === null || ord === "fro") {
    return finish(op("sqrt", [red("sum", op("square", [f]), [r, c])]));
  }
  if (ord === 1 || ord === -1) {
    const colSums = red("sum", absF(), [r]);
    return finish(red(ord === 1 ? "max" : "min", colSums, [c]));
  }
  if (ord === Infinity || ord === -Infinity) {
    const rowSums = red("sum", absF(), [c]);
    return finish(red(ord === Infinity ? "max" : "min", rowSums, [r]));
  }
  if (ord === 2 || ord === -2 || ord === "nuc") {
    const moved = moveaxis(f, [r, c], [f.ndim - 2, f.ndim - 1]);
    const s = svd(moved)[1];
    const v = ord === "nuc"
      ? op("sum", [s], { axis: -1 })
      : op(ord === 2 ? "max" : "min", [s], { axis: -1 });
    return finish(v);
  }
  throw new ParamError(`np.linalg.norm: ord ${ord} is not a matrix norm`);
}

function hostOp(name: string, xs: NDArray[], where: string): NpArray[] {
  for (const x of xs) requireHost(x, where);
  return opAll(name, xs.map((x) => cast(x, floatType(x.dtype))));
}

/** Inverse of (a batch of) square matrices. Host (CPU arrays); differentiable. */
export function inv(a: NDArray): NpArray {
  return hostOp("_linalg_inverse", [a], "np.linalg.inv")[0];
}
/** Determinant. Host; differentiable. */
export function det(a: NDArray): NpArray {
  return hostOp("_linalg_det", [a], "np.linalg.det")[0];
}
/** Sign and log|det| (summed logs of the LU diagonal: no overflow). Host; differentiable. */
export function slogdet(a: NDArray): [NpArray, NpArray] {
  const [sign, logabs] = hostOp("_linalg_slogdet", [a], "np.linalg.slogdet");
  return [sign, logabs];
}
/** Solution x of a x = b (b: (..., n) or (..., n, k)). Host; differentiable. */
export function solve(a: NDArray, b: NDArray): NpArray {
  return hostOp("_npi_solve", [a, b], "np.linalg.solve")[0];
}
/** Lower Cholesky factor L with a = L Lᵀ. Host. */
export function cholesky(a: NDArray): NpArray {
  return hostOp("_linalg_potrf", [a], "np.linalg.cholesky")[0];
}
/** Eigenvalues (ascending) and eigenvectors (columns) of symmetric matrices. Host. */
export function eigh(a: NDArray): [NpArray, NpArray] {
  const [w, v] = hostOp("_npi_eigh", [a], "np.linalg.eigh");
  return [w, v];
}
/** Eigenvalues of symmetric matrices (ascending). Host. */
export function eigvalsh(a: NDArray): NpArray {
  return eigh(a)[0];
}
/** Thin SVD: [U, S, Vᵀ] with S descending. Host. */
export function svd(a: NDArray): [NpArray, NpArray, NpArray] {
  const [u, s, vt] = hostOp("_npi_svd", [a], "np.linalg.svd");
  return [u, s, vt];
}
/** Moore-Penrose pseudo-inverse from the SVD (singular values below rcond·max dropped). Host. */
export function pinv(a: NDArray, rcond = 1e-15): NpArray {
  const [u, s, vt] = svd(a);
  const cut = op("_mul_scalar", [op("max", [s], { axis: -1, keepdims: true })], { scalar: rcond });
  const big = op("broadcast_greater", [s, cut]);
  const sinv = op("broadcast_mul", [op("reciprocal", [op("broadcast_maximum", [s, cut])]), big]);
  const vs = op("broadcast_mul", [moveaxis(vt, -1, -2), op("expand_dims", [sinv], { axis: -2 })]);
  return matmul(vs, moveaxis(u, -1, -2));
}
/** Number of singular values above the tolerance. Host. */
export function matrixRank(a: NDArray, tol?: number): NpArray {
  const s = svd(a)[1];
  const [m, n] = a.shape.slice(-2);
  const t = tol ?? 0;
  const cut = tol === undefined
    ? op("_mul_scalar", [op("max", [s], { axis: -1, keepdims: true })], {
      scalar: Math.max(m, n) * 2.220446049250313e-16,
    })
    : op("_full", [], { shape: [], value: t, dtype: s.dtype }, s.context);
  const r = op("sum", [op("broadcast_greater", [s, cut])], { axis: -1 });
  return reshapeTo(cast(r, "int64"), a.shape.slice(0, -2));
}
/** `a` to the integer power `n` by repeated squaring (n < 0 inverts first). */
export function matrixPower(a: NDArray, n: number): NpArray {
  if (!Number.isInteger(n)) throw new ParamError("np.linalg.matrix_power: n must be an integer");
  let base = n < 0 ? inv(a) : asNp(a);
  let e = Math.abs(n);
  let result: NpArray | null = null;
  while (e > 0) {
    if (e & 1) result = result ? matmul(result, base) : base;
    e >>= 1;
    if (e) base = matmul(base, base);
  }
  if (result) return result === a ? asNp(a).copy() : result;
  const k = a.shape[a.ndim - 1];
  return broadcastTo(op("_eye", [], { N: k, M: k, dtype: a.dtype }, a.context), a.shape);
}
/** Chained matrix product of several arrays. */
export function multiDot(arrays: readonly NDArray[]): NpArray {
  return arrays.slice(1).reduce((acc, x) => dot(acc, x), asNp(arrays[0]));
}
/** Least-squares solution of a x = b via the pseudo-inverse. Host. */
export function lstsq(a: NDArray, b: NDArray): NpArray {
  return dot(pinv(a), b);
}
