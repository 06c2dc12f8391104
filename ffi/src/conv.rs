//! Sliding-window kernels (im2col / col2im for convolution through GEMM, 2-D pooling and
//! its gradient) with the semantics documented on `Kernels` in backends/backend.ts and
//! the TS reference in backends/ts/conv.ts. Generic over the element type, so the float32
//! path is a plain typed loop.

use crate::dtype::{f16_to_f32, f64_to_f16, to_int32, DType};
use crate::meta::Meta;
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
        let [n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow] = v;
        if sh == 0 || sw == 0 {
            return Err("window stride must be positive".into());
        }
        Ok(Win { n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow })
    }

    /// The ow range whose input column `ow*sw + off` lies inside the image.
    fn ow_range(&self, off: isize) -> (usize, usize) {
        let (sw, ow) = (self.sw as f64, self.ow as f64);
        let lo = ow.min(0f64.max((-off as f64 / sw).ceil()));
        let hi = lo.max(ow.min(((self.w as isize - off) as f64 / sw).ceil()));
        (lo as usize, hi as usize)
    }
}

/// Decodes `x, xdt, col, coldt, window`.
pub fn im2col(m: &mut Meta) -> Result<(), String> {
    let (x, xdt, col, cdt) = (SendPtr(m.ptr()?), m.dtype()?, SendPtr(m.ptr()?), m.dtype()?);
    let p = Win::decode(m)?;
    if xdt != cdt {
        return Err(format!("im2col: x is {xdt:?} but col is {cdt:?}"));
    }
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

/// Decodes `col, coldt, x, xdt, window`: x = 0, then x += col at the positions read.
/// Channels touch disjoint planes of x, so they run in parallel (each channel in the
/// serial order, so the sums are the same).
pub fn col2im(m: &mut Meta) -> Result<(), String> {
    let (col, cdt, x, xdt) = (SendPtr(m.ptr()?), m.dtype()?, SendPtr(m.ptr()?), m.dtype()?);
    let p = Win::decode(m)?;
    if xdt != cdt {
        return Err(format!("col2im: col is {cdt:?} but x is {xdt:?}"));
    }
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
struct Pool {
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

/// Decodes `x, xdt, out, odt, window, type, countIncludePad`. Planes run in parallel.
pub fn pool(m: &mut Meta) -> Result<(), String> {
    let (x, xdt, out, odt) = (SendPtr(m.ptr()?), m.dtype()?, SendPtr(m.ptr()?), m.dtype()?);
    let p = Pool::decode(m)?;
    if xdt != odt {
        return Err(format!("pool: x is {xdt:?} but out is {odt:?}"));
    }
    let planes = p.win.n * p.win.c;
    with_slot!(xdt, S => for_ranges(planes, p.grain(), |a, b| unsafe {
        for pl in a..b {
            p.forward_plane::<S>(x.get(), out.get(), pl);
        }
    }));
    Ok(())
}

/// Decodes `x, xdt, gy, gydt, gx, gxdt, window, type, countIncludePad`. Windows never
/// cross planes, so planes run in parallel (each in the reference's window order).
pub fn pool_backward(m: &mut Meta) -> Result<(), String> {
    let (x, xdt, gy, gydt, gx, gxdt) = (
        SendPtr(m.ptr()?),
        m.dtype()?,
        SendPtr(m.ptr()?),
        m.dtype()?,
        SendPtr(m.ptr()?),
        m.dtype()?,
    );
    let p = Pool::decode(m)?;
    if xdt != gydt || xdt != gxdt {
        return Err(format!("poolBackward: dtypes differ (x {xdt:?}, gy {gydt:?}, gx {gxdt:?})"));
    }
    let planes = p.win.n * p.win.c;
    with_slot!(xdt, S => for_ranges(planes, p.grain(), |a, b| unsafe {
        for pl in a..b {
            p.backward_plane::<S>(x.get(), gy.get(), gx.get(), pl);
        }
    }));
    Ok(())
}
