/**
 * `mx.np` reductions: NumPy's axes (`null` = all, giving a 0-d array), dtypes (integer and
 * bool sums widen to int64, means of integers are float32), `std`/`var` with `ddof`,
 * int64 `argmax`, and cumulative sums composed as a log-step scan (every backend, and
 * differentiable through its parts).
 * @module
 */
import { type DType, isFloat } from "../core/dtype.ts";
import { ShapeError } from "../core/errors.ts";
import { checkOptions } from "../core/options.ts";
import { normalizeAxes, normalizeAxis, reducedShape, sizeOf } from "../core/shape.ts";
import type { NDArray } from "../ndarray/ndarray.ts";
import { asNp, cast, floatType, indexType, op, reshapeTo } from "./_core.ts";
import type { NpArray } from "./ndarray.ts";
import { sort } from "./sort.ts";

/** Options of the reductions. */
export interface ReduceOpts {
  /** Axis or axes (all when omitted or null). */
  axis?: number | readonly number[] | null;
  /** Keep reduced axes as size 1. */
  keepdims?: boolean;
  /** Reduce every axis except `axis` (MXNet's legacy option). */
  exclude?: boolean;
  /** Result dtype. */
  dtype?: DType;
}

const KEYS = ["axis", "keepdims", "exclude", "dtype"];

function axesOf(x: NDArray, o: ReduceOpts, where: string): number[] {
  return normalizeAxes(o.axis ?? null, x.ndim, `${where}: axis`, o.exclude ?? false);
}

/** Legacy reduction `name` over the NumPy axes, reshaped to NumPy's result shape. */
function reduce(name: string, x: NDArray, o: ReduceOpts, where: string): NpArray {
  checkOptions(where, o, KEYS);
  const axes = axesOf(x, o, where);
  const shape = reducedShape(x.shape, axes, o.keepdims ?? false);
  if (axes.length === 0) return reshapeTo(asNp(x).copy(), shape);
  const r = op(name, [x], { axis: axes, keepdims: o.keepdims ?? false });
  return reshapeTo(r, shape);
}

/** The accumulation dtype of sum/prod: bool and integers widen to int64, as NumPy. */
function accumType(x: NDArray, dtype?: DType): DType {
  if (dtype) return dtype;
  return isFloat(x.dtype) ? x.dtype : indexType(x.context);
}

/** Sum over `axis` (all by default). */
export function sum(x: NDArray, opts: ReduceOpts = {}): NpArray {
  return reduce("sum", cast(x, accumType(x, opts.dtype)), opts, "np.sum");
}
/** Product over `axis`. */
export function prod(x: NDArray, opts: ReduceOpts = {}): NpArray {
  return reduce("prod", cast(x, accumType(x, opts.dtype)), opts, "np.prod");
}
/** Mean over `axis` (integers give float32). */
export function mean(x: NDArray, opts: ReduceOpts = {}): NpArray {
  return reduce("mean", cast(x, opts.dtype ?? floatType(x.dtype)), opts, "np.mean");
}
/** Maximum over `axis`. */
export function max(x: NDArray, opts: ReduceOpts = {}): NpArray {
  return reduce("max", x, opts, "np.max");
}
/** Minimum over `axis`. */
export function min(x: NDArray, opts: ReduceOpts = {}): NpArray {
  return reduce("min", x, opts, "np.min");
}
/** Alias of {@link max}. */
export const amax = max;
/** Alias of {@link min}. */
export const amin = min;

/** Range (max - min) over `axis`. */
export function ptp(x: NDArray, opts: ReduceOpts = {}): NpArray {
  return op("broadcast_sub", [max(x, opts), min(x, opts)]);
}

