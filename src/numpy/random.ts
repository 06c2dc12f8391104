/**
 * `mx.np.random`: NumPy's samplers over the registry's Philox random operators (the same
 * stream on every backend, `mx.random.seed` / `np.random.seed`), with other distributions
 * by inverse transform, and `choice`, `multinomial`, `shuffle`, `permutation`.
 * @module
 */
import type { Context } from "../core/context.ts";
import { currentContext } from "../core/context.ts";
import type { DType } from "../core/dtype.ts";
import { ParamError, UnsupportedError } from "../core/errors.ts";
import { checkOptions } from "../core/options.ts";
import { broadcastShapes, checkShape } from "../core/shape.ts";
import { array as ndArray } from "../ndarray/creation.ts";
import { NDArray } from "../ndarray/ndarray.ts";
import { seed as setSeed } from "../ndarray/random_state.ts";
import { asNp, cast, floatType, indexType, op, reshapeTo } from "./_core.ts";
import { cholesky } from "./linalg.ts";
import { matmul } from "./products.ts";
import type { NpArray } from "./ndarray.ts";
import { cumsum } from "./reduce.ts";

/** Options of the samplers. */
export interface SampleOptions<D extends DType = DType> {
  /** Device (the parameters' context, else the current context). */
  ctx?: Context;
  /** Element type (float32 by default). */
  dtype?: D;
}

/** A sample shape: a number, a shape, or null / omitted for a 0-d result. */
export type Size = number | readonly number[] | null | undefined;

/** Seeds the generator (`mx.random.seed`). */
export function seed(s: number): void {
  setSeed(s);
}

type Param = number | NDArray;

function ctxOf(ps: Param[], opts: SampleOptions): Context {
  return opts.ctx ?? (ps.find((p) => p instanceof NDArray) as NDArray | undefined)?.context ??
    currentContext();
}

function sizeShape(size: Size, ps: Param[], where: string): number[] {
  if (size === undefined || size === null) {
    return broadcastShapes(ps.map((p) => (p instanceof NDArray ? p.shape : [])), where);
  }
  return checkShape(typeof size === "number" ? [size] : size, `${where}: size`);
}

/** `base * scale + loc` where either parameter may be an array (broadcast). */
function affine(base: NpArray, loc: Param, scale: Param): NpArray {
  let y = base;
  if (scale instanceof NDArray) y = op("broadcast_mul", [y, cast(scale, y.dtype)]);
  else if (scale !== 1) y = op("_mul_scalar", [y], { scalar: scale });
  if (loc instanceof NDArray) y = op("broadcast_add", [y, cast(loc, y.dtype)]);
  else if (loc !== 0) y = op("_plus_scalar", [y], { scalar: loc });
  return y;
}

function std(
  kind: "uniform" | "normal",
  shape: number[],
  ctx: Context,
  dtype: DType,
): NpArray {
  return kind === "uniform"
    ? op("_random_uniform", [], { low: 0, high: 1, shape, dtype }, ctx)
    : op("_random_normal", [], { loc: 0, scale: 1, shape, dtype }, ctx);
}

/** Uniform samples in [low, high). */
export function uniform<D extends DType = "float32">(
  low: Param = 0,
  high: Param = 1,
  size?: Size,
  opts: SampleOptions<D> = {},
): NpArray<D> {
  checkOptions("np.random.uniform", opts, ["ctx", "dtype"]);
  const shape = sizeShape(size, [low, high], "np.random.uniform");
  const ctx = ctxOf([low, high], opts), dtype = opts.dtype ?? "float32";
  if (!(low instanceof NDArray) && !(high instanceof NDArray)) {
    return op("_random_uniform", [], { low, high, shape, dtype }, ctx) as NpArray<D>;
  }
  const width = high instanceof NDArray || low instanceof NDArray
    ? op("broadcast_sub", [asParam(high, ctx, dtype), asParam(low, ctx, dtype)])
    : (high as number) - (low as number);
  return affine(std("uniform", shape, ctx, dtype), low, width) as NpArray<D>;
}

function asParam(p: Param, ctx: Context, dtype: DType): NpArray {
  return p instanceof NDArray
    ? cast(p, dtype)
    : op("_full", [], { shape: [], value: p, dtype }, ctx);
}

