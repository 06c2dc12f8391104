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
   * `mxc_erf`, defined in ffi/cuda/rows.cuh). It computes what `rust` computes: `fmax` and
   * `fmin` ignore NaN as Rust's `f64::max`/`min` do, `round` sends halves away from zero.
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
};

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
  // Branch-free: V8 runs this 5x faster than a ternary on large arrays (PERF_NOTES).
  relu: row(
    "relu",
    1,
    0,
    "(a + Math.abs(a)) * 0.5",
    "max(a, 0.0)",
    "if a > 0.0 { a } else { 0.0 }",
    "(a > 0.0 ? a : 0.0)",
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
    "Math.max(a, s0)",
    "max(a, s0)",
    "a.max(s0)",
    "fmax(a, s0)",
  ),
  _minimum_scalar: row(
    "_minimum_scalar",
    1,
    1,
    "Math.min(a, s0)",
    "min(a, s0)",
    "a.min(s0)",
    "fmin(a, s0)",
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
    "select(0.0, 1.0, a != s0)",
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
  clip: row(
    "clip",
    1,
    2,
    "Math.min(Math.max(a, s0), s1)",
    "min(max(a, s0), s1)",
    "a.max(s0).min(s1)",
    "fmin(fmax(a, s0), s1)",
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
  broadcast_maximum: row(
    "broadcast_maximum",
    2,
    0,
    "Math.max(a, b)",
    "max(a, b)",
    "a.max(b)",
    "fmax(a, b)",
  ),
  broadcast_minimum: row(
    "broadcast_minimum",
    2,
    0,
    "Math.min(a, b)",
    "min(a, b)",
    "a.min(b)",
    "fmin(a, b)",
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
    "select(0.0, 1.0, a != b)",
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
  // The ReLU gradient, grad * (data > 0), in one pass instead of a compare and a multiply.
  _backward_relu: row(
    "_backward_relu",
    2,
    0,
    "a * (b > 0 ? 1 : 0)",
    "a * select(0.0, 1.0, b > 0.0)",
    "a * (if b > 0.0 { 1.0 } else { 0.0 })",
    "a * (b > 0.0 ? 1.0 : 0.0)",
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
} as const satisfies Record<string, ElementwiseRow>;
