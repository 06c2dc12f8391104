// The generic elementwise kernel (mx_elementwise of ffi/src/lib.rs, Ew in
// ffi/src/elementwise.rs), its identity row (strided copy with dtype conversion), arange
// and fill (mx_arange, ffi/src/gather.rs), and the compiled row list (mxc_rows).
// Values are computed in double and stored with the native kernel's rules, so results
// match the native backend's wherever the device's math functions round as the host's.
#include "mxc.h"
#include "rows.cuh"

#include <vector>

/** ROW -1, the identity: Ew::copy's general path (the dtype conversion is the store's). */
template <>
__device__ inline double mxc_row<-1>(double a, double, double, double, double) {
  return a;
}

namespace {

// Full unrolling keeps the per-operand arrays in registers (nvcc only; the pragma is
// unknown to the host compiler of the emulated build).
#ifdef __CUDACC__
#define EW_UNROLL _Pragma("unroll")
#else
#define EW_UNROLL
#endif

/** The most axes a call may have once contiguous axes are merged (rarely more than 6). */
constexpr int EW_MAX_RANK = 8;

/** One operand: element (i0, i1, ...) is at `p[offset + sum(i_d * strides[d])]`. */
struct EwOperand {
  void* p;
  int dt;
  long long offset;
  long long strides[EW_MAX_RANK];
};

/** How the kernel walks the elements (uniform over a launch, so branching is free). */
enum EwMode : int {
  EW_STRIDED = 0,    // any shape, strides and dtypes: per-element offsets and conversions
  EW_DENSE_F32 = 1,  // every operand float32 and contiguous: plain loads and stores
  EW_DENSE_F64 = 2,  // the same for float64
};

/** A decoded call, passed to the kernel by value. op[0] is the output. */
struct EwArgs {
  int rank, nin, mode;
  long long n;
  long long shape[EW_MAX_RANK];
  EwOperand op[4];
  double s0, s1;
};

/** The offsets of element i (row-major over shape) in every operand; I is the index type. */
template <class I>
__device__ inline void ew_offsets(const EwArgs& e, I i, long long off[4]) {
  EW_UNROLL
  for (int k = 0; k < 4; ++k) off[k] = e.op[k].offset;
  // Innermost axis first; fixed trip counts let the compiler keep the arrays in registers.
  EW_UNROLL
  for (int t = 0; t < EW_MAX_RANK; ++t) {
    int d = EW_MAX_RANK - 1 - t;
    if (d >= e.rank) continue;
    I len = (I)e.shape[d], q = i / len;
    long long j = (long long)(i - q * len);
    i = q;
    EW_UNROLL
    for (int k = 0; k < 4; ++k) {
      if (k <= e.nin) off[k] += j * e.op[k].strides[d];
    }
  }
}

/** Element i of the strided path: load (exact), compute in double, store as Rust's run. */
template <int ROW, class I>
__device__ inline void ew_one(const EwArgs& e, I i) {
  long long off[4];
  ew_offsets(e, i, off);
  double v[3] = {0.0, 0.0, 0.0};
  EW_UNROLL
  for (int k = 0; k < 3; ++k) {
    if (k < e.nin) v[k] = load(e.op[k + 1].p, e.op[k + 1].dt, off[k + 1]);
  }
  double y = mxc_row<ROW>(v[0], v[1], v[2], e.s0, e.s1);
  store_raw(e.op[0].p, e.op[0].dt, off[0], ew_value(e.op[0].dt, y));
}

/** Dense same-dtype float operands: T -> double -> row -> T, as the strided path does. */
template <int ROW, class T>
__device__ inline void ew_dense(const EwArgs& e) {
  T* o = (T*)e.op[0].p + e.op[0].offset;
  const T* x0 = (const T*)e.op[1].p + e.op[1].offset;
  const T* x1 = e.nin > 1 ? (const T*)e.op[2].p + e.op[2].offset : nullptr;
  const T* x2 = e.nin > 2 ? (const T*)e.op[3].p + e.op[3].offset : nullptr;
  MXC_FOR(i, e.n) {
    double a = (double)x0[i];
    double b = x1 ? (double)x1[i] : 0.0;
    double c = x2 ? (double)x2[i] : 0.0;
    o[i] = (T)mxc_row<ROW>(a, b, c, e.s0, e.s1);
  }
}

template <int ROW>
__global__ void ew_kernel(EwArgs e) {
  if (e.mode == EW_DENSE_F32) {
    ew_dense<ROW, float>(e);
  } else if (e.mode == EW_DENSE_F64) {
    ew_dense<ROW, double>(e);
  } else if (e.n <= 0xffffffffLL) {
    // 32-bit index math is several times cheaper than 64-bit division on a GPU.
    MXC_FOR(i, e.n) ew_one<ROW>(e, (unsigned)i);
  } else {
    MXC_FOR(i, e.n) ew_one<ROW>(e, i);
  }
}

/** Raw element copy (same dtype, contiguous): bits move unchanged, like Rust's memcpy. */
template <class T>
__global__ void raw_copy_kernel(T* dst, const T* src, long long n) {
  MXC_FOR(i, n) dst[i] = src[i];
}

template <class T>
void raw_copy(void* dst, const void* src, long long n) {
  MXC_LAUNCH(raw_copy_kernel<T>, mxc_blocks(n), MXC_THREADS, (T*)dst, (const T*)src, n);
}

template <int ROW>
void ew_launch(const EwArgs& e) {
  MXC_LAUNCH(ew_kernel<ROW>, mxc_blocks(e.n), MXC_THREADS, e);
}

/** A decoded operand at the call's full rank (host side). */
struct HostOperand {
  void* p;
  int dt;
  long long offset;
  std::vector<long long> strides;
};

/**
 * Ew::collapse: merges axes that are contiguous in every operand and drops size-1 axes.
 * In place: axis w of the result only reads axes >= w of the input.
 */
void ew_collapse(std::vector<long long>& shape, std::vector<HostOperand>& ops) {
  size_t w = 0;
  for (size_t d = 0; d < shape.size(); ++d) {
    long long len = shape[d];
    if (len == 1) continue;
    bool merge = w > 0;
    for (auto& o : ops) merge = merge && o.strides[w - 1] == o.strides[d] * len;
    size_t to = merge ? w - 1 : w;
    if (merge) {
      shape[w - 1] *= len;
    } else {
      shape[w++] = len;
    }
    for (auto& o : ops) o.strides[to] = o.strides[d];
  }
  shape.resize(w);
  for (auto& o : ops) o.strides.resize(w);
}

/** Ew::copy's memcpy path: same dtype (not int64/bool, which the store rule rewrites),
 *  contiguous or a scalar. Bits move unchanged (NaN payloads included). */
bool ew_raw_copy(const std::vector<long long>& shape, const HostOperand& o,
                 const HostOperand& x, long long n) {
  bool exact = o.dt == x.dt && o.dt != DT_I64 && o.dt != DT_BOOL;
  bool contiguous = shape.empty() || (shape.size() == 1 && o.strides[0] == 1 && x.strides[0] == 1);
  if (!exact || !contiguous) return false;
  int sz = dt_size(o.dt);
  char* dst = (char*)o.p + o.offset * sz;
  const char* src = (const char*)x.p + x.offset * sz;
  switch (sz) {
    case 8: raw_copy<uint64_t>(dst, src, n); break;
    case 4: raw_copy<uint32_t>(dst, src, n); break;
    case 2: raw_copy<uint16_t>(dst, src, n); break;
    default: raw_copy<uint8_t>(dst, src, n); break;
  }
  return true;
}

}  // namespace

