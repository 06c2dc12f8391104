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
    with_slot!(xdt, S => for_ranges(rows, (1 << 16) / per.max(1) + 1, |a, b| unsafe {
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
                    for ow in 0..p.ow {
                        let v = if ih < 0 || ih >= p.h as isize || ow < lo || ow >= hi {
                            0.0
                        } else {
                            S::get(x.get(), (base + ih * p.w as isize + dw + (ow * p.sw) as isize) as usize)
                        };
                        S::set(col.get(), dst + ow, v);
                    }
                    dst += p.ow;
                }
            }
        }
    }));
    Ok(())
}

/// Decodes `col, coldt, x, xdt, window`: x = 0, then x += col at the positions read.
pub fn col2im(m: &mut Meta) -> Result<(), String> {
    let (col, cdt, x, xdt) = (m.ptr()?, m.dtype()?, m.ptr()?, m.dtype()?);
    let p = Win::decode(m)?;
    if xdt != cdt {
        return Err(format!("col2im: col is {cdt:?} but x is {xdt:?}"));
    }
    with_slot!(xdt, S => unsafe {
        for i in 0..p.n * p.c * p.h * p.w {
            S::set(x, i, 0.0);
        }
        let mut src = 0usize;
        for c in 0..p.c {
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
    });
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

/// Decodes `x, xdt, out, odt, window, type, countIncludePad`.
pub fn pool(m: &mut Meta) -> Result<(), String> {
    let (x, xdt, out, odt) = (SendPtr(m.ptr()?), m.dtype()?, SendPtr(m.ptr()?), m.dtype()?);
    let p = Pool::decode(m)?;
    if xdt != odt {
        return Err(format!("pool: x is {xdt:?} but out is {odt:?}"));
    }
    let w = p.win.w;
    let planes = p.win.n * p.win.c;
    let grain = (1 << 16) / (p.win.h * p.win.w).max(1) + 1;
    with_slot!(xdt, S => for_ranges(planes, grain, |a, b| unsafe {
        for pl in a..b {
            p.plane(pl, |o, base, hs, he, ws, we, div| {
                let v = if p.kind == 0 {
                    let mut m = f64::NEG_INFINITY;
                    for hh in hs..he {
                        for ww in ws..we {
                            let v = S::get(x.get(), base + hh * w + ww);
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
                            s += S::get(x.get(), base + hh * w + ww);
                        }
                    }
                    if div == 0.0 { 0.0 } else { s / div }
                };
                S::set(out.get(), o, v);
            });
        }
    }));
    Ok(())
}

/// Decodes `x, xdt, gy, gydt, gx, gxdt, window, type, countIncludePad`.
pub fn pool_backward(m: &mut Meta) -> Result<(), String> {
    let (x, xdt, gy, gydt, gx, gxdt) =
        (m.ptr()?, m.dtype()?, m.ptr()?, m.dtype()?, m.ptr()?, m.dtype()?);
    let p = Pool::decode(m)?;
    if xdt != gydt || xdt != gxdt {
        return Err(format!("poolBackward: dtypes differ (x {xdt:?}, gy {gydt:?}, gx {gxdt:?})"));
    }
    let w = p.win.w;
    with_slot!(xdt, S => unsafe {
        for i in 0..p.win.n * p.win.c * p.win.h * p.win.w {
            S::set(gx, i, 0.0);
        }
        for pl in 0..p.win.n * p.win.c {
            p.plane(pl, |o, base, hs, he, ws, we, div| {
                if p.kind == 0 {
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
    });
    Ok(())
}
