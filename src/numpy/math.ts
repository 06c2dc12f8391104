/**
 * `mx.np` elementwise math: arithmetic with NumPy's type promotion, comparisons giving
 * bool, unary functions (integers give float32 where the result is fractional), and
 * functions composed from the registry's elementwise rows (log2, arctan2, rint, ...).
 * @module
 */
import { type DType, isFloat } from "../core/dtype.ts";
import { DTypeError } from "../core/errors.ts";
import { NDArray } from "../ndarray/ndarray.ts";
import {
  asNp,
  cast,
  floatType,
  indexType,
  op,
  type Operand,
  promote2,
  promoteTypes,
  scalarType,
} from "./_core.ts";
import type { NpArray } from "./ndarray.ts";

/** Binary ops: [broadcast op, scalar op, reversed-scalar op (scalar on the left)]. */
const BIN = {
  add: ["broadcast_add", "_plus_scalar", "_plus_scalar"],
  subtract: ["broadcast_sub", "_minus_scalar", "_rminus_scalar"],
  multiply: ["broadcast_mul", "_mul_scalar", "_mul_scalar"],
  divide: ["broadcast_div", "_div_scalar", "_rdiv_scalar"],
  power: ["broadcast_power", "_power_scalar", "_rpower_scalar"],
  maximum: ["broadcast_maximum", "_maximum_scalar", "_maximum_scalar"],
  minimum: ["broadcast_minimum", "_minimum_scalar", "_minimum_scalar"],
  equal: ["broadcast_equal", "_equal_scalar", "_equal_scalar"],
  notEqual: ["broadcast_not_equal", "_not_equal_scalar", "_not_equal_scalar"],
  greater: ["broadcast_greater", "_greater_scalar", "_lesser_scalar"],
  greaterEqual: ["broadcast_greater_equal", "_greater_equal_scalar", "_lesser_equal_scalar"],
  less: ["broadcast_lesser", "_lesser_scalar", "_greater_scalar"],
  lessEqual: ["broadcast_lesser_equal", "_lesser_equal_scalar", "_greater_equal_scalar"],
} as const;

/**
 * Applies binary `name` in dtype `t` (promoted when omitted). A scalar operand uses the
 * scalar form of the operator when the array already has dtype `t` (no temporary array).
 */
function binary(name: keyof typeof BIN, a: Operand, b: Operand, t?: DType): NpArray {
  const [bcast, sc, rsc] = BIN[name];
  if (a instanceof NDArray && !(b instanceof NDArray)) {
    const dt = t ?? scalarType(a.dtype, b);
    if (a.dtype === dt) return op(sc, [a], { scalar: Number(b) });
  } else if (b instanceof NDArray && !(a instanceof NDArray)) {
    const dt = t ?? scalarType(b.dtype, a);
    if (b.dtype === dt) return op(rsc, [b], { scalar: Number(a) });
  }
  const [x, y] = promote2(a, b, `np.${name}`, t);
  return op(bcast, [x, y]);
}

function typeOf(a: Operand, b: Operand): DType {
  if (a instanceof NDArray && b instanceof NDArray) return promoteTypes(a.dtype, b.dtype);
  if (a instanceof NDArray) return scalarType(a.dtype, b as number);
  if (b instanceof NDArray) return scalarType(b.dtype, a as number);
  throw new DTypeError("np: at least one operand must be an array");
}

/** `a + b` with broadcasting. */
export function add(a: Operand, b: Operand): NpArray {
  return binary("add", a, b);
}
/** `a - b`. */
export function subtract(a: Operand, b: Operand): NpArray {
  return binary("subtract", a, b);
}
/** `a * b`. */
export function multiply(a: Operand, b: Operand): NpArray {
  return binary("multiply", a, b);
}
/** True division `a / b`: integer operands give float32 (MXNet's default float). */
export function divide(a: Operand, b: Operand): NpArray {
  return binary("divide", a, b, floatType(typeOf(a, b)));
}
/** Alias of {@link divide}. */
export const trueDivide = divide;
/** `a ** b`. */
export function power(a: Operand, b: Operand): NpArray {
  return binary("power", a, b);
}
/** `a ** b` in float (NumPy's float_power; float32 unless an operand is float64). */
export function floatPower(a: Operand, b: Operand): NpArray {
  return binary("power", a, b, floatType(typeOf(a, b)));
}
/** Elementwise maximum (NaN propagates as the kernels' max does). */
export function maximum(a: Operand, b: Operand): NpArray {
  return binary("maximum", a, b);
}
/** Elementwise minimum. */
export function minimum(a: Operand, b: Operand): NpArray {
  return binary("minimum", a, b);
}
/** Elementwise maximum ignoring NaN. */
export const fmax = maximum;
/** Elementwise minimum ignoring NaN. */
export const fmin = minimum;

