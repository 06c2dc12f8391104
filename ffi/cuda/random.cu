// mxc_random: the Philox4x32-10 stream of src/core/philox.ts (normative there), a port of
// ffi/src/random.rs. Uniform and randint are bit-exact with the TS and native backends;
// normal matches to float tolerance (the device's log/cos/sin vs V8's). Counter-based, so
// each thread computes one 4-value Philox block independently.
#include "mxc.h"

namespace {

constexpr uint32_t M0 = 0xD2511F53u;
constexpr uint32_t M1 = 0xCD9E8D57u;
constexpr uint32_t W0 = 0x9E3779B9u;
constexpr uint32_t W1 = 0xBB67AE85u;
constexpr double INV_2_24 = 1.0 / 16777216.0;

/** One Philox4x32-10 evaluation of counter [c0, c1, 0, 0] under key [k0, k1]. */
__device__ inline void philox(uint32_t c0, uint32_t c1, uint32_t k0, uint32_t k1, uint32_t s[4]) {
  uint32_t x0 = c0, x1 = c1, x2 = 0, x3 = 0, a = k0, b = k1;
  for (int r = 0; r < 10; r++) {
    // The 32x32->64 products in plain 64-bit arithmetic (no __umulhi: the emulator has none).
    unsigned long long p0 = (unsigned long long)M0 * x0;
    unsigned long long p1 = (unsigned long long)M1 * x2;
    uint32_t hi0 = (uint32_t)(p0 >> 32), lo0 = (uint32_t)p0;
    uint32_t hi1 = (uint32_t)(p1 >> 32), lo1 = (uint32_t)p1;
    x0 = hi1 ^ x1 ^ a;
    x1 = lo1;
    x2 = hi0 ^ x3 ^ b;
    x3 = lo0;
    a += W0;
    b += W1;
  }
  s[0] = x0;
  s[1] = x1;
  s[2] = x2;
  s[3] = x3;
}

// Correctly rounded multiply and add that the compiler may not fuse into an FMA: the
// uniform formula is normative with each operation rounded (nvcc contracts a + b * c by
// default, which would change the last bit).
__device__ inline float mul_f32(float a, float b) {
#ifdef MXTS_CUDA_EMU
  volatile float p = a * b;
  return p;
#else
  return __fmul_rn(a, b);
#endif
}
__device__ inline double mul_f64(double a, double b) {
#ifdef MXTS_CUDA_EMU
  volatile double p = a * b;
  return p;
#else
  return __dmul_rn(a, b);
#endif
}

/** What random.rs `put` does: float16 rounds straight from the double, else store_raw. */
__device__ inline void put(void* p, int dt, long long i, double v) {
  if (dt == DT_F16) {
    ((uint16_t*)p)[i] = f64_to_f16(v);
  } else {
    store_raw(p, dt, i, v);
  }
}

/** The parameters every thread needs (one struct keeps the launch short). */
struct Stream {
  void* out;
  int dt;
  unsigned long long offset, n;  // positions [offset, offset + n) go to out[0 .. n)
  unsigned long long blk0;       // the first Philox block, offset / 4
  uint32_t k0, k1;
};

/** Calls f(i, lane, s) for every output element i of Philox block blk0 + t. */
template <class F>
__device__ inline void each_in_block(const Stream& st, long long t, F f) {
  unsigned long long blk = st.blk0 + (unsigned long long)t;
  uint32_t s[4];
  philox((uint32_t)blk, (uint32_t)(blk >> 32), st.k0, st.k1, s);
  for (int lane = 0; lane < 4; lane++) {
    unsigned long long j = blk * 4 + lane;
    if (j < st.offset || j >= st.offset + st.n) continue;
    f((long long)(j - st.offset), lane, s);
  }
}

/** uniform, float64 arithmetic (float64 and int64 outputs; raw f64 stores as in Rust). */
__global__ void uniform_f64_kernel(Stream st, long long nblk, double a, double span) {
  MXC_FOR(t, nblk) {
    each_in_block(st, t, [&](long long i, int lane, const uint32_t* s) {
      ((double*)st.out)[i] = a + mul_f64(span, (double)(s[lane] >> 8) * INV_2_24);
    });
  }
}

/** uniform, float32 arithmetic with each step rounded (every other dtype). */
__global__ void uniform_f32_kernel(Stream st, long long nblk, float lo, float span) {
  MXC_FOR(t, nblk) {
    each_in_block(st, t, [&](long long i, int lane, const uint32_t* s) {
      float u01 = (float)(s[lane] >> 8) * (float)INV_2_24;  // exact: 24 bits times 2^-24
      float v = lo + mul_f32(span, u01);
      put(st.out, st.dt, i, (double)v);
    });
  }
}

/** normal: Box-Muller on lane pairs (0,1) and (2,3); a = mean, b = std. */
__global__ void normal_kernel(Stream st, long long nblk, double a, double b) {
  const double two_pi = 2.0 * 3.14159265358979323846;
  MXC_FOR(t, nblk) {
    each_in_block(st, t, [&](long long i, int lane, const uint32_t* s) {
      int q = lane & 2;
      double u1 = ((double)(s[q] >> 8) + 1.0) * INV_2_24;
      double u2 = (double)(s[q + 1] >> 8) * INV_2_24;
      double r = sqrt(-2.0 * log(u1));
      double th = two_pi * u2;
      double z = (lane % 2 == 0) ? r * cos(th) : r * sin(th);
      double v = a + b * z;
      // float16 is generated in float32 and rounded again on store.
      put(st.out, st.dt, i, st.dt == DT_F16 ? (double)(float)v : v);
    });
  }
}

/** randint in [a, a + range): a + mulhi32(u, range), the 64-bit product exact. */
__global__ void randint_kernel(Stream st, long long nblk, double a, unsigned long long range) {
  MXC_FOR(t, nblk) {
    each_in_block(st, t, [&](long long i, int lane, const uint32_t* s) {
      unsigned long long hi = ((unsigned long long)s[lane] * range) >> 32;
      put(st.out, st.dt, i, a + (double)hi);
    });
  }
}

/** Rust's saturating `f as u64`: NaN and negatives give 0, too large gives the maximum. */
unsigned long long sat_u64(double f) {
  if (!(f > 0)) return 0;
  if (f >= 18446744073709551616.0) return ~0ull;
  return (unsigned long long)f;
}

}  // namespace

