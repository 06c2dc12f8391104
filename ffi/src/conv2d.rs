//! Direct 2-D convolution and its two gradients (`Kernels.conv2d`, `conv2dBackwardData`,
//! `conv2dBackwardWeight` in backends/backend.ts): x dense NCHW, w dense [M, C/G, kH, kW],
//! y dense [N, M, outH, outW]; stride, padding, dilation and channel groups.
//!
//! Per image (and group) the patches are unfolded into a per-thread column buffer
//! [C/G*kH*kW, outH*outW] that stays in cache (the batch's columns are never built), and
//! one GEMM writes straight into that image's slice of y. Images run in parallel on our
//! threads; each GEMM is kept below OpenBLAS's threading threshold (split into column
//! blocks when needed) so it runs single-threaded inside its thread and the two thread
//! pools never oversubscribe the cores. Per-image GEMMs too large to split well instead
//! run one image at a time with OpenBLAS's own threads.
//!
//! float16 computes in f32 and rounds once on store; other dtypes are an error.

use crate::dtype::{f16_to_f32, f64_to_f16, DType};
use crate::gemm::{cblas_dgemm, cblas_sgemm, NO_TRANS, ROW_MAJOR, TRANS};
use crate::meta::Meta;
use crate::par::{cores, for_ranges, reserve, SendPtr};

/// OpenBLAS 0.3 runs a GEMM single-threaded when m*n*k <= SMP_THRESHOLD_MIN (65536) *
/// GEMM_MULTITHREAD_THRESHOLD (4 by default); our per-image GEMMs stay at or below it.
const BLAS_SINGLE: usize = 65536 * 4;
/// Narrowest column block worth a GEMM call; below it the image runs with BLAS threads.
const MIN_BLOCK: usize = 32;
/// Multiply-adds per thread below which spawning a thread costs more than it saves.
const GRAIN_MACS: usize = 1 << 19;

/// A GEMM element type (f32 -> sgemm, f64 -> dgemm).
trait Float: Copy + Send + Sync + std::ops::Add<Output = Self> + 'static {
    const ZERO: Self;
    /// Row-major `c = a·b + beta*c` with `a` [m, k] (or its transpose), `b` [k, n].
    #[allow(clippy::too_many_arguments)]
    unsafe fn gemm(
        ta: bool,
        tb: bool,
        m: usize,
        n: usize,
        k: usize,
        a: *const Self,
        lda: usize,
        b: *const Self,
        ldb: usize,
        beta: f64,
        c: *mut Self,
        ldc: usize,
    );
}

fn tr(t: bool) -> i32 {
    if t {
        TRANS
    } else {
        NO_TRANS
    }
}

impl Float for f32 {
    const ZERO: f32 = 0.0;
    unsafe fn gemm(
        ta: bool,
        tb: bool,
        m: usize,
        n: usize,
        k: usize,
        a: *const f32,
        lda: usize,
        b: *const f32,
        ldb: usize,
        beta: f64,
        c: *mut f32,
        ldc: usize,
    ) {
        cblas_sgemm(
            ROW_MAJOR,
            tr(ta),
            tr(tb),
            m as i32,
            n as i32,
            k as i32,
            1.0,
            a,
            lda as i32,
            b,
            ldb as i32,
            beta as f32,
            c,
            ldc as i32,
        );
    }
}

impl Float for f64 {
    const ZERO: f64 = 0.0;
    unsafe fn gemm(
        ta: bool,
        tb: bool,
        m: usize,
        n: usize,
        k: usize,
        a: *const f64,
        lda: usize,
        b: *const f64,
        ldb: usize,
        beta: f64,
        c: *mut f64,
        ldc: usize,
    ) {
        cblas_dgemm(
            ROW_MAJOR,
            tr(ta),
            tr(tb),
            m as i32,
            n as i32,
            k as i32,
            1.0,
            a,
            lda as i32,
            b,
            ldb as i32,
            beta,
            c,
            ldc as i32,
        );
    }
}

/// The convolution's geometry (the window, filters and groups) plus derived sizes.
#[derive(Clone, Copy, Debug)]
struct Geo {
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
    /// Filters (M) and groups (G).
    m: usize,
    g: usize,
    /// Channels and filters per group, GEMM depth C/G*kH*kW, plane sizes.
    cg: usize,
    mg: usize,
    k: usize,
    hw: usize,
    ohw: usize,
    /// 1x1, stride 1, no padding: the image itself is the column matrix.
    pointwise: bool,
    /// Columns per GEMM call (<= ohw), or 0: one image at a time with BLAS threads.
    block: usize,
}

