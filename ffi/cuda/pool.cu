// 2-D pooling and its gradient (`mxc_pool`, `mxc_pool_backward`): ports of `pool` and
// `pool_backward` in ffi/src/conv.rs, with MXNet's window rules as documented on
// `Kernels.pool` in backends/backend.ts. Same argument blocks and validation as the Rust.
//
// Both are bit-identical to the native kernels: pool sums in double and rounds once like
// it; pool_backward is a gather (one thread per gx element, visiting the windows that
// cover it in the native's output order) that rounds after every add to the storage type,
// as the native's `gx += g` on stored values does. No atomics, so results are deterministic.
#include "window.cuh"

namespace {

__device__ inline long long lmin(long long a, long long b) { return a < b ? a : b; }
__device__ inline long long lmax(long long a, long long b) { return a > b ? a : b; }

/** The window (windowFields() order; dilation unused), the pool type and countIncludePad. */
struct Pool : Window {
  int kind;  // 0 max, 1 avg, 2 sum
  bool include_pad;
};

/** The clipped window of output (oh, ow) and avg's divisor, as conv.rs `Pool::plane`. */
struct Span {
  long long hs, he, ws, we;
  double div;
};

__device__ inline Span window(const Pool& p, long long oh, long long ow) {
  long long hs0 = oh * p.sh - p.ph, he0 = lmin(hs0 + p.kh, p.h + p.ph);
  long long ws0 = ow * p.sw - p.pw, we0 = lmin(ws0 + p.kw, p.w + p.pw);
  long long hs = lmax(hs0, 0), he = lmin(he0, p.h), ws = lmax(ws0, 0), we = lmin(we0, p.w);
  long long clipped = lmax(he - hs, 0) * lmax(we - ws, 0);
  double div = p.kind != 1      ? 1.0
               : p.include_pad ? (double)((he0 - hs0) * (we0 - ws0))
                               : (double)clipped;
  // Empty ranges stay empty: the end never precedes the start.
  return Span{hs, lmax(he, hs), ws, lmax(we, ws), div};
}

/** out[pl, oh, ow]: max (NaN sticks; -Infinity when empty), or the sum / divisor. */
__global__ void pool_kernel(const void* x, void* out, int dt, Pool p) {
  MXC_FOR(e, p.n * p.c * p.oh * p.ow) {
    long long ow = e % p.ow, oh = (e / p.ow) % p.oh, pl = e / (p.ow * p.oh);
    long long base = pl * p.h * p.w;
    Span s = window(p, oh, ow);
    double v;
    if (p.kind == 0) {
      v = -INFINITY;
      for (long long hh = s.hs; hh < s.he; hh++)
        for (long long ww = s.ws; ww < s.we; ww++) {
          double t = load(x, dt, base + hh * p.w + ww);
          if (t > v || isnan(t)) v = t;
        }
    } else {
      double sum = 0;
      for (long long hh = s.hs; hh < s.he; hh++)
        for (long long ww = s.ws; ww < s.we; ww++) sum += load(x, dt, base + hh * p.w + ww);
      v = s.div == 0.0 ? 0.0 : sum / s.div;
    }
    store_raw(out, dt, e, v);
  }
}

/**
 * gx[pl, ih, iw]: the gy of every window (in output order) that covers it: max -> only
 * when it is that window's first maximal element (the first element, then each strictly
 * greater one, so a NaN first element keeps the gradient); avg/sum -> gy / divisor.
 */
__global__ void pool_backward_kernel(const void* x, const void* gy, void* gx, int dt, Pool p) {
  MXC_FOR(e, p.n * p.c * p.h * p.w) {
    long long iw = e % p.w, ih = (e / p.w) % p.h, pl = e / (p.w * p.h);
    long long base = pl * p.h * p.w;
    // Windows covering row ih: oh*sh - ph <= ih < oh*sh - ph + kh (likewise columns).
    long long th = ih + p.ph - p.kh, tw = iw + p.pw - p.kw;
    long long oh0 = th < 0 ? 0 : th / p.sh + 1, ow0 = tw < 0 ? 0 : tw / p.sw + 1;
    long long oh1 = lmin(p.oh - 1, (ih + p.ph) / p.sh), ow1 = lmin(p.ow - 1, (iw + p.pw) / p.sw);
    double acc = 0;
    for (long long oh = oh0; oh <= oh1; oh++) {
      for (long long ow = ow0; ow <= ow1; ow++) {
        Span s = window(p, oh, ow);
        if (ih < s.hs || ih >= s.he || iw < s.ws || iw >= s.we) continue;
        long long o = (pl * p.oh + oh) * p.ow + ow;
        if (p.kind == 0) {
          double m = load(x, dt, base + s.hs * p.w + s.ws);
          long long at = s.hs * p.w + s.ws;
          for (long long hh = s.hs; hh < s.he; hh++)
            for (long long ww = s.ws; ww < s.we; ww++) {
              double t = load(x, dt, base + hh * p.w + ww);
              if (t > m) {
                m = t;
                at = hh * p.w + ww;
              }
            }
          if (at == ih * p.w + iw) acc = rt(dt, acc + load(gy, dt, o));
        } else if (s.div != 0.0) {
          acc = rt(dt, acc + load(gy, dt, o) / s.div);
        }
      }
    }
    store_raw(gx, dt, e, acc);
  }
}

/** conv.rs `Pool::decode`: the window, then type and countIncludePad. */
Pool decode_pool(Meta& m) {
  Pool p{};
  decode_window(m, p);
  long long kind = m.usize();
  p.include_pad = m.flag();
  if (kind > 2) mxc_fail("pool: unknown type code " + std::to_string(kind));
  p.kind = (int)kind;
  return p;
}

}  // namespace

/** Decodes `x, out (buffers), window, type, countIncludePad`. */
void mxc_pool(Meta& m) {
  Meta::Buf xb = m.buf(), ob = m.buf();
  void *x = xb.p, *out = ob.p;
  int xdt = xb.dt, odt = ob.dt;
  Pool p = decode_pool(m);
  if (xdt != odt) {
    mxc_fail(std::string("pool: x is ") + debug_name(xdt) + " but out is " + debug_name(odt));
  }
  long long total = p.n * p.c * p.oh * p.ow;
  if (total == 0) return;
  MXC_LAUNCH(pool_kernel, mxc_blocks(total), MXC_THREADS, x, out, xdt, p);
}

/** Decodes `x, gy, gx (buffers), window, type, countIncludePad`. */
void mxc_pool_backward(Meta& m) {
  Meta::Buf xb = m.buf(), gyb = m.buf(), gxb = m.buf();
  void *x = xb.p, *gy = gyb.p, *gx = gxb.p;
  int xdt = xb.dt, gydt = gyb.dt, gxdt = gxb.dt;
  Pool p = decode_pool(m);
  if (xdt != gydt || xdt != gxdt) {
    mxc_fail(std::string("poolBackward: dtypes differ (x ") + debug_name(xdt) + ", gy " +
             debug_name(gydt) + ", gx " + debug_name(gxdt) + ")");
  }
  long long total = p.n * p.c * p.h * p.w;
  if (total == 0) return;
  MXC_LAUNCH(pool_backward_kernel, mxc_blocks(total), MXC_THREADS, x, gy, gx, xdt, p);
}
