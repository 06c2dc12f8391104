/**
 * The elementwise table: one row per elementwise primitive. Each backend has ONE
 * generic elementwise kernel that reads these rows; adding a row adds the operator to
 * every backend at once.
 *
 * Expressions are written over inputs `a`, `b`, `c` and scalar parameters `s0`, `s1`.
 * `ts` is a JavaScript expression (helpers from `TS_HELPERS` are in scope); `wgsl`, `rust`
 * and `cuda` are the same computation for the WebGPU, native and CUDA kernels.
 * @module
 */

/** One elementwise primitive. */
export interface ElementwiseRow {
  /** Row name, used for kernel caching and error messages. */
  readonly name: string;
  /** Number of array inputs. */
  readonly arity: 1 | 2 | 3;
  /** Number of scalar parameters (`s0`, `s1`). */
  readonly scalars: 0 | 1 | 2;
  /** JavaScript expression computing one element (in float64, as JS numbers are). */
  readonly ts: string;
  /** WGSL expression over `f32` values (WebGPU backend). */
  readonly wgsl: string;
  /** Rust expression over `f64` values (native backend; `erf` and `round_half_away` are helpers). */
  readonly rust: string;
  /**
   * CUDA C++ expression over `double` values (CUDA backend; math.h functions, and
   * `mxc_erf`, defined in ffi/cuda/rows.cuh). It computes what `rust` computes (`round`
   * sends halves away from zero).
   */
  readonly cuda: string;
}

function row(
  name: string,
  arity: 1 | 2 | 3,
  scalars: 0 | 1 | 2,
  ts: string,
  wgsl: string,
  rust: string,
  cuda: string,
): ElementwiseRow {
  return { name, arity, scalars, ts, wgsl, rust, cuda };
}

import { SPECIAL_TS_HELPERS } from "./special_math.ts";

/**
 * Functions the `ts` expressions may call (as `h.name`) besides `Math`. The WGSL and
 * Rust kernels define `erf` with the same formula.
 */
