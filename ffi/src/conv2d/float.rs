//! The GEMM element types of the convolution kernels: f32 -> sgemm, f64 -> dgemm.

use crate::gemm::{cblas_dgemm, cblas_sgemm, NO_TRANS, ROW_MAJOR, TRANS};

/// A GEMM element type (f32 -> sgemm, f64 -> dgemm).
pub(super) trait Float: Copy + Send + Sync + std::ops::Add<Output = Self> + 'static {
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