/** Decodes `dist(0 uniform, 1 normal, 2 randint), out (buffer), a, b, seed, offset`. */
void mxc_random(Meta& m) {
  long long dist = m.usize();
  Meta::Buf ob = m.buf();
  void* out = ob.p;
  int dt = ob.dt;
  long long n = ob.len;
  double a = m.f64(), b = m.f64();
  long long seed = m.isize();
  unsigned long long offset = (unsigned long long)m.usize();
  if (dist > 2) mxc_fail("random: unknown distribution code " + std::to_string(dist));
  if (n == 0) return;

  Stream st;
  st.out = out;
  st.dt = dt;
  st.offset = offset;
  st.n = (unsigned long long)n;
  st.blk0 = offset / 4;
  uint64_t key = (uint64_t)seed;  // two's complement, as Rust's `seed as i64 as u64`
  st.k0 = (uint32_t)key;
  st.k1 = (uint32_t)(key >> 32);
  long long nblk = (long long)((offset + (unsigned long long)n + 3) / 4 - st.blk0);
  unsigned grid = mxc_blocks(nblk);

  if (dist == 0) {
    if (dt == DT_F64 || dt == DT_I64) {
      MXC_LAUNCH(uniform_f64_kernel, grid, MXC_THREADS, st, nblk, a, b - a);
    } else {
      float lo = (float)a;
      float span = (float)b - lo;  // host float32 subtraction, rounded like Rust's
      MXC_LAUNCH(uniform_f32_kernel, grid, MXC_THREADS, st, nblk, lo, span);
    }
  } else if (dist == 1) {
    MXC_LAUNCH(normal_kernel, grid, MXC_THREADS, st, nblk, a, b);
  } else {
    MXC_LAUNCH(randint_kernel, grid, MXC_THREADS, st, nblk, a, sat_u64(b - a));
  }
}
