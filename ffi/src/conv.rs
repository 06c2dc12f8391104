//! Sliding-window kernels (im2col / col2im for convolution through GEMM, 2-D pooling and
//! its gradient) with the semantics documented on `Kernels` in backends/backend.ts and
//! the TS reference in backends/ts/conv.ts. Generic over the element type, so the float32
//! path is a plain typed loop.

use crate::dtype::{f16_to_f32, f64_to_f16, to_int32, DType};
use crate::meta::{product, Buf, Meta};
use crate::par::{for_ranges, SendPtr};

/// A storage type: read as f64, written as a JS typed-array assignment.
trait Slot {
    unsafe fn get(p: *const u8, i: usize) -> f64;
    unsafe fn set(p: *mut u8, i: usize, v: f64);
}
macro_rules! slot {
    ($name:ident, $t:ty, $get:expr, $set:expr) => {
        struct $name;
        impl Slot for $name {
            #[inline(always)]
            unsafe fn get(p: *const u8, i: usize) -> f64 {
                $get(*(p as *const $t).add(i))
            }
            #[inline(always)]
            unsafe fn set(p: *mut u8, i: usize, v: f64) {
                *(p as *mut $t).add(i) = $set(v);
            }
        }
    };
}
slot!(SF32, f32, |v: f32| v as f64, |v: f64| v as f32);
slot!(SF64, f64, |v: f64| v, |v: f64| v);
slot!(SF16, u16, |v: u16| f16_to_f32(v) as f64, f64_to_f16);
slot!(SU8, u8, |v: u8| v as f64, |v: f64| to_int32(v) as u8);
slot!(SI32, i32, |v: i32| v as f64, to_int32);
slot!(SI8, i8, |v: i8| v as f64, |v: f64| to_int32(v) as i8);

/// Runs `$body` with `$S` bound to the slot type of `$dt`.
macro_rules! with_slot {
    ($dt:expr, $S:ident => $body:expr) => {
        match $dt {
            DType::F32 => {
                type $S = SF32;
                $body
            }
            DType::F64 | DType::I64 => {
                type $S = SF64;
                $body
            }
            DType::F16 => {
                type $S = SF16;
                $body
            }
            DType::U8 | DType::Bool => {
                type $S = SU8;
                $body
            }
            DType::I32 => {
                type $S = SI32;
                $body
            }
            DType::I8 => {
                type $S = SI8;
                $body
            }
        }
    };
}

#[derive(Clone, Copy)]
struct Win {
    n: usize,
    c: usize,
    h: usize,
    w: usize,
    kh: usize,
    kw: usize,
    sh: usize,
    sw: usize,
    ph: usize,
    pw: usize,
    dh: usize,
    dw: usize,
    oh: usize,
    ow: usize,
}

impl Win {
    fn decode(m: &mut Meta) -> Result<Win, String> {
        let mut v = [0usize; 14];
        for x in v.iter_mut() {
            *x = m.usize()?;
        }
        check_fields(&v)?;
        let [n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow] = v;
        if sh == 0 || sw == 0 {
            return Err("window stride must be positive".into());
        }
        Ok(Win { n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow })
    }

    /// Elements of the images x [n, c, h, w].
    fn image_len(&self, what: &str) -> Result<usize, String> {
        product(what, &[self.n, self.c, self.h, self.w])
    }

    /// Elements of the outputs [n, c, oh, ow] (pooling).
    fn out_len(&self, what: &str) -> Result<usize, String> {
        product(what, &[self.n, self.c, self.oh, self.ow])
    }

    /// Elements of the columns [c, kh, kw, n, oh, ow] (im2col).
    fn col_len(&self, what: &str) -> Result<usize, String> {
        product(what, &[self.c, self.kh, self.kw, self.n, self.oh, self.ow])
    }

    /// The ow range whose input column `ow*sw + off` lies inside the image.
    fn ow_range(&self, off: isize) -> (usize, usize) {
        let (sw, ow) = (self.sw as f64, self.ow as f64);
        let lo = ow.min(0f64.max((-off as f64 / sw).ceil()));
        let hi = lo.max(ow.min(((self.w as isize - off) as f64 / sw).ceil()));
        (lo as usize, hi as usize)
    }
}

/// Every window field below 2^31, so the kernels' index arithmetic (a product of two
/// fields plus a few more) cannot overflow, here or in the CUDA build.
pub(crate) fn check_fields(v: &[usize]) -> Result<(), String> {
    const LIMIT: usize = i32::MAX as usize;
    if let Some(x) = v.iter().find(|&&x| x > LIMIT) {
        return Err(format!("window field {x} exceeds {LIMIT}"));
    }
    Ok(())
}