/** Variance over `axis`: mean squared deviation, divided by `n - ddof` instead of n. */
export function variance(x: NDArray, opts: ReduceOpts & { ddof?: number } = {}): NpArray {
  const { ddof = 0, ...o } = opts;
  const f = cast(x, o.dtype ?? floatType(x.dtype));
  const axes = axesOf(f, o, "np.var");
  const mu = op("mean", [f], { axis: axes, keepdims: true });
  const d2 = op("square", [op("broadcast_sub", [f, mu])]);
  const n = sizeOf(axes.map((a) => f.shape[a]));
  const m = reduce("sum", d2, { ...o, dtype: undefined }, "np.var");
  return op("_mul_scalar", [m], { scalar: 1 / Math.max(n - ddof, 0) });
}
/** Alias of {@link variance} (`var` is a reserved word in TypeScript). */
export const var_ = variance;
/** Standard deviation over `axis`. */
export function std(x: NDArray, opts: ReduceOpts & { ddof?: number } = {}): NpArray {
  return op("sqrt", [variance(x, opts)]);
}

/** Weighted average over `axis` (plain mean without weights). */
export function average(
  x: NDArray,
  opts: { axis?: number | null; weights?: NDArray } = {},
): NpArray {
  checkOptions("np.average", opts, ["axis", "weights"]);
  if (!opts.weights) return mean(x, { axis: opts.axis });
  const f = cast(x, floatType(x.dtype));
  let w = cast(opts.weights, f.dtype);
  if (opts.axis !== undefined && opts.axis !== null && w.ndim === 1 && x.ndim > 1) {
    const a = normalizeAxis(opts.axis, x.ndim, "np.average: axis");
    w = reshapeTo(w, x.shape.map((d, i) => (i === a ? d : 1)));
  }
  const num = sum(op("broadcast_mul", [f, w]), { axis: opts.axis });
  const den = sum(op("broadcast_mul", [op("ones_like", [f]), w]), { axis: opts.axis });
  return op("broadcast_div", [num, den]);
}

function truth(x: NDArray): NpArray {
  return op("_not_equal_scalar", [cast(x, x.dtype === "bool" ? "float32" : x.dtype)], {
    scalar: 0,
  });
}
/** True where any element along `axis` is non-zero. */
export function any(x: NDArray, opts: ReduceOpts = {}): NpArray {
  return cast(reduce("max", truth(x), opts, "np.any"), "bool");
}
/** True where every element along `axis` is non-zero. */
export function all(x: NDArray, opts: ReduceOpts = {}): NpArray {
  return cast(reduce("min", truth(x), opts, "np.all"), "bool");
}
/** Number of non-zero elements along `axis`. */
export function countNonzero(x: NDArray, opts: ReduceOpts = {}): NpArray {
  return sum(cast(truth(x), indexType(x.context)), opts);
}

function argReduce(
  name: string,
  x: NDArray,
  opts: { axis?: number | null; keepdims?: boolean },
): NpArray {
  checkOptions(`np.${name}`, opts, ["axis", "keepdims"]);
  const axis = opts.axis ?? null;
  const idx = op(name, [axis === null ? reshapeTo(x, [x.size]) : x], {
    axis: axis === null ? 0 : axis,
    keepdims: false,
  });
  const shape = axis === null ? (opts.keepdims ? x.shape.map(() => 1) : []) : reducedShape(
    x.shape,
    [normalizeAxis(axis, x.ndim, `np.${name}: axis`)],
    opts.keepdims ?? false,
  );
  return reshapeTo(cast(idx, indexType(x.context)), shape);
}
/** Index of the maximum (over the flattened array when `axis` is omitted), int64. */
export function argmax(
  x: NDArray,
  opts: { axis?: number | null; keepdims?: boolean } = {},
): NpArray {
  return argReduce("argmax", x, opts);
}
/** Index of the minimum. */
export function argmin(
  x: NDArray,
  opts: { axis?: number | null; keepdims?: boolean } = {},
): NpArray {
  return argReduce("argmin", x, opts);
}

/**
 * Inclusive scan along `axis` with `combine` (broadcast_add / broadcast_mul) and its
 * identity: log2(n) steps of `y += shift(y, k)` (Hillis-Steele), each a slice, a concat
 * and an elementwise op, so it runs on every backend and autograd differentiates it.
 */
