/**
 * Special functions for the elementwise rows of issue #19 (gamma, gammaln, digamma, erfinv,
 * MXNet's mod), in float64. The Rust (ffi/src/special.rs) and CUDA (ffi/cuda/special.cuh)
 * kernels define the same algorithms with the same constants, operation for operation, so
 * every float64 backend computes the same values; the WGSL versions
 * (backends/webgpu/wgsl_special.ts) are float32 variants.
 *
 * - lgamma/gamma: the Lanczos approximation with g = 7 and 9 coefficients (relative error
 *   about 1e-15), with the reflection formula below 1/2;
 * - digamma: the recurrence psi(x) = psi(x + 1) - 1/x up to x >= 10, then the asymptotic
 *   series to the x^-12 term (error below 1e-15), with the reflection formula for x < 0;
 * - erf/erfc (accurate, only for erfinv's refinement): the series
 *   erf(x) = 2/sqrt(pi) exp(-x^2) sum (2x^2)^n x / (1*3*...*(2n+1)) below 1.5 (all terms
 *   positive, so nothing cancels) and erfc's continued fraction above;
 * - erfinv: Giles' single-precision approximation ("Approximating the erfinv function",
 *   GPU Computing Gems, 2011) refined by two Halley steps against the accurate erf (or
 *   erfc near +-1, where 1 - |y| keeps the digits erf would lose).
 * @module
 */

/** sqrt(2 pi). */
const SQRT_2PI = 2.5066282746310002;
/** Lanczos coefficients for g = 7, n = 9. */
const LANCZOS = [
  0.99999999999980993,
  676.5203681218851,
  -1259.1392167224028,
  771.32342877765313,
  -176.61502916214059,
  12.507343278686905,
  -0.13857109526572012,
  9.9843695780195716e-6,
  1.5056327351493116e-7,
];

/** The Lanczos sum A(x) for x >= 1/2 (its x is the argument minus 1). */
function lanczosSum(xm1: number): number {
  let a = LANCZOS[0];
  for (let i = 1; i < 9; i++) a += LANCZOS[i] / (xm1 + i);
  return a;
}

/** log|Gamma(x)|: +inf at the poles (non-positive integers), as C's lgamma. */
export function lgamma(x: number): number {
  if (x !== x) return x;
  if (x === Infinity || x === -Infinity) return Infinity;
  if (x <= 0 && Math.floor(x) === x) return Infinity;
  if (x < 0.5) {
    // Reflection: Gamma(x) Gamma(1 - x) = pi / sin(pi x).
    return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma(1 - x);
  }
  const xm1 = x - 1;
  const t = xm1 + 7.5;
  return 0.9189385332046727 + (xm1 + 0.5) * Math.log(t) - t + Math.log(lanczosSum(xm1));
}

/** Gamma(x): NaN at negative integers and -inf, +-inf at +-0, as C's tgamma. */
export function gamma(x: number): number {
  if (x !== x) return x;
  if (x === 0) return 1 / x;
  if (x === -Infinity || (x < 0 && Math.floor(x) === x)) return NaN;
  if (x > 171.7) return Infinity;
  if (x < 0.5) return Math.PI / (Math.sin(Math.PI * x) * gamma(1 - x));
  const xm1 = x - 1;
  const t = xm1 + 7.5;
  // t^(x - 1/2) split in two powers so that x up to 171 does not overflow early.
  const p = Math.pow(t, (xm1 + 0.5) * 0.5);
  return SQRT_2PI * p * (p * Math.exp(-t)) * lanczosSum(xm1);
}

/** The digamma function psi(x) = d/dx log Gamma(x); +inf at the poles (Cephes' MAXNUM). */
export function digamma(x: number): number {
  if (x !== x || x === Infinity) return x;
  if (x === -Infinity) return NaN;
  if (x <= 0 && Math.floor(x) === x) return Infinity;
  let acc = 0;
  if (x < 0) {
    // Reflection: psi(1 - x) - psi(x) = pi / tan(pi x).
    acc = -Math.PI / Math.tan(Math.PI * x);
    x = 1 - x;
  }
  while (x < 10) {
    acc -= 1 / x;
    x += 1;
  }
  const z = 1 / (x * x);
  // Bernoulli terms B2k / (2k x^2k), k = 1..6.
  const series = z *
    (1 / 12 -
      z * (1 / 120 - z * (1 / 252 - z * (1 / 240 - z * (1 / 132 - z * (691 / 32760))))));
  return acc + Math.log(x) - 0.5 / x - series;
}

