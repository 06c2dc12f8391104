/**
 * WGSL helpers for the elementwise rows of issue #19: float32 versions of the special
 * functions of src/ops/special_math.ts, MXNet's mod and hard_sigmoid, C's truth of a float
 * for the logical rows (NaN is true; tested by bits, since WGSL compilers may assume floats
 * are never NaN and fold `a != 0.0`), and inverse hyperbolic
 * functions that keep their accuracy near 0 (WGSL's asinh/atanh are defined through log and
 * lose it there; asinh of a large negative number cancels to -inf).
 *
 * Float32 needs less than the float64 kernels: lgamma uses Numerical Recipes' 6-term
 * Lanczos sum (g = 5, error below 2e-10, and with less cancellation in float32 than the
 * 9-term one), erfinv is Giles' single-precision approximation alone (relative error below
 * 4e-7; a Newton step in float32 cannot improve on it), digamma the same recurrence and
 * series as float64.
 * @module
 */

/** The helpers, appended to every shader's prelude (backends/webgpu/wgsl.ts). */
export const SPECIAL_PRELUDE = `
fn mx_truth(a: f32) -> bool { return a != 0.0 || is_nan(a); }
fn mx_lanczos5(xm1: f32) -> f32 {
  return 1.000000000190015 + 76.18009172947146 / (xm1 + 1.0) - 86.50532032941677 / (xm1 + 2.0)
    + 24.01409824083091 / (xm1 + 3.0) - 1.231739572450155 / (xm1 + 4.0)
    + 0.1208650973866179e-2 / (xm1 + 5.0) - 0.5395239384953e-5 / (xm1 + 6.0);
}
fn mx_lgamma_right(x: f32) -> f32 {
  let xm1 = x - 1.0;
  let t = xm1 + 5.5;
  return 0.9189385332046727 + (xm1 + 0.5) * log(t) - t + log(mx_lanczos5(xm1));
}
fn mx_lgamma(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  if (abs(x) == f32_inf() || (x <= 0.0 && floor(x) == x)) { return f32_inf(); }
  if (x < 0.5) {
    return log(3.141592653589793 / abs(sin(3.141592653589793 * x))) - mx_lgamma_right(1.0 - x);
  }
  return mx_lgamma_right(x);
}
fn mx_gamma_right(x: f32) -> f32 {
  if (x > 35.05) { return f32_inf(); }
  return exp(mx_lgamma_right(x));
}
fn mx_gamma(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  if (x == 0.0) { return select(f32_inf(), -f32_inf(), (bitcast<u32>(x) >> 31u) == 1u); }
  if (x == -f32_inf() || (x < 0.0 && floor(x) == x)) { return f32_nan(); }
  if (x < 0.5) { return 3.141592653589793 / (sin(3.141592653589793 * x) * mx_gamma_right(1.0 - x)); }
  return mx_gamma_right(x);
}
fn mx_digamma(x0: f32) -> f32 {
  if (is_nan(x0) || x0 == f32_inf()) { return x0; }
  if (x0 == -f32_inf()) { return f32_nan(); }
  if (x0 <= 0.0 && floor(x0) == x0) { return f32_inf(); }
  var x = x0;
  var acc = 0.0;
  if (x < 0.0) {
    acc = -3.141592653589793 / tan(3.141592653589793 * x);
    x = 1.0 - x;
  }
  while (x < 10.0) { acc = acc - 1.0 / x; x = x + 1.0; }
  let z = 1.0 / (x * x);
  let series = z * (1.0 / 12.0 - z * (1.0 / 120.0 - z * (1.0 / 252.0 - z * (1.0 / 240.0))));
  return acc + log(x) - 0.5 / x - series;
}
fn mx_erfinv(y: f32) -> f32 {
  if (is_nan(y) || y < -1.0 || y > 1.0) { return f32_nan(); }
  if (y == 1.0) { return f32_inf(); }
  if (y == -1.0) { return -f32_inf(); }
  var w = -log((1.0 - y) * (1.0 + y));
  var p = 0.0;
  if (w < 5.0) {
    w = w - 2.5;
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
    w = sqrt(w) - 3.0;
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
  return p * y;
}
fn mx_mod(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 0.0; }
  let r = a - b * trunc(a / b);
  return select(r, r + b, r != 0.0 && (a < 0.0) != (b < 0.0));
}
fn mx_hard_sigmoid(a: f32, alpha: f32, beta: f32) -> f32 {
  let y = alpha * a + beta;
  if (is_nan(y)) { return y; }
  return select(select(y, 0.0, 0.0 > y), 1.0, 1.0 < y);
}
fn mx_hard_sigmoid_grad(g: f32, a: f32, alpha: f32, beta: f32) -> f32 {
  let y = alpha * a + beta;
  return select(0.0, g * alpha, y > 0.0 && y < 1.0);
}
fn mx_asinh(x: f32) -> f32 {
  let z = abs(x);
  var r = 0.0;
  if (z < 0.125) {
    let z2 = z * z;
    r = z * (1.0 - z2 * (1.0 / 6.0 - z2 * (3.0 / 40.0 - z2 * (5.0 / 112.0))));
  } else {
    r = log(z + sqrt(z * z + 1.0));
  }
  return select(r, -r, x < 0.0);
}
fn mx_acosh(x: f32) -> f32 {
  if (!(x >= 1.0)) { return f32_nan(); }
  // (x - 1)(x + 1): x - 1 is exact, where x * x - 1 cancels near 1.
  return log(x + sqrt((x - 1.0) * (x + 1.0)));
}
fn mx_atanh(x: f32) -> f32 {
  let z = abs(x);
  if (!(z <= 1.0)) { return f32_nan(); }
  var r = 0.0;
  if (z < 0.125) {
    let z2 = z * z;
    r = z * (1.0 + z2 * (1.0 / 3.0 + z2 * (1.0 / 5.0 + z2 * (1.0 / 7.0 + z2 / 9.0))));
  } else {
    r = 0.5 * log((1.0 + z) / (1.0 - z));
  }
  return select(r, -r, x < 0.0);
}
`;

/** SPECIAL_PRELUDE when row expression `wgsl` calls one of its helpers, else nothing. */
export function specialPreludeFor(wgsl: string): string {
  return /\bmx_(lgamma|gamma|digamma|erfinv|mod|hard_sigmoid|asinh|acosh|atanh|truth)\w*\(/.test(
      wgsl,
    )
    ? SPECIAL_PRELUDE
    : "";
}
