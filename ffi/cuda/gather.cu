// mxc_take and mxc_take_backward: gather along an axis and its adjoint, ports of
// ffi/src/gather.rs `take` / `take_backward` (same argument blocks, same clip/wrap rule,
// same store semantics). The index values live on the device, so every row decision is
// made inside the kernels.
//
// take_backward is a gather, not an atomic scatter: each output element sums, in index
// order, the gradients of the indices that read it, rounding to the output dtype after
// every add exactly as the Rust loop does, so the result is deterministic and equal to the
// native one. For many indices the (row, j) pairs are first sorted (a merge sort on the
// device) so that each output element visits only its own indices.
#include "mxc.h"

namespace {

/** The decoded `x, xdt, idx, idt, nidx, out, odt, outer, axisLen, inner, wrap` block. */
struct Take {
  void* x;
  int xdt;
  void* idx;
  int idt;
  long long nidx;
  void* out;
  int odt;
  long long outer, axis_len, inner;
  bool wrap;
};

Take decode(Meta& m, const char* name) {
  Take t;
  Meta::Buf x = m.buf(), idx = m.buf(), out = m.buf();
  t.x = x.p;
  t.xdt = x.dt;
  t.idx = idx.p;
  t.idt = idx.dt;
  t.nidx = idx.len;
  t.out = out.p;
  t.odt = out.dt;
  t.outer = m.usize();
  t.axis_len = m.usize();
  t.inner = m.usize();
  t.wrap = m.flag();
  if (t.axis_len == 0 && t.nidx > 0 && t.outer * t.inner > 0) {
    mxc_fail(std::string(name) + ": cannot index an empty axis");
  }
  return t;
}

/** The source row of index j, clipped or wrapped as in the TS backend (gather.rs `row`). */
__device__ inline long long take_row(const Take& t, long long j) {
  double v = trunc(load(t.idx, t.idt, j));
  double len = (double)t.axis_len;
  double r;
  if (t.wrap) {
    r = fmod(fmod(v, len) + len, len);
  } else if (v < 0.0) {
    r = 0.0;
  } else if (v >= len) {
    r = len - 1.0;
  } else {
    r = v;
  }
  // Rust's `as usize` saturates: NaN (a NaN index, or wrapping an infinity) gives row 0.
  return r >= 0.0 ? (long long)r : 0;
}

/** Copies one element of size sz bytes (take with equal dtypes copies bits, like Rust). */
__device__ inline void copy_elem(void* dst, const void* src, int sz, long long di, long long si) {
  switch (sz) {
    case 8: ((uint64_t*)dst)[di] = ((const uint64_t*)src)[si]; break;
    case 4: ((uint32_t*)dst)[di] = ((const uint32_t*)src)[si]; break;
    case 2: ((uint16_t*)dst)[di] = ((const uint16_t*)src)[si]; break;
    default: ((uint8_t*)dst)[di] = ((const uint8_t*)src)[si]; break;
  }
}

/** One thread per output element (o, j, k) of out[outer, nidx, inner]. */
__global__ void take_kernel(Take t, long long total) {
  bool same = t.xdt == t.odt;
  int sz = dt_size(t.xdt);
  MXC_FOR(e, total) {
    long long k = e % t.inner, oj = e / t.inner;
    long long j = oj % t.nidx, o = oj / t.nidx;
    long long src = (o * t.axis_len + take_row(t, j)) * t.inner + k;
    if (same) {
      copy_elem(t.out, t.x, sz, e, src);
    } else {
      store_raw(t.out, t.odt, e, load(t.x, t.xdt, src));
    }
  }
}

/** acc + g rounded to dtype dt, as the Rust loop's store_raw then load of `out`. */
__device__ inline double add_rounded(int dt, double acc, double g) {
  uint64_t cell = 0;  // one element of any dtype
  store_raw(&cell, dt, 0, acc + g);
  return load(&cell, dt, 0);
}

/** Few indices: each output element (o, r, k) scans all indices in order. */
__global__ void take_backward_scan_kernel(Take t, long long total) {
  MXC_FOR(e, total) {
    long long k = e % t.inner, or_ = e / t.inner;
    long long r = or_ % t.axis_len, o = or_ / t.axis_len;
    double acc = add_rounded(t.odt, 0.0, 0.0);  // the zeroed output, read back
    for (long long j = 0; j < t.nidx; j++) {
      if (take_row(t, j) != r) continue;
      acc = add_rounded(t.odt, acc, load(t.x, t.xdt, (o * t.nidx + j) * t.inner + k));
    }
    store_raw(t.out, t.odt, e, acc);
  }
}

/** rows[j] = take_row(j); perm[j] = j (the identity the merge sort starts from). */
__global__ void rows_kernel(Take t, long long* rows, long long* perm) {
  MXC_FOR(j, t.nidx) {
    rows[j] = take_row(t, j);
    perm[j] = j;
  }
}

/** (rows[a], a) < (rows[b], b): a strict total order, so any correct sort is stable. */
__device__ inline bool pair_less(const long long* rows, long long a, long long b) {
  return rows[a] < rows[b] || (rows[a] == rows[b] && a < b);
}

/**
 * One bottom-up merge pass over runs of width w: each element finds its place in the
 * merged pair of runs by counting the elements of the other run that precede it.
 */
__global__ void merge_pass_kernel(const long long* rows, const long long* src, long long* dst,
                                  long long n, long long w) {
  MXC_FOR(p, n) {
    long long s = p / (2 * w) * (2 * w), mid = s + w;
    if (mid >= n) {
      dst[p] = src[p];  // no right run
      continue;
    }
    long long end = mid + w < n ? mid + w : n;
    long long me = src[p];
    bool left = p < mid;
    // Count the elements of the other run [lo, hi) that are less than me.
    long long lo = left ? mid : s, hi = left ? end : mid, base = lo;
    while (lo < hi) {
      long long h = lo + (hi - lo) / 2;
      if (pair_less(rows, src[h], me)) lo = h + 1; else hi = h;
    }
    long long before = lo - base;
    dst[s + (left ? p - s : p - mid) + before] = me;
  }
}

/** Many indices: each output element (o, r, k) adds the indices of row r, in index order. */
__global__ void take_backward_sorted_kernel(Take t, long long total, const long long* rows,
                                            const long long* perm) {
  MXC_FOR(e, total) {
    long long k = e % t.inner, or_ = e / t.inner;
    long long r = or_ % t.axis_len, o = or_ / t.axis_len;
    // The first sorted position whose row is >= r.
    long long lo = 0, hi = t.nidx;
    while (lo < hi) {
      long long h = lo + (hi - lo) / 2;
      if (rows[perm[h]] < r) lo = h + 1; else hi = h;
    }
    double acc = add_rounded(t.odt, 0.0, 0.0);
    for (long long q = lo; q < t.nidx && rows[perm[q]] == r; q++) {
      long long j = perm[q];
      acc = add_rounded(t.odt, acc, load(t.x, t.xdt, (o * t.nidx + j) * t.inner + k));
    }
    store_raw(t.out, t.odt, e, acc);
  }
}

/** Up to this many indices every output element simply scans them all (no scratch). */
constexpr long long SCAN_MAX = 64;

}  // namespace

