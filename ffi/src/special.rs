//! Special functions for the elementwise rows of issue #19 (gamma, gammaln, digamma, erfinv,
//! MXNet's mod). The same algorithms and constants, operation for operation, as
//! src/ops/special_math.ts (which documents them) and ffi/cuda/special.cuh, so every float64
//! backend computes the same values.

use std::f64::consts::PI;

const SQRT_2PI: f64 = 2.5066282746310002;
const LANCZOS: [f64; 9] = [
    0.999_999_999_999_809_9,
    676.5203681218851,
    -1259.1392167224028,
    771.323_428_777_653_1,
    -176.615_029_162_140_6,
    12.507343278686905,
    -0.13857109526572012,
    9.984_369_578_019_572e-6,
    1.5056327351493116e-7,
];

#[inline]
fn lanczos_sum(xm1: f64) -> f64 {
    let mut a = LANCZOS[0];
    for (i, c) in LANCZOS.iter().enumerate().skip(1) {
        a += c / (xm1 + i as f64);
    }
    a
}

/// log|Gamma(x)|; +inf at the poles (non-positive integers).
pub fn lgamma(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    if x.is_infinite() || (x <= 0.0 && x.floor() == x) {
        return f64::INFINITY;
    }
    if x < 0.5 {
        return (PI / (PI * x).sin().abs()).ln() - lgamma(1.0 - x);
    }
    let xm1 = x - 1.0;
    let t = xm1 + 7.5;
    0.9189385332046727 + (xm1 + 0.5) * t.ln() - t + lanczos_sum(xm1).ln()
}

/// Gamma(x): NaN at negative integers and -inf, +-inf at +-0.
pub fn gamma(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    if x == 0.0 {
        return 1.0 / x;
    }
    if x == f64::NEG_INFINITY || (x < 0.0 && x.floor() == x) {
        return f64::NAN;
    }
    if x > 171.7 {
        return f64::INFINITY;
    }
    if x < 0.5 {
        return PI / ((PI * x).sin() * gamma(1.0 - x));
    }
    let xm1 = x - 1.0;
    let t = xm1 + 7.5;
    let p = t.powf((xm1 + 0.5) * 0.5);
    SQRT_2PI * p * (p * (-t).exp()) * lanczos_sum(xm1)
}

/// psi(x) = d/dx log Gamma(x); +inf at the poles.
pub fn digamma(x: f64) -> f64 {
    if x.is_nan() || x == f64::INFINITY {
        return x;
    }
    if x == f64::NEG_INFINITY {
        return f64::NAN;
    }
    if x <= 0.0 && x.floor() == x {
        return f64::INFINITY;
    }
    let mut x = x;
    let mut acc = 0.0;
    if x < 0.0 {
        acc = -PI / (PI * x).tan();
        x = 1.0 - x;
    }
    while x < 10.0 {
        acc -= 1.0 / x;
        x += 1.0;
    }
    let z = 1.0 / (x * x);
    let series = z
        * (1.0 / 12.0
            - z * (1.0 / 120.0
                - z * (1.0 / 252.0
                    - z * (1.0 / 240.0 - z * (1.0 / 132.0 - z * (691.0 / 32760.0))))));
    acc + x.ln() - 0.5 / x - series
}

const TWO_OVER_SQRT_PI: f64 = std::f64::consts::FRAC_2_SQRT_PI;

fn erf_series(x: f64) -> f64 {
    let x2 = x * x;
    let mut term = x;
    let mut sum = x;
    for n in 0..200 {
        term = term * 2.0 * x2 / (2.0 * n as f64 + 3.0);
        sum += term;
        if term < sum * 1e-17 {
            break;
        }
    }
    TWO_OVER_SQRT_PI * (-x2).exp() * sum
}

fn erfc_fraction(x: f64) -> f64 {
    let tiny = 1e-300;
    let mut f = x;
    let mut c = x;
    let mut d = 0.0;
    for k in 1..300 {
        let an = k as f64 * 0.5;
        d = x + an * d;
        if d == 0.0 {
            d = tiny;
        }
        c = x + an / c;
        if c == 0.0 {
            c = tiny;
        }
        d = 1.0 / d;
        let delta = c * d;
        f *= delta;
        if (delta - 1.0).abs() < 1e-16 {
            break;
        }
    }
    (-x * x).exp() / (f * 1.772_453_850_905_516)
}

fn erfc_positive(x: f64) -> f64 {
    if x < 1.5 {
        1.0 - erf_series(x)
    } else {
        erfc_fraction(x)
    }
}

/// The inverse error function: +-inf at +-1, NaN outside [-1, 1].
pub fn erfinv(y: f64) -> f64 {
    if y.is_nan() || !(-1.0..=1.0).contains(&y) {
        return f64::NAN;
    }
    if y == 1.0 {
        return f64::INFINITY;
    }
    if y == -1.0 {
        return f64::NEG_INFINITY;
    }
    if y == 0.0 {
        return y;
    }
    let ay = y.abs();
    let mut w = -((1.0 - ay) * (1.0 + ay)).ln();
    let mut p;
    if w < 5.0 {
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
        w = w.sqrt() - 3.0;
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
    let mut x = p * ay;
    let tail = 1.0 - ay;
    for _ in 0..8 {
        let f = if ay <= 0.5 { erf_series(x) - ay } else { tail - erfc_positive(x) };
        let r = f / (TWO_OVER_SQRT_PI * (-x * x).exp());
        let step = r / (1.0 + x * r);
        x -= step;
        if step.abs() <= 1e-16 * x {
            break;
        }
    }
    if y < 0.0 {
        -x
    } else {
        x
    }
}

/// MXNet's mod: 0 when b is 0, else fmod(a, b) moved into b's sign.
#[inline]
pub fn mx_mod(a: f64, b: f64) -> f64 {
    if b == 0.0 {
        return 0.0;
    }
    let r = a % b;
    if r != 0.0 && (a < 0.0) != (b < 0.0) {
        r + b
    } else {
        r
    }
}

/// MXNet's hard_sigmoid: alpha * a + beta clipped to [0, 1] (NaN stays NaN).
#[inline]
pub fn hard_sigmoid(a: f64, alpha: f64, beta: f64) -> f64 {
    // f64::clamp keeps NaN as NaN, as MXNet's kernel does.
    (alpha * a + beta).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        assert!((gamma(5.0) - 24.0).abs() < 1e-12);
        assert!((lgamma(0.5) - PI.sqrt().ln()).abs() < 1e-14);
        assert!((digamma(1.0) + 0.5772156649015329).abs() < 1e-14);
        assert!((erfinv(0.5) - 0.4769362762044699).abs() < 1e-15);
        assert_eq!(mx_mod(-7.0, 3.0), 2.0);
        assert_eq!(mx_mod(7.0, -3.0), -2.0);
        assert_eq!(mx_mod(7.0, 0.0), 0.0);
    }
}
