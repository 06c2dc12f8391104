//! LAPACK (OpenBLAS ships it) for the host linear-algebra operators of
//! src/ops/linalg_host.ts and linalg_factor.ts: one float64 row-major matrix per call.
//!
//! LAPACK is column-major: a row-major matrix is, to it, the transpose. Each entry says
//! how it uses that (e.g. the row-major lower Cholesky factor is LAPACK's upper one of
//! the same, symmetric, matrix). Results are LAPACK's `info`: 0, or the LAPACK error.

use std::os::raw::c_char;

#[link(name = "openblas")]
extern "C" {
    // Fortran character arguments carry hidden lengths (gfortran: size_t, at the end).
    fn dpotrf_(
        uplo: *const c_char,
        n: *const i32,
        a: *mut f64,
        lda: *const i32,
        info: *mut i32,
        l: usize,
    );
    fn dgetrf_(
        m: *const i32,
        n: *const i32,
        a: *mut f64,
        lda: *const i32,
        ipiv: *mut i32,
        info: *mut i32,
    );
    fn dgetri_(
        n: *const i32,
        a: *mut f64,
        lda: *const i32,
        ipiv: *const i32,
        work: *mut f64,
        lwork: *const i32,
        info: *mut i32,
    );
    fn dgeqrf_(
        m: *const i32,
        n: *const i32,
        a: *mut f64,
        lda: *const i32,
        tau: *mut f64,
        work: *mut f64,
        lwork: *const i32,
        info: *mut i32,
    );
    fn dorgqr_(
        m: *const i32,
        n: *const i32,
        k: *const i32,
        a: *mut f64,
        lda: *const i32,
        tau: *const f64,
        work: *mut f64,
        lwork: *const i32,
        info: *mut i32,
    );
    fn dsyevd_(
        jobz: *const c_char,
        uplo: *const c_char,
        n: *const i32,
        a: *mut f64,
        lda: *const i32,
        w: *mut f64,
        work: *mut f64,
        lwork: *const i32,
        iwork: *mut i32,
        liwork: *const i32,
        info: *mut i32,
        l1: usize,
        l2: usize,
    );
    fn cblas_dtrsm(
        order: i32,
        side: i32,
        uplo: i32,
        trans: i32,
        diag: i32,
        m: i32,
        n: i32,
        alpha: f64,
        a: *const f64,
        lda: i32,
        b: *mut f64,
        ldb: i32,
    );
}

const ROW_MAJOR: i32 = 101;
const NO_TRANS: i32 = 111;
const TRANS: i32 = 112;
const UPPER: i32 = 121;
const LOWER: i32 = 122;
const NON_UNIT: i32 = 131;
const LEFT: i32 = 141;
const RIGHT: i32 = 142;

/// Lower Cholesky factor L (A = L L^T) of the symmetric n x n `a`, in place; the upper
/// triangle is zeroed. LAPACK's upper factor U of the same matrix is L in row-major.
///
/// # Safety
/// `a` holds n * n f64.
#[no_mangle]
pub unsafe extern "C" fn mx_lapack_potrf(a: *mut f64, n: i32) -> i32 {
    let mut info = 0;
    dpotrf_(b"U".as_ptr().cast(), &n, a, &n.max(1), &mut info, 1);
    let n = n as usize;
    for i in 0..n {
        for j in i + 1..n {
            *a.add(i * n + j) = 0.0;
        }
    }
    info
}

/// LU factorization with partial pivoting of the transpose of the row-major `a` (n x n),
/// in place, pivots (1-based) in `ipiv`: det(A) = det(A^T) = sign * prod of the diagonal.
///
/// # Safety
/// `a` holds n * n f64, `ipiv` n i32.
#[no_mangle]
pub unsafe extern "C" fn mx_lapack_getrf(a: *mut f64, n: i32, ipiv: *mut i32) -> i32 {
    let mut info = 0;
    dgetrf_(&n, &n, a, &n.max(1), ipiv, &mut info);
    info
}

