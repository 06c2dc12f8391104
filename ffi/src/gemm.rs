//! Batched GEMM: OpenBLAS for float32/float64 (and int64, which is stored as f64, as the
//! TS backend computes it), plain loops with the TS backend's semantics otherwise.

use crate::dtype::{load, store_raw, DType};
use crate::meta::{product, Buf, Meta};
use crate::par::{cores, reserve};

pub(crate) const ROW_MAJOR: i32 = 101;
pub(crate) const NO_TRANS: i32 = 111;
pub(crate) const TRANS: i32 = 112;

#[link(name = "openblas")]
extern "C" {
    pub(crate) fn cblas_sgemm(
        order: i32,
        ta: i32,
        tb: i32,
        m: i32,
        n: i32,
        k: i32,
        alpha: f32,
        a: *const f32,
        lda: i32,
        b: *const f32,
        ldb: i32,
        beta: f32,
        c: *mut f32,
        ldc: i32,
    );
    pub(crate) fn cblas_dgemm(
        order: i32,
        ta: i32,
        tb: i32,
        m: i32,
        n: i32,
        k: i32,
        alpha: f64,
        a: *const f64,
        lda: i32,
        b: *const f64,
        ldb: i32,
        beta: f64,
        c: *mut f64,
        ldc: i32,
    );
    fn openblas_get_num_threads() -> i32;
    fn openblas_get_corename() -> *const std::os::raw::c_char;
}

/// OpenBLAS's thread count and the core type it chose (for tests and the bench).
pub fn blas_info() -> (i32, String) {
    unsafe {
        let name = std::ffi::CStr::from_ptr(openblas_get_corename()).to_string_lossy().into_owned();
        (openblas_get_num_threads(), name)
    }
}

/// A decoded batched GEMM.
pub struct Matmul {
    a: Buf,
    b: Buf,
    c: Buf,
    batch: usize,
    m: usize,
    n: usize,
    k: usize,
    ta: bool,
    tb: bool,
    abs: usize,
    bbs: usize,
}

impl Matmul {
    /// Decodes `a, b, c (buffers), batch, m, n, k, transA, transB, aBatch, bBatch`: c holds
    /// batch*m*n elements; a and b hold every matrix their batch strides reach.
    pub fn decode(m: &mut Meta) -> Result<Matmul, String> {
        let (a, b, c) = (m.buf()?, m.buf()?, m.buf()?);
        let (batch, mm, n, k) = (m.usize()?, m.usize()?, m.usize()?, m.usize()?);
        let (ta, tb) = (m.bool()?, m.bool()?);
        let (abs, bbs) = (m.usize()?, m.usize()?);
        c.expect("matmul", "out", product("matmul", &[batch, mm, n])?)?;
        // The last matrix of the batch starts at (batch - 1) * stride.
        let reach = |stride: usize, rows: usize, cols: usize| -> Result<usize, String> {
            let one = product("matmul", &[rows, cols])?;
            if batch == 0 || one == 0 {
                return Ok(0);
            }
            product("matmul", &[batch - 1, stride])?
                .checked_add(one)
                .ok_or_else(|| "matmul: the sizes overflow".to_string())
        };
        a.at_least("matmul", "a", reach(abs, mm, k)?)?;
        b.at_least("matmul", "b", reach(bbs, k, n)?)?;
        Ok(Matmul { a, b, c, batch, m: mm, n, k, ta, tb, abs, bbs })
    }
}

/// Runs a batched GEMM (layout in `Matmul::decode`).
pub fn matmul(m: &mut Meta) -> Result<(), String> {
    let g = Matmul::decode(m)?;
    let (a, adt, b, bdt, c, cdt) = (g.a.ptr, g.a.dt, g.b.ptr, g.b.dt, g.c.ptr, g.c.dt);
    let (batch, mm, n, k, ta, tb, abs, bbs) = (g.batch, g.m, g.n, g.k, g.ta, g.tb, g.abs, g.bbs);
    if mm == 0 || n == 0 {
        return Ok(());
    }
    if k == 0 {
        // An empty sum; BLAS rejects a zero leading dimension, so write the zeros here.
        for i in 0..batch * mm * n {
            unsafe { store_raw(c, cdt, i as isize, 0.0) };
        }
        return Ok(());
    }
    let lim = i32::MAX as usize;
    let blas = mm <= lim && n <= lim && k <= lim;
    let same = |d: DType| adt == d && bdt == d && cdt == d;
    let f64like = |d: DType| matches!(d, DType::F64 | DType::I64);
    if blas && same(DType::F32) {
        // OpenBLAS runs its own thread pool on every core: claim them so concurrent
        // kernels stay single-threaded instead of oversubscribing.
        let _r = reserve(cores());
        for i in 0..batch {
            unsafe {
                cblas_sgemm(
                    ROW_MAJOR,
                    if ta { TRANS } else { NO_TRANS },
                    if tb { TRANS } else { NO_TRANS },
                    mm as i32,
                    n as i32,
                    k as i32,
                    1.0,
                    (a as *const f32).add(i * abs),
                    if ta { mm } else { k } as i32,
                    (b as *const f32).add(i * bbs),
                    if tb { k } else { n } as i32,
                    0.0,
                    (c as *mut f32).add(i * mm * n),
                    n as i32,
                );
            }
        }
        return Ok(());
    }
    if blas && f64like(adt) && f64like(bdt) && f64like(cdt) {
        let _r = reserve(cores());
        for i in 0..batch {
            unsafe {
                cblas_dgemm(
                    ROW_MAJOR,
                    if ta { TRANS } else { NO_TRANS },
                    if tb { TRANS } else { NO_TRANS },
                    mm as i32,
                    n as i32,
                    k as i32,
                    1.0,
                    (a as *const f64).add(i * abs),
                    if ta { mm } else { k } as i32,
                    (b as *const f64).add(i * bbs),
                    if tb { k } else { n } as i32,
                    0.0,
                    (c as *mut f64).add(i * mm * n),
                    n as i32,
                );
            }
        }
        return Ok(());
    }
    // The TS reference's generic loop: integer outputs wrap like C int32 (Math.imul), float
    // outputs sum in f64 and round once on store.
    let integer = !matches!(cdt, DType::F32 | DType::F64 | DType::F16 | DType::I64);
    let (ars, acs) = if ta { (1, mm) } else { (k, 1) };
    let (brs, bcs) = if tb { (1, k) } else { (n, 1) };
    for bi in 0..batch {
        for i in 0..mm {
            for j in 0..n {
                let (ao, bo) = ((bi * abs + i * ars) as isize, (bi * bbs + j * bcs) as isize);
                let v = unsafe {
                    if integer {
                        let mut s = 0i32;
                        for p in 0..k as isize {
                            let x = crate::dtype::to_int32(load(a, adt, ao + p * acs as isize));
                            let y = crate::dtype::to_int32(load(b, bdt, bo + p * brs as isize));
                            s = s.wrapping_add(x.wrapping_mul(y));
                        }
                        s as f64
                    } else {
                        let mut s = 0f64;
                        for p in 0..k as isize {
                            s += load(a, adt, ao + p * acs as isize)
                                * load(b, bdt, bo + p * brs as isize);
                        }
                        s
                    }
                };
                unsafe { store_raw(c, cdt, (bi * mm * n + i * n + j) as isize, v) };
            }
        }
    }
    Ok(())
}
