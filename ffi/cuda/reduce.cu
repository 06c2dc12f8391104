// Reductions (mx_reduce, ffi/src/reduce.rs): sum, prod, max, min, argmax, argmin over
// sorted axes of a dense array, accumulating in double. The semantics are the native
// kernel's: max/min propagate NaN; argmax/argmin keep the first best index, and a NaN
// first element wins (it compares false with everything after it); empty reductions give
// 0, 1, -inf, +inf and index 0; results are stored as typed-array assignments.
// Two kernels: one thread per output walking its reduced elements in order (many
// outputs), or one block per output with a tree over the block's partial results (few,
// long reductions). Both are deterministic; sums differ from the native kernel's only by
// rounding (it sums in eight lanes), every other result is exact.
#include "mxc.h"

#include <vector>

namespace {

enum RedOp : int { R_SUM = 0, R_PROD = 1, R_MAX = 2, R_MIN = 3, R_ARGMAX = 4, R_ARGMIN = 5 };

/** The most runs of adjacent kept (or reduced) axes; they alternate, so ~2x the axes. */
constexpr int RED_MAX_RUNS = 8;

/** Threads per block of the block-per-output kernel (a power of two for the tree). */
constexpr int RED_THREADS = 256;

/** A decoded call, by value. Kept runs give output index -> input offset, reduced runs
 *  reduced index -> offset (both row-major, as the native kernel numbers them). */
struct RedArgs {
  int op;
  const void* x;
  int xdt;
  void* out;
  int odt;
  long long outer, red;
  int nk, nr;
  long long ksize[RED_MAX_RUNS], kstride[RED_MAX_RUNS];
  long long rsize[RED_MAX_RUNS], rstride[RED_MAX_RUNS];
};

/** The input offset of flat index i over `n` runs of the given sizes and strides. */
__device__ inline long long run_offset(long long i, int n, const long long* size,
                                       const long long* stride) {
  if (n == 1) return i * stride[0];
  long long off = 0;
  for (int d = n - 1; d >= 0; --d) {
    long long q = i / size[d];
    off += (i - q * size[d]) * stride[d];
    i = q;
  }
  return off;
}

__device__ inline double red_init(int op) {
  return op == R_SUM ? 0.0 : op == R_PROD ? 1.0 : op == R_MAX ? -INFINITY : INFINITY;
}

/** One thread per output: the native kernel's serial loop (`combine` / `run`). */
__global__ void reduce_serial(RedArgs a) {
  MXC_FOR(o, a.outer) {
    long long base = run_offset(o, a.nk, a.ksize, a.kstride);
    double res;
    if (a.op == R_ARGMAX || a.op == R_ARGMIN) {
      long long best = 0;
      double best_v = a.red > 0 ? load(a.x, a.xdt, base) : 0.0;
      for (long long r = 1; r < a.red; ++r) {
        double v = load(a.x, a.xdt, base + run_offset(r, a.nr, a.rsize, a.rstride));
        if (a.op == R_ARGMAX ? v > best_v : v < best_v) {
          best_v = v;
          best = r;
        }
      }
      res = (double)best;
    } else {
      res = red_init(a.op);
      for (long long r = 0; r < a.red; ++r) {
        double v = load(a.x, a.xdt, base + run_offset(r, a.nr, a.rsize, a.rstride));
        switch (a.op) {
          case R_SUM: res += v; break;
          case R_PROD: res *= v; break;
          // NaN sticks: once res is NaN no comparison replaces it.
          case R_MAX: if (v > res || isnan(v)) res = v; break;
          default: if (v < res || isnan(v)) res = v; break;
        }
      }
    }
    store_raw(a.out, a.odt, o, res);
  }
}

/**
 * Whether candidate (v2, i2) replaces (v1, i1) for max/min/argmax/argmin; index -1 is
 * "nothing yet". The better value wins, equal values keep the lower index, so the winner
 * is the serial loop's whatever order partial results meet in. For max/min a NaN beats
 * every number; argmax/argmin never see NaN (the kernel skips them, see below).
 */
__device__ inline bool red_better(int op, double v1, long long i1, double v2, long long i2) {
  if (i2 < 0) return false;
  if (i1 < 0) return true;
  if (isnan(v1) || isnan(v2)) return isnan(v2) && (!isnan(v1) || i2 < i1);
  bool more = (op == R_MAX || op == R_ARGMAX) ? v2 > v1 : v2 < v1;
  return more || (v2 == v1 && i2 < i1);
}

/** One block per output: strided partial results per thread, then a tree. */
__global__ void reduce_block(RedArgs a) {
  __shared__ double sv[RED_THREADS];
  __shared__ long long si[RED_THREADS];
  const int t = threadIdx.x;
  const bool sum_like = a.op == R_SUM || a.op == R_PROD;
  for (long long o = blockIdx.x; o < a.outer; o += gridDim.x) {
    long long base = run_offset(o, a.nk, a.ksize, a.kstride);
    double v = red_init(a.op);
    long long vi = -1;
    for (long long r = t; r < a.red; r += RED_THREADS) {
      double x = load(a.x, a.xdt, base + run_offset(r, a.nr, a.rsize, a.rstride));
      if (a.op == R_SUM) {
        v += x;
      } else if (a.op == R_PROD) {
        v *= x;
      } else if (!(isnan(x) && a.op >= R_ARGMAX) && red_better(a.op, v, vi, x, r)) {
        v = x;
        vi = r;
      }
    }
    sv[t] = v;
    si[t] = vi;
    __syncthreads();
    for (int s = RED_THREADS / 2; s > 0; s >>= 1) {
      if (t < s) {
        if (a.op == R_SUM) {
          sv[t] += sv[t + s];
        } else if (a.op == R_PROD) {
          sv[t] *= sv[t + s];
        } else if (red_better(a.op, sv[t], si[t], sv[t + s], si[t + s])) {
          sv[t] = sv[t + s];
          si[t] = si[t + s];
        }
      }
      __syncthreads();
    }
    if (t == 0) {
      double res = sv[0];
      if (!sum_like && si[0] < 0) res = red_init(a.op);  // empty: max/min identities
      if (a.op >= R_ARGMAX) {
        // The serial loop starts from element 0: a NaN there is never replaced.
        bool nan0 = a.red > 0 && isnan(load(a.x, a.xdt, base));
        res = (nan0 || si[0] < 0) ? 0.0 : (double)si[0];
      }
      store_raw(a.out, a.odt, o, res);
    }
    __syncthreads();  // sv/si are rewritten for the next output
  }
}

}  // namespace

