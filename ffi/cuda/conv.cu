// Convolution kernels: im2col / col2im (ports of ffi/src/conv.rs) and the direct 2-D
// convolution with its two gradients (ports of ffi/src/conv2d.rs), with the semantics
// documented on `Kernels` in backends/backend.ts. Same argument blocks and validation as the
// Rust functions. Pooling is in pool.cu.
//
// Every adjoint is a gather (each output element sums what lands on it, in a fixed order):
// no atomics, and results are the same on every run.
// - col2im adds into x in the element type, one add at a time in the native loop order, so
//   each add is rounded to the storage type here too (`rt`): the results are bit-identical.
// - conv2d and its gradients sum in double and round once on store. The native backend
//   goes through BLAS in float32 (float16 widened to float32), so those agree with it
//   within float tolerance, not bit for bit.
#include "window.cuh"

namespace {

/** The name conv2d.rs uses in its messages. */
const char* dtype_name(int dt) {
  static const char* names[] = {"float32", "float64", "float16", "uint8",
                                "int32",   "int8",    "int64",   "bool"};
  return names[dt];
}

/** The window plus conv2d's filters (M), groups (G), channels and filters per group. */
struct Win : Window {
  long long m, g, cg, mg;  // conv2d only
};

Win decode_win(Meta& m) {
  Win p{};
  decode_window(m, p);
  return p;
}

// ---- im2col / col2im ------------------------------------------------------------------

/** col[c, i, j, n, oh, ow] = x[n, c, ih, iw], 0 in the padding. One thread per col element. */
__global__ void im2col_kernel(const void* x, void* col, int dt, Win p) {
  MXC_FOR(e, p.c * p.kh * p.kw * p.n * p.oh * p.ow) {
    long long r = e;
    long long ow = r % p.ow; r /= p.ow;
    long long oh = r % p.oh; r /= p.oh;
    long long n = r % p.n; r /= p.n;
    long long j = r % p.kw; r /= p.kw;
    long long i = r % p.kh; long long c = r / p.kh;
    long long ih = oh * p.sh - p.ph + i * p.dh, iw = ow * p.sw - p.pw + j * p.dw;
    double v = 0;
    if (ih >= 0 && ih < p.h && iw >= 0 && iw < p.w) {
      v = load(x, dt, ((n * p.c + c) * p.h + ih) * p.w + iw);
    }
    store_raw(col, dt, e, v);
  }
}

/**
 * x[n, c, ih, iw] = the sum of the col entries im2col read from it. One thread per x
 * element; for each tap (i, j), in the native order, at most one (oh, ow) reads it.
 */
__global__ void col2im_kernel(const void* col, void* x, int dt, Win p) {
  MXC_FOR(e, p.n * p.c * p.h * p.w) {
    long long r = e;
    long long iw = r % p.w; r /= p.w;
    long long ih = r % p.h; r /= p.h;
    long long c = r % p.c; long long n = r / p.c;
    double acc = 0;
    for (long long i = 0; i < p.kh; i++) {
      long long th = ih + p.ph - i * p.dh;
      if (th < 0 || th % p.sh != 0 || th / p.sh >= p.oh) continue;
      long long oh = th / p.sh;
      for (long long j = 0; j < p.kw; j++) {
        long long tw = iw + p.pw - j * p.dw;
        if (tw < 0 || tw % p.sw != 0 || tw / p.sw >= p.ow) continue;
        long long ow = tw / p.sw;
        long long at = ((((c * p.kh + i) * p.kw + j) * p.n + n) * p.oh + oh) * p.ow + ow;
        acc = rt(dt, acc + load(col, dt, at));
      }
    }
    store_raw(x, dt, e, acc);
  }
}

// ---- conv2d and its gradients ------------------------------------------------------------

/** y[n, m, oh, ow] = sum over c', i, j of w[m, c', i, j] * x[n, g*C/G + c', ih, iw]. */
__global__ void conv2d_kernel(const void* x, const void* w, void* y, int dt, Win p) {
  MXC_FOR(e, p.n * p.m * p.oh * p.ow) {
    long long r = e;
    long long ow = r % p.ow; r /= p.ow;
    long long oh = r % p.oh; r /= p.oh;
    long long m = r % p.m; long long n = r / p.m;
    long long xc0 = n * p.c + (m / p.mg) * p.cg;  // the group's first channel of image n
    double acc = 0;
    for (long long c = 0; c < p.cg; c++) {
      for (long long i = 0; i < p.kh; i++) {
        long long ih = oh * p.sh - p.ph + i * p.dh;
        if (ih < 0 || ih >= p.h) continue;
        for (long long j = 0; j < p.kw; j++) {
          long long iw = ow * p.sw - p.pw + j * p.dw;
          if (iw < 0 || iw >= p.w) continue;
          acc += load(w, dt, ((m * p.cg + c) * p.kh + i) * p.kw + j) *
                 load(x, dt, ((xc0 + c) * p.h + ih) * p.w + iw);
        }
      }
    }
    store_raw(y, dt, e, acc);
  }
}

/** gx[n, c, ih, iw] = sum of w[m, c', i, j] * gy[n, m, oh, ow] over the terms that read it. */
__global__ void conv2d_data_kernel(const void* gy, const void* w, void* gx, int dt, Win p) {
  MXC_FOR(e, p.n * p.c * p.h * p.w) {
    long long r = e;
    long long iw = r % p.w; r /= p.w;
    long long ih = r % p.h; r /= p.h;
    long long c = r % p.c; long long n = r / p.c;
    long long g = c / p.cg, cc = c % p.cg;
    double acc = 0;
    for (long long i = 0; i < p.kh; i++) {
      long long th = ih + p.ph - i * p.dh;
      if (th < 0 || th % p.sh != 0 || th / p.sh >= p.oh) continue;
      long long oh = th / p.sh;
      for (long long j = 0; j < p.kw; j++) {
        long long tw = iw + p.pw - j * p.dw;
        if (tw < 0 || tw % p.sw != 0 || tw / p.sw >= p.ow) continue;
        long long ow = tw / p.sw;
        for (long long m = g * p.mg; m < (g + 1) * p.mg; m++) {
          acc += load(w, dt, ((m * p.cg + cc) * p.kh + i) * p.kw + j) *
                 load(gy, dt, ((n * p.m + m) * p.oh + oh) * p.ow + ow);
        }
      }
    }
    store_raw(gx, dt, e, acc);
  }
}

/**
 * Term t (over n, oh, ow) of gw element e = (m, c', i, j): gy[n, m, oh, ow] times the x
 * value conv2d read (0 in the padding).
 */
__device__ inline double weight_term(const void* x, const void* gy, int dt, const Win& p,
                                     long long m, long long cc, long long i, long long j,
                                     long long t) {
  long long ow = t % p.ow, oh = (t / p.ow) % p.oh, n = t / (p.ow * p.oh);
  long long ih = oh * p.sh - p.ph + i * p.dh, iw = ow * p.sw - p.pw + j * p.dw;
  if (ih < 0 || ih >= p.h || iw < 0 || iw >= p.w) return 0;
  long long xc = n * p.c + (m / p.mg) * p.cg + cc;
  return load(gy, dt, ((n * p.m + m) * p.oh + oh) * p.ow + ow) *
         load(x, dt, (xc * p.h + ih) * p.w + iw);
}

/** Splits gw index e into (m, c', i, j). */
__device__ inline void weight_index(const Win& p, long long e, long long& m, long long& cc,
                                    long long& i, long long& j) {
  j = e % p.kw;
  i = (e / p.kw) % p.kh;
  cc = (e / (p.kw * p.kh)) % p.cg;
  m = e / (p.kw * p.kh * p.cg);
}

/** gw, one thread per element: for short sums (few images and output positions). */
__global__ void conv2d_weight_kernel(const void* x, const void* gy, void* gw, int dt, Win p) {
  long long terms = p.n * p.oh * p.ow;
  MXC_FOR(e, p.m * p.cg * p.kh * p.kw) {
    long long m, cc, i, j;
    weight_index(p, e, m, cc, i, j);
    double acc = 0;
    for (long long t = 0; t < terms; t++) acc += weight_term(x, gy, dt, p, m, cc, i, j, t);
    store_raw(gw, dt, e, acc);
  }
}

constexpr int RED = 256;  // threads per gw element in the block-reduction kernel

/**
 * gw, one block per element (looping over elements): the threads take strided terms, then
 * a fixed tree sums their partials, so the order (and the result) never changes.
 */
__global__ void conv2d_weight_block_kernel(const void* x, const void* gy, void* gw, int dt,
                                           Win p) {
  __shared__ double part[RED];
  long long terms = p.n * p.oh * p.ow;
  for (long long e = blockIdx.x; e < p.m * p.cg * p.kh * p.kw; e += gridDim.x) {
    long long m, cc, i, j;
    weight_index(p, e, m, cc, i, j);
    double acc = 0;
    for (long long t = threadIdx.x; t < terms; t += RED) {
      acc += weight_term(x, gy, dt, p, m, cc, i, j, t);
    }
    part[threadIdx.x] = acc;
    __syncthreads();
    for (int s = RED / 2; s > 0; s /= 2) {
      if ((int)threadIdx.x < s) part[threadIdx.x] += part[threadIdx.x + s];
      __syncthreads();
    }
    if (threadIdx.x == 0) store_raw(gw, dt, e, part[0]);
    __syncthreads();  // part[0] is read before the next element overwrites it
  }
}

/** conv2d.rs `decode`: three buffers, the window, filters and groups, then the dtypes. */
struct ConvArgs {
  void *a, *b, *out;
  int dt;
  Win p;
};

ConvArgs decode_conv(Meta& m, const char* what) {
  ConvArgs r{};
  Meta::Buf ab = m.buf(), bb = m.buf(), ob = m.buf();
  r.a = ab.p;
  r.b = bb.p;
  r.out = ob.p;
  int adt = ab.dt, bdt = bb.dt, odt = ob.dt;
  Win& p = r.p;
  long long* f[] = {&p.n, &p.c, &p.h, &p.w, &p.kh, &p.kw, &p.sh, &p.sw,
                    &p.ph, &p.pw, &p.dh, &p.dw, &p.oh, &p.ow, &p.m, &p.g};
  for (long long* x : f) *x = m.usize();
  std::string w(what);
  if (p.sh == 0 || p.sw == 0 || p.dh == 0 || p.dw == 0) {
    mxc_fail(w + ": stride and dilation must be positive");
  }
  if (p.g == 0 || p.c % p.g != 0 || p.m % p.g != 0) {
    mxc_fail(w + ": groups (" + std::to_string(p.g) + ") must divide channels (" +
             std::to_string(p.c) + ") and filters (" + std::to_string(p.m) + ")");
  }
  p.cg = p.c / p.g;
  p.mg = p.m / p.g;
  // The native library's limit (its BLAS takes int sizes); kept so both fail alike.
  const long long lim = 2147483647LL;
  if (p.cg * p.kh * p.kw > lim || p.oh * p.ow > lim || p.mg > lim || p.h * p.w > lim) {
    mxc_fail(w + ": sizes exceed the BLAS index range");
  }
  if (adt != bdt || adt != odt) {
    mxc_fail(w + ": dtypes differ (" + dtype_name(adt) + ", " + dtype_name(bdt) + ", " +
             dtype_name(odt) + ")");
  }
  if (adt != DT_F32 && adt != DT_F64 && adt != DT_F16) {
    mxc_fail(w + ": dtype " + dtype_name(adt) +
             " is not supported (float32, float64 and float16 only)");
  }
  r.dt = adt;
  return r;
}

}  // namespace

