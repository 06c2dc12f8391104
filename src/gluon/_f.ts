/**
 * Operators on NDArrays or Symbols alike, for layers and losses: an NDArray input applies
 * the registry operator now (through `applyOp`, so autograd and the hybridize tracer see
 * it; `mx.np` arrays come back as `mx.np` arrays), a Symbol input makes a graph node.
 * This is what MXNet's `F` (`mx.nd` or `mx.sym`) does for built-in layers.
 * @module
 */
import { invoke } from "../ndarray/apply.ts";
import type { NDArray } from "../ndarray/ndarray.ts";
import { createSymbol, Symbol } from "../symbol/symbol.ts";
import { nameNext } from "./_calls.ts";

/** An NDArray (imperative) or a Symbol (graph building). */
export type Value = NDArray | Symbol;

/** True for Symbols. */
export function isSymbol(v: unknown): v is Symbol {
  return v instanceof Symbol;
}

/** True when some (nested) argument is a Symbol. */
export function hasSymbol(args: readonly unknown[]): boolean {
  return args.some((a) => isSymbol(a) || (Array.isArray(a) && hasSymbol(a)));
}

/**
 * Applies operator `name` to `inputs` and returns its first visible output. `ref` decides
 * the mode for operators without inputs; `node` names the graph node (`dense0_fwd`).
 */
export function op(
  name: string,
  inputs: readonly Value[],
  params: Record<string, unknown> = {},
  opts: { node?: string; ref?: Value } = {},
): Value {
  const ref = inputs[0] ?? opts.ref;
  if (isSymbol(ref) || inputs.some(isSymbol)) {
    return createSymbol(name, inputs as Symbol[], params, opts.node ? { name: opts.node } : {});
  }
  if (opts.node) nameNext(opts.node);
  const ctx = (ref as NDArray | undefined)?.context;
  return invoke(name, inputs as NDArray[], params, ctx ? { ctx } : {})[0];
}

const bin = (a: Value, b: Value | number, op2: string, scalar: string) =>
  typeof b === "number" ? op(scalar, [a], { scalar: b }) : op(op2, [a, b]);

/** `a + b`. */
export const add = (a: Value, b: Value | number): Value =>
  bin(a, b, "broadcast_add", "_plus_scalar");
/** `a - b`. */
export const sub = (a: Value, b: Value | number): Value =>
  bin(a, b, "broadcast_sub", "_minus_scalar");
/** `s - a`. */
export const rsub = (s: number, a: Value): Value => op("_rminus_scalar", [a], { scalar: s });
/** `a * b`. */
export const mul = (a: Value, b: Value | number): Value =>
  bin(a, b, "broadcast_mul", "_mul_scalar");
/** `a / b`. */
export const div = (a: Value, b: Value | number): Value =>
  bin(a, b, "broadcast_div", "_div_scalar");
/** `max(a, b)`. */
export const maximum = (a: Value, b: Value | number): Value =>
  bin(a, b, "broadcast_maximum", "_maximum_scalar");
/** `a == s` as 0/1. */
export const equalS = (a: Value, s: number): Value => op("_equal_scalar", [a], { scalar: s });
/** `a > s` as 0/1. */
export const greaterS = (a: Value, s: number): Value => op("_greater_scalar", [a], { scalar: s });
/** A unary operator by name (`relu`, `exp`, `log`, ...). */
export const un = (name: string, a: Value): Value => op(name, [a]);
/** `-a`. */
export const neg = (a: Value): Value => op("negative", [a]);

/** Mean over `axis` (with `exclude`: over every other axis). */
export function mean(
  x: Value,
  opts: { axis?: number | number[] | null; exclude?: boolean; keepdims?: boolean } = {},
): Value {
  return op("mean", [x], { ...opts });
}

/** Sum over `axis`. */
export function sum(
  x: Value,
  opts: { axis?: number | number[] | null; exclude?: boolean; keepdims?: boolean } = {},
): Value {
  return op("sum", [x], { ...opts });
}

/** `x` with the shape of `like` (no node when the shapes already agree). */
export function reshapeLike(x: Value, like: Value): Value {
  if (isSymbol(x) || isSymbol(like)) return op("reshape_like", [x, like]);
  const a = x as NDArray, b = like as NDArray;
  if (a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i])) return x;
  return op("Reshape", [x], { shape: [...b.shape] });
}

/** Reshape with MXNet's special codes. */
export function reshape(x: Value, shape: readonly number[]): Value {
  return op("Reshape", [x], { shape: [...shape] });
}

/**
 * MXNet's `_apply_weighting`: multiply by `sampleWeight` (broadcast) and by the scalar
 * `weight`.
 */
export function applyWeighting(
  loss: Value,
  weight: number | null | undefined,
  sampleWeight?: Value | null,
): Value {
  let l = loss;
  if (sampleWeight !== undefined && sampleWeight !== null) l = mul(l, sampleWeight);
  if (weight !== undefined && weight !== null) l = mul(l, weight);
  return l;
}