/// The buffers and window of im2col (`x, col, window`) or col2im (`col, x, window`):
/// x holds the images [n, c, h, w], col the columns [c, kh, kw, n, oh, ow].
pub struct Cols {
    x: Buf,
    col: Buf,
    p: Win,
}

impl Cols {
    pub fn decode(m: &mut Meta, what: &str) -> Result<Cols, String> {
        let (first, second) = (m.buf()?, m.buf()?);
        let p = Win::decode(m)?;
        let (x, col) = if what == "im2col" { (first, second) } else { (second, first) };
        let (xdt, cdt) = (x.dt, col.dt);
        if xdt != cdt {
            return Err(if what == "im2col" {
                format!("im2col: x is {xdt:?} but col is {cdt:?}")
            } else {
                format!("col2im: col is {cdt:?} but x is {xdt:?}")
            });
        }
        x.expect(what, "x", p.image_len(what)?)?;
        col.expect(what, "col", p.col_len(what)?)?;
        Ok(Cols { x, col, p })
    }
}

/// Decodes `x, col (buffers), window`.
pub fn im2col(m: &mut Meta) -> Result<(), String> {
    let Cols { x, col, p } = Cols::decode(m, "im2col")?;
    let (x, xdt, col) = (SendPtr(x.ptr), x.dt, SendPtr(col.ptr));
    let rows = p.c * p.kh * p.kw;
    let per = p.n * p.oh * p.ow;
    // `move`: the closure holds its own copy of the window, which the stores through raw
    // pointers cannot alias (through a captured reference every field would be reloaded).
    with_slot!(xdt, S => for_ranges(rows, (1 << 16) / per.max(1) + 1, move |a, b| unsafe {
        for r in a..b {
            let (c, i, j) = (r / (p.kh * p.kw), (r / p.kw) % p.kh, r % p.kw);
            let dh = (i * p.dh) as isize - p.ph as isize;
            let dw = (j * p.dw) as isize - p.pw as isize;
            let (lo, hi) = p.ow_range(dw);
            let mut dst = r * per;
            for n in 0..p.n {
                let base = ((n * p.c + c) * p.h * p.w) as isize;
                for oh in 0..p.oh {
                    let ih = (oh * p.sh) as isize + dh;
                    if ih < 0 || ih >= p.h as isize {
                        for ow in 0..p.ow {
                            S::set(col.get(), dst + ow, 0.0);
                        }
                    } else {
                        // Padding columns are zeros; the rest a (strided) run of one row.
                        for ow in (0..lo).chain(hi..p.ow) {
                            S::set(col.get(), dst + ow, 0.0);
                        }
                        let row = base + ih * p.w as isize + dw;
                        for ow in lo..hi {
                            let at = (row + (ow * p.sw) as isize) as usize;
                            S::set(col.get(), dst + ow, S::get(x.get(), at));
                        }
                    }
                    dst += p.ow;
                }
            }
        }
    }));
    Ok(())
}

/// Decodes `col, x (buffers), window`: x = 0, then x += col at the positions read.
/// Channels touch disjoint planes of x, so they run in parallel (each channel in the
/// serial order, so the sums are the same).
pub fn col2im(m: &mut Meta) -> Result<(), String> {
    let Cols { x, col, p } = Cols::decode(m, "col2im")?;
    let (x, xdt, col) = (SendPtr(x.ptr), x.dt, SendPtr(col.ptr));
    let per_c = p.kh * p.kw * p.n * p.oh * p.ow;
    with_slot!(xdt, S => for_ranges(p.c, (1 << 16) / per_c.max(1) + 1, |ca, cb| unsafe {
        // A local copy of the window (see im2col).
        let (col, x, p) = (col.get(), x.get(), p);
        for n in 0..p.n {
            for c in ca..cb {
                let base = (n * p.c + c) * p.h * p.w;
                for i in base..base + p.h * p.w {
                    S::set(x, i, 0.0);
                }
            }
        }
        let mut src = ca * per_c;
        for c in ca..cb {
            for i in 0..p.kh {
                for j in 0..p.kw {
                    let dh = (i * p.dh) as isize - p.ph as isize;
                    let dw = (j * p.dw) as isize - p.pw as isize;
                    let (lo, hi) = p.ow_range(dw);
                    for n in 0..p.n {
                        let base = ((n * p.c + c) * p.h * p.w) as isize;
                        for oh in 0..p.oh {
                            let ih = (oh * p.sh) as isize + dh;
                            if ih >= 0 && ih < p.h as isize {
                                let row = base + ih * p.w as isize + dw;
                                for ow in lo..hi {
                                    let at = (row + (ow * p.sw) as isize) as usize;
                                    S::set(x, at, S::get(x, at) + S::get(col, src + ow));
                                }
                            }
                            src += p.ow;
                        }
                    }
                }
            }
        }
    }));
    Ok(())
}

