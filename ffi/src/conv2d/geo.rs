//! The convolution's geometry and its per-image work: im2col/col2im into a per-thread
//! column buffer and the GEMMs of the forward pass and both adjoints.

use super::float::Float;
use crate::meta::Meta;

/// OpenBLAS 0.3 runs a GEMM single-threaded when m*n*k <= SMP_THRESHOLD_MIN (65536) *
/// GEMM_MULTITHREAD_THRESHOLD (4 by default); our per-image GEMMs stay at or below it.
const BLAS_SINGLE: usize = 65536 * 4;
/// Narrowest column block worth a GEMM call; below it the image runs with BLAS threads.
const MIN_BLOCK: usize = 32;
/// Multiply-adds per thread below which spawning a thread costs more than it saves.
pub(super) const GRAIN_MACS: usize = 1 << 19;

/// The convolution's geometry (the window, filters and groups) plus derived sizes.
#[derive(Clone, Copy, Debug)]
pub(super) struct Geo {
    pub(super) n: usize,
    pub(super) c: usize,
    pub(super) h: usize,
    pub(super) w: usize,
    pub(super) kh: usize,
    pub(super) kw: usize,
    pub(super) sh: usize,
    pub(super) sw: usize,
    pub(super) ph: usize,
    pub(super) pw: usize,
    pub(super) dh: usize,
    pub(super) dw: usize,
    pub(super) oh: usize,
    pub(super) ow: usize,
    /// Filters (M) and groups (G).
    pub(super) m: usize,
    pub(super) g: usize,
    /// Channels and filters per group, GEMM depth C/G*kH*kW, plane sizes.
    pub(super) cg: usize,
    pub(super) mg: usize,
    pub(super) k: usize,
    pub(super) hw: usize,
    pub(super) ohw: usize,
    /// 1x1, stride 1, no padding: the image itself is the column matrix.
    pub(super) pointwise: bool,
    /// Columns per GEMM call (<= ohw), or 0: one image at a time with BLAS threads.
    pub(super) block: usize,
}

impl Geo {
    pub(super) fn decode(m: &mut Meta, what: &str) -> Result<Geo, String> {
        let mut v = [0usize; 16];
        for x in v.iter_mut() {
            *x = m.usize()?;
        }
        crate::conv::check_fields(&v)?;
        let [n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, mm, g] = v;
        if sh == 0 || sw == 0 || dh == 0 || dw == 0 {
            return Err(format!("{what}: stride and dilation must be positive"));
        }
        if g == 0 || c % g != 0 || mm % g != 0 {
            return Err(format!(
                "{what}: groups ({g}) must divide channels ({c}) and filters ({mm})"
            ));
        }
        let (cg, mg) = (c / g, mm / g);
        let k = cg * kh * kw;
        let (hw, ohw) = (h * w, oh * ow);
        let lim = i32::MAX as usize;
        if k > lim || ohw > lim || mg > lim || hw > lim {
            return Err(format!("{what}: sizes exceed the BLAS index range"));
        }
        let pointwise =
            kh == 1 && kw == 1 && sh == 1 && sw == 1 && ph == 0 && pw == 0 && oh == h && ow == w;
        let per_col = (mg * k).max(1);
        let block = if per_col * ohw <= BLAS_SINGLE {
            ohw
        } else if per_col * MIN_BLOCK <= BLAS_SINGLE {
            BLAS_SINGLE / per_col
        } else {
            0
        };
        Ok(Geo {
            n,
            c,
            h,
            w,
            kh,
            kw,
            sh,
            sw,
            ph,
            pw,
            dh,
            dw,
            oh,
            ow,
            m: mm,
            g,
            cg,
            mg,
            k,
            hw,
            ohw,
            pointwise,
            block,
        })
    }

    /// Multiply-adds of one image (all groups).
    pub(super) fn image_macs(&self) -> usize {
        (self.g * self.mg * self.k * self.ohw).max(1)
    }