/** Normal samples with mean `loc` and standard deviation `scale`. */
export function normal<D extends DType = "float32">(
  loc: Param = 0,
  scale: Param = 1,
  size?: Size,
  opts: SampleOptions<D> = {},
): NpArray<D> {
  checkOptions("np.random.normal", opts, ["ctx", "dtype"]);
  const shape = sizeShape(size, [loc, scale], "np.random.normal");
  const ctx = ctxOf([loc, scale], opts), dtype = opts.dtype ?? "float32";
  if (!(loc instanceof NDArray) && !(scale instanceof NDArray)) {
    return op("_random_normal", [], { loc, scale, shape, dtype }, ctx) as NpArray<D>;
  }
  return affine(std("normal", shape, ctx, dtype), loc, scale) as NpArray<D>;
}

/** Integers uniformly in [low, high) (`randint(high)` draws from [0, high)); int64 by default. */
export function randint(
  low: number,
  high?: number | null,
  size?: Size,
  opts: SampleOptions = {},
): NpArray {
  checkOptions("np.random.randint", opts, ["ctx", "dtype"]);
  const [lo, hi] = high === undefined || high === null ? [0, low] : [low, high];
  if (hi <= lo) throw new ParamError(`np.random.randint: low ${lo} must be below high ${hi}`);
  const ctx = opts.ctx ?? currentContext();
  const shape = sizeShape(size, [], "np.random.randint");
  const dtype = opts.dtype ?? indexType(ctx);
  return op("_random_randint", [], { low: lo, high: hi, shape, dtype }, ctx);
}

/** Uniform [0, 1) samples of shape `dims` (`rand(2, 3)`). */
export function rand(...dims: number[]): NpArray {
  return uniform(0, 1, dims);
}
/** Standard normal samples of shape `dims` (`randn(2, 3)`). */
export function randn(...dims: number[]): NpArray {
  return normal(0, 1, dims);
}
/** Uniform [0, 1) samples (NumPy's random_sample / random). */
export function randomSample(size?: Size, opts: SampleOptions = {}): NpArray {
  return uniform(0, 1, size, opts);
}

function inverse(
  where: string,
  params: Param[],
  size: Size,
  opts: SampleOptions,
  f: (u: NpArray) => NpArray,
): NpArray {
  checkOptions(where, opts, ["ctx", "dtype"]);
  const shape = sizeShape(size, params, where);
  const u = std("uniform", shape, ctxOf(params, opts), opts.dtype ?? "float32");
  return f(u);
}
/** -log(1 - u): the unit exponential of a uniform draw. */
function expo(u: NpArray): NpArray {
  return op("negative", [op("log1p", [op("negative", [u])])]);
}

/** Exponential samples with mean `scale`. */
export function exponential(scale: Param = 1, size?: Size, opts: SampleOptions = {}): NpArray {
  return inverse("np.random.exponential", [scale], size, opts, (u) => affine(expo(u), 0, scale));
}
/**
 * A draw of MXNet's `_random_<dist>` (all parameters numbers) or `_sample_<dist>` (array
 * parameters, broadcast to the sample shape first) with parameters `named`.
 */
function composed(
  where: string,
  dist: string,
  named: [string, Param][],
  size: Size,
  opts: SampleOptions,
): NpArray {
  checkOptions(where, opts, ["ctx", "dtype"]);
  const values = named.map(([, v]) => v);
  const shape = sizeShape(size, values, where);
  const dtype = opts.dtype ?? "float32";
  const ctx = ctxOf(values, opts);
  if (values.every((v) => typeof v === "number")) {
    return op(`_random_${dist}`, [], { ...Object.fromEntries(named), shape, dtype }, ctx);
  }
  const arrays = values.map((v) =>
    v instanceof NDArray
      ? op("broadcast_to", [cast(v, dtype)], { shape })
      : op("_full", [], { shape, value: v, dtype }, ctx)
  );
  return op(`_sample_${dist}`, arrays, { dtype });
}

/** Gamma samples with shape `shape` and scale `scale` (Marsaglia-Tsang on the Philox stream). */
export function gamma(
  shape: Param,
  scale: Param = 1,
  size?: Size,
  opts: SampleOptions = {},
): NpArray {
  return composed("np.random.gamma", "gamma", [["alpha", shape], ["beta", scale]], size, opts);
}