/** Decodes `x, col (buffers), window`. */
void mxc_im2col(Meta& m) {
  Meta::Buf xb = m.buf(), cb = m.buf();
  void *x = xb.p, *col = cb.p;
  int xdt = xb.dt, cdt = cb.dt;
  Win p = decode_win(m);
  if (xdt != cdt) {
    mxc_fail(std::string("im2col: x is ") + debug_name(xdt) + " but col is " + debug_name(cdt));
  }
  long long total = p.c * p.kh * p.kw * p.n * p.oh * p.ow;
  if (total == 0) return;
  MXC_LAUNCH(im2col_kernel, mxc_blocks(total), MXC_THREADS, x, col, xdt, p);
}

/** Decodes `col, x (buffers), window`: x = 0, then x += col at the positions read. */
void mxc_col2im(Meta& m) {
  Meta::Buf cb = m.buf(), xb = m.buf();
  void *col = cb.p, *x = xb.p;
  int cdt = cb.dt, xdt = xb.dt;
  Win p = decode_win(m);
  if (xdt != cdt) {
    mxc_fail(std::string("col2im: col is ") + debug_name(cdt) + " but x is " + debug_name(xdt));
  }
  long long total = p.n * p.c * p.h * p.w;
  if (total == 0) return;
  MXC_LAUNCH(col2im_kernel, mxc_blocks(total), MXC_THREADS, col, x, xdt, p);
}