void mxc_take(Meta& m) {
  Take t = decode(m, "take");
  long long total = t.outer * t.nidx * t.inner;
  if (total == 0) return;
  MXC_LAUNCH(take_kernel, mxc_blocks(total), MXC_THREADS, t, total);
}

/** out (zeroed) += g scattered to the rows take read; x = g, out = the input's gradient. */
void mxc_take_backward(Meta& m) {
  Take t = decode(m, "take_backward");
  long long total = t.outer * t.axis_len * t.inner;
  if (total == 0) return;
  if (t.nidx <= SCAN_MAX) {
    MXC_LAUNCH(take_backward_scan_kernel, mxc_blocks(total), MXC_THREADS, t, total);
    return;
  }
  // Sort the indices by (row, j) into perm; rows and two permutation buffers in one block.
  long long n = t.nidx;
  long long* scratch = nullptr;
  mxc_check(cudaMalloc((void**)&scratch, (size_t)n * 3 * sizeof(long long)),
            "take_backward: allocating index scratch");
  long long *rows = scratch, *a = scratch + n, *b = scratch + 2 * n;
  try {
    MXC_LAUNCH(rows_kernel, mxc_blocks(n), MXC_THREADS, t, rows, a);
    for (long long w = 1; w < n; w *= 2) {
      MXC_LAUNCH(merge_pass_kernel, mxc_blocks(n), MXC_THREADS, rows, a, b, n, w);
      long long* tmp = a;
      a = b;
      b = tmp;
    }
    MXC_LAUNCH(take_backward_sorted_kernel, mxc_blocks(total), MXC_THREADS, t, total, rows, a);
  } catch (...) {
    cudaFree(scratch);
    throw;
  }
  // cudaFree waits for the kernels above that still use the scratch.
  mxc_check(cudaFree(scratch), "take_backward: freeing index scratch");
}
