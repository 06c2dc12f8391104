// The shared header of the CUDA kernels (ffi/cuda/*.cu). Everything a kernel file needs:
// the argument block decoder (the same layout as ffi/src/meta.rs, so the TS side encodes
// a CUDA call exactly as a native one), dtype loads and stores with the native library's
// conversion rules, launch macros, and errors.
//
// The same sources compile two ways:
// - with nvcc (cargo feature `cuda`): real kernels on a real device;
// - with the host C++ compiler and MXTS_CUDA_EMU defined (feature `cuda-emu`): emu.h
//   provides the CUDA runtime on host memory and runs every launch on the CPU, so the
//   kernels' logic is tested by the conformance suite on machines without a GPU.
// Kernel rules that keep both builds right: no warp intrinsics, no dynamic shared memory;
// a kernel that calls __syncthreads() is launched with MXC_LAUNCH_SYNC.
#pragma once

#ifdef MXTS_CUDA_EMU
#include "emu.h"
#else
#include <cuda_runtime.h>
#endif

#include <math.h>
#include <stdint.h>
#include <string.h>

#include <stdexcept>
#include <string>

// ---- errors -------------------------------------------------------------------------

/** What a kernel throws; mxc_call turns it into a status and a message. */
struct MxcError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] inline void mxc_fail(const std::string& msg) { throw MxcError(msg); }

/** Throws when a runtime call failed, naming what was being done. */
inline void mxc_check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) {
    mxc_fail(std::string(what) + ": CUDA error " + std::to_string((int)e) + " (" +
             cudaGetErrorString(e) + ")");
  }
}

// ---- argument blocks ------------------------------------------------------------------
// Every kernel block reaches mxc_call through mx_cuda_call (ffi/src/lib.rs), which first
// runs the native kernel's decoder on it: each buffer's element count and each view are
// checked against the call there, so the decoders below read them already validated.

/** Decodes one f64 argument block: v[0] = its length, then the arguments in order. */
class Meta {
 public:
  explicit Meta(const double* v) : v_(v), n_(0), i_(1) {
    if (!v) mxc_fail("null argument block");
    double n = v[0];
    if (!(n >= 1 && n <= 1e7)) mxc_fail("bad argument block length " + std::to_string(n));
    n_ = (long long)n;
  }
  double f64() {
    if (i_ >= n_) mxc_fail("argument block too short");
    return v_[i_++];
  }
  long long isize() {
    double x = f64();
    if (x != trunc(x) || fabs(x) > 9007199254740992.0) {
      mxc_fail("expected an integer argument, got " + std::to_string(x));
    }
    return (long long)x;
  }
  long long usize() {
    long long x = isize();
    if (x < 0) mxc_fail("expected a non-negative argument, got " + std::to_string(x));
    return x;
  }
  bool flag() { return f64() != 0.0; }
  /** A dtype code (DT_*), checked. */
  int dtype() {
    long long c = isize();
    if (c < 0 || c > 7) mxc_fail("unknown dtype code " + std::to_string(c));
    return (int)c;
  }
  /** A device address. */
  void* ptr() { return (void*)(uintptr_t)usize(); }
  /** A buffer: address, dtype and element count. */
  struct Buf {
    void* p;
    int dt;
    long long len;
  };
  Buf buf() {
    Buf b;
    b.p = ptr();
    b.dt = dtype();
    b.len = usize();
    return b;
  }

 private:
  const double* v_;
  long long n_, i_;
};

// ---- dtypes ---------------------------------------------------------------------------

/** MXNet's type flags, as TYPE_FLAG in src/core/dtype.ts. int64 lives in f64 slots. */
enum : int { DT_F32 = 0, DT_F64 = 1, DT_F16 = 2, DT_U8 = 3, DT_I32 = 4, DT_I8 = 5, DT_I64 = 6, DT_BOOL = 7 };

__host__ __device__ inline int dt_size(int dt) {
  switch (dt) {
    case DT_F64: case DT_I64: return 8;
    case DT_F32: case DT_I32: return 4;
    case DT_F16: return 2;
    default: return 1;
  }
}

/** ECMAScript ToInt32: truncate, wrap modulo 2^32; NaN and infinities give 0. */
__host__ __device__ inline int32_t to_int32(double x) {
  if (fabs(x) < 2147483648.0) return (int32_t)x;
  if (!isfinite(x)) return 0;
  double r = fmod(trunc(x), 4294967296.0);
  if (r < 0) r += 4294967296.0;
  return (int32_t)(uint32_t)(uint64_t)r;
}