/// Pooling parameters after the window: type (0 max, 1 avg, 2 sum), countIncludePad.
pub struct Pool {
    win: Win,
    kind: usize,
    include_pad: bool,
}

impl Pool {
    fn decode(m: &mut Meta) -> Result<Pool, String> {
        let win = Win::decode(m)?;
        let (kind, include_pad) = (m.usize()?, m.bool()?);
        if kind > 2 {
            return Err(format!("pool: unknown type code {kind}"));
        }
        Ok(Pool { win, kind, include_pad })
    }

    /// Calls `f(out index, plane base, hs, he, ws, we, divisor)` for the windows of plane `pl`.
    fn plane(&self, pl: usize, mut f: impl FnMut(usize, usize, usize, usize, usize, usize, f64)) {
        let p = &self.win;
        let (h, w) = (p.h as isize, p.w as isize);
        let base = pl * p.h * p.w;
        let mut o = pl * p.oh * p.ow;
        for oh in 0..p.oh {
            let hs0 = (oh * p.sh) as isize - p.ph as isize;
            let he0 = (hs0 + p.kh as isize).min(h + p.ph as isize);
            let (hs, he) = (hs0.max(0), he0.min(h));
            for ow in 0..p.ow {
                let ws0 = (ow * p.sw) as isize - p.pw as isize;
                let we0 = (ws0 + p.kw as isize).min(w + p.pw as isize);
                let (ws, we) = (ws0.max(0), we0.min(w));
                let clipped = (he - hs).max(0) * (we - ws).max(0);
                let div = if self.kind != 1 {
                    1
                } else if self.include_pad {
                    (he0 - hs0) * (we0 - ws0)
                } else {
                    clipped
                };
                let c = |v: isize| v.max(0) as usize;
                f(o, base, c(hs), c(he).max(c(hs)), c(ws), c(we).max(c(ws)), div as f64);
                o += 1;
            }
        }
    }
}

impl Pool {
    /// 2x2 windows, stride 2, no padding: the common max-pooling layer, with its own loop.
    fn is_2x2(&self) -> bool {
        let p = &self.win;
        p.kh == 2 && p.kw == 2 && p.sh == 2 && p.sw == 2 && p.ph == 0 && p.pw == 0
    }

    /// Planes per thread: enough elements to pay for a spawn.
    fn grain(&self) -> usize {
        (1 << 16) / (self.win.h * self.win.w + self.win.oh * self.win.ow).max(1) + 1
    }

    /// Pools plane `pl` of x into out.
    ///
    /// # Safety
    /// x and out hold the planes of the window's shape.
    #[inline(always)]
    unsafe fn forward_plane<S: Slot>(&self, x: *const u8, out: *mut u8, pl: usize) {
        let p = self.win;
        let w = p.w;
        if self.kind == 0 && self.is_2x2() && 2 * p.oh <= p.h && 2 * p.ow <= p.w {
            // Every window is whole: max over (a, b; c, d) in row-major order, NaN sticking.
            let (base, mut o) = (pl * p.h * w, pl * p.oh * p.ow);
            for oh in 0..p.oh {
                let r = base + 2 * oh * w;
                for ow in 0..p.ow {
                    let i = r + 2 * ow;
                    let mut m = S::get(x, i);
                    for v in [S::get(x, i + 1), S::get(x, i + w), S::get(x, i + w + 1)] {
                        if v > m || v.is_nan() {
                            m = v;
                        }
                    }
                    S::set(out, o, m);
                    o += 1;
                }
            }
            return;
        }
        self.plane(pl, |o, base, hs, he, ws, we, div| {
            let v = if self.kind == 0 {
                let mut m = f64::NEG_INFINITY;
                for hh in hs..he {
                    for ww in ws..we {
                        let v = S::get(x, base + hh * w + ww);
                        if v > m || v.is_nan() {
                            m = v;
                        }
                    }
                }
                m
            } else {
                let mut s = 0.0;
                for hh in hs..he {
                    for ww in ws..we {
                        s += S::get(x, base + hh * w + ww);
                    }
                }
                if div == 0.0 {
                    0.0
                } else {
                    s / div
                }
            };
            S::set(out, o, v);
        });
    }