/** Poisson samples with mean `lam` (float32 counts by default). */
export function poisson(lam: Param = 1, size?: Size, opts: SampleOptions = {}): NpArray {
  return composed("np.random.poisson", "poisson", [["lam", lam]], size, opts);
}

/** Log-normal samples: exp(normal(mean, sigma)). */
export function lognormal(
  mean: Param = 0,
  sigma: Param = 1,
  size?: Size,
  opts: SampleOptions = {},
): NpArray {
  return op("exp", [normal(mean, sigma, size, opts)]);
}
/** Logistic samples: loc + scale * log(u / (1 - u)). */
export function logistic(
  loc: Param = 0,
  scale: Param = 1,
  size?: Size,
  opts: SampleOptions = {},
): NpArray {
  return inverse("np.random.logistic", [loc, scale], size, opts, (u) => {
    const l = op("log", [op("broadcast_div", [u, op("_rminus_scalar", [u], { scalar: 1 })])]);
    return affine(l, loc, scale);
  });
}
/** Gumbel samples: loc - scale * log(-log(u)). */
export function gumbel(
  loc: Param = 0,
  scale: Param = 1,
  size?: Size,
  opts: SampleOptions = {},
): NpArray {
  return inverse("np.random.gumbel", [loc, scale], size, opts, (u) => {
    const g = op("negative", [op("log", [expo(op("_rminus_scalar", [u], { scalar: 1 }))])]);
    return affine(g, loc, scale);
  });
}
/** Laplace samples: loc - scale * sign(u - 1/2) * log(1 - 2|u - 1/2|). */
export function laplace(
  loc: Param = 0,
  scale: Param = 1,
  size?: Size,
  opts: SampleOptions = {},
): NpArray {
  return inverse("np.random.laplace", [loc, scale], size, opts, (u) => {
    const c = op("_plus_scalar", [u], { scalar: -0.5 });
    const l = op("log1p", [op("_mul_scalar", [op("abs", [c])], { scalar: -2 })]);
    return affine(op("negative", [op("broadcast_mul", [op("sign", [c]), l])]), loc, scale);
  });
}
/** Rayleigh samples: scale * sqrt(-2 log(1 - u)). */
export function rayleigh(scale: Param = 1, size?: Size, opts: SampleOptions = {}): NpArray {
  return inverse(
    "np.random.rayleigh",
    [scale],
    size,
    opts,
    (u) => affine(op("sqrt", [op("_mul_scalar", [expo(u)], { scalar: 2 })]), 0, scale),
  );
}
/** Weibull samples with shape `a`: (-log(1 - u)) ** (1 / a). */
export function weibull(a: number, size?: Size, opts: SampleOptions = {}): NpArray {
  return inverse(
    "np.random.weibull",
    [],
    size,
    opts,
    (u) => op("_power_scalar", [expo(u)], { scalar: 1 / a }),
  );
}
/** Pareto (Lomax) samples with shape `a`: (1 - u) ** (-1 / a) - 1. */
export function pareto(a: number, size?: Size, opts: SampleOptions = {}): NpArray {
  return inverse(
    "np.random.pareto",
    [],
    size,
    opts,
    (u) =>
      op("_plus_scalar", [
        op("_power_scalar", [op("_rminus_scalar", [u], { scalar: 1 })], { scalar: -1 / a }),
      ], { scalar: -1 }),
  );
}
/** Power-distribution samples with exponent `a`: u ** (1 / a). */
export function power(a: number, size?: Size, opts: SampleOptions = {}): NpArray {
  return inverse(
    "np.random.power",
    [],
    size,
    opts,
    (u) => op("_power_scalar", [u], { scalar: 1 / a }),
  );
}

/** Category indices drawn from probabilities `p` (shape [k]): int32 array of `shape`. */
function categorical(p: NDArray, shape: number[], ctx: Context): NpArray {
  const k = p.shape[0];
  const pf = cast(p, "float32");
  const u = op("_random_uniform", [], { low: 0, high: 1, shape, dtype: "float32" }, ctx);
  if (k === 1) return cast(op("zeros_like", [u]), "int32");
  // Category = how many of the first k-1 cumulative probabilities are <= u (last is 1).
  const total = op("sum", [pf], {});
  const cdf = op("slice_axis", [op("broadcast_div", [cumsum(pf), total])], {
    axis: 0,
    begin: 0,
    end: k - 1,
  });
  const ge = op("broadcast_greater_equal", [
    reshapeTo(u, [...shape, 1]),
    reshapeTo(cdf, [...shape.map(() => 1), k - 1]),
  ]);
  return cast(op("sum", [ge], { axis: shape.length }), "int32");
}