function compare(name: keyof typeof BIN, a: Operand, b: Operand): NpArray {
  const r = binary(name, a, b);
  return cast(r, "bool");
}
/** `a == b` as bool. */
export function equal(a: Operand, b: Operand): NpArray {
  return compare("equal", a, b);
}
/** `a != b` as bool. */
export function notEqual(a: Operand, b: Operand): NpArray {
  return compare("notEqual", a, b);
}
/** `a > b` as bool. */
export function greater(a: Operand, b: Operand): NpArray {
  return compare("greater", a, b);
}
/** `a >= b` as bool. */
export function greaterEqual(a: Operand, b: Operand): NpArray {
  return compare("greaterEqual", a, b);
}
/** `a < b` as bool. */
export function less(a: Operand, b: Operand): NpArray {
  return compare("less", a, b);
}
/** `a <= b` as bool. */
export function lessEqual(a: Operand, b: Operand): NpArray {
  return compare("lessEqual", a, b);
}

/** In float: the operands promoted, then made float (float32 for integers). */
function floats(a: Operand, b: Operand, where: string): [NpArray, NpArray] {
  return promote2(a, b, where, floatType(typeOf(a, b)));
}

/**
 * Python's `a % b` (the result has the divisor's sign), MXNet's `_npi_mod`: fmod's exact
 * remainder moved into the divisor's sign, and 0 where the divisor is 0 (NumPy gives NaN
 * for floats there).
 */
export function mod(a: Operand, b: Operand): NpArray {
  const [x, y] = promote2(a, b, "np.mod", typeOf(a, b));
  return op("broadcast_mod", [x, y]);
}
/** Alias of {@link mod}. */
export const remainder = mod;
/** C's fmod: the result has the dividend's sign. */
export function fmod(a: Operand, b: Operand): NpArray {
  const t = typeOf(a, b);
  const [x, y] = promote2(a, b, "np.fmod", isFloat(t) ? t : "float64");
  const q = op("trunc", [op("broadcast_div", [x, y])]);
  return cast(op("broadcast_sub", [x, op("broadcast_mul", [q, y])]), t);
}
/** `floor(a / b)`, integers exactly. */
export function floorDivide(a: Operand, b: Operand): NpArray {
  const t = typeOf(a, b);
  const [x, y] = promote2(a, b, "np.floor_divide", isFloat(t) ? t : "float64");
  return cast(op("floor", [op("broadcast_div", [x, y])]), t);
}
/** The angle of (x, y), quadrant-correct: `arctan2(y, x)`. */
export function arctan2(y: Operand, x: Operand): NpArray {
  const [yy, xx] = floats(y, x, "np.arctan2");
  // Half-angle form: 2 * atan(y / (r + x)); r + x == 0 on the negative x axis (pi) and at 0.
  const r = op("sqrt", [op("broadcast_add", [op("square", [xx]), op("square", [yy])])]);
  const den = op("broadcast_add", [r, xx]);
  const half = op("arctan", [op("broadcast_div", [yy, den])]);
  const at = op("_mul_scalar", [half], { scalar: 2 });
  const onAxis = op("_equal_scalar", [den], { scalar: 0 });
  const axisVal = op("_mul_scalar", [op("_lesser_scalar", [xx], { scalar: 0 })], {
    scalar: Math.PI,
  });
  return op("_where", [onAxis, axisVal, at]);
}
/** `sqrt(a² + b²)`. */
export function hypot(a: Operand, b: Operand): NpArray {
  const [x, y] = floats(a, b, "np.hypot");
  return op("broadcast_hypot", [x, y]);
}
/** `log(exp(a) + exp(b))` without overflow. */
export function logaddexp(a: Operand, b: Operand): NpArray {
  const [x, y] = floats(a, b, "np.logaddexp");
  const m = op("broadcast_maximum", [x, y]);
  const s = op("broadcast_add", [
    op("exp", [op("broadcast_sub", [x, m])]),
    op("exp", [op("broadcast_sub", [y, m])]),
  ]);
  return op("broadcast_add", [m, op("log", [s])]);
}
/** `|a|` with the sign of `b`. */
export function copysign(a: Operand, b: Operand): NpArray {
  const [x, y] = floats(a, b, "np.copysign");
  const ax = op("abs", [x]);
  return op("_where", [op("_lesser_scalar", [y], { scalar: 0 }), op("negative", [ax]), ax]);
}
/** `a * 2**b`. */
export function ldexp(a: Operand, b: Operand): NpArray {
  const [x, y] = floats(a, b, "np.ldexp");
  return op("broadcast_mul", [x, op("_rpower_scalar", [y], { scalar: 2 })]);
}