/// The inverse of the row-major `a` (n x n) in place: the inverse of A^T is (A^-1)^T.
///
/// # Safety
/// `a` holds n * n f64.
#[no_mangle]
pub unsafe extern "C" fn mx_lapack_inverse(a: *mut f64, n: i32) -> i32 {
    let lda = n.max(1);
    let mut ipiv = vec![0i32; n.max(1) as usize];
    let mut info = 0;
    dgetrf_(&n, &n, a, &lda, ipiv.as_mut_ptr(), &mut info);
    if info != 0 {
        return info;
    }
    let lwork = 64 * lda;
    let mut work = vec![0f64; lwork as usize];
    dgetri_(&n, a, &lda, ipiv.as_ptr(), work.as_mut_ptr(), &lwork, &mut info);
    info
}

/// LQ factorization A = L Q of the row-major m x n `a` (m <= n): the QR factorization of
/// LAPACK's view, A^T = Q1 R, gives Q = Q1^T (written over `a`) and L = R^T (into `l`,
/// m x m row-major).
///
/// # Safety
/// `a` holds m * n f64, `l` m * m.
#[no_mangle]
pub unsafe extern "C" fn mx_lapack_gelqf(a: *mut f64, l: *mut f64, m: i32, n: i32) -> i32 {
    // LAPACK's matrix: n rows, m columns, leading dimension n.
    let (rows, cols, ld) = (n, m, n.max(1));
    let mut tau = vec![0f64; m.max(1) as usize];
    let lwork = 64 * cols.max(1);
    let mut work = vec![0f64; lwork as usize];
    let mut info = 0;
    dgeqrf_(&rows, &cols, a, &ld, tau.as_mut_ptr(), work.as_mut_ptr(), &lwork, &mut info);
    if info != 0 {
        return info;
    }
    let (mu, nu) = (m as usize, n as usize);
    // R[i][j] (i <= j) sits at i + j * n; L[j][i] = R[i][j].
    for j in 0..mu {
        for i in 0..mu {
            *l.add(j * mu + i) = if i <= j { *a.add(i + j * nu) } else { 0.0 };
        }
    }
    dorgqr_(&rows, &cols, &cols, a, &ld, tau.as_ptr(), work.as_mut_ptr(), &lwork, &mut info);
    info
}

/// Eigenvalues (ascending, into `w`) and eigenvectors of the symmetric row-major `a`
/// (n x n): LAPACK writes them as its columns, which are the rows of `a` in row-major.
///
/// # Safety
/// `a` holds n * n f64, `w` n.
#[no_mangle]
pub unsafe extern "C" fn mx_lapack_syevd(a: *mut f64, w: *mut f64, n: i32) -> i32 {
    let lda = n.max(1);
    let (mut info, mut wq, mut iwq) = (0, 0f64, 0i32);
    let query = -1;
    let (jobz, uplo) = (b"V".as_ptr().cast(), b"L".as_ptr().cast());
    dsyevd_(jobz, uplo, &n, a, &lda, w, &mut wq, &query, &mut iwq, &query, &mut info, 1, 1);
    if info != 0 {
        return info;
    }
    let (lwork, liwork) = (wq as i32, iwq);
    let mut work = vec![0f64; lwork.max(1) as usize];
    let mut iwork = vec![0i32; liwork.max(1) as usize];
    dsyevd_(
        jobz,
        uplo,
        &n,
        a,
        &lda,
        w,
        work.as_mut_ptr(),
        &lwork,
        iwork.as_mut_ptr(),
        &liwork,
        &mut info,
        1,
        1,
    );
    info
}

/// Triangular solve on row-major data through CBLAS: op(A) X = alpha B (left) or
/// X op(A) = alpha B (`right`), X over `b` (rows x cols); A is n x n with n the rows of B
/// (left) or its columns (right); only A's `lower` (else upper) triangle is read.
///
/// # Safety
/// `a` holds n * n f64 and `b` rows * cols.
#[no_mangle]
pub unsafe extern "C" fn mx_lapack_trsm(
    a: *const f64,
    b: *mut f64,
    rows: i32,
    cols: i32,
    flags: i32,
    alpha: f64,
) -> i32 {
    let (right, lower, trans) = (flags & 1 != 0, flags & 2 != 0, flags & 4 != 0);
    let n = if right { cols } else { rows };
    cblas_dtrsm(
        ROW_MAJOR,
        if right { RIGHT } else { LEFT },
        if lower { LOWER } else { UPPER },
        if trans { TRANS } else { NO_TRANS },
        NON_UNIT,
        rows,
        cols,
        alpha,
        a,
        n.max(1),
        b,
        cols.max(1),
    );
    0
}
