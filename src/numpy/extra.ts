/**
 * `mx.np` functions composed from the others: differences, cross products, NaN-ignoring
 * sums, closeness tests, covariance, heaviside and the multivariate normal.
 * @module
 */
import { ShapeError } from "../core/errors.ts";
import { checkOptions } from "../core/options.ts";
import { normalizeAxis } from "../core/shape.ts";
import type { NDArray } from "../ndarray/ndarray.ts";
import { asNp, cast, floatType, op, type Operand, promote2, reshapeTo } from "./_core.ts";
import { cholesky, matmul } from "./linalg.ts";
import { ravel } from "./manip.ts";
import { abs, isnan, lessEqual } from "./math.ts";
import type { NpArray } from "./ndarray.ts";
import { normal, type Size } from "./random.ts";
import { all, mean, prod, type ReduceOpts, sum } from "./reduce.ts";

/** The `n`-th discrete difference along `axis` (last by default). */
export function diff(x: NDArray, n = 1, opts: { axis?: number } = {}): NpArray {
  checkOptions("np.diff", opts, ["axis"]);
  const a = normalizeAxis(opts.axis ?? -1, x.ndim, "np.diff: axis");
  let y = asNp(x);
  for (let i = 0; i < n; i++) {
    const len = y.shape[a];
    const hi = op("slice_axis", [y], { axis: a, begin: 1, end: len });
    const lo = op("slice_axis", [y], { axis: a, begin: 0, end: len - 1 });
    y = op("broadcast_sub", [hi, lo]);
  }
  return y === x ? asNp(x).copy() : y;
}

/** Differences between consecutive elements of the flattened array. */
export function ediff1d(x: NDArray): NpArray {
  return diff(ravel(x));
}

/** Cross product of 3-vectors along the last axis. */
export function cross(a: NDArray, b: NDArray): NpArray {
  const [x, y] = promote2(a, b, "np.cross");
  if (x.shape[x.ndim - 1] !== 3 || y.shape[y.ndim - 1] !== 3) {
    throw new ShapeError("np.cross: the last axis must have 3 components");
  }
  const c = (t: NpArray, i: number) => op("slice_axis", [t], { axis: -1, begin: i, end: i + 1 });
  const part = (i: number, j: number) =>
    op("broadcast_sub", [
      op("broadcast_mul", [c(x, i), c(y, j)]),
      op("broadcast_mul", [c(x, j), c(y, i)]),
    ]);
  return op("Concat", [part(1, 2), part(2, 0), part(0, 1)], { numArgs: 3, dim: -1 });
}

/** Sum treating NaN as zero. */
export function nansum(x: NDArray, opts: ReduceOpts = {}): NpArray {
  return sum(op("_where", [isnan(x), op("zeros_like", [x]), x]), opts);
}
/** Product treating NaN as one. */
export function nanprod(x: NDArray, opts: ReduceOpts = {}): NpArray {
  return prod(op("_where", [isnan(x), op("ones_like", [x]), x]), opts);
}

/** `|a - b| <= atol + rtol * |b|` elementwise, as bool (NaN equal only with `equalNan`). */
export function isclose(
  a: Operand,
  b: Operand,
  opts: { rtol?: number; atol?: number; equalNan?: boolean } = {},
): NpArray {
  checkOptions("np.isclose", opts, ["rtol", "atol", "equalNan"]);
  const [x, y] = promote2(a, b, "np.isclose");
  const f = floatType(x.dtype);
  const xf = cast(x, f), yf = cast(y, f);
  const tol = op("_plus_scalar", [op("_mul_scalar", [abs(yf)], { scalar: opts.rtol ?? 1e-5 })], {
    scalar: opts.atol ?? 1e-8,
  });
  const close = lessEqual(abs(op("broadcast_sub", [xf, yf])), tol);
  if (!opts.equalNan) return close;
  const both = op("broadcast_mul", [cast(isnan(xf), f), cast(isnan(yf), f)]);
  return cast(op("broadcast_maximum", [cast(close, f), both]), "bool");
}
/** True (a 0-d bool array) when every element is close. */
export function allclose(
  a: Operand,
  b: Operand,
  opts: { rtol?: number; atol?: number; equalNan?: boolean } = {},
): NpArray {
  return all(isclose(a, b, opts));
}
/** True when both arrays have the same shape and elements. */
export function arrayEqual(a: NDArray, b: NDArray): NpArray {
  if (a.ndim !== b.ndim || a.shape.some((d, i) => d !== b.shape[i])) {
    return op("_full", [], { shape: [], value: 0, dtype: "bool" }, a.context);
  }
  return all(op("broadcast_equal", promote2(a, b, "np.array_equal")));
}

/** Covariance matrix of the rows (variables) of `m` (columns are observations). */
export function cov(m: NDArray, opts: { rowvar?: boolean; ddof?: number } = {}): NpArray {
  checkOptions("np.cov", opts, ["rowvar", "ddof"]);
  let x = cast(m, floatType(m.dtype));
  if (x.ndim === 1) x = reshapeTo(x, [1, x.size]);
  if (opts.rowvar === false) x = op("transpose", [x], {});
  const n = x.shape[1];
  const centered = op("broadcast_sub", [x, mean(x, { axis: 1, keepdims: true })]);
  const c = op("dot", [centered, centered], { transposeB: true });
  const r = op("_mul_scalar", [c], { scalar: 1 / (n - (opts.ddof ?? 1)) });
  return m.ndim === 1 ? reshapeTo(r, []) : r;
}
/** Pearson correlation coefficients of the rows of `m`. */
export function corrcoef(m: NDArray, opts: { rowvar?: boolean } = {}): NpArray {
  const c = cov(m, opts);
  if (c.ndim === 0) return op("broadcast_div", [c, c]);
  const d = op("sqrt", [
    op("sum", [
      op("broadcast_mul", [c, op("_eye", [], { N: c.shape[0], dtype: c.dtype }, c.context)]),
    ], { axis: 1 }),
  ]);
  return op("broadcast_div", [
    c,
    op("broadcast_mul", [reshapeTo(d, [d.size, 1]), reshapeTo(d, [1, d.size])]),
  ]);
}

/** 0 where x < 0, `h0` where x == 0, 1 where x > 0. */
export function heaviside(x: NDArray, h0: Operand): NpArray {
  const [a, h] = promote2(x, h0, "np.heaviside");
  const pos = cast(op("_greater_scalar", [a], { scalar: 0 }), a.dtype);
  const zero = op("_equal_scalar", [a], { scalar: 0 });
  return op("_where", [zero, op("broadcast_like", [h, a]), pos]);
}

/**
 * Samples of the multivariate normal: `mean + z Lᵀ` with L the Cholesky factor of `cov`
 * (computed on the host: CPU arrays) and z standard normal.
 */
export function multivariateNormal(mean: NDArray, covariance: NDArray, size?: Size): NpArray {
  const k = mean.shape[mean.ndim - 1];
  const shape = size === undefined || size === null
    ? []
    : typeof size === "number"
    ? [size]
    : [...size];
  const z = normal(0, 1, [...shape, k], { ctx: mean.context, dtype: floatType(mean.dtype) });
  const l = cast(cholesky(covariance), z.dtype);
  return op("broadcast_add", [matmul(z, op("transpose", [l], {})), cast(mean, z.dtype)]);
}
