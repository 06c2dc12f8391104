// What the convolution (conv.cu) and pooling (pool.cu) kernels share: the sliding window's
// 14 fields as ffi/src/conv.rs decodes them, the dtype names its messages use, and the
// per-add rounding to the storage type that makes their gathers match the native loops.
#pragma once

#include "mxc.h"

/** The 14 window fields in windowFields() order (backends/backend.ts; conv.rs `Win`). */
struct Window {
  long long n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow;
};

/** Reads the 14 fields into `p`; a zero stride is refused as conv.rs refuses it. */
inline void decode_window(Meta& m, Window& p) {
  long long* f[] = {&p.n, &p.c, &p.h, &p.w, &p.kh, &p.kw, &p.sh,
                    &p.sw, &p.ph, &p.pw, &p.dh, &p.dw, &p.oh, &p.ow};
  for (long long* x : f) *x = m.usize();
  if (p.sh == 0 || p.sw == 0) mxc_fail("window stride must be positive");
}

/** Rust's Debug name of a dtype (conv.rs formats dtypes with {:?}). */
inline const char* debug_name(int dt) {
  static const char* names[] = {"F32", "F64", "F16", "U8", "I32", "I8", "I64", "Bool"};
  return names[dt];
}

/** v as the storage type dt holds it (a store then a load): the native's per-add rounding. */
__device__ inline double rt(int dt, double v) {
  switch (dt) {
    case DT_F32: return (float)v;
    case DT_F64: case DT_I64: return v;
    case DT_F16: return f16_to_f32(f64_to_f16(v));
    case DT_I32: return to_int32(v);
    case DT_I8: return (int8_t)to_int32(v);
    default: return (uint8_t)to_int32(v);  // uint8, bool
  }
}
