// mxc_sort: a stable sort of each row (the last axis), NaN last in either direction, writing
// the sorted values and their source indices; a port of ffi/src/gather.rs `sort`.
//
// Design: elements are (key, source index) pairs compared by a strict total order (the
// direction-aware key order, then the index), so the result of any correct sort equals the
// Rust stable sort. Each row is cut into small chunks sorted by one thread each, then
// bottom-up merge passes double the sorted runs; in a pass every element finds its place
// in the merged pair of runs by a binary search in the other run, so a pass is one
// embarrassingly parallel launch over all elements of all rows (O(n log^2 n) work in all,
// fine on a GPU and bounded in the emulator). Scratch: two (key, index) buffers,
// cudaMalloc'd per call.
#include "mxc.h"

namespace {

/** Elements a thread sorts by insertion before the merge passes. */
constexpr int CHUNK = 16;

/**
 * The Rust comparator as a strict order on (key, index): NaN after every number (both
 * directions), numbers ascending or descending (-0 equals +0), ties by source index.
 */
__device__ inline bool pair_less(double ka, long long ia, double kb, long long ib, bool asc) {
  bool na = isnan(ka), nb = isnan(kb);
  if (na || nb) {
    if (na != nb) return nb;
    return ia < ib;
  }
  if (ka != kb) return asc ? ka < kb : ka > kb;
  return ia < ib;
}

/** One thread per CHUNK of a row: loads it from x and sorts it by insertion. */
__global__ void chunk_sort_kernel(const void* x, int xdt, double* keys, long long* idx,
                                  long long outer, long long len, bool asc) {
  long long per_row = (len + CHUNK - 1) / CHUNK;
  MXC_FOR(c, outer * per_row) {
    long long row = c / per_row, start = c % per_row * CHUNK;
    int cnt = (int)(len - start < CHUNK ? len - start : CHUNK);
    long long base = row * len + start;
    double k[CHUNK];
    long long ix[CHUNK];
    for (int i = 0; i < cnt; i++) {
      double v = load(x, xdt, base + i);
      long long s = start + i;
      int p = i;
      while (p > 0 && pair_less(v, s, k[p - 1], ix[p - 1], asc)) {
        k[p] = k[p - 1];
        ix[p] = ix[p - 1];
        p--;
      }
      k[p] = v;
      ix[p] = s;
    }
    for (int i = 0; i < cnt; i++) {
      keys[base + i] = k[i];
      idx[base + i] = ix[i];
    }
  }
}

/** One merge pass over sorted runs of width w in every row: src -> dst. */
__global__ void merge_pass_kernel(const double* sk, const long long* si, double* dk,
                                  long long* di, long long outer, long long len, long long w,
                                  bool asc) {
  MXC_FOR(e, outer * len) {
    long long row0 = e / len * len, p = e % len;
    long long s = p / (2 * w) * (2 * w), mid = s + w;
    double key = sk[e];
    long long ix = si[e];
    if (mid >= len) {  // a lone run at the row's end stays put
      dk[e] = key;
      di[e] = ix;
      continue;
    }
    long long end = mid + w < len ? mid + w : len;
    bool left = p < mid;
    // Count the elements of the other run [lo, hi) that precede this one.
    long long lo = left ? mid : s, hi = left ? end : mid, first = lo;
    while (lo < hi) {
      long long h = lo + (hi - lo) / 2;
      if (pair_less(sk[row0 + h], si[row0 + h], key, ix, asc)) lo = h + 1; else hi = h;
    }
    long long dst = row0 + s + (left ? p - s : p - mid) + (lo - first);
    dk[dst] = key;
    di[dst] = ix;
  }
}

/** Stores the sorted keys and their source indices with the output dtypes' store rules. */
__global__ void write_kernel(const double* keys, const long long* idx, void* v, int vdt,
                             void* ix, int idt, long long total) {
  MXC_FOR(e, total) {
    store_raw(v, vdt, e, keys[e]);
    store_raw(ix, idt, e, (double)idx[e]);
  }
}

}  // namespace

/** Decodes `x, values, indices (buffers), outer, len, ascending`. */
void mxc_sort(Meta& m) {
  Meta::Buf xbuf = m.buf(), vbuf = m.buf(), ibuf = m.buf();
  void *x = xbuf.p, *v = vbuf.p, *ix = ibuf.p;
  int xdt = xbuf.dt, vdt = vbuf.dt, idt = ibuf.dt;
  long long outer = m.usize(), len = m.usize();
  bool asc = m.flag();
  long long total = outer * len;
  if (total == 0) return;

  // Two (key, index) buffers in one allocation: keys a, keys b, indices a, indices b.
  char* scratch = nullptr;
  mxc_check(cudaMalloc((void**)&scratch, (size_t)total * 2 * (sizeof(double) + sizeof(long long))),
            "sort: allocating scratch");
  double *ka = (double*)scratch, *kb = ka + total;
  long long *ia = (long long*)(kb + total), *ib = ia + total;
  try {
    long long chunks = outer * ((len + CHUNK - 1) / CHUNK);
    MXC_LAUNCH(chunk_sort_kernel, mxc_blocks(chunks), MXC_THREADS, x, xdt, ka, ia, outer, len,
               asc);
    for (long long w = CHUNK; w < len; w *= 2) {
      MXC_LAUNCH(merge_pass_kernel, mxc_blocks(total), MXC_THREADS, ka, ia, kb, ib, outer, len,
                 w, asc);
      double* tk = ka;
      ka = kb;
      kb = tk;
      long long* ti = ia;
      ia = ib;
      ib = ti;
    }
    MXC_LAUNCH(write_kernel, mxc_blocks(total), MXC_THREADS, ka, ia, v, vdt, ix, idt, total);
  } catch (...) {
    cudaFree(scratch);
    throw;
  }
  // cudaFree waits for the kernels above that still use the scratch.
  mxc_check(cudaFree(scratch), "sort: freeing scratch");
}