/** 2 / sqrt(pi). */
const TWO_OVER_SQRT_PI = 1.1283791670955126;

/** erf(x) for 0 <= x < 1.5 by the positive series. */
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 0; n < 200; n++) {
    term = term * 2 * x2 / (2 * n + 3);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
}

/** erfc(x) for x >= 1.5 by its continued fraction (modified Lentz). */
function erfcFraction(x: number): number {
  // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))).
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let k = 1; k < 300; k++) {
    const an = k * 0.5;
    d = x + an * d;
    d = d === 0 ? tiny : d;
    c = x + an / c;
    c = c === 0 ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / (f * 1.7724538509055160);
}

/** An accurate erfc(x) for x >= 0. */
function erfcPositive(x: number): number {
  return x < 1.5 ? 1 - erfSeries(x) : erfcFraction(x);
}

/** The inverse error function: +-inf at +-1, NaN outside [-1, 1]. */
export function erfinv(y: number): number {
  if (y !== y || y < -1 || y > 1) return NaN;
  if (y === 1) return Infinity;
  if (y === -1) return -Infinity;
  if (y === 0) return y;
  const ay = Math.abs(y);
  // Giles' single-precision guess (relative error below 4e-7).
  let w = -Math.log((1 - ay) * (1 + ay));
  let p: number;
  if (w < 5) {
    w -= 2.5;
    p = 2.81022636e-08;
    p = 3.43273939e-07 + p * w;
    p = -3.5233877e-06 + p * w;
    p = -4.39150654e-06 + p * w;
    p = 0.00021858087 + p * w;
    p = -0.00125372503 + p * w;
    p = -0.00417768164 + p * w;
    p = 0.246640727 + p * w;
    p = 1.50140941 + p * w;
  } else {
    w = Math.sqrt(w) - 3;
    p = -0.000200214257;
    p = 0.000100950558 + p * w;
    p = 0.00134934322 + p * w;
    p = -0.00367342844 + p * w;
    p = 0.00573950773 + p * w;
    p = -0.0076224613 + p * w;
    p = 0.00943887047 + p * w;
    p = 1.00167406 + p * w;
    p = 2.83297682 + p * w;
  }
  let x = p * ay;
  // Halley steps on f(x) = erf(x) - |y|: cubic convergence, so two take the guess's 4e-7
  // to full precision. Giles' fit ends where 1 - |y| passes float32's 6e-8; beyond, its
  // guess is off by up to ~10% and takes up to six steps (1 - |y| = 1e-16: five).
  const tail = 1 - ay; // exact for |y| >= 1/2
  for (let i = 0; i < 8; i++) {
    const f = ay <= 0.5 ? erfSeries(x) - ay : tail - erfcPositive(x);
    const r = f / (TWO_OVER_SQRT_PI * Math.exp(-x * x));
    const step = r / (1 + x * r);
    x -= step;
    if (Math.abs(step) <= 1e-16 * x) break;
  }
  return y < 0 ? -x : x;
}

/**
 * MXNet's mod (mshadow_op::mod): 0 when b is 0, else fmod(a, b) moved into b's sign (Python's
 * `%`): fmod's remainder plus b when it is non-zero and a and b differ in sign.
 */
export function mod(a: number, b: number): number {
  if (b === 0) return 0;
  const r = a % b;
  return r !== 0 && (a < 0) !== (b < 0) ? r + b : r;
}

/** MXNet's hard_sigmoid: alpha * a + beta clipped to [0, 1] (NaN stays NaN). */
export function hardSigmoid(a: number, alpha: number, beta: number): number {
  const y = alpha * a + beta;
  return 1 < y ? 1 : 0 > y ? 0 : y;
}

/** MXNet's _backward_hard_sigmoid: grad * alpha strictly inside (0, 1), else 0. */
export function hardSigmoidGrad(grad: number, a: number, alpha: number, beta: number): number {
  const y = alpha * a + beta;
  return y > 0 && y < 1 ? grad * alpha : 0;
}

/** The helpers the rows' `ts` expressions call (spread into TS_HELPERS). */
export const SPECIAL_TS_HELPERS = {
  lgamma,
  gamma,
  digamma,
  erfinv,
  mod,
  hardSigmoid,
  hardSigmoidGrad,
};
