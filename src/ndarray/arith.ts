/**
 * Operator names the NDArray methods and `mx.nd` functions accept: the unary names of
 * `unary()` and the binary arithmetic dispatch (broadcast or scalar form).
 * @module
 */
import { MXNetError } from "../core/errors.ts";
import { invoke } from "./apply.ts";
import { NDArray } from "./ndarray.ts";

/** Unary operators callable by name. */
export type UnaryName =
  | "negative"
  | "abs"
  | "sign"
  | "exp"
  | "log"
  | "log1p"
  | "expm1"
  | "sqrt"
  | "rsqrt"
  | "square"
  | "cbrt"
  | "reciprocal"
  | "sin"
  | "cos"
  | "tan"
  | "arcsin"
  | "arccos"
  | "arctan"
  | "sinh"
  | "cosh"
  | "tanh"
  | "sigmoid"
  | "relu"
  | "softsign"
  | "erf"
  | "floor"
  | "ceil"
  | "round"
  | "trunc"
  | "log2"
  | "log10"
  | "arcsinh"
  | "arccosh"
  | "arctanh"
  | "degrees"
  | "radians"
  | "rint"
  | "fix"
  | "gamma"
  | "gammaln"
  | "erfinv"
  | "rcbrt"
  | "logical_not";

/** Binary arithmetic and comparison names understood by `arith`. */
export type ArithName =
  | "add"
  | "sub"
  | "mul"
  | "div"
  | "pow"
  | "maximum"
  | "minimum"
  | "equal"
  | "notEqual"
  | "greater"
  | "greaterEqual"
  | "lesser"
  | "lesserEqual"
  | "mod"
  | "logicalAnd"
  | "logicalOr"
  | "logicalXor";

// [broadcast op, scalar op, reversed-scalar op (scalar on the left)]
const ARITH: Readonly<Record<ArithName, readonly [string, string, string]>> = {
  add: ["broadcast_add", "_plus_scalar", "_plus_scalar"],
  sub: ["broadcast_sub", "_minus_scalar", "_rminus_scalar"],
  mul: ["broadcast_mul", "_mul_scalar", "_mul_scalar"],
  div: ["broadcast_div", "_div_scalar", "_rdiv_scalar"],
  pow: ["broadcast_power", "_power_scalar", "_rpower_scalar"],
  maximum: ["broadcast_maximum", "_maximum_scalar", "_maximum_scalar"],
  minimum: ["broadcast_minimum", "_minimum_scalar", "_minimum_scalar"],
  equal: ["broadcast_equal", "_equal_scalar", "_equal_scalar"],
  notEqual: ["broadcast_not_equal", "_not_equal_scalar", "_not_equal_scalar"],
  greater: ["broadcast_greater", "_greater_scalar", "_lesser_scalar"],
  greaterEqual: ["broadcast_greater_equal", "_greater_equal_scalar", "_lesser_equal_scalar"],
  lesser: ["broadcast_lesser", "_lesser_scalar", "_greater_scalar"],
  lesserEqual: ["broadcast_lesser_equal", "_lesser_equal_scalar", "_greater_equal_scalar"],

  mod: ["broadcast_mod", "_mod_scalar", "_rmod_scalar"],
  logicalAnd: ["broadcast_logical_and", "_logical_and_scalar", "_logical_and_scalar"],
  logicalOr: ["broadcast_logical_or", "_logical_or_scalar", "_logical_or_scalar"],
  logicalXor: ["broadcast_logical_xor", "_logical_xor_scalar", "_logical_xor_scalar"],
};

/**
 * Binary arithmetic between arrays and/or numbers: arrays broadcast, a number selects
 * the scalar form of the operator. `out` writes in place.
 */
export function arith(
  name: ArithName,
  a: NDArray | number,
  b: NDArray | number,
  out?: NDArray,
): NDArray {
  const [bcast, scalar, rscalar] = ARITH[name];
  const opts = out ? { out } : {};
  if (a instanceof NDArray && b instanceof NDArray) return invoke(bcast, [a, b], {}, opts)[0];
  if (a instanceof NDArray) return invoke(scalar, [a], { scalar: b as number }, opts)[0];
  if (b instanceof NDArray) return invoke(rscalar, [b], { scalar: a }, opts)[0];
  throw new MXNetError(`${name}: at least one operand must be an NDArray`);
}