    /// The ow range [lo, hi) whose input column `ow*sw + off` lies inside the image.
    pub(super) fn ow_range(&self, off: isize) -> (usize, usize) {
        let (sw, w) = (self.sw as isize, self.w as isize);
        let lo = if off >= 0 { 0 } else { ((-off + sw - 1) / sw) as usize };
        let hi = if w - off <= 0 { 0 } else { ((w - off + sw - 1) / sw) as usize };
        let lo = lo.min(self.ow);
        (lo, hi.min(self.ow).max(lo))
    }

    /// Unfolds the group of channels at `x` ([cg, h, w]) into `col` [k, ohw].
    ///
    /// # Safety
    /// `x` holds cg*h*w elements, `col` k*ohw.
    pub(super) unsafe fn im2col<T: Float>(&self, x: *const T, col: *mut T) {
        let (h, w, ow) = (self.h as isize, self.w as isize, self.ow);
        let mut dst = col;
        for c in 0..self.cg {
            let plane = x.add(c * self.hw);
            for i in 0..self.kh {
                let di = (i * self.dh) as isize - self.ph as isize;
                for j in 0..self.kw {
                    let dj = (j * self.dw) as isize - self.pw as isize;
                    let (lo, hi) = self.ow_range(dj);
                    for oh in 0..self.oh {
                        let ih = (oh * self.sh) as isize + di;
                        let d = std::slice::from_raw_parts_mut(dst, ow);
                        dst = dst.add(ow);
                        if ih < 0 || ih >= h || lo == hi {
                            d.fill(T::ZERO);
                            continue;
                        }
                        d[..lo].fill(T::ZERO);
                        d[hi..].fill(T::ZERO);
                        // In range for every ow in lo..hi, so the first one is a valid start.
                        let src = plane.offset(ih * w + dj + (lo * self.sw) as isize);
                        if self.sw == 1 {
                            std::ptr::copy_nonoverlapping(src, d.as_mut_ptr().add(lo), hi - lo);
                        } else {
                            for (t, o) in (lo..hi).enumerate() {
                                d[o] = *src.add(t * self.sw);
                            }
                        }
                    }
                }
            }
        }
    }

    /// The adjoint of `im2col`: adds `col` [k, ohw] into the (zeroed) group at `x`.
    ///
    /// # Safety
    /// As `im2col`.
    pub(super) unsafe fn col2im<T: Float>(&self, col: *const T, x: *mut T) {
        let (h, w, ow) = (self.h as isize, self.w as isize, self.ow);
        let mut src = col;
        for c in 0..self.cg {
            let plane = x.add(c * self.hw);
            for i in 0..self.kh {
                let di = (i * self.dh) as isize - self.ph as isize;
                for j in 0..self.kw {
                    let dj = (j * self.dw) as isize - self.pw as isize;
                    let (lo, hi) = self.ow_range(dj);
                    for oh in 0..self.oh {
                        let ih = (oh * self.sh) as isize + di;
                        let s = src;
                        src = src.add(ow);
                        if ih < 0 || ih >= h || lo == hi {
                            continue;
                        }
                        let d = plane.offset(ih * w + dj + (lo * self.sw) as isize);
                        if self.sw == 1 {
                            let d = std::slice::from_raw_parts_mut(d, hi - lo);
                            let s = std::slice::from_raw_parts(s.add(lo), hi - lo);
                            for (a, b) in d.iter_mut().zip(s) {
                                *a = *a + *b;
                            }
                        } else {
                            for (t, o) in (lo..hi).enumerate() {
                                let p = d.add(t * self.sw);
                                *p = *p + *s.add(o);
                            }
                        }
                    }
                }
            }
        }
    }

    /// Column blocks [start, end) of one GEMM over ohw columns.
    pub(super) fn blocks(&self) -> impl Iterator<Item = (usize, usize)> {
        let (n, b) = (self.ohw, if self.block == 0 { self.ohw.max(1) } else { self.block });
        (0..n.div_ceil(b)).map(move |i| (i * b, ((i + 1) * b).min(n)))
    }

    pub(super) fn col_len(&self) -> usize {
        if self.pointwise {
            0
        } else {
            self.k * self.ohw
        }
    }

