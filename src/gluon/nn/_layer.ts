/**
 * Small helpers the built-in layers share.
 * @module
 */
import { ParamError, ShapeError } from "../../core/errors.ts";
import { checkOptions } from "../../core/options.ts";
import { formatShape } from "../../core/shape.ts";
import type { NDArray } from "../../ndarray/ndarray.ts";
import { isSymbol, type Value } from "../_f.ts";
import type { BlockOptions } from "../block.ts";
import type { Parameter } from "../parameter.ts";

/** The options every layer takes from Block. */
export const BLOCK_KEYS = ["prefix", "params"];

/** Checks a layer's options (its own keys plus prefix/params) and returns Block's part. */
export function layerOptions(where: string, opts: object, keys: readonly string[]): BlockOptions {
  checkOptions(where, opts, [...keys, ...BLOCK_KEYS]);
  const o = opts as BlockOptions;
  return { prefix: o.prefix, params: o.params };
}

/** A parameter as the input's mode needs it: its data on x's context, or its variable. */
export function read(p: Parameter, x: Value): Value {
  return isSymbol(x) ? p.var() : p.data((x as NDArray).context);
}

/** An int or a tuple of `n` ints (MXNet accepts both for kernel sizes, strides, ...). */
export function tuple(v: number | readonly number[], n: number, what: string): number[] {
  const t = typeof v === "number" ? Array(n).fill(v) : [...v];
  if (t.length !== n || !t.every((d) => Number.isInteger(d))) {
    throw new ParamError(`${what} must be an integer or ${n} integers, got ${JSON.stringify(v)}`);
  }
  return t;
}

/** Throws a ShapeError naming the layer unless x has `ndim` axes. */
export function expectRank(layer: string, x: NDArray, ndim: number, layout: string): void {
  if (x.ndim !== ndim) {
    throw new ShapeError(
      `${layer}: expected input with ${ndim} axes (${layout}), got shape ${formatShape(x.shape)}`,
    );
  }
}

/**
 * Fills the unknown (0) sizes of `p` from `want`, or checks them: a different known size
 * is a ShapeError naming the layer and what the size means.
 */
export function inferParamShape(layer: string, p: Parameter, want: number[], what: string): void {
  const cur = p.shape;
  if (cur && cur.length === want.length && cur.every((d, i) => d === 0 || d === want[i])) {
    if (cur.some((d) => d === 0)) p.shape = want;
    return;
  }
  throw new ShapeError(
    `${layer}: the input gives ${what}, so ${p.name} would be ${formatShape(want)}, but it is ${
      formatShape(cur ?? [])
    }`,
  );
}
