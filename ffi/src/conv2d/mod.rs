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

mod float;
mod geo;
#[cfg(test)]
mod tests;

use crate::dtype::{f16_to_f32, f64_to_f16, DType};
use crate::meta::{product, Meta};
use crate::par::{cores, for_ranges, reserve, SendPtr};
use float::Float;
use geo::{Geo, GRAIN_MACS};
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

/// Decodes `a, b, out (buffers), window, filters, groups` of kernel `what`: conv2d reads
/// x and w into y, conv2dBackwardData gy and w into gx, conv2dBackwardWeight x and gy
/// into gw. Each buffer must hold exactly its dense shape.
fn decode(m: &mut Meta, what: &str) -> Result<(Bufs, DType, Geo), String> {
    let (a, b, out) = (m.buf()?, m.buf()?, m.buf()?);
    let g = Geo::decode(m, what)?;
    let dt = check_dtypes(what, [a.dt, b.dt, out.dt])?;
    let x = product(what, &[g.n, g.c, g.h, g.w])?;
    let w = product(what, &[g.m, g.cg, g.kh, g.kw])?;
    let y = product(what, &[g.n, g.m, g.oh, g.ow])?;
    let names = match what {
        "conv2d" => [("x", x), ("w", w), ("y", y)],
        "conv2dBackwardData" => [("gy", y), ("w", w), ("gx", x)],
        _ => [("x", x), ("gy", y), ("gw", w)],
    };
    for (buf, (name, want)) in [a, b, out].iter().zip(names) {
        buf.expect(what, name, want)?;
    }
    Ok((Bufs { a: SendPtr(a.ptr), b: SendPtr(b.ptr), out: SendPtr(out.ptr) }, dt, g))
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

/// Checks the block of kernel `what` (see `decode`) without running it.
pub fn check(m: &mut Meta, what: &str) -> Result<(), String> {
    decode(m, what).map(drop)
}

/// Decodes `x, w, y (buffers), window, filters, groups`.
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

/// Decodes `gy, w, gx (buffers), window, filters, groups`.
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

/// Decodes `x, gy, gw (buffers), window, filters, groups`.
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