function scan(x: NDArray, axis: number, combine: string, identity: number): NpArray {
  const n = x.shape[axis];
  if (n <= 1) return asNp(x).copy();
  let y = asNp(x);
  for (let k = 1; k < n; k *= 2) {
    const padShape = x.shape.map((d, i) => (i === axis ? k : d));
    const pad = op("_full", [], { shape: padShape, value: identity, dtype: x.dtype }, x.context);
    const head = op("slice_axis", [y], { axis, begin: 0, end: n - k });
    const shifted = op("Concat", [pad, head], { numArgs: 2, dim: axis });
    y = op(combine, [y, shifted]);
  }
  return y;
}

function cumulative(
  x: NDArray,
  opts: { axis?: number | null; dtype?: DType },
  combine: string,
  identity: number,
  where: string,
): NpArray {
  checkOptions(where, opts, ["axis", "dtype"]);
  const src = cast(x, accumType(x, opts.dtype));
  if (opts.axis === undefined || opts.axis === null) {
    return scan(reshapeTo(src, [src.size]), 0, combine, identity);
  }
  if (src.ndim === 0) throw new ShapeError(`${where}: axis given for a 0-d array`);
  return scan(src, normalizeAxis(opts.axis, src.ndim, `${where}: axis`), combine, identity);
}
/** Cumulative sum along `axis` (over the flattened array by default). */
export function cumsum(x: NDArray, opts: { axis?: number | null; dtype?: DType } = {}): NpArray {
  return cumulative(x, opts, "broadcast_add", 0, "np.cumsum");
}
/** Cumulative product along `axis`. */
export function cumprod(x: NDArray, opts: { axis?: number | null; dtype?: DType } = {}): NpArray {
  return cumulative(x, opts, "broadcast_mul", 1, "np.cumprod");
}

/**
 * The q-th quantiles (q in [0, 1]) along `axis` with linear interpolation (NumPy's
 * default method), from a sort.
 */
export function quantile(
  x: NDArray,
  q: number | readonly number[],
  opts: { axis?: number | null; keepdims?: boolean } = {},
): NpArray {
  checkOptions("np.quantile", opts, ["axis", "keepdims"]);
  const flat = opts.axis === undefined || opts.axis === null;
  const src = cast(flat ? reshapeTo(x, [x.size]) : x, floatType(x.dtype));
  const axis = flat ? 0 : normalizeAxis(opts.axis as number, src.ndim, "np.quantile: axis");
  const sorted = sort(src, { axis });
  const n = src.shape[axis];
  const qs = typeof q === "number" ? [q] : [...q];
  const parts = qs.map((qq) => {
    const pos = qq * (n - 1);
    const lo = Math.floor(pos), hi = Math.min(lo + 1, n - 1), t = pos - lo;
    const a = op("slice_axis", [sorted], { axis, begin: lo, end: lo + 1 });
    const b = op("slice_axis", [sorted], { axis, begin: hi, end: hi + 1 });
    return op("broadcast_add", [
      a,
      op("_mul_scalar", [op("broadcast_sub", [b, a])], { scalar: t }),
    ]);
  });
  const keptShape = flat
    ? (opts.keepdims ? x.shape.map(() => 1) : [])
    : reducedShape(src.shape, [axis], opts.keepdims ?? false);
  const shaped = parts.map((p) => reshapeTo(p, keptShape));
  if (typeof q === "number") return shaped[0];
  return op("stack", shaped, { numArgs: shaped.length, axis: 0 });
}
/** The q-th percentiles (q in [0, 100]). */
export function percentile(
  x: NDArray,
  q: number | readonly number[],
  opts: { axis?: number | null; keepdims?: boolean } = {},
): NpArray {
  const qq = typeof q === "number" ? q / 100 : q.map((v) => v / 100);
  return quantile(x, qq, opts);
}
/** The median along `axis`. */
export function median(
  x: NDArray,
  opts: { axis?: number | null; keepdims?: boolean } = {},
): NpArray {
  return quantile(x, 0.5, opts);
}