export const TS_HELPERS = {
  erf(x: number): number {
    // Numerical Recipes' Chebyshev fit of erfc: fractional error below 1.2e-7 everywhere,
    // which is all float32 results need.
    const z = Math.abs(x);
    const t = 1 / (1 + 0.5 * z);
    const r = t *
      Math.exp(
        -z * z - 1.26551223 +
          t *
            (1.00002368 +
              t *
                (0.37409196 +
                  t *
                    (0.09678418 +
                      t *
                        (-0.18628806 +
                          t *
                            (0.27886807 +
                              t *
                                (-1.13520398 +
                                  t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
      );
    return x >= 0 ? 1 - r : r - 1;
  },
  /** C's round(): halves go away from zero (Math.round sends -2.5 to -2). */
  roundHalfAway(x: number): number {
    return x < 0 ? -Math.round(-x) : Math.round(x);
  },
  // gamma, lgamma, digamma, erfinv, mod, hardSigmoid(Grad).
  ...SPECIAL_TS_HELPERS,
};

/*
 * NaN and infinities follow MXNet 1.9 (src/operator/mshadow_op.h and the clip kernel in
 * tensor/matrix_op-inl.h) on every backend, never a library's min/max convention:
 * - relu(a) = a if a > 0 or a is NaN, else 0: relu(NaN) = NaN, relu(-inf) = 0;
 * - maximum(a, b) = a if a is NaN, else (a > b ? a : b), so a NaN on either side wins
 *   (minimum alike); Rust's f64::max, C's fmax and WGSL's max drop a NaN instead;
 * - clip(a, lo, hi) = a > hi ? hi : (a < lo ? lo : a): NaN stays NaN, and with lo > hi
 *   an a above hi gives hi, any other a gives lo;
 * - relu's gradient (_backward_relu) is grad * relu_grad(data), where relu_grad(NaN) =
 *   NaN, so a NaN input gets a NaN gradient.
 * LeakyReLU, ELU and friends are composed from relu and _minimum_scalar (src/ops/nn), so
 * they inherit these: LeakyReLU(-inf) = -inf, LeakyReLU(NaN) = NaN.
 * WGSL may assume floats are finite, so its rows test NaN with the prelude's bit-pattern
 * `is_nan` inside helper functions (backends/webgpu/wgsl.ts) rather than by comparison.
 */

/** Unary math rows (MXNet operator names). */
export const UNARY = {
  negative: row("negative", 1, 0, "-a", "-a", "-a", "-a"),
  abs: row("abs", 1, 0, "Math.abs(a)", "abs(a)", "a.abs()", "fabs(a)"),
  sign: row(
    "sign",
    1,
    0,
    "Math.sign(a)",
    "sign(a)",
    "if a > 0.0 { 1.0 } else if a < 0.0 { -1.0 } else { a }",
    "(a > 0.0 ? 1.0 : (a < 0.0 ? -1.0 : a))",
  ),
  exp: row("exp", 1, 0, "Math.exp(a)", "exp(a)", "a.exp()", "exp(a)"),
  log: row("log", 1, 0, "Math.log(a)", "log(a)", "a.ln()", "log(a)"),
  log1p: row("log1p", 1, 0, "Math.log1p(a)", "log(1.0 + a)", "a.ln_1p()", "log1p(a)"),
  expm1: row("expm1", 1, 0, "Math.expm1(a)", "exp(a) - 1.0", "a.exp_m1()", "expm1(a)"),
  sqrt: row("sqrt", 1, 0, "Math.sqrt(a)", "sqrt(a)", "a.sqrt()", "sqrt(a)"),
  rsqrt: row(
    "rsqrt",
    1,
    0,
    "1 / Math.sqrt(a)",
    "inverseSqrt(a)",
    "1.0 / a.sqrt()",
    "1.0 / sqrt(a)",
  ),
  square: row("square", 1, 0, "a * a", "a * a", "a * a", "a * a"),
  cbrt: row(
    "cbrt",
    1,
    0,
    "Math.cbrt(a)",
    "sign(a) * pow(abs(a), 1.0 / 3.0)",
    "a.cbrt()",
    "cbrt(a)",
  ),
  reciprocal: row("reciprocal", 1, 0, "1 / a", "1.0 / a", "1.0 / a", "1.0 / a"),
  sin: row("sin", 1, 0, "Math.sin(a)", "sin(a)", "a.sin()", "sin(a)"),
  cos: row("cos", 1, 0, "Math.cos(a)", "cos(a)", "a.cos()", "cos(a)"),
  tan: row("tan", 1, 0, "Math.tan(a)", "tan(a)", "a.tan()", "tan(a)"),
  arcsin: row("arcsin", 1, 0, "Math.asin(a)", "asin(a)", "a.asin()", "asin(a)"),
  arccos: row("arccos", 1, 0, "Math.acos(a)", "acos(a)", "a.acos()", "acos(a)"),
  arctan: row("arctan", 1, 0, "Math.atan(a)", "atan(a)", "a.atan()", "atan(a)"),
  sinh: row("sinh", 1, 0, "Math.sinh(a)", "sinh(a)", "a.sinh()", "sinh(a)"),
  cosh: row("cosh", 1, 0, "Math.cosh(a)", "cosh(a)", "a.cosh()", "cosh(a)"),
  tanh: row("tanh", 1, 0, "Math.tanh(a)", "tanh(a)", "a.tanh()", "tanh(a)"),
  sigmoid: row(
    "sigmoid",
    1,
    0,
    "1 / (1 + Math.exp(-a))",
    "1.0 / (1.0 + exp(-a))",
    "1.0 / (1.0 + (-a).exp())",
    "1.0 / (1.0 + exp(-a))",
  ),
  // TS: (a + |a|) / 2 is branch-free, which V8 runs ~10x faster than `a > 0 ? a : 0` on
  // mixed-sign data (PERF_NOTES), and exact for every a but -inf (-inf + inf is NaN). The
  // `a > -Infinity` test sends -inf and NaN to the exact form; it is almost never false,
  // so the branch is predicted and costs ~20% over the bare formula.
  relu: row(
    "relu",
    1,
    0,
    "a > -Infinity ? (a + Math.abs(a)) * 0.5 : a !== a ? a : 0",
    "mx_relu(a)",
    "if a > 0.0 || a.is_nan() { a } else { 0.0 }",
    "(a > 0.0 || isnan(a) ? a : 0.0)",
  ),
  softsign: row(
    "softsign",
    1,
    0,
    "a / (1 + Math.abs(a))",
    "a / (1.0 + abs(a))",
    "a / (1.0 + a.abs())",
    "a / (1.0 + fabs(a))",
  ),
  erf: row("erf", 1, 0, "h.erf(a)", "erf(a)", "erf(a)", "mxc_erf(a)"),
  floor: row("floor", 1, 0, "Math.floor(a)", "floor(a)", "a.floor()", "floor(a)"),
  ceil: row("ceil", 1, 0, "Math.ceil(a)", "ceil(a)", "a.ceil()", "ceil(a)"),
  round: row(
    "round",
    1,
    0,
    "h.roundHalfAway(a)",
    "sign(a) * floor(abs(a) + 0.5)",
    "a.round()",
    "round(a)",
  ),
  trunc: row("trunc", 1, 0, "Math.trunc(a)", "trunc(a)", "a.trunc()", "trunc(a)"),
  // Scalar forms: `s0` is the scalar operand.
  _plus_scalar: row("_plus_scalar", 1, 1, "a + s0", "a + s0", "a + s0", "a + s0"),
  _minus_scalar: row("_minus_scalar", 1, 1, "a - s0", "a - s0", "a - s0", "a - s0"),
  _rminus_scalar: row("_rminus_scalar", 1, 1, "s0 - a", "s0 - a", "s0 - a", "s0 - a"),
  _mul_scalar: row("_mul_scalar", 1, 1, "a * s0", "a * s0", "a * s0", "a * s0"),
  _div_scalar: row("_div_scalar", 1, 1, "a / s0", "a / s0", "a / s0", "a / s0"),
  _rdiv_scalar: row("_rdiv_scalar", 1, 1, "s0 / a", "s0 / a", "s0 / a", "s0 / a"),
  _power_scalar: row(
    "_power_scalar",
    1,
    1,
    "Math.pow(a, s0)",
    "pow(a, s0)",
    "a.powf(s0)",
    "pow(a, s0)",
  ),
  _rpower_scalar: row(
    "_rpower_scalar",
    1,
    1,
    "Math.pow(s0, a)",
    "pow(s0, a)",
    "s0.powf(a)",
    "pow(s0, a)",
  ),
  _maximum_scalar: row(
    "_maximum_scalar",
    1,
    1,
    "a > s0 || a !== a ? a : s0",
    "mx_max(a, s0)",
    "if a > s0 || a.is_nan() { a } else { s0 }",
    "(a > s0 || isnan(a) ? a : s0)",
  ),
  _minimum_scalar: row(
    "_minimum_scalar",
    1,
    1,
    "a < s0 || a !== a ? a : s0",
    "mx_min(a, s0)",
    "if a < s0 || a.is_nan() { a } else { s0 }",
    "(a < s0 || isnan(a) ? a : s0)",
  ),
  _equal_scalar: row(
    "_equal_scalar",
    1,
    1,
    "(a === s0 ? 1 : 0)",
    "select(0.0, 1.0, a == s0)",
    "if a == s0 { 1.0 } else { 0.0 }",
    "(a == s0 ? 1.0 : 0.0)",
  ),
  _not_equal_scalar: row(
    "_not_equal_scalar",
    1,
    1,
    "(a !== s0 ? 1 : 0)",
    "select(0.0, 1.0, a != s0 || is_nan(a) || is_nan(s0))",
    "if a != s0 { 1.0 } else { 0.0 }",
    "(a != s0 ? 1.0 : 0.0)",
  ),
  _greater_scalar: row(
    "_greater_scalar",
    1,
    1,
    "(a > s0 ? 1 : 0)",
    "select(0.0, 1.0, a > s0)",
    "if a > s0 { 1.0 } else { 0.0 }",
    "(a > s0 ? 1.0 : 0.0)",
  ),
  _greater_equal_scalar: row(
    "_greater_equal_scalar",
    1,
    1,
    "(a >= s0 ? 1 : 0)",
    "select(0.0, 1.0, a >= s0)",
    "if a >= s0 { 1.0 } else { 0.0 }",
    "(a >= s0 ? 1.0 : 0.0)",
  ),
  _lesser_scalar: row(
    "_lesser_scalar",
    1,
    1,
    "(a < s0 ? 1 : 0)",
    "select(0.0, 1.0, a < s0)",
    "if a < s0 { 1.0 } else { 0.0 }",
    "(a < s0 ? 1.0 : 0.0)",
  ),
  _lesser_equal_scalar: row(
    "_lesser_equal_scalar",
    1,
    1,
    "(a <= s0 ? 1 : 0)",
    "select(0.0, 1.0, a <= s0)",
    "if a <= s0 { 1.0 } else { 0.0 }",
    "(a <= s0 ? 1.0 : 0.0)",
  ),
  // TS: with lo <= hi (the per-call test is predicted), min(max(a, lo), hi) is MXNet's
  // value (V8's Math.min/max propagate NaN) and ~1.4x faster than the nested ternary.
  clip: row(
    "clip",
    1,
    2,
    "s0 <= s1 ? Math.min(Math.max(a, s0), s1) : a > s1 ? s1 : a < s0 ? s0 : a",
    "mx_clip(a, s0, s1)",
    "if a > s1 { s1 } else if a < s0 { s0 } else { a }",
    "(a > s1 ? s1 : (a < s0 ? s0 : a))",
  ),
  // --- MXNet's math rows (helpers in src/ops/special_math.ts) ---
  log2: row(
    "log2",
    1,
    0,
    "Math.log2(a)",
    "log2(a)",
    "a.log2()",
    "log2(a)",
  ),
  log10: row(
    "log10",
    1,
    0,
    "Math.log10(a)",
    "log(a) * 0.4342944819032518",
    "a.log10()",
    "log10(a)",
  ),
  arcsinh: row(
    "arcsinh",
    1,
    0,
    "Math.asinh(a)",
    "mx_asinh(a)",
    "a.asinh()",
    "asinh(a)",
  ),
  arccosh: row(
    "arccosh",
    1,
    0,
    "Math.acosh(a)",
    "mx_acosh(a)",
    "a.acosh()",
    "acosh(a)",
  ),
  arctanh: row(
    "arctanh",
    1,
    0,
    "Math.atanh(a)",
    "mx_atanh(a)",
    "a.atanh()",
    "atanh(a)",
  ),
  degrees: row(
    "degrees",
    1,
    0,
    "a * 57.29577951308232",
    "a * 57.29577951308232",
    "a * 57.29577951308232",
    "a * 57.29577951308232",
  ),
  radians: row(
    "radians",
    1,
    0,
    "a * 0.017453292519943295",
    "a * 0.017453292519943295",
    "a * 0.017453292519943295",
    "a * 0.017453292519943295",
  ),
  // MXNet's rint sends halves down (to the floor), not to even as NumPy does.
  rint: row(
    "rint",
    1,
    0,
    "(a - Math.floor(a) <= Math.ceil(a) - a ? Math.floor(a) : Math.ceil(a))",
    "select(ceil(a), floor(a), a - floor(a) <= ceil(a) - a)",
    "if a - a.floor() <= a.ceil() - a { a.floor() } else { a.ceil() }",
    "(a - floor(a) <= ceil(a) - a ? floor(a) : ceil(a))",
  ),
  // MXNet's fix (the one of floor and ceil nearer 0) is trunc.
  fix: row(
    "fix",
    1,
    0,
    "Math.trunc(a)",
    "trunc(a)",
    "a.trunc()",
    "trunc(a)",
  ),
  gamma: row(
    "gamma",
    1,
    0,
    "h.gamma(a)",
    "mx_gamma(a)",
    "gamma(a)",
    "mxc_gamma(a)",
  ),
  gammaln: row(
    "gammaln",
    1,
    0,
    "h.lgamma(a)",
    "mx_lgamma(a)",
    "lgamma(a)",
    "mxc_lgamma(a)",
  ),
  erfinv: row(
    "erfinv",
    1,
    0,
    "h.erfinv(a)",
    "mx_erfinv(a)",
    "erfinv(a)",
    "mxc_erfinv(a)",
  ),
  rcbrt: row(
    "rcbrt",
    1,
    0,
    "1 / Math.cbrt(a)",
    "1.0 / (sign(a) * pow(abs(a), 1.0 / 3.0))",
    "1.0 / a.cbrt()",
    "1.0 / cbrt(a)",
  ),
  // C's !a: NaN is true, so logical_not(NaN) = 0.
  logical_not: row(
    "logical_not",
    1,
    0,
    "(a !== 0 ? 0 : 1)",
    "select(1.0, 0.0, mx_truth(a))",
    "if a != 0.0 { 0.0 } else { 1.0 }",
    "(a != 0.0 ? 0.0 : 1.0)",
  ),
  // hard_sigmoid(data, alpha = s0, beta = s1).
  hard_sigmoid: row(
    "hard_sigmoid",
    1,
    2,
    "h.hardSigmoid(a, s0, s1)",
    "mx_hard_sigmoid(a, s0, s1)",
    "hard_sigmoid(a, s0, s1)",
    "mxc_hard_sigmoid(a, s0, s1)",
  ),
  _mod_scalar: row(
    "_mod_scalar",
    1,
    1,
    "h.mod(a, s0)",
    "mx_mod(a, s0)",
    "mx_mod(a, s0)",
    "mxc_mod(a, s0)",
  ),
  _rmod_scalar: row(
    "_rmod_scalar",
    1,
    1,
    "h.mod(s0, a)",
    "mx_mod(s0, a)",
    "mx_mod(s0, a)",
    "mxc_mod(s0, a)",
  ),
  _hypot_scalar: row(
    "_hypot_scalar",
    1,
    1,
    "Math.hypot(a, s0)",
    "length(vec2<f32>(a, s0))",
    "a.hypot(s0)",
    "hypot(a, s0)",
  ),
  // Logical rows: C's truth (non-zero, NaN included, is true), 0/1 in the input's dtype.
  _logical_and_scalar: row(
    "_logical_and_scalar",
    1,
    1,
    "(a !== 0 && s0 !== 0 ? 1 : 0)",
    "select(0.0, 1.0, mx_truth(a) && mx_truth(s0))",
    "if a != 0.0 && s0 != 0.0 { 1.0 } else { 0.0 }",
    "(a != 0.0 && s0 != 0.0 ? 1.0 : 0.0)",
  ),
  _logical_or_scalar: row(
    "_logical_or_scalar",
    1,
    1,
    "(a !== 0 || s0 !== 0 ? 1 : 0)",
    "select(0.0, 1.0, mx_truth(a) || mx_truth(s0))",
    "if a != 0.0 || s0 != 0.0 { 1.0 } else { 0.0 }",
    "(a != 0.0 || s0 != 0.0 ? 1.0 : 0.0)",
  ),
  _logical_xor_scalar: row(
    "_logical_xor_scalar",
    1,
    1,
    "((a !== 0) !== (s0 !== 0) ? 1 : 0)",
    "select(0.0, 1.0, mx_truth(a) != mx_truth(s0))",
    "if (a != 0.0) != (s0 != 0.0) { 1.0 } else { 0.0 }",
    "((a != 0.0) != (s0 != 0.0) ? 1.0 : 0.0)",
  ),
} as const satisfies Record<string, ElementwiseRow>;

/** Binary rows with NumPy broadcasting. */
export const BINARY = {
  broadcast_add: row("broadcast_add", 2, 0, "a + b", "a + b", "a + b", "a + b"),
  broadcast_sub: row("broadcast_sub", 2, 0, "a - b", "a - b", "a - b", "a - b"),
  broadcast_mul: row("broadcast_mul", 2, 0, "a * b", "a * b", "a * b", "a * b"),
  broadcast_div: row("broadcast_div", 2, 0, "a / b", "a / b", "a / b", "a / b"),
  broadcast_power: row(
    "broadcast_power",
    2,
    0,
    "Math.pow(a, b)",
    "pow(a, b)",
    "a.powf(b)",
    "pow(a, b)",
  ),
  // TS: MXNet's form exactly; V8 compiles Math.max to branches as well, and this measured
  // as fast (4M float32 elements: 77-88 ms vs 75-94 ms).
  broadcast_maximum: row(
    "broadcast_maximum",
    2,
    0,
    "a > b || a !== a ? a : b",
    "mx_max(a, b)",
    "if a > b || a.is_nan() { a } else { b }",
    "(a > b || isnan(a) ? a : b)",
  ),
  broadcast_minimum: row(
    "broadcast_minimum",
    2,
    0,
    "a < b || a !== a ? a : b",
    "mx_min(a, b)",
    "if a < b || a.is_nan() { a } else { b }",
    "(a < b || isnan(a) ? a : b)",
  ),
  broadcast_equal: row(
    "broadcast_equal",
    2,
    0,
    "(a === b ? 1 : 0)",
    "select(0.0, 1.0, a == b)",
    "if a == b { 1.0 } else { 0.0 }",
    "(a == b ? 1.0 : 0.0)",
  ),
  broadcast_not_equal: row(
    "broadcast_not_equal",
    2,
    0,
    "(a !== b ? 1 : 0)",
    // NaN is unequal to everything; tested by bits (WGSL compilers may fold a != a).
    "select(0.0, 1.0, a != b || is_nan(a) || is_nan(b))",
    "if a != b { 1.0 } else { 0.0 }",
    "(a != b ? 1.0 : 0.0)",
  ),
  broadcast_greater: row(
    "broadcast_greater",
    2,
    0,
    "(a > b ? 1 : 0)",
    "select(0.0, 1.0, a > b)",
    "if a > b { 1.0 } else { 0.0 }",
    "(a > b ? 1.0 : 0.0)",
  ),
  broadcast_greater_equal: row(
    "broadcast_greater_equal",
    2,
    0,
    "(a >= b ? 1 : 0)",
    "select(0.0, 1.0, a >= b)",
    "if a >= b { 1.0 } else { 0.0 }",
    "(a >= b ? 1.0 : 0.0)",
  ),
  broadcast_lesser: row(
    "broadcast_lesser",
    2,
    0,
    "(a < b ? 1 : 0)",
    "select(0.0, 1.0, a < b)",
    "if a < b { 1.0 } else { 0.0 }",
    "(a < b ? 1.0 : 0.0)",
  ),
  broadcast_lesser_equal: row(
    "broadcast_lesser_equal",
    2,
    0,
    "(a <= b ? 1 : 0)",
    "select(0.0, 1.0, a <= b)",
    "if a <= b { 1.0 } else { 0.0 }",
    "(a <= b ? 1.0 : 0.0)",
  ),
  broadcast_mod: row(
    "broadcast_mod",
    2,
    0,
    "h.mod(a, b)",
    "mx_mod(a, b)",
    "mx_mod(a, b)",
    "mxc_mod(a, b)",
  ),
  broadcast_hypot: row(
    "broadcast_hypot",
    2,
    0,
    "Math.hypot(a, b)",
    "length(vec2<f32>(a, b))",
    "a.hypot(b)",
    "hypot(a, b)",
  ),
  broadcast_logical_and: row(
    "broadcast_logical_and",
    2,
    0,
    "(a !== 0 && b !== 0 ? 1 : 0)",
    "select(0.0, 1.0, mx_truth(a) && mx_truth(b))",
    "if a != 0.0 && b != 0.0 { 1.0 } else { 0.0 }",
    "(a != 0.0 && b != 0.0 ? 1.0 : 0.0)",
  ),
  broadcast_logical_or: row(
    "broadcast_logical_or",
    2,
    0,
    "(a !== 0 || b !== 0 ? 1 : 0)",
    "select(0.0, 1.0, mx_truth(a) || mx_truth(b))",
    "if a != 0.0 || b != 0.0 { 1.0 } else { 0.0 }",
    "(a != 0.0 || b != 0.0 ? 1.0 : 0.0)",
  ),
  broadcast_logical_xor: row(
    "broadcast_logical_xor",
    2,
    0,
    "((a !== 0) !== (b !== 0) ? 1 : 0)",
    "select(0.0, 1.0, mx_truth(a) != mx_truth(b))",
    "if (a != 0.0) != (b != 0.0) { 1.0 } else { 0.0 }",
    "((a != 0.0) != (b != 0.0) ? 1.0 : 0.0)",
  ),
} as const satisfies Record<string, ElementwiseRow>;

/** Ternary rows. */
export const TERNARY = {
  where: row(
    "where",
    3,
    0,
    "(a !== 0 ? b : c)",
    "select(c, b, a != 0.0)",
    "if a != 0.0 { b } else { c }",
    "(a != 0.0 ? b : c)",
  ),
} as const satisfies Record<string, ElementwiseRow>;

/**
 * Fused rows: each saves whole passes over memory on a hot path (training steps). Listed
 * here so every backend's generic kernel, the native code generator included, knows them.
 */
export const FUSED = {
  // alpha * a + beta * b: optimizer updates in one pass (src/optimizer).
  _axpby: row(
    "_axpby",
    2,
    2,
    "s0 * a + s1 * b",
    "s0 * a + s1 * b",
    "s0 * a + s1 * b",
    "s0 * a + s1 * b",
  ),
  // The ReLU gradient, grad * relu_grad(data), in one pass instead of a compare and a
  // multiply; relu_grad is 1 where data > 0, NaN where data is NaN, else 0. TS: a times
  // the boolean is branch-free (~6x faster than a ternary on mixed-sign data); NaN data
  // takes the predicted other branch.
  _backward_relu: row(
    "_backward_relu",
    2,
    0,
    "b === b ? a * (b > 0) : b",
    "a * mx_relu_grad(b)",
    "a * (if b > 0.0 { 1.0 } else if b.is_nan() { b } else { 0.0 })",
    "a * (b > 0.0 ? 1.0 : (isnan(b) ? b : 0.0))",
  ),
  // moving * momentum + value * (1 - momentum): BatchNorm's running statistics.
  _moving_average: row(
    "_moving_average",
    2,
    1,
    "a * s0 + b * (1 - s0)",
    "a * s0 + b * (1.0 - s0)",
    "a * s0 + b * (1.0 - s0)",
    "a * s0 + b * (1.0 - s0)",
  ),
  // --- backward rows (a = output gradient, b = data) ---
  _backward_hard_sigmoid: row(
    "_backward_hard_sigmoid",
    2,
    2,
    "h.hardSigmoidGrad(a, b, s0, s1)",
    "mx_hard_sigmoid_grad(a, b, s0, s1)",
    "{ let y = s0 * b + s1; if y > 0.0 && y < 1.0 { a * s0 } else { 0.0 } }",
    "(s0 * b + s1 > 0.0 && s0 * b + s1 < 1.0 ? a * s0 : 0.0)",
  ),
  _backward_gamma: row(
    "_backward_gamma",
    2,
    0,
    "a * h.gamma(b) * h.digamma(b)",
    "a * mx_gamma(b) * mx_digamma(b)",
    "a * gamma(b) * digamma(b)",
    "a * mxc_gamma(b) * mxc_digamma(b)",
  ),
  _backward_gammaln: row(
    "_backward_gammaln",
    2,
    0,
    "a * h.digamma(b)",
    "a * mx_digamma(b)",
    "a * digamma(b)",
    "a * mxc_digamma(b)",
  ),
} as const satisfies Record<string, ElementwiseRow>;
