// Batched GEMM (`mxc_matmul`), the CUDA port of ffi/src/gemm.rs `matmul`: the same argument
// block and the same dtype rules.
// - float32 everywhere (native: OpenBLAS sgemm) and float64/int64 everywhere (native: dgemm;
//   int64 lives in f64 slots): a shared-memory tiled kernel, accumulating in the element type
//   like BLAS does (so results match the native backend within float tolerance).
// - every other dtype mix: the TS reference's generic loop, one thread per output: integer
//   outputs (uint8, int32, int8, bool) sum int32 products wrapping like C (Math.imul); float
//   outputs sum in double and round once on store (store_raw).
#include "mxc.h"

namespace {

// Block tile: BM x BN outputs per block of TX x TY threads, each computing an RM x RN
// register block whose rows/columns are TY/TX apart (so neighbouring threads read
// neighbouring shared-memory words). BK is the depth staged in shared memory per step.
constexpr int BM = 64, BN = 64, BK = 16, TX = 16, TY = 16, RM = BM / TY, RN = BN / TX;
constexpr int NT = TX * TY;

/**
 * c[bi] = op(a[bi]) · op(b[bi]) for T = float or double. op(A)[i, p] = a[i*ars + p*acs],
 * op(B)[p, j] = b[p*brs + j*bcs]. Grid: x over column tiles, y over row tiles and z over
 * batches, the latter two looping so any size fits in 65535 blocks.
 */
template <typename T>
__global__ void gemm_tiled(const T* a, const T* b, T* c, long long batch, long long M,
                           long long N, long long K, bool ta, bool tb, long long sa,
                           long long sb) {
  // +1 column: transposed-operand stores hit distinct banks.
  __shared__ T As[BK][BM + 1];
  __shared__ T Bs[BK][BN + 1];
  const int tx = threadIdx.x, ty = threadIdx.y, tid = ty * TX + tx;
  const long long ars = ta ? 1 : K, acs = ta ? M : 1;
  const long long brs = tb ? 1 : N, bcs = tb ? K : 1;
  const long long j0 = (long long)blockIdx.x * BN;
  for (long long bi = blockIdx.z; bi < batch; bi += gridDim.z) {
    const T* ab = a + bi * sa;
    const T* bb = b + bi * sb;
    T* cb = c + bi * M * N;
    for (long long i0 = (long long)blockIdx.y * BM; i0 < M; i0 += (long long)gridDim.y * BM) {
      T acc[RM][RN];
      for (int r = 0; r < RM; r++)
        for (int q = 0; q < RN; q++) acc[r][q] = 0;
      for (long long p0 = 0; p0 < K; p0 += BK) {
        // Stage op(A)[i0.., p0..] and op(B)[p0.., j0..]; the index order follows the
        // operand's contiguous dimension so global reads coalesce. Out of range -> 0.
        for (int e = tid; e < BM * BK; e += NT) {
          int ii = ta ? e % BM : e / BK, pp = ta ? e / BM : e % BK;
          long long i = i0 + ii, p = p0 + pp;
          As[pp][ii] = (i < M && p < K) ? ab[i * ars + p * acs] : (T)0;
        }
        for (int e = tid; e < BN * BK; e += NT) {
          int jj = tb ? e / BK : e % BN, pp = tb ? e % BK : e / BN;
          long long j = j0 + jj, p = p0 + pp;
          Bs[pp][jj] = (j < N && p < K) ? bb[p * brs + j * bcs] : (T)0;
        }
        __syncthreads();
        for (int pp = 0; pp < BK; pp++) {
          T av[RM], bv[RN];
          for (int r = 0; r < RM; r++) av[r] = As[pp][ty + r * TY];
          for (int q = 0; q < RN; q++) bv[q] = Bs[pp][tx + q * TX];
          for (int r = 0; r < RM; r++)
            for (int q = 0; q < RN; q++) acc[r][q] += av[r] * bv[q];
        }
        __syncthreads();
      }
      for (int r = 0; r < RM; r++) {
        long long i = i0 + ty + r * TY;
        if (i >= M) continue;
        for (int q = 0; q < RN; q++) {
          long long j = j0 + tx + q * TX;
          if (j < N) cb[i * N + j] = acc[r][q];
        }
      }
    }
  }
}

/** The generic loop of gemm.rs: one thread per output element of every batch. */
__global__ void gemm_generic(const void* a, int adt, const void* b, int bdt, void* c, int cdt,
                             long long batch, long long M, long long N, long long K, bool ta,
                             bool tb, long long sa, long long sb, bool integer) {
  const long long ars = ta ? 1 : K, acs = ta ? M : 1;
  const long long brs = tb ? 1 : N, bcs = tb ? K : 1;
  MXC_FOR(o, batch * M * N) {
    long long j = o % N, i = (o / N) % M, bi = o / (M * N);
    long long ao = bi * sa + i * ars, bo = bi * sb + j * bcs;
    double v;
    if (integer) {
      // int32 products and sums wrapping modulo 2^32 (unsigned arithmetic: no C overflow).
      uint32_t s = 0;
      for (long long p = 0; p < K; p++) {
        uint32_t x = (uint32_t)to_int32(load(a, adt, ao + p * acs));
        uint32_t y = (uint32_t)to_int32(load(b, bdt, bo + p * brs));
        s += x * y;
      }
      v = (double)(int32_t)s;
    } else {
      double s = 0;
      for (long long p = 0; p < K; p++) {
        s += load(a, adt, ao + p * acs) * load(b, bdt, bo + p * brs);
      }
      v = s;
    }
    store_raw(c, cdt, o, v);
  }
}

/** c[0..n) = 0 as store_raw writes it (the k == 0 case: empty sums). */
__global__ void gemm_zero(void* c, int cdt, long long n) {
  MXC_FOR(i, n) store_raw(c, cdt, i, 0.0);
}

unsigned cap(long long x) { return (unsigned)(x < 1 ? 1 : x < 65535 ? x : 65535); }

template <typename T>
void launch_tiled(void* a, void* b, void* c, long long batch, long long M, long long N,
                  long long K, bool ta, bool tb, long long sa, long long sb) {
  long long gx = (N + BN - 1) / BN;
  if (gx > 2147483647LL) mxc_fail("matmul: n too large");
  dim3 grid((unsigned)gx, cap((M + BM - 1) / BM), cap(batch));
  MXC_LAUNCH_SYNC(gemm_tiled<T>, grid, dim3(TX, TY), (const T*)a, (const T*)b, (T*)c, batch, M,
                  N, K, ta, tb, sa, sb);
}

}  // namespace