    /// The column matrix [k, ohw] of the channel group at `xg`: the group itself for a
    /// pointwise layer, else unfolded into `col`.
    ///
    /// # Safety
    /// As `im2col`.
    pub(super) unsafe fn columns<T: Float>(&self, xg: *const T, col: *mut T) -> *const T {
        if self.pointwise {
            xg
        } else {
            self.im2col(xg, col);
            col
        }
    }

    /// y image [M, ohw] from x image [C, h, w].
    pub(super) unsafe fn forward_image<T: Float>(
        &self,
        x: *const T,
        w: *const T,
        y: *mut T,
        col: *mut T,
    ) {
        for gi in 0..self.g {
            let xg = x.add(gi * self.cg * self.hw);
            let b = self.columns(xg, col);
            let (wg, yg) = (w.add(gi * self.mg * self.k), y.add(gi * self.mg * self.ohw));
            for (a, e) in self.blocks() {
                T::gemm(
                    false,
                    false,
                    self.mg,
                    e - a,
                    self.k,
                    wg,
                    self.k,
                    b.add(a),
                    self.ohw,
                    0.0,
                    yg.add(a),
                    self.ohw,
                );
            }
        }
    }

    /// gx image [C, h, w] (overwritten) from gy image [M, ohw].
    pub(super) unsafe fn data_image<T: Float>(
        &self,
        gy: *const T,
        w: *const T,
        gx: *mut T,
        col: *mut T,
    ) {
        for gi in 0..self.g {
            let gxg = gx.add(gi * self.cg * self.hw);
            let (wg, gyg) = (w.add(gi * self.mg * self.k), gy.add(gi * self.mg * self.ohw));
            // col [k, ohw] = W_g^T [k, mg] · gy_g [mg, ohw] (straight into gx when 1x1).
            let c = if self.pointwise { gxg } else { col };
            for (a, e) in self.blocks() {
                T::gemm(
                    true,
                    false,
                    self.k,
                    e - a,
                    self.mg,
                    wg,
                    self.k,
                    gyg.add(a),
                    self.ohw,
                    0.0,
                    c.add(a),
                    self.ohw,
                );
            }
            if !self.pointwise {
                std::slice::from_raw_parts_mut(gxg, self.cg * self.hw).fill(T::ZERO);
                self.col2im(col, gxg);
            }
        }
    }

    /// acc += the gradient of one image (x image [C, h, w], gy image [M, ohw]), kept
    /// transposed per group: acc [G, k, mg] (`col · gy^T` packs better in OpenBLAS than
    /// `gy · col^T`, ~15% on LeNet's shapes); `store_weight` puts it back in w's layout.
    pub(super) unsafe fn weight_image<T: Float>(
        &self,
        x: *const T,
        gy: *const T,
        acc: *mut T,
        col: *mut T,
    ) {
        for gi in 0..self.g {
            let xg = x.add(gi * self.cg * self.hw);
            let b = self.columns(xg, col);
            let (ag, gyg) = (acc.add(gi * self.mg * self.k), gy.add(gi * self.mg * self.ohw));
            // acc_g [k, mg] += col [k, ohw] · gy_g^T [ohw, mg], over column blocks of ohw.
            for (a, e) in self.blocks() {
                T::gemm(
                    false,
                    true,
                    self.k,
                    self.mg,
                    e - a,
                    b.add(a),
                    self.ohw,
                    gyg.add(a),
                    self.ohw,
                    1.0,
                    ag,
                    self.mg,
                );
            }
        }
    }

    /// Writes an accumulator [G, k, mg] into gw [M, k] (= [G, mg, k]) through `put`.
    pub(super) fn store_weight<T: Copy>(&self, acc: &[T], mut put: impl FnMut(usize, T)) {
        for gi in 0..self.g {
            let base = gi * self.mg * self.k;
            for mm in 0..self.mg {
                for kk in 0..self.k {
                    put(base + mm * self.k + kk, acc[base + kk * self.mg + mm]);
                }
            }
        }
    }

    /// Images per thread: enough work to pay for a spawn.
    pub(super) fn grain(&self) -> usize {
        GRAIN_MACS.div_ceil(self.image_macs())
    }
}