function bools(a: Operand, b: Operand, where: string): [NpArray, NpArray] {
  const t = typeOf(a, b);
  const [x, y] = promote2(a, b, where, t === "bool" ? "float32" : t);
  return [op("_not_equal_scalar", [x], { scalar: 0 }), op("_not_equal_scalar", [y], { scalar: 0 })];
}
/** Elementwise logical and, as bool. */
export function logicalAnd(a: Operand, b: Operand): NpArray {
  const [x, y] = bools(a, b, "np.logical_and");
  return cast(op("broadcast_mul", [x, y]), "bool");
}
/** Elementwise logical or. */
export function logicalOr(a: Operand, b: Operand): NpArray {
  const [x, y] = bools(a, b, "np.logical_or");
  return cast(op("broadcast_maximum", [x, y]), "bool");
}
/** Elementwise logical xor. */
export function logicalXor(a: Operand, b: Operand): NpArray {
  const [x, y] = bools(a, b, "np.logical_xor");
  return cast(op("broadcast_not_equal", [x, y]), "bool");
}
/** Elementwise logical not. */
export function logicalNot(x: NDArray): NpArray {
  return cast(op("_equal_scalar", [x], { scalar: 0 }), "bool");
}

// ---- unary ----

/** Unary row `name` keeping the dtype (abs, negative, sign, ...). */
function same(name: string) {
  return (x: NDArray): NpArray => op(name, [x]);
}
/** Unary row `name` on floats: integer input is computed in float32. */
function fl(name: string) {
  return (x: NDArray): NpArray => op(name, [cast(x, floatType(x.dtype))]);
}
/** `-x`. */
export const negative: (x: NDArray) => NpArray = same("negative");
/** `+x` (a copy). */
export function positive(x: NDArray): NpArray {
  return asNp(x).copy();
}
/** `|x|`. */
export const abs: (x: NDArray) => NpArray = same("abs");
/** Alias of {@link abs}. */
export const absolute: (x: NDArray) => NpArray = abs;
/** `|x|` in float. */
export const fabs: (x: NDArray) => NpArray = fl("abs");
/** -1, 0 or 1. */
export const sign: (x: NDArray) => NpArray = same("sign");
/** `x * x`. */
export const square: (x: NDArray) => NpArray = same("square");
/** e^x. */
export const exp: (x: NDArray) => NpArray = fl("exp");
/** e^x - 1. */
export const expm1: (x: NDArray) => NpArray = fl("expm1");
/** 2^x. */
export function exp2(x: NDArray): NpArray {
  return op("_rpower_scalar", [cast(x, floatType(x.dtype))], { scalar: 2 });
}
/** Natural logarithm. */
export const log: (x: NDArray) => NpArray = fl("log");
/** log(1 + x). */
export const log1p: (x: NDArray) => NpArray = fl("log1p");
/** Base-2 logarithm. */
export const log2: (x: NDArray) => NpArray = fl("log2");
/** Base-10 logarithm. */
export const log10: (x: NDArray) => NpArray = fl("log10");
/** Square root. */
export const sqrt: (x: NDArray) => NpArray = fl("sqrt");
/** Cube root. */
export const cbrt: (x: NDArray) => NpArray = fl("cbrt");
/** 1 / x. */
export const reciprocal: (x: NDArray) => NpArray = fl("reciprocal");
/** Sine. */
export const sin: (x: NDArray) => NpArray = fl("sin");
/** Cosine. */
export const cos: (x: NDArray) => NpArray = fl("cos");
/** Tangent. */
export const tan: (x: NDArray) => NpArray = fl("tan");
/** Inverse sine. */
export const arcsin: (x: NDArray) => NpArray = fl("arcsin");
/** Inverse cosine. */
export const arccos: (x: NDArray) => NpArray = fl("arccos");
/** Inverse tangent. */
export const arctan: (x: NDArray) => NpArray = fl("arctan");
/** Hyperbolic sine. */
export const sinh: (x: NDArray) => NpArray = fl("sinh");
/** Hyperbolic cosine. */
export const cosh: (x: NDArray) => NpArray = fl("cosh");
/** Hyperbolic tangent. */
export const tanh: (x: NDArray) => NpArray = fl("tanh");
/** Inverse hyperbolic sine. */
export const arcsinh: (x: NDArray) => NpArray = fl("arcsinh");
/** Inverse hyperbolic cosine (NaN below 1). */
export const arccosh: (x: NDArray) => NpArray = fl("arccosh");
/** Inverse hyperbolic tangent (NaN outside [-1, 1], +-inf at +-1). */
export const arctanh: (x: NDArray) => NpArray = fl("arctanh");
/** Radians to degrees. */
export const degrees: (x: NDArray) => NpArray = fl("degrees");
/** Alias of {@link degrees}. */
export const rad2deg: (x: NDArray) => NpArray = degrees;
/** Degrees to radians. */
export const radians: (x: NDArray) => NpArray = fl("radians");
/** Alias of {@link radians}. */
export const deg2rad: (x: NDArray) => NpArray = radians;
/** Largest integer not above x. */
export const floor: (x: NDArray) => NpArray = same("floor");
/** Smallest integer not below x. */
export const ceil: (x: NDArray) => NpArray = same("ceil");
/** Rounds toward zero. */
export const trunc: (x: NDArray) => NpArray = same("trunc");
/** Alias of {@link trunc}. */
export const fix: (x: NDArray) => NpArray = trunc;

