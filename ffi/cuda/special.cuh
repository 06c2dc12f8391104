// Special functions for the elementwise rows of issue #19 (gamma, gammaln, digamma, erfinv,
// MXNet's mod, hard_sigmoid). The same algorithms and constants, operation for operation,
// as src/ops/special_math.ts (which documents them) and ffi/src/special.rs, so the CUDA rows
// compute what the native ones do (CUDA's own lgamma/tgamma/erfinv differ in the last bits).
#pragma once

#include <math.h>

__device__ inline double mxc_lanczos_sum(double xm1) {
  const double k[9] = {0.99999999999980993,  676.5203681218851,     -1259.1392167224028,
                       771.32342877765313,   -176.61502916214059,   12.507343278686905,
                       -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7};
  double a = k[0];
  for (int i = 1; i < 9; ++i) a += k[i] / (xm1 + (double)i);
  return a;
}

/** log|Gamma(x)|; +inf at the poles (non-positive integers). */
__device__ inline double mxc_lgamma(double x) {
  const double pi = 3.141592653589793;
  if (isnan(x)) return x;
  if (isinf(x) || (x <= 0.0 && floor(x) == x)) return INFINITY;
  double refl = 0.0;
  if (x < 0.5) {
    // Reflection, without recursion (device code): log(pi / |sin(pi x)|) - lgamma(1 - x).
    refl = log(pi / fabs(sin(pi * x)));
    x = 1.0 - x;
    double xm1 = x - 1.0;
    double t = xm1 + 7.5;
    return refl - (0.9189385332046727 + (xm1 + 0.5) * log(t) - t + log(mxc_lanczos_sum(xm1)));
  }
  double xm1 = x - 1.0;
  double t = xm1 + 7.5;
  return 0.9189385332046727 + (xm1 + 0.5) * log(t) - t + log(mxc_lanczos_sum(xm1));
}

/** Gamma(x) for x >= 1/2. */
__device__ inline double mxc_gamma_right(double x) {
  if (x > 171.7) return INFINITY;
  double xm1 = x - 1.0;
  double t = xm1 + 7.5;
  double p = pow(t, (xm1 + 0.5) * 0.5);
  return 2.5066282746310002 * p * (p * exp(-t)) * mxc_lanczos_sum(xm1);
}

/** Gamma(x): NaN at negative integers and -inf, +-inf at +-0. */
__device__ inline double mxc_gamma(double x) {
  const double pi = 3.141592653589793;
  if (isnan(x)) return x;
  if (x == 0.0) return 1.0 / x;
  if (x == -INFINITY || (x < 0.0 && floor(x) == x)) return NAN;
  if (x > 171.7) return INFINITY;
  if (x < 0.5) return pi / (sin(pi * x) * mxc_gamma_right(1.0 - x));
  return mxc_gamma_right(x);
}

/** psi(x) = d/dx log Gamma(x); +inf at the poles. */
__device__ inline double mxc_digamma(double x) {
  const double pi = 3.141592653589793;
  if (isnan(x) || x == INFINITY) return x;
  if (x == -INFINITY) return NAN;
  if (x <= 0.0 && floor(x) == x) return INFINITY;
  double acc = 0.0;
  if (x < 0.0) {
    acc = -pi / tan(pi * x);
    x = 1.0 - x;
  }
  while (x < 10.0) {
    acc -= 1.0 / x;
    x += 1.0;
  }
  double z = 1.0 / (x * x);
  double series =
      z * (1.0 / 12.0 -
           z * (1.0 / 120.0 -
                z * (1.0 / 252.0 -
                     z * (1.0 / 240.0 - z * (1.0 / 132.0 - z * (691.0 / 32760.0))))));
  return acc + log(x) - 0.5 / x - series;
}

__device__ inline double mxc_erf_series(double x) {
  double x2 = x * x;
  double term = x;
  double sum = x;
  for (int n = 0; n < 200; ++n) {
    term = term * 2.0 * x2 / (2.0 * (double)n + 3.0);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return 1.1283791670955126 * exp(-x2) * sum;
}

__device__ inline double mxc_erfc_fraction(double x) {
  const double tiny = 1e-300;
  double f = x, c = x, d = 0.0;
  for (int k = 1; k < 300; ++k) {
    double an = (double)k * 0.5;
    d = x + an * d;
    if (d == 0.0) d = tiny;
    c = x + an / c;
    if (c == 0.0) c = tiny;
    d = 1.0 / d;
    double delta = c * d;
    f *= delta;
    if (fabs(delta - 1.0) < 1e-16) break;
  }
  return exp(-x * x) / (f * 1.7724538509055160);
}

__device__ inline double mxc_erfc_positive(double x) {
  return x < 1.5 ? 1.0 - mxc_erf_series(x) : mxc_erfc_fraction(x);
}

/** The inverse error function: +-inf at +-1, NaN outside [-1, 1]. */
__device__ inline double mxc_erfinv(double y) {
  if (isnan(y) || y < -1.0 || y > 1.0) return NAN;
  if (y == 1.0) return INFINITY;
  if (y == -1.0) return -INFINITY;
  if (y == 0.0) return y;
  double ay = fabs(y);
  double w = -log((1.0 - ay) * (1.0 + ay));
  double p;
  if (w < 5.0) {
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
  double x = p * ay;
  double tail = 1.0 - ay;
  for (int i = 0; i < 8; ++i) {
    double f = ay <= 0.5 ? mxc_erf_series(x) - ay : tail - mxc_erfc_positive(x);
    double r = f / (1.1283791670955126 * exp(-x * x));
    double step = r / (1.0 + x * r);
    x -= step;
    if (fabs(step) <= 1e-16 * x) break;
  }
  return y < 0.0 ? -x : x;
}

/** MXNet's mod: 0 when b is 0, else fmod(a, b) moved into b's sign. */
__device__ inline double mxc_mod(double a, double b) {
  if (b == 0.0) return 0.0;
  double r = fmod(a, b);
  return r != 0.0 && (a < 0.0) != (b < 0.0) ? r + b : r;
}

/** MXNet's hard_sigmoid: alpha * a + beta clipped to [0, 1] (NaN stays NaN). */
__device__ inline double mxc_hard_sigmoid(double a, double alpha, double beta) {
  double y = alpha * a + beta;
  if (1.0 < y) return 1.0;
  if (0.0 > y) return 0.0;
  return y;
}