/** IEEE half bits to float (exact). */
__host__ __device__ inline float f16_to_f32(uint16_t h) {
  uint32_t sign = ((uint32_t)h & 0x8000u) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff;
  uint32_t bits;
  if (exp == 0) {
    if (man == 0) {
      bits = sign;
    } else {
      float v = (float)man * (1.0f / 16777216.0f);  // subnormal: man * 2^-24, exact
      return sign ? -v : v;
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | (man << 13);
  } else {
    bits = sign | ((exp + 112) << 23) | (man << 13);
  }
  float f;
  memcpy(&f, &bits, 4);
  return f;
}

/** double to IEEE half, round to nearest even straight from double (no double rounding). */
__host__ __device__ inline uint16_t f64_to_f16(double x) {
  uint64_t bits;
  memcpy(&bits, &x, 8);
  uint16_t sign = (uint16_t)((bits >> 48) & 0x8000);
  double a = fabs(x);
  if (isnan(a)) return sign | 0x7e00;
  if (a >= 65520.0) return sign | 0x7c00;
  if (a < 6.103515625e-05) return sign | (uint16_t)rint(a * 16777216.0);  // ties to even
  long long e = (long long)((bits >> 52) & 0x7ff) - 1023;
  uint64_t man = bits & 0x000fffffffffffffull, keep = man >> 42;
  uint64_t rest = man & ((1ull << 42) - 1), half = 1ull << 41;
  uint64_t h = ((uint64_t)(e + 15) << 10) | keep;
  if (rest > half || (rest == half && (keep & 1))) h += 1;  // a carry into the exponent is right
  return sign | (uint16_t)h;
}

/** Element i of a buffer of dtype dt, as double (exact for every dtype). */
__device__ inline double load(const void* p, int dt, long long i) {
  switch (dt) {
    case DT_F32: return ((const float*)p)[i];
    case DT_F64: case DT_I64: return ((const double*)p)[i];
    case DT_F16: return f16_to_f32(((const uint16_t*)p)[i]);
    case DT_I32: return ((const int32_t*)p)[i];
    case DT_I8: return ((const int8_t*)p)[i];
    default: return ((const uint8_t*)p)[i];  // uint8, bool
  }
}

/** Stores v as a JS typed-array assignment would (the TS backend's fill/take/reduce). */
__device__ inline void store_raw(void* p, int dt, long long i, double v) {
  switch (dt) {
    case DT_F32: ((float*)p)[i] = (float)v; break;
    case DT_F64: case DT_I64: ((double*)p)[i] = v; break;
    case DT_F16: ((uint16_t*)p)[i] = f64_to_f16(v); break;
    case DT_I32: ((int32_t*)p)[i] = to_int32(v); break;
    case DT_I8: ((int8_t*)p)[i] = (int8_t)to_int32(v); break;
    default: ((uint8_t*)p)[i] = (uint8_t)to_int32(v); break;  // uint8, bool
  }
}

/** The elementwise kernel's C-cast rule before store_raw: int64 truncates, bool is v != 0. */
__host__ __device__ inline double ew_value(int dt, double v) {
  if (dt == DT_I64) return trunc(v);
  if (dt == DT_BOOL) return v != 0.0 ? 1.0 : 0.0;
  return v;
}

// ---- launches -------------------------------------------------------------------------

/** Threads per block of the 1-D grid-stride kernels. */
constexpr int MXC_THREADS = 256;

/** Blocks for n elements at `threads` per block, capped (kernels loop grid-stride). */
inline unsigned mxc_blocks(long long n, int threads = MXC_THREADS) {
  long long b = (n + threads - 1) / threads;
  if (b < 1) b = 1;
  return (unsigned)(b < 65535 ? b : 65535);
}

/** The grid-stride loop over [0, n) every 1-D kernel uses. */
#define MXC_FOR(i, n)                                                                   \
  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < (long long)(n); \
       i += (long long)gridDim.x * blockDim.x)

#ifndef MXTS_CUDA_EMU
/** Launches a kernel that does not call __syncthreads() on the current device's stream. */
#define MXC_LAUNCH(kernel, grid, block, ...)                   \
  do {                                                         \
    kernel<<<(grid), (block)>>>(__VA_ARGS__);                  \
    mxc_check(cudaGetLastError(), "launching " #kernel);       \
  } while (0)
/** Launches a kernel that calls __syncthreads() (the emulator runs its threads as fibers). */
#define MXC_LAUNCH_SYNC(kernel, grid, block, ...) MXC_LAUNCH(kernel, grid, block, __VA_ARGS__)
#endif

// ---- the kernel table -----------------------------------------------------------------

/** A kernel entry: decodes its argument block (the native layout) and launches. */
typedef void (*MxcKernel)(Meta& m);

// Entry points, one per native kernel symbol (mx_<name> in ffi/src/lib.rs); runtime.cu
// lists them by those names so the TS side finds them by name.
void mxc_elementwise(Meta& m);
void mxc_arange(Meta& m);
void mxc_reduce(Meta& m);
void mxc_matmul(Meta& m);
void mxc_take(Meta& m);
void mxc_take_backward(Meta& m);
void mxc_sort(Meta& m);
void mxc_random(Meta& m);
void mxc_im2col(Meta& m);
void mxc_col2im(Meta& m);
void mxc_pool(Meta& m);
void mxc_pool_backward(Meta& m);
void mxc_conv2d(Meta& m);
void mxc_conv2d_backward_data(Meta& m);
void mxc_conv2d_backward_weight(Meta& m);