/** Rounds to the nearest integer, halves to even (NumPy's rint). */
export function rint(x: NDArray): NpArray {
  if (!isFloat(x.dtype)) return asNp(x).copy();
  const away = op("round", [x]);
  const frac = op("broadcast_sub", [x, op("floor", [x])]);
  const half = op("_equal_scalar", [frac], { scalar: 0.5 });
  const even = op("_mul_scalar", [op("round", [op("_mul_scalar", [x], { scalar: 0.5 })])], {
    scalar: 2,
  });
  return op("_where", [half, even, away]);
}
/** Rounds to `decimals` places, halves to even. */
export function round(x: NDArray, decimals = 0): NpArray {
  if (decimals === 0 || !isFloat(x.dtype)) return rint(x);
  const f = 10 ** decimals;
  return op("_div_scalar", [rint(op("_mul_scalar", [x], { scalar: f }))], { scalar: f });
}
/** Alias of {@link round}. */
export const around = round;

/** Clips to [aMin, aMax]; a null bound is open. */
export function clip(x: NDArray, aMin: number | null, aMax: number | null): NpArray {
  return op("clip", [x], { aMin: aMin ?? -Infinity, aMax: aMax ?? Infinity });
}

/** True where x is NaN. */
export function isnan(x: NDArray): NpArray {
  return cast(op("broadcast_not_equal", [x, x]), "bool");
}
/** True where x is ±Infinity. */
export function isinf(x: NDArray): NpArray {
  return cast(op("_equal_scalar", [op("abs", [x])], { scalar: Infinity }), "bool");
}
/** True where x is +Infinity. */
export function isposinf(x: NDArray): NpArray {
  return cast(op("_equal_scalar", [x], { scalar: Infinity }), "bool");
}
/** True where x is -Infinity. */
export function isneginf(x: NDArray): NpArray {
  return cast(op("_equal_scalar", [x], { scalar: -Infinity }), "bool");
}
/** True where x is neither NaN nor infinite. */
export function isfinite(x: NDArray): NpArray {
  return cast(op("_lesser_scalar", [op("abs", [x])], { scalar: Infinity }), "bool");
}

const FLOAT_MAX: Partial<Record<DType, number>> = {
  float16: 65504,
  float32: 3.4028234663852886e38,
  float64: Number.MAX_VALUE,
};

/** NaN -> `nan`, ±Infinity -> `posinf`/`neginf` (the dtype's largest finite values by default). */
export function nanToNum(
  x: NDArray,
  opts: { nan?: number; posinf?: number; neginf?: number } = {},
): NpArray {
  if (!isFloat(x.dtype)) return asNp(x).copy();
  const big = FLOAT_MAX[x.dtype]!;
  const isNan = op("broadcast_not_equal", [x, x]);
  const fixedNan = op("_where", [
    isNan,
    op("_full", [], { shape: [], value: opts.nan ?? 0, dtype: x.dtype }, x.context),
    x,
  ]);
  return op("clip", [fixedNan], { aMin: opts.neginf ?? -big, aMax: opts.posinf ?? big });
}

/** A copy converted to `dtype`; bool is `x != 0`. `copy: false` returns x when equal. */
export function astype(x: NDArray, dtype: DType, opts: { copy?: boolean } = {}): NpArray {
  if (x.dtype === dtype) return opts.copy === false ? asNp(x) : asNp(x).copy();
  if (dtype === "bool" && x.dtype !== "bool") {
    return op("Cast", [op("_not_equal_scalar", [x], { scalar: 0 })], { dtype: "bool" });
  }
  return op("Cast", [x], { dtype });
}

/**
 * The index dtype np uses for `x` (int64, or int32 where the device lacks int64).
 * @ignore
 */
export function indexDType(x: NDArray): DType {
  return indexType(x.context);
}