    /// The gradient for plane `pl`: zeroes its gx plane, then adds each gy element.
    ///
    /// # Safety
    /// x, gy and gx hold the planes of the window's shape.
    #[inline(always)]
    unsafe fn backward_plane<S: Slot>(&self, x: *const u8, gy: *const u8, gx: *mut u8, pl: usize) {
        let p = self.win;
        let w = p.w;
        let base = pl * p.h * w;
        for i in base..base + p.h * w {
            S::set(gx, i, 0.0);
        }
        if self.kind == 0 && self.is_2x2() && 2 * p.oh <= p.h && 2 * p.ow <= p.w {
            // Windows are whole and disjoint: gy lands on the first maximal element.
            let mut o = pl * p.oh * p.ow;
            for oh in 0..p.oh {
                let r = base + 2 * oh * w;
                for ow in 0..p.ow {
                    let i = r + 2 * ow;
                    let (mut m, mut at) = (S::get(x, i), i);
                    for j in [i + 1, i + w, i + w + 1] {
                        let v = S::get(x, j);
                        if v > m {
                            m = v;
                            at = j;
                        }
                    }
                    S::set(gx, at, S::get(gx, at) + S::get(gy, o));
                    o += 1;
                }
            }
            return;
        }
        self.plane(pl, |o, base, hs, he, ws, we, div| {
            if self.kind == 0 {
                let (mut m, mut at) = (f64::NEG_INFINITY, usize::MAX);
                for hh in hs..he {
                    for ww in ws..we {
                        let v = S::get(x, base + hh * w + ww);
                        if at == usize::MAX || v > m {
                            m = v;
                            at = base + hh * w + ww;
                        }
                    }
                }
                if at != usize::MAX {
                    S::set(gx, at, S::get(gx, at) + S::get(gy, o));
                }
            } else if div != 0.0 {
                let g = S::get(gy, o) / div;
                for hh in hs..he {
                    for ww in ws..we {
                        let i = base + hh * w + ww;
                        S::set(gx, i, S::get(gx, i) + g);
                    }
                }
            }
        });
    }
}

/// Decodes `x, out (buffers), window, type, countIncludePad`: x [n, c, h, w] into out
/// [n, c, oh, ow].
pub fn decode_pool(m: &mut Meta) -> Result<(Buf, Buf, Pool), String> {
    let (x, out) = (m.buf()?, m.buf()?);
    let p = Pool::decode(m)?;
    let (xdt, odt) = (x.dt, out.dt);
    if xdt != odt {
        return Err(format!("pool: x is {xdt:?} but out is {odt:?}"));
    }
    x.expect("pool", "x", p.win.image_len("pool")?)?;
    out.expect("pool", "out", p.win.out_len("pool")?)?;
    Ok((x, out, p))
}

/// Decodes `x, gy, gx (buffers), window, type, countIncludePad`: x and gx [n, c, h, w],
/// gy [n, c, oh, ow].
pub fn decode_pool_backward(m: &mut Meta) -> Result<(Buf, Buf, Buf, Pool), String> {
    let (x, gy, gx) = (m.buf()?, m.buf()?, m.buf()?);
    let p = Pool::decode(m)?;
    let (xdt, gydt, gxdt) = (x.dt, gy.dt, gx.dt);
    if xdt != gydt || xdt != gxdt {
        return Err(format!("poolBackward: dtypes differ (x {xdt:?}, gy {gydt:?}, gx {gxdt:?})"));
    }
    let what = "poolBackward";
    x.expect(what, "x", p.win.image_len(what)?)?;
    gy.expect(what, "gy", p.win.out_len(what)?)?;
    gx.expect(what, "gx", p.win.image_len(what)?)?;
    Ok((x, gy, gx, p))
}

/// Pools (layout in `decode_pool`). Planes run in parallel.
pub fn pool(m: &mut Meta) -> Result<(), String> {
    let (x, out, p) = decode_pool(m)?;
    let (x, xdt, out) = (SendPtr(x.ptr), x.dt, SendPtr(out.ptr));
    let planes = p.win.n * p.win.c;
    with_slot!(xdt, S => for_ranges(planes, p.grain(), |a, b| unsafe {
        for pl in a..b {
            p.forward_plane::<S>(x.get(), out.get(), pl);
        }
    }));
    Ok(())
}

/// The pooling gradient (layout in `decode_pool_backward`). Windows never cross planes,
/// so planes run in parallel (each in the reference's window order).
pub fn pool_backward(m: &mut Meta) -> Result<(), String> {
    let (x, gy, gx, p) = decode_pool_backward(m)?;
    let (x, xdt, gy, gx) = (SendPtr(x.ptr), x.dt, SendPtr(gy.ptr), SendPtr(gx.ptr));
    let planes = p.win.n * p.win.c;
    with_slot!(xdt, S => for_ranges(planes, p.grain(), |a, b| unsafe {
        for pl in a..b {
            p.backward_plane::<S>(x.get(), gy.get(), gx.get(), pl);
        }
    }));
    Ok(())
}
