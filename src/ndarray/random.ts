/**
 * `mx.random` / `mx.nd.random`: seeded sampling from the Philox stream.
 * @module
 */
import type { DType } from "../core/dtype.ts";
import { ParamError } from "../core/errors.ts";
import { checkOptions, describe } from "../core/options.ts";
import { checkShape } from "../core/shape.ts";
import { isOptions } from "../ops/frontend.ts";
import { invoke } from "./apply.ts";
import type { NDArray } from "./ndarray.ts";
import type { SampleOptions } from "./ops.ts";
import { seed as reseed } from "./random_state.ts";

const SAMPLE_OPTIONS = ["ctx", "dtype"];

/**
 * Reseeds the generator (`mx.random.seed(1)`): the same seed gives the same numbers on
 * every backend.
 */
export function seed(s: number): void {
  reseed(s);
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
  low = 0,
  high = 1,
  shape: number | readonly number[] = [1],
  opts: SampleOptions<D> = {},
): NDArray<D> {
  checkSampleArgs("uniform", arguments.length, opts);
  const s = checkShape(shape, "uniform: shape");
  checkOptions("uniform", opts, SAMPLE_OPTIONS);
  const params = { low, high, shape: s, dtype: opts.dtype };
  return invoke("_random_uniform", [], params, opts)[0] as NDArray<D>;
}

/** Normal samples with mean `loc` and standard deviation `scale`. */
export function normal<D extends DType = "float32">(
  loc = 0,
  scale = 1,
  shape: number | readonly number[] = [1],
  opts: SampleOptions<D> = {},
): NDArray<D> {
  checkSampleArgs("normal", arguments.length, opts);
  const s = checkShape(shape, "normal: shape");
  checkOptions("normal", opts, SAMPLE_OPTIONS);
  const params = { loc, scale, shape: s, dtype: opts.dtype };
  return invoke("_random_normal", [], params, opts)[0] as NDArray<D>;
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
