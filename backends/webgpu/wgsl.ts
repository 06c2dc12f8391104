/**
 * WGSL building blocks shared by the kernels: how each dtype is stored on the device,
 * loaded for computation and converted on store, with the TS backend's C-cast semantics
 * (integers wrap, bool is `x != 0`, float -> int truncates).
 * @module
 */
import type { DType } from "../../src/core/dtype.ts";
import { UnsupportedError } from "../../src/core/errors.ts";

/** The dtypes this backend stores. 8-bit types and bool live in 32-bit words (WGSL has no
 * 8-bit storage type and byte writes would race); float16 needs `shader-f16`. */
export type GpuDType = "float32" | "float16" | "int32" | "uint8" | "int8" | "bool";

/** Bytes per element in device memory. */
export function deviceItemSize(dtype: GpuDType): number {
  return dtype === "float16" ? 2 : 4;
}

/** Checks `dtype` is storable here; throws an UnsupportedError with a way out otherwise. */
export function gpuDType(dtype: DType, hasF16: boolean, where: string): GpuDType {
  if (dtype === "float64" || dtype === "int64") {
    throw new UnsupportedError(
      `${where}: dtype ${dtype} is not supported by the webgpu backend (WGSL has no 64-bit ` +
        `types); cast to ${dtype === "float64" ? "float32" : "int32"} with ` +
        `.astype("${dtype === "float64" ? "float32" : "int32"}") or compute on mx.cpu()`,
    );
  }
  if (dtype === "float16" && !hasF16) {
    throw new UnsupportedError(
      `${where}: dtype float16 needs the adapter feature shader-f16, which this adapter ` +
        `lacks; cast to float32 with .astype("float32") or compute on mx.cpu()`,
    );
  }
  return dtype;
}

/** True for dtypes held as i32 words on the device. */
export function isIntKind(dtype: GpuDType): boolean {
  return dtype !== "float32" && dtype !== "float16";
}

/** WGSL element type of a storage array of `dtype`. */
export function storageType(dtype: GpuDType): string {
  return dtype === "float32" ? "f32" : dtype === "float16" ? "f16" : "i32";
}

/** WGSL type of a loaded value in its own kind: f32 for floats, i32 for integers. */
export function rawType(dtype: GpuDType): string {
  return isIntKind(dtype) ? "i32" : "f32";
}

/** Expression loading element `idx` of `buf` as its raw kind (f16 widens to f32). */
export function loadRaw(dtype: GpuDType, buf: string, idx: string): string {
  return dtype === "float16" ? `f32(${buf}[${idx}])` : `${buf}[${idx}]`;
}

/** Expression loading element `idx` of `buf` as f32, for computation. */
export function loadF32(dtype: GpuDType, buf: string, idx: string): string {
  return isIntKind(dtype) ? `f32(${buf}[${idx}])` : loadRaw(dtype, buf, idx);
}

/** Expression converting an f32 value to the storage type of `dtype`, as a C cast would. */
export function storeFromF32(dtype: GpuDType, v: string): string {
  switch (dtype) {
    case "float32":
      return v;
    case "float16":
      return `to_f16(${v})`;
    case "int32":
      return `to_i32(${v})`;
    case "uint8":
      return `(to_i32(${v}) & 255)`;
    case "int8":
      return `((to_i32(${v}) << 24u) >> 24u)`;
    case "bool":
      return `select(0, 1, ${v} != 0.0 || is_nan(${v}))`;
  }
}

/** Expression converting a raw value of kind `from` to the storage type of `to`. */
export function convertRaw(from: GpuDType, to: GpuDType, v: string): string {
  if (!isIntKind(from)) return storeFromF32(to, v);
  switch (to) {
    case "float32":
      return `f32(${v})`;
    case "float16":
      return `to_f16(f32(${v}))`;
    case "int32":
      return v;
    case "uint8":
      return `(${v} & 255)`;
    case "int8":
      return `((${v} << 24u) >> 24u)`;
    case "bool":
      return `select(0, 1, ${v} != 0)`;
  }
}

/** `enable f16;` when any of `dtypes` is float16. */
export function enables(dtypes: readonly GpuDType[]): string {
  return dtypes.includes("float16") ? "enable f16;\n" : "";
}

/**
 * Helpers every shader includes. NaN tests use bit patterns: WGSL lets compilers assume
 * floats are finite, so `x != x` may be folded away. NaN and infinity come from private
 * variables: a constant bitcast to them is a shader-creation error in Tint (Chromium). `to_i32` is JavaScript's ToInt32 on a
 * float (truncate, wrap modulo 2^32, NaN and infinities to 0), which is what the TS
 * backend's stores into an Int32Array do. `erf` is TS_HELPERS.erf's formula. `mx_relu`,
 * `mx_max`, `mx_min`, `mx_clip` and `mx_relu_grad` are MXNet's NaN rules (see
 * src/ops/elementwise_table.ts), NaN tested by bits so no compiler folds it away.
 */