impl Geo {
    fn decode(m: &mut Meta, what: &str) -> Result<Geo, String> {
        let mut v = [0usize; 16];
        for x in v.iter_mut() {
            *x = m.usize()?;
        }
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
    fn image_macs(&self) -> usize {
        (self.g * self.mg * self.k * self.ohw).max(1)
    }

    /// The ow range [lo, hi) whose input column `ow*sw + off` lies inside the image.
    fn ow_range(&self, off: isize) -> (usize, usize) {
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
    unsafe fn im2col<T: Float>(&self, x: *const T, col: *mut T) {
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
    unsafe fn col2im<T: Float>(&self, col: *const T, x: *mut T) {
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
    fn blocks(&self) -> impl Iterator<Item = (usize, usize)> {
        let (n, b) = (self.ohw, if self.block == 0 { self.ohw.max(1) } else { self.block });
        (0..n.div_ceil(b)).map(move |i| (i * b, ((i + 1) * b).min(n)))
    }

    fn col_len(&self) -> usize {
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
    unsafe fn columns<T: Float>(&self, xg: *const T, col: *mut T) -> *const T {
        if self.pointwise {
            xg
        } else {
            self.im2col(xg, col);
            col
        }
    }

    /// y image [M, ohw] from x image [C, h, w].
    unsafe fn forward_image<T: Float>(&self, x: *const T, w: *const T, y: *mut T, col: *mut T) {
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
    unsafe fn data_image<T: Float>(&self, gy: *const T, w: *const T, gx: *mut T, col: *mut T) {
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
    unsafe fn weight_image<T: Float>(&self, x: *const T, gy: *const T, acc: *mut T, col: *mut T) {
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
    fn store_weight<T: Copy>(&self, acc: &[T], mut put: impl FnMut(usize, T)) {
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
    fn grain(&self) -> usize {
        GRAIN_MACS.div_ceil(self.image_macs())
    }
}

/// Buffers as addresses, so the kernel closures can cross threads.
#[derive(Clone, Copy)]
struct Bufs {
    a: SendPtr,
    b: SendPtr,
    out: SendPtr,
}

fn check_dtypes(what: &str, dts: [DType; 3]) -> Result<DType, String> {
    let dt = dts[0];
    if dts.iter().any(|&d| d != dt) {
        return Err(format!(
            "{what}: dtypes differ ({}, {}, {})",
            name(dts[0]),
            name(dts[1]),
            name(dts[2])
        ));
    }
    if !matches!(dt, DType::F32 | DType::F64 | DType::F16) {
        return Err(format!(
            "{what}: dtype {} is not supported (float32, float64 and float16 only)",
            name(dt)
        ));
    }
    Ok(dt)
}

fn name(dt: DType) -> &'static str {
    match dt {
        DType::F32 => "float32",
        DType::F64 => "float64",
        DType::F16 => "float16",
        DType::U8 => "uint8",
        DType::I32 => "int32",
        DType::I8 => "int8",
        DType::I64 => "int64",
        DType::Bool => "bool",
    }
}

fn decode(m: &mut Meta, what: &str) -> Result<(Bufs, DType, Geo), String> {
    let (a, adt, b, bdt, out, odt) =
        (m.ptr()?, m.dtype()?, m.ptr()?, m.dtype()?, m.ptr()?, m.dtype()?);
    let g = Geo::decode(m, what)?;
    let dt = check_dtypes(what, [adt, bdt, odt])?;
    Ok((Bufs { a: SendPtr(a), b: SendPtr(b), out: SendPtr(out) }, dt, g))
}

/// float16 bits to f32, `n` elements from `src` into `dst`.
unsafe fn widen(src: *const u8, dst: &mut [f32]) {
    let s = std::slice::from_raw_parts(src as *const u16, dst.len());
    for (d, &h) in dst.iter_mut().zip(s) {
        *d = f16_to_f32(h);
    }
}

/// f32 to float16 bits (round to nearest even), into `dst`.
unsafe fn narrow(src: &[f32], dst: *mut u8) {
    let d = std::slice::from_raw_parts_mut(dst as *mut u16, src.len());
    for (d, &v) in d.iter_mut().zip(src) {
        *d = f64_to_f16(v as f64);
    }
}

/// Runs `f(first, last)` over image ranges: in parallel when each GEMM is single-threaded
/// (`block` > 0); otherwise on this thread, with the cores reserved for OpenBLAS.
fn images(g: &Geo, f: impl Fn(usize, usize) + Sync) {
    if g.block == 0 {
        let _r = reserve(cores());
        f(0, g.n);
    } else {
        for_ranges(g.n, g.grain(), f);
    }
}

/// The two kernels that map one image to one image with the weights fixed.
#[derive(Clone, Copy)]
enum PerImage {
    /// conv2d: x image -> y image.
    Forward,
    /// conv2dBackwardData: gy image -> gx image.
    Data,
}

impl Geo {
    /// `kind`'s work on one image: `src` [src_len] -> `dst` [dst_len], `col` scratch.
    ///
    /// # Safety
    /// As `forward_image` / `data_image`.
    unsafe fn image<T: Float>(
        &self,
        kind: PerImage,
        src: *const T,
        w: *const T,
        dst: *mut T,
        col: *mut T,
    ) {
        match kind {
            PerImage::Forward => self.forward_image(src, w, dst, col),
            PerImage::Data => self.data_image(src, w, dst, col),
        }
    }
}

/// Runs `kind` over every image, `src_len` and `dst_len` elements per image: f32/f64 in
/// place, float16 through f32 copies of each image (rounded once on store).
fn per_image(g: &Geo, bufs: Bufs, dt: DType, kind: PerImage, src_len: usize, dst_len: usize) {
    let cl = g.col_len();
    fn run<T: Float>(g: &Geo, p: Bufs, kind: PerImage, cl: usize, si: usize, di: usize) {
        images(g, |a, b| unsafe {
            let mut col = vec![T::ZERO; cl];
            let (src, w, dst) =
                (p.a.get() as *const T, p.b.get() as *const T, p.out.get() as *mut T);
            for n in a..b {
                g.image(kind, src.add(n * si), w, dst.add(n * di), col.as_mut_ptr());
            }
        });
    }
    match dt {
        DType::F32 => run::<f32>(g, bufs, kind, cl, src_len, dst_len),
        DType::F64 => run::<f64>(g, bufs, kind, cl, src_len, dst_len),
        _ => unsafe {
            let mut w32 = vec![0f32; g.m * g.k];
            widen(bufs.b.get(), &mut w32);
            let w32 = &w32;
            images(g, |a, b| {
                let (mut col, mut s32, mut d32) =
                    (vec![0f32; cl], vec![0f32; src_len], vec![0f32; dst_len]);
                for n in a..b {
                    widen(bufs.a.get().add(2 * n * src_len), &mut s32);
                    g.image(kind, s32.as_ptr(), w32.as_ptr(), d32.as_mut_ptr(), col.as_mut_ptr());
                    narrow(&d32, bufs.out.get().add(2 * n * dst_len));
                }
            });
        },
    }
}

/// Decodes `x, xdt, w, wdt, y, ydt, window, filters, groups`.
pub fn conv2d(m: &mut Meta) -> Result<(), String> {
    let (bufs, dt, g) = decode(m, "conv2d")?;
    let (xi, yi) = (g.c * g.hw, g.m * g.ohw);
    if g.n * yi == 0 {
        return Ok(());
    }
    if g.k == 0 {
        // Empty sums: y is all zeros (BLAS rejects a zero depth's leading dimension).
        unsafe { std::ptr::write_bytes(bufs.out.get(), 0, g.n * yi * dt.size()) };
        return Ok(());
    }
    per_image(&g, bufs, dt, PerImage::Forward, xi, yi);
    Ok(())
}

/// Decodes `gy, gydt, w, wdt, gx, gxdt, window, filters, groups`.
pub fn conv2d_backward_data(m: &mut Meta) -> Result<(), String> {
    let (bufs, dt, g) = decode(m, "conv2dBackwardData")?;
    let (xi, yi) = (g.c * g.hw, g.m * g.ohw);
    if g.n * xi == 0 {
        return Ok(());
    }
    if g.m * g.ohw * g.k == 0 {
        // No term reaches gx: it is all zeros.
        unsafe { std::ptr::write_bytes(bufs.out.get(), 0, g.n * xi * dt.size()) };
        return Ok(());
    }
    per_image(&g, bufs, dt, PerImage::Data, yi, xi);
    Ok(())
}

/// Decodes `x, xdt, gy, gydt, gw, gwdt, window, filters, groups`.
///
/// Images split into a fixed number of chunks (from the sizes and the core count only,
/// never from timing); each chunk accumulates a private (transposed) gw, and the partials
/// are summed in chunk order, so the result is the same on every run.
pub fn conv2d_backward_weight(m: &mut Meta) -> Result<(), String> {
    let (bufs, dt, g) = decode(m, "conv2dBackwardWeight")?;
    let wlen = g.m * g.k;
    if wlen == 0 {
        return Ok(());
    }
    let (cl, xi, yi) = (g.col_len(), g.c * g.hw, g.m * g.ohw);
    let chunks = if g.block == 0 {
        1
    } else {
        (g.n * g.image_macs() / GRAIN_MACS).clamp(1, cores().min(g.n.max(1)))
    };
    let step = g.n.div_ceil(chunks).max(1);
    unsafe {
        match dt {
            DType::F32 | DType::F64 => {
                fn run<T: Float>(
                    g: &Geo,
                    p: Bufs,
                    cl: usize,
                    xi: usize,
                    yi: usize,
                    chunks: usize,
                    step: usize,
                ) {
                    let wlen = g.m * g.k;
                    let mut parts: Vec<Vec<T>> = (0..chunks).map(|_| vec![T::ZERO; wlen]).collect();
                    let ptrs: Vec<SendPtr> =
                        parts.iter_mut().map(|v| SendPtr(v.as_mut_ptr() as *mut u8)).collect();
                    let ptrs = &ptrs;
                    let body = |ca: usize, cb: usize| unsafe {
                        let mut col = vec![T::ZERO; cl];
                        let (x, gy) = (p.a.get() as *const T, p.b.get() as *const T);
                        for (ch, part) in ptrs.iter().enumerate().take(cb).skip(ca) {
                            let acc = part.get() as *mut T;
                            for n in (ch * step)..((ch + 1) * step).min(g.n) {
                                g.weight_image(
                                    x.add(n * xi),
                                    gy.add(n * yi),
                                    acc,
                                    col.as_mut_ptr(),
                                );
                            }
                        }
                    };
                    if g.block == 0 {
                        let _r = reserve(cores());
                        body(0, chunks);
                    } else {
                        for_ranges(chunks, 1, body);
                    }
                    let (first, rest) = parts.split_at_mut(1);
                    for part in rest.iter() {
                        for (o, &v) in first[0].iter_mut().zip(part) {
                            *o = *o + v;
                        }
                    }
                    let gw = p.out.get() as *mut T;
                    g.store_weight(&first[0], |i, v| unsafe { *gw.add(i) = v });
                }
                if dt == DType::F32 {
                    run::<f32>(&g, bufs, cl, xi, yi, chunks, step)
                } else {
                    run::<f64>(&g, bufs, cl, xi, yi, chunks, step)
                }
            }
            _ => {
                let mut parts: Vec<Vec<f32>> = (0..chunks).map(|_| vec![0f32; wlen]).collect();
                let ptrs: Vec<SendPtr> =
                    parts.iter_mut().map(|v| SendPtr(v.as_mut_ptr() as *mut u8)).collect();
                let ptrs = &ptrs;
                let body = |ca: usize, cb: usize| {
                    let (mut col, mut x32, mut gy32) =
                        (vec![0f32; cl], vec![0f32; xi], vec![0f32; yi]);
                    for (ch, part) in ptrs.iter().enumerate().take(cb).skip(ca) {
                        let acc = part.get() as *mut f32;
                        for n in (ch * step)..((ch + 1) * step).min(g.n) {
                            widen(bufs.a.get().add(2 * n * xi), &mut x32);
                            widen(bufs.b.get().add(2 * n * yi), &mut gy32);
                            g.weight_image(x32.as_ptr(), gy32.as_ptr(), acc, col.as_mut_ptr());
                        }
                    }
                };
                if g.block == 0 {
                    let _r = reserve(cores());
                    body(0, chunks);
                } else {
                    for_ranges(chunks, 1, body);
                }
                let (first, rest) = parts.split_at_mut(1);
                for part in rest.iter() {
                    for (o, &v) in first[0].iter_mut().zip(part) {
                        *o += v;
                    }
                }
                let gw = bufs.out.get() as *mut u16;
                g.store_weight(&first[0], |i, v| *gw.add(i) = f64_to_f16(v as f64));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The defining sums, in f64.
    fn reference(g: &Geo, x: &[f64], w: &[f64]) -> Vec<f64> {
        let mut y = vec![0.0; g.n * g.m * g.ohw];
        for n in 0..g.n {
            for mm in 0..g.m {
                let gi = mm / g.mg;
                for oh in 0..g.oh {
                    for ow in 0..g.ow {
                        let mut s = 0.0;
                        for c in 0..g.cg {
                            for i in 0..g.kh {
                                for j in 0..g.kw {
                                    let ih = (oh * g.sh + i * g.dh) as isize - g.ph as isize;
                                    let iw = (ow * g.sw + j * g.dw) as isize - g.pw as isize;
                                    if ih < 0 || iw < 0 || ih >= g.h as isize || iw >= g.w as isize
                                    {
                                        continue;
                                    }
                                    let xv = x[((n * g.c + gi * g.cg + c) * g.h + ih as usize)
                                        * g.w
                                        + iw as usize];
                                    s += w[((mm * g.cg + c) * g.kh + i) * g.kw + j] * xv;
                                }
                            }
                        }
                        y[((n * g.m + mm) * g.oh + oh) * g.ow + ow] = s;
                    }
                }
            }
        }
        y
    }

    fn geo(v: [usize; 16]) -> Geo {
        let mut meta = vec![17.0];
        meta.extend(v.iter().map(|&x| x as f64));
        let mut m = unsafe { Meta::from_raw(meta.as_ptr()) }.unwrap();
        Geo::decode(&mut m, "test").unwrap()
    }

    fn vals(n: usize, seed: usize) -> Vec<f64> {
        (0..n).map(|i| (((i * 7919 + seed * 104729) % 1000) as f64) / 500.0 - 1.0).collect()
    }

    #[test]
    fn forward_and_adjoints_match_the_definition() {
        // [n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, m, g]
        let cases = [
            [2, 4, 7, 6, 3, 2, 2, 1, 1, 2, 2, 1, 3, 9, 6, 2],
            [3, 3, 5, 5, 1, 1, 1, 1, 0, 0, 1, 1, 5, 5, 2, 1],
            [1, 2, 9, 8, 5, 5, 1, 2, 2, 0, 1, 1, 9, 2, 4, 2],
            [2, 1, 28, 28, 5, 5, 1, 1, 2, 2, 1, 1, 28, 28, 6, 1],
            [2, 16, 14, 14, 3, 3, 1, 1, 1, 1, 1, 1, 14, 14, 32, 1],
        ];
        for v in cases {
            let g = geo(v);
            let (x, w) = (vals(g.n * g.c * g.hw, 1), vals(g.m * g.k, 2));
            let want = reference(&g, &x, &w);
            let mut y = vec![0.0; want.len()];
            let p = |v: &mut Vec<f64>| SendPtr(v.as_mut_ptr() as *mut u8);
            let (mut xm, mut wm) = (x.clone(), w.clone());
            let bufs = Bufs { a: p(&mut xm), b: p(&mut wm), out: p(&mut y) };
            let mut col = vec![0.0; g.col_len()];
            unsafe {
                for n in 0..g.n {
                    g.forward_image(
                        (bufs.a.get() as *const f64).add(n * g.c * g.hw),
                        bufs.b.get() as *const f64,
                        (bufs.out.get() as *mut f64).add(n * g.m * g.ohw),
                        col.as_mut_ptr(),
                    );
                }
            }
            for (a, b) in y.iter().zip(&want) {
                assert!((a - b).abs() < 1e-9, "{v:?}: {a} vs {b}");
            }
            // <gy, conv(x, w)> = <conv_data(gy), x> = <conv_weight(x, gy), w>.
            let gy = vals(want.len(), 3);
            let lhs: f64 = gy.iter().zip(&want).map(|(a, b)| a * b).sum();
            let mut gx = vec![0.0; x.len()];
            let mut acc = vec![0.0; w.len()];
            unsafe {
                for n in 0..g.n {
                    g.data_image(
                        gy.as_ptr().add(n * g.m * g.ohw),
                        w.as_ptr(),
                        gx.as_mut_ptr().add(n * g.c * g.hw),
                        col.as_mut_ptr(),
                    );
                    g.weight_image(
                        x.as_ptr().add(n * g.c * g.hw),
                        gy.as_ptr().add(n * g.m * g.ohw),
                        acc.as_mut_ptr(),
                        col.as_mut_ptr(),
                    );
                }
            }
            let mut gw = vec![0.0; w.len()];
            g.store_weight(&acc, |i, v| gw[i] = v);
            let dx: f64 = gx.iter().zip(&x).map(|(a, b)| a * b).sum();
            let dw: f64 = gw.iter().zip(&w).map(|(a, b)| a * b).sum();
            assert!((lhs - dx).abs() < 1e-8 * (1.0 + lhs.abs()), "{v:?}: {lhs} vs {dx}");
            assert!((lhs - dw).abs() < 1e-8 * (1.0 + lhs.abs()), "{v:?}: {lhs} vs {dw}");
        }
    }

    #[test]
    fn rejects_integer_dtypes_by_name() {
        let e = check_dtypes("conv2d", [DType::I32; 3]).unwrap_err();
        assert!(e.contains("int32"), "{e}");
        assert!(check_dtypes("conv2d", [DType::F32, DType::F64, DType::F32]).is_err());
    }
}