/** Decodes `x, w, y (buffers), window, filters, groups`. */
void mxc_conv2d(Meta& m) {
  ConvArgs a = decode_conv(m, "conv2d");
  long long total = a.p.n * a.p.m * a.p.oh * a.p.ow;
  if (total == 0) return;
  MXC_LAUNCH(conv2d_kernel, mxc_blocks(total), MXC_THREADS, a.a, a.b, a.out, a.dt, a.p);
}

/** Decodes `gy, w, gx (buffers), window, filters, groups`. */
void mxc_conv2d_backward_data(Meta& m) {
  ConvArgs a = decode_conv(m, "conv2dBackwardData");
  long long total = a.p.n * a.p.c * a.p.h * a.p.w;
  if (total == 0) return;
  MXC_LAUNCH(conv2d_data_kernel, mxc_blocks(total), MXC_THREADS, a.a, a.b, a.out, a.dt, a.p);
}

/** Decodes `x, gy, gw (buffers), window, filters, groups`. */
void mxc_conv2d_backward_weight(Meta& m) {
  ConvArgs a = decode_conv(m, "conv2dBackwardWeight");
  const Win& p = a.p;
  long long total = p.m * p.cg * p.kh * p.kw, terms = p.n * p.oh * p.ow;
  if (total == 0) return;
  // Long sums over few weights would leave most of the device idle with one thread per
  // element: spread each element's sum over a block instead.
  if (terms >= 4 * RED) {
    MXC_LAUNCH_SYNC(conv2d_weight_block_kernel, mxc_blocks(total, 1), RED, a.a, a.b, a.out, a.dt,
                    p);
  } else {
    MXC_LAUNCH(conv2d_weight_kernel, mxc_blocks(total), MXC_THREADS, a.a, a.b, a.out, a.dt, p);
  }
}