function probs(p: NDArray | readonly number[], ctx: Context): NDArray {
  return p instanceof NDArray ? p : ndArray([...p], { dtype: "float32", ctx });
}

/**
 * Draws `n` experiments over categories with probabilities `pvals`: counts of shape
 * `[...size, k]` (int64).
 */
export function multinomial(
  n: number,
  pvals: NDArray | readonly number[],
  size?: Size,
  opts: { ctx?: Context } = {},
): NpArray {
  checkOptions("np.random.multinomial", opts, ["ctx"]);
  const ctx = opts.ctx ?? (pvals instanceof NDArray ? pvals.context : currentContext());
  const p = probs(pvals, ctx);
  const k = p.size;
  const shape = size === undefined || size === null
    ? []
    : typeof size === "number"
    ? [size]
    : [...size];
  const idx = categorical(p, [...shape, n], ctx);
  const hot = op("one_hot", [idx], { depth: k, dtype: "float32" });
  const counts = op("sum", [hot], { axis: shape.length });
  if (!(pvals instanceof NDArray)) p.dispose();
  return reshapeTo(cast(counts, indexType(ctx)), [...shape, k]);
}

/**
 * Samples from `a` (an array, or `arange(a)` for a number): with replacement by default,
 * weighted by `p` when given; without replacement (`replace: false`) from a permutation.
 */
export function choice(
  a: NDArray | number,
  size?: Size,
  opts: { replace?: boolean; p?: NDArray | readonly number[]; ctx?: Context } = {},
): NpArray {
  checkOptions("np.random.choice", opts, ["replace", "p", "ctx"]);
  const ctx = opts.ctx ?? (a instanceof NDArray ? a.context : currentContext());
  const n = a instanceof NDArray ? a.shape[0] : a;
  const shape = size === undefined || size === null
    ? []
    : typeof size === "number"
    ? [size]
    : [...size];
  let idx: NpArray;
  if (opts.replace === false) {
    if (opts.p) {
      throw new UnsupportedError("np.random.choice: p with replace=false is not supported");
    }
    const count = shape.reduce((x, y) => x * y, 1);
    if (count > n) {
      throw new ParamError(`np.random.choice: cannot take ${count} of ${n} without replacement`);
    }
    const perm = op("argsort", [op("_random_uniform", [], { shape: [n], dtype: "float32" }, ctx)], {
      dtype: "int32",
    });
    idx = reshapeTo(op("slice_axis", [perm], { axis: 0, begin: 0, end: count }), shape);
  } else if (opts.p) {
    idx = categorical(probs(opts.p, ctx), shape, ctx);
  } else {
    idx = op("_random_randint", [], { low: 0, high: n, shape, dtype: "int32" }, ctx);
  }
  if (!(a instanceof NDArray)) return cast(idx, indexType(ctx));
  return op("take", [a, reshapeTo(idx, shape.length ? shape : [])], { axis: 0 });
}

/** Shuffles `x` along its first axis, in place (as NumPy). */
export function shuffle(x: NDArray): void {
  const s = op("_shuffle", [x]);
  x.set(s);
  s.dispose();
}

/** A shuffled copy of `x` (first axis), or a permutation of `arange(x)` for a number. */
export function permutation(x: NDArray | number, opts: { ctx?: Context } = {}): NpArray {
  checkOptions("np.random.permutation", opts, ["ctx"]);
  if (x instanceof NDArray) return op("_shuffle", [x]);
  const ctx = opts.ctx ?? currentContext();
  const r = op("_iota", [], { size: x, start: 0, step: 1, dtype: indexType(ctx) }, ctx);
  return op("_shuffle", [r]);
}

/** Bernoulli draws (0/1 as float32) with probability `prob`. */
export function bernoulli(prob: Param, size?: Size, opts: SampleOptions = {}): NpArray {
  const u = uniform(0, 1, sizeShape(size, [prob], "np.random.bernoulli"), opts);
  const r = prob instanceof NDArray
    ? op("broadcast_lesser", [u, cast(prob, u.dtype)])
    : op("_lesser_scalar", [u], { scalar: prob });
  return asNp(r);
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