export const PRELUDE = `
fn is_nan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
var<private> NAN_BITS: u32 = 0x7fc00000u;
var<private> INF_BITS: u32 = 0x7f800000u;
fn f32_nan() -> f32 { return bitcast<f32>(NAN_BITS); }
fn f32_inf() -> f32 { return bitcast<f32>(INF_BITS); }
fn to_i32(x: f32) -> i32 {
  if ((bitcast<u32>(x) & 0x7f800000u) == 0x7f800000u) { return 0; }
  if (abs(x) < 2147483648.0) { return i32(x); }
  let t = trunc(x);
  let m = t - floor(t / 4294967296.0) * 4294967296.0;
  return bitcast<i32>(u32(m));
}
fn mx_relu(a: f32) -> f32 { if (is_nan(a)) { return a; } return select(0.0, a, a > 0.0); }
fn mx_relu_grad(a: f32) -> f32 { if (is_nan(a)) { return a; } return select(0.0, 1.0, a > 0.0); }
fn mx_max(a: f32, b: f32) -> f32 {
  if (is_nan(a)) { return a; }
  if (is_nan(b)) { return b; }
  return select(b, a, a > b);
}
fn mx_min(a: f32, b: f32) -> f32 {
  if (is_nan(a)) { return a; }
  if (is_nan(b)) { return b; }
  return select(b, a, a < b);
}
fn mx_clip(a: f32, lo: f32, hi: f32) -> f32 {
  if (is_nan(a)) { return a; }
  return select(select(a, lo, a < lo), hi, a > hi);
}
fn erf(x: f32) -> f32 {
  let z = abs(x);
  let t = 1.0 / (1.0 + 0.5 * z);
  let r = t * exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 +
    t * (-0.82215223 + t * 0.17087277)))))))));
  return select(r - 1.0, 1.0 - r, x >= 0.0);
}
`;

/**
 * Replacements for WGSL built-ins whose required accuracy is too loose for the TS
 * reference's tolerances (WGSL allows thousands of ULP for asin/acos/atan; llvmpipe's
 * atan(1) is off by 3e-6), and for pow, which WGSL leaves undefined for negative bases
 * (defined as exp2(y * log2(x))) and which must be exact for small integer exponents, as
 * Math.pow is. Polynomials are Cephes' single-precision ones (about 2e-7 relative).
 */
export const MATH_PRELUDE = `
fn mx_atan(x: f32) -> f32 {
  let ax = abs(x);
  var y = 0.0; var z = ax;
  if (ax > 2.414213562373095) { y = 1.5707963267948966; z = -1.0 / ax; }
  else if (ax > 0.4142135623730950) { y = 0.7853981633974483; z = (ax - 1.0) / (ax + 1.0); }
  let zz = z * z;
  let r = (((8.05374449538e-2 * zz - 1.38776856032e-1) * zz + 1.99777106478e-1) * zz -
    3.33329491539e-1) * zz * z + z;
  return select(y + r, -(y + r), x < 0.0);
}
fn mx_asin(x: f32) -> f32 {
  let a = abs(x);
  if (!(a <= 1.0)) { return f32_nan(); }
  var z = a * a; var w = a;
  if (a > 0.5) { z = 0.5 * (1.0 - a); w = sqrt(z); }
  var r = ((((4.2163199048e-2 * z + 2.4181311049e-2) * z + 4.5470025998e-2) * z +
    7.4953002686e-2) * z + 1.6666752422e-1) * z * w + w;
  if (a > 0.5) { r = 1.5707963267948966 - 2.0 * r; }
  return select(r, -r, x < 0.0);
}
fn mx_acos(x: f32) -> f32 {
  if (!(abs(x) <= 1.0)) { return f32_nan(); }
  if (x < -0.5) { return 3.141592653589793 - 2.0 * mx_asin(sqrt(0.5 * (1.0 + x))); }
  if (x > 0.5) { return 2.0 * mx_asin(sqrt(0.5 * (1.0 - x))); }
  return 1.5707963267948966 - mx_asin(x);
}
fn mx_pow(a: f32, b: f32) -> f32 {
  if (is_nan(a) || is_nan(b)) { return select(f32_nan(), 1.0, b == 0.0); }
  if (b == 0.0) { return 1.0; }
  let whole = trunc(b) == b;
  if (whole && abs(b) <= 64.0) {
    // Binary exponentiation: exact while the result is representable, like Math.pow.
    var e = u32(abs(b)); var base = a; var r = 1.0;
    loop {
      if ((e & 1u) == 1u) { r = r * base; }
      e = e >> 1u;
      if (e == 0u) { break; }
      base = base * base;
    }
    return select(r, 1.0 / r, b < 0.0);
  }
  if (a == 0.0) { return select(0.0, f32_inf(), b < 0.0); }
  let m = exp2(b * log2(abs(a)));
  if (a > 0.0) { return m; }
  if (!whole) { return f32_nan(); }
  // Negative base, large whole exponent: odd exponents keep the sign.
  let odd = abs(b) < 16777216.0 && (u32(abs(b)) & 1u) == 1u;
  return select(m, -m, odd);
}
`;

/** Rewrites a table row's WGSL to call the accurate replacements above. */
export function accurateMath(expr: string): string {
  return expr.replace(/\b(atan|asin|acos|pow)\(/g, "mx_$1(");
}

/** The f16 store helper (only valid with `enable f16;`): overflow gives infinity, as a
 * Float16Array store does, instead of WGSL's undefined out-of-range conversion. */
export const F16_PRELUDE = `
fn to_f16(x: f32) -> f16 {
  if (abs(x) >= 65520.0 && !is_nan(x)) {
    return f16(select(-f32_inf(), f32_inf(), x > 0.0));
  }
  return f16(x);
}
`;

/** The prelude for a shader touching `dtypes`. */
export function prelude(dtypes: readonly GpuDType[]): string {
  return enables(dtypes) + PRELUDE + MATH_PRELUDE +
    (dtypes.includes("float16") ? F16_PRELUDE : "");
}

/**
 * The flat invocation index for 1-D work split over a 2-D grid of workgroups of size
 * `wg` (dispatches are split when they pass 65,535 workgroups in one dimension).
 */
export function flatIndex(wg: number): string {
  return `gid.x + gid.y * (nwg.x * ${wg}u)`;
}

/** Entry point header for 1-D elementwise-style kernels. */
export function entry1d(wg: number): string {
  return `@compute @workgroup_size(${wg})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>)`;
}
