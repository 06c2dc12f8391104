/**
 * `mx.random` / `mx.nd.random`: seeded sampling from the Philox stream.
 * @module
 */
import { Context } from "../core/context.ts";
import type { DType } from "../core/dtype.ts";
import { ParamError } from "../core/errors.ts";
import { checkOptions, describe } from "../core/options.ts";
import { checkShape } from "../core/shape.ts";
import { isOptions } from "../ops/frontend.ts";
import { invoke } from "./apply.ts";
import type { NDArray } from "./ndarray.ts";
import type { SampleOptions } from "./ops.ts";
import { seed as reseed } from "./random_state.ts";
import * as pdf from "./random_pdf.ts";
import type { PdfFn } from "../ops/random_pdf_options.ts";

const SAMPLE_OPTIONS = ["ctx", "dtype"];

/**
 * Reseeds the generator (`mx.random.seed(1)`): the same seed gives the same numbers on
 * every backend. With a context, only that context's generator (MXNet's
 * `seed(seed_state, ctx)`): samples drawn on `ctx` then come from a stream of its own, so
 * `seed(s, mx.gpu(0))` and `seed(s, mx.gpu(1))` give both devices the same sequence, and
 * the other contexts' numbers are not disturbed. Without a context (MXNet's
 * `ctx="all"`) every context shares one stream again. Unlike MXNet, where each device
 * always has its own generator seeded from the seed and the device id, contexts never
 * seeded on their own share the process-wide stream.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * mx.random.seed(128, mx.cpu(1));
 * const a = await mx.random.uniform(0, 1, [2], { ctx: mx.cpu(1) }).data();
 * mx.random.seed(128, mx.cpu(1));
 * const b = await mx.random.uniform(0, 1, [2], { ctx: mx.cpu(1) }).data();
 * console.log(a[0] === b[0]); // true
 * ```
 */
export function seed(s: number, ctx?: Context | "all"): void {
  if (ctx !== undefined && ctx !== "all" && !(ctx instanceof Context)) {
    throw new ParamError(`random.seed: ctx expects a Context or "all", got ${describe(ctx)}`);
  }
  reseed(s, ctx === "all" ? undefined : ctx);
}

/**
 * Uniform samples in [low, high).
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * mx.random.seed(1);
 * const a = mx.random.uniform(-0.1, 0.1, [2, 3]);
 * console.log(a.shape); // [2, 3]
 * ```
 */
export function uniform<D extends DType = "float32">(
  low: Param = 0,
  high: Param = 1,
  shape: number | readonly number[] = [1],
  opts: SampleOptions<D> = {},
): NDArray<D> {
  checkSampleArgs("uniform", arguments.length, opts);
  return sample("uniform", [["low", low], ["high", high]], shape, opts) as NDArray<D>;
}

/** Normal samples with mean `loc` and standard deviation `scale`. */
export function normal<D extends DType = "float32">(
  loc: Param = 0,
  scale: Param = 1,
  shape: number | readonly number[] = [1],
  opts: SampleOptions<D> = {},
): NDArray<D> {
  checkSampleArgs("normal", arguments.length, opts);
  // _sample_normal names its arrays mu and sigma; the order is what counts.
  return sample("normal", [["loc", loc], ["scale", scale]], shape, opts) as NDArray<D>;
}

/** Standard normal samples of shape `dims` (`mx.nd.random.randn(2, 3)`). */
export function randn(...dims: number[]): NDArray {
  return normal(0, 1, dims);
}

/** A distribution parameter: a number, or an array of them (one distribution each). */
export type Param = number | NDArray;

/**
 * MXNet's `_random_helper`: scalar parameters go to `_random_<dist>` with `shape`; array
 * parameters (all of them arrays of one shape) to `_sample_<dist>`, whose result has the
 * parameters' shape followed by `shape`.
 */
function sample(
  dist: string,
  params: [string, Param][],
  shape: number | readonly number[],
  opts: SampleOptions,
): NDArray {
  checkOptions(dist, opts, SAMPLE_OPTIONS);
  const s = checkShape(shape, `${dist}: shape`);
  const arrays = params.filter(([, v]) => typeof v !== "number");
  if (arrays.length === 0) {
    const scalars = Object.fromEntries(params);
    return invoke(`_random_${dist}`, [], { ...scalars, shape: s, dtype: opts.dtype }, opts)[0];
  }
  if (arrays.length !== params.length) {
    throw new ParamError(
      `${dist}: the distribution parameters must all be numbers or all NDArrays, got ` +
        params.map(([n, v]) => `${n}: ${describe(v)}`).join(", "),
    );
  }
  const inputs = params.map(([, v]) => v as NDArray);
  return invoke(`_sample_${dist}`, inputs, { shape: s, dtype: opts.dtype })[0];
}

/** Exponential samples with mean `scale` (rate 1 / scale), as MXNet's `exponential`. */
export function exponential(
  scale: Param = 1,
  shape: number | readonly number[] = [1],
  opts: SampleOptions = {},
): NDArray {
  const lam = typeof scale === "number" ? 1 / scale : invoke("reciprocal", [scale])[0];
  return sample("exponential", [["lam", lam]], shape, opts);
}