/** Decodes `a, b, c (buffers), batch, m, n, k, transA, transB, aBatch, bBatch`. */
void mxc_matmul(Meta& m) {
  Meta::Buf ab = m.buf(), bb = m.buf(), cb = m.buf();
  void *a = ab.p, *b = bb.p, *c = cb.p;
  int adt = ab.dt, bdt = bb.dt, cdt = cb.dt;
  long long batch = m.usize(), mm = m.usize(), n = m.usize(), k = m.usize();
  bool ta = m.flag(), tb = m.flag();
  long long sa = m.usize(), sb = m.usize();
  if (mm == 0 || n == 0 || batch == 0) return;
  if (k == 0) {
    MXC_LAUNCH(gemm_zero, mxc_blocks(batch * mm * n), MXC_THREADS, c, cdt, batch * mm * n);
    return;
  }
  // The native backend's BLAS paths (and their size limit, past which it loops generically).
  const long long lim = 2147483647LL;
  bool blas = mm <= lim && n <= lim && k <= lim;
  auto f64like = [](int d) { return d == DT_F64 || d == DT_I64; };
  if (blas && adt == DT_F32 && bdt == DT_F32 && cdt == DT_F32) {
    launch_tiled<float>(a, b, c, batch, mm, n, k, ta, tb, sa, sb);
    return;
  }
  if (blas && f64like(adt) && f64like(bdt) && f64like(cdt)) {
    launch_tiled<double>(a, b, c, batch, mm, n, k, ta, tb, sa, sb);
    return;
  }
  bool integer = !(cdt == DT_F32 || cdt == DT_F64 || cdt == DT_F16 || cdt == DT_I64);
  MXC_LAUNCH(gemm_generic, mxc_blocks(batch * mm * n), MXC_THREADS, a, adt, b, bdt, c, cdt, batch,
             mm, n, k, ta, tb, sa, sb, integer);
}