// `row` (-1 = identity copy), then Ew::decode_into's layout: ndim, shape..,
// out (ptr, dtype, element count, offset, strides..), nin, the nin inputs likewise, s0, s1.
void mxc_elementwise(Meta& m) {
  long long row = m.isize();
  long long nd = m.usize();
  std::vector<long long> shape(nd);
  for (auto& s : shape) s = m.usize();
  std::vector<HostOperand> ops;  // ops[0] is the output
  auto operand = [&]() {
    HostOperand o;
    Meta::Buf b = m.buf();
    o.p = b.p;
    o.dt = b.dt;
    o.offset = m.isize();
    o.strides.resize(nd);
    for (auto& s : o.strides) s = m.isize();
    ops.push_back(std::move(o));
  };
  operand();
  long long nin = m.usize();
  if (nin < 1 || nin > 3) {
    mxc_fail("elementwise: " + std::to_string(nin) + " inputs (expected 1 to 3)");
  }
  for (long long k = 0; k < nin; ++k) operand();
  double s0 = m.f64(), s1 = m.f64();
  ew_collapse(shape, ops);

  if (row >= MXC_NROWS) mxc_fail("elementwise: unknown row id " + std::to_string(row));
  long long n = 1;
  for (long long s : shape) n *= s;
  if (n == 0) return;
  if (row < 0 && ew_raw_copy(shape, ops[0], ops[1], n)) return;
  int rank = (int)shape.size();
  if (rank > EW_MAX_RANK) {
    mxc_fail("elementwise: " + std::to_string(rank) +
             " axes left after merging contiguous ones (the CUDA kernel handles up to " +
             std::to_string(EW_MAX_RANK) + ")");
  }

  EwArgs e{};
  e.rank = rank;
  e.nin = (int)nin;
  e.n = n;
  e.s0 = s0;
  e.s1 = s1;
  for (int d = 0; d < rank; ++d) e.shape[d] = shape[d];
  bool dense = rank == 1;
  for (size_t k = 0; k < ops.size(); ++k) {
    e.op[k].p = ops[k].p;
    e.op[k].dt = ops[k].dt;
    e.op[k].offset = ops[k].offset;
    for (int d = 0; d < rank; ++d) e.op[k].strides[d] = ops[k].strides[d];
    dense = dense && ops[k].dt == ops[0].dt && ops[k].strides[0] == 1;
  }
  // Rust's dense path: the same values as the strided path (float stores are plain casts).
  if (dense && ops[0].dt == DT_F32) e.mode = EW_DENSE_F32;
  if (dense && ops[0].dt == DT_F64) e.mode = EW_DENSE_F64;

  if (row < 0) {
    ew_launch<-1>(e);
  } else {
    mxc_dispatch_row(row, [&](auto id) { ew_launch<decltype(id)::value>(e); });
  }
}