/** Gamma samples with shape `alpha` and scale `beta`. */
export function gamma(
  alpha: Param = 1,
  beta: Param = 1,
  shape: number | readonly number[] = [1],
  opts: SampleOptions = {},
): NDArray {
  return sample("gamma", [["alpha", alpha], ["beta", beta]], shape, opts);
}

/** Poisson samples with mean `lam` (as floats of `dtype`, float32 by default). */
export function poisson(
  lam: Param = 1,
  shape: number | readonly number[] = [1],
  opts: SampleOptions = {},
): NDArray {
  return sample("poisson", [["lam", lam]], shape, opts);
}

/** Negative binomial samples: failures before the `k`-th success of probability `p`. */
export function negativeBinomial(
  k: Param = 1,
  p: Param = 1,
  shape: number | readonly number[] = [1],
  opts: SampleOptions = {},
): NDArray {
  return sample("negative_binomial", [["k", k], ["p", p]], shape, opts);
}

/** Generalized negative binomial samples with mean `mu` and dispersion `alpha`. */
export function generalizedNegativeBinomial(
  mu: Param = 1,
  alpha: Param = 1,
  shape: number | readonly number[] = [1],
  opts: SampleOptions = {},
): NDArray {
  return sample("generalized_negative_binomial", [["mu", mu], ["alpha", alpha]], shape, opts);
}

/** Integers in [low, high). */
export function randint(
  low: number,
  high: number,
  shape: number | readonly number[] = [1],
  opts: SampleOptions = {},
): NDArray {
  checkSampleArgs("randint", arguments.length, opts);
  const s = checkShape(shape, "randint: shape");
  checkOptions("randint", opts, SAMPLE_OPTIONS);
  return invoke("_random_randint", [], { low, high, shape: s, dtype: opts.dtype }, opts)[0];
}

/**
 * Checks what a plain JavaScript caller can get wrong: a fifth argument, or a Context or
 * dtype where the options object belongs (Python's `uniform(0, 1, shape, dtype, ctx)`).
 */
function checkSampleArgs(where: string, given: number, opts: unknown): void {
  if (given > 4) {
    throw new ParamError(
      `${where}: too many arguments: takes (a, b, shape, { ctx, dtype }?), got ${given}`,
    );
  }
  if (!isOptions(opts)) {
    throw new ParamError(
      `${where}: argument 4 expects an options object ({ ctx, dtype }), got ${describe(opts)}`,
    );
  }
  checkOptions(where, opts, ["ctx", "dtype"]);
}

/** A copy of `data` with its first axis randomly permuted. */
export function shuffle(data: NDArray): NDArray {
  return invoke("_shuffle", [data])[0];
}

/**
 * Draws outcome indices from the distributions in the last axis of `data` (probabilities
 * summing to 1): `shape` draws each, so the result has shape data.shape[:-1] + shape;
 * with `getProb` also the log probabilities of the draws.
 */
export function multinomial(
  data: NDArray,
  shape: number | readonly number[] = [],
  opts: { getProb?: boolean; dtype?: DType } = {},
): NDArray | [NDArray, NDArray] {
  checkOptions("multinomial", opts, ["getProb", "dtype"]);
  const s = checkShape(shape, "multinomial: shape");
  const outs = invoke("_sample_multinomial", [data], { shape: s, ...opts });
  return opts.getProb ? [outs[0], outs[1]] : outs[0];
}

// MXNet's `mx.nd.random.pdf_*`, the same functions as `mx.nd.random_pdf_*`.
/** Uniform density on [low, high): `pdfUniform(sample, low, high, { isLog })`. */
export const pdfUniform: PdfFn<NDArray> = pdf.randomPdfUniform;
/** Normal density: `pdfNormal(sample, mu, sigma, { isLog })`. */
export const pdfNormal: PdfFn<NDArray> = pdf.randomPdfNormal;
/** Gamma density (shape `alpha`, rate `beta`): `pdfGamma(sample, alpha, beta)`. */
export const pdfGamma: PdfFn<NDArray> = pdf.randomPdfGamma;
/** Exponential density (rate `lam`): `pdfExponential(sample, lam)`. */
export const pdfExponential: PdfFn<NDArray> = pdf.randomPdfExponential;
/** Poisson probability (rate `lam`): `pdfPoisson(sample, lam)`. */
export const pdfPoisson: PdfFn<NDArray> = pdf.randomPdfPoisson;
/** Negative binomial probability (limit `k`, failure probability `p`). */
export const pdfNegativeBinomial: PdfFn<NDArray> = pdf.randomPdfNegativeBinomial;
/** Negative binomial probability (mean `mu`, dispersion `alpha`). */
export const pdfGeneralizedNegativeBinomial: PdfFn<NDArray> =
  pdf.randomPdfGeneralizedNegativeBinomial;
/** Dirichlet density: alpha [P..., k], sample [P..., N..., k] -> [P..., N...]. */
export const pdfDirichlet: PdfFn<NDArray> = pdf.randomPdfDirichlet;