// `op, x (buffer), ndim, shape.., naxes, axes.., out (buffer)`.
void mxc_reduce(Meta& m) {
  long long op = m.usize();
  if (op > 5) mxc_fail("reduce: unknown op code " + std::to_string(op));
  RedArgs a{};
  a.op = (int)op;
  Meta::Buf xb = m.buf();
  a.x = xb.p;
  a.xdt = xb.dt;
  long long nd = m.usize();
  std::vector<long long> shape(nd);
  for (auto& s : shape) s = m.usize();
  long long na = m.usize();
  std::vector<long long> axes(na);
  for (auto& x : axes) x = m.usize();
  Meta::Buf ob = m.buf();
  a.out = ob.p;
  a.odt = ob.dt;
  std::vector<bool> reduced(nd, false);
  for (long long k = 0; k < na; ++k) {
    if (axes[k] >= nd || (k > 0 && axes[k - 1] >= axes[k])) {
      std::string list;
      for (long long x : axes) list += (list.empty() ? "" : ", ") + std::to_string(x);
      mxc_fail("reduce: axes [" + list + "] are not sorted axes of a " + std::to_string(nd) +
               "-d array");
    }
    reduced[axes[k]] = true;
  }

  // Runs of adjacent kept / reduced axes (size-1 axes dropped), each with the row-major
  // stride of its innermost axis: the flat indices over kept and over reduced axes, which
  // number the outputs and argmax/argmin's answers, are unchanged by the merge.
  a.outer = a.red = 1;
  std::vector<long long> size[2], stride[2];  // [0] kept, [1] reduced; outermost first
  int last = -1;
  long long st = 1;
  for (long long d = nd - 1; d >= 0; --d) {
    long long n = shape[d];
    int r = reduced[d] ? 1 : 0;
    (r ? a.red : a.outer) *= n;
    if (n != 1) {
      if (last == r) {
        size[r].back() *= n;  // stride stays the innermost axis's
      } else {
        size[r].push_back(n);
        stride[r].push_back(st);
      }
      last = r;
    }
    st *= n;
  }
  if (a.outer == 0) return;
  for (int r = 0; r < 2; ++r) {
    if (size[r].size() > (size_t)RED_MAX_RUNS) {
      mxc_fail("reduce: " + std::to_string(size[r].size()) + (r ? " reduced" : " kept") +
               " runs of axes (the CUDA kernel handles up to " +
               std::to_string(RED_MAX_RUNS) + ")");
    }
    int n = (int)size[r].size();
    for (int i = 0; i < n; ++i) {  // collected innermost first; store outermost first
      (r ? a.rsize : a.ksize)[i] = size[r][n - 1 - i];
      (r ? a.rstride : a.kstride)[i] = stride[r][n - 1 - i];
    }
    (r ? a.nr : a.nk) = n;
  }

  // A block per output when reductions are long and either few outputs would leave the
  // device idle or the reduced elements are contiguous (so a block reads them coalesced);
  // otherwise a thread per output (its neighbours read neighbouring elements).
  bool inner_reduced = a.nr > 0 && a.rstride[a.nr - 1] == 1;
  if (a.red >= 64 && (a.outer < 4096 || inner_reduced)) {
    MXC_LAUNCH_SYNC(reduce_block, (unsigned)(a.outer < 65535 ? a.outer : 65535), RED_THREADS, a);
  } else {
    MXC_LAUNCH(reduce_serial, mxc_blocks(a.outer), MXC_THREADS, a);
  }
}