// `out (buffer), start, step`: out[i] = start + i * step over the whole buffer, stored as
// a typed-array assignment. Fill is step 0 and stores `start` itself (so -0 and infinities survive).
namespace {
__global__ void arange_kernel(void* out, int dt, long long n, double start, double step) {
  MXC_FOR(i, n) {
#ifdef __CUDA_ARCH__
    double di = __dmul_rn((double)i, step);  // an intrinsic: never fused into an fma (Rust isn't)
#else
    double di = (double)i * step;
#endif
    store_raw(out, dt, i, step == 0.0 ? start : start + di);
  }
}
}  // namespace

void mxc_arange(Meta& m) {
  Meta::Buf o = m.buf();
  void* out = o.p;
  int dt = o.dt;
  long long n = o.len;
  double start = m.f64(), step = m.f64();
  if (n > 0) MXC_LAUNCH(arange_kernel, mxc_blocks(n), MXC_THREADS, out, dt, n, start, step);
}

/** Copies the compiled row list (`name<TAB>cuda expression` lines) into out: its length,
 *  or -1 if cap is too small. */
extern "C" int mxc_rows(char* out, int cap) {
  int len = (int)sizeof(MXC_ROWS) - 1;
  if (cap < len) return -1;
  memcpy(out, MXC_ROWS, len);
  return len;
}
