//! mxts native kernels, loaded by backends/native through Deno FFI.
//!
//! Every exported function takes one argument block (see `meta.rs`) and returns a
//! status: 0 on success, otherwise an error id whose message `mx_take_error` hands over
//! (ids rather than a thread-local "last error", because nonblocking calls run on
//! Deno's worker threads and the message is fetched from the JS thread). Panics are
//! caught at the boundary and reported the same way; they never unwind into Deno.
//!
//! Every buffer in a block carries its element count, and every kernel's decoder checks
//! what the kernel will read and write against those counts (`meta.rs`) before any
//! memory is touched; `check_block` runs the same decoders for the CUDA entries.

mod conv;
mod conv2d;
mod cuda;
mod dtype;
mod elementwise;
mod gather;
mod gemm;
mod lapack;
mod meta;
mod mpi;
mod par;
mod random;
mod reduce;
mod rows;
mod special;

use meta::Meta;
use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;

/// Bumped whenever an exported signature or argument layout changes.
const ABI_VERSION: f64 = 3.0;

static NEXT_ERROR: AtomicU32 = AtomicU32::new(1);
/// Kernels running now, and the most that ran at once (tests observe engine overlap).
static ACTIVE: AtomicU32 = AtomicU32::new(0);
static PEAK: AtomicU32 = AtomicU32::new(0);
static ERRORS: Mutex<Option<HashMap<u32, String>>> = Mutex::new(None);

fn record_error(msg: String) -> i32 {
    let id = NEXT_ERROR.fetch_add(1, Ordering::Relaxed).max(1);
    let mut g = ERRORS.lock().unwrap_or_else(|e| e.into_inner());
    g.get_or_insert_with(HashMap::new).insert(id, msg);
    id as i32
}

/// Runs `f` on the decoded argument block; errors and panics become an error id.
fn guard(meta: *const f64, f: fn(&mut Meta) -> Result<(), String>) -> i32 {
    let now = ACTIVE.fetch_add(1, Ordering::AcqRel) + 1;
    PEAK.fetch_max(now, Ordering::AcqRel);
    let r = catch_unwind(AssertUnwindSafe(|| {
        let mut m = unsafe { Meta::from_raw(meta) }?;
        f(&mut m)
    }));
    ACTIVE.fetch_sub(1, Ordering::AcqRel);
    match r {
        Ok(Ok(())) => 0,
        Ok(Err(msg)) => record_error(msg),
        Err(p) => {
            let msg = p
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            record_error(format!("internal error (panic): {msg}"))
        }
    }
}

/// Fills `info` (8 f64): ABI version, cores, OpenBLAS threads; writes the OpenBLAS core
/// name into `name` (returns its length). Also silences the default panic printout,
/// since panics are reported as errors.
///
/// # Safety
/// `info` holds 8 f64 and `name` `cap` bytes.
#[no_mangle]
pub unsafe extern "C" fn mx_init(info: *mut f64, name: *mut u8, cap: u32) -> i32 {
    let r = catch_unwind(|| {
        std::panic::set_hook(Box::new(|_| {}));
        pin_library();
        let (threads, core) = gemm::blas_info();
        let vals = [ABI_VERSION, par::cores() as f64, threads as f64];
        unsafe {
            for (i, v) in vals.iter().enumerate() {
                *info.add(i) = *v;
            }
            copy_out(core.as_bytes(), name, cap)
        }
    });
    r.unwrap_or(-1)
}

#[repr(C)]
struct DlInfo {
    fname: *const std::ffi::c_char,
    fbase: *mut std::ffi::c_void,
    sname: *const std::ffi::c_char,
    saddr: *mut std::ffi::c_void,
}

extern "C" {
    fn dladdr(addr: *const std::ffi::c_void, info: *mut DlInfo) -> i32;
    fn dlopen(filename: *const std::ffi::c_char, flags: i32) -> *mut std::ffi::c_void;
}

/// Keeps this library (and so OpenBLAS, which it links) loaded until the process exits.
/// Deno closes a library when the isolate that opened it ends (each test module of
/// `deno test --parallel` is one); unloading OpenBLAS while its thread pool is alive, or
/// while another isolate still calls into it, corrupts the heap.
fn pin_library() {
    const RTLD_NOW: i32 = 2;
    const RTLD_NODELETE: i32 = 0x1000;
    let mut info = DlInfo {
        fname: std::ptr::null(),
        fbase: std::ptr::null_mut(),
        sname: std::ptr::null(),
        saddr: std::ptr::null_mut(),
    };
    // SAFETY: dladdr fills `info` for an address inside this library; the file name it
    // returns is valid while the library is loaded, which is all dlopen needs.
    unsafe {
        if dladdr(pin_library as *const std::ffi::c_void, &mut info) != 0 && !info.fname.is_null() {
            dlopen(info.fname, RTLD_NOW | RTLD_NODELETE);
        }
    }
}

unsafe fn copy_out(s: &[u8], out: *mut u8, cap: u32) -> i32 {
    let n = s.len().min(cap as usize);
    std::ptr::copy_nonoverlapping(s.as_ptr(), out, n);
    n as i32
}

/// Moves the message of error `id` into `out` (up to `cap` bytes); returns its length,
/// or -1 if there is no such error.
///
/// # Safety
/// `out` holds `cap` bytes.
#[no_mangle]
pub unsafe extern "C" fn mx_take_error(id: i32, out: *mut u8, cap: u32) -> i32 {
    let mut g = ERRORS.lock().unwrap_or_else(|e| e.into_inner());
    match g.as_mut().and_then(|m| m.remove(&(id as u32))) {
        Some(msg) => unsafe { copy_out(msg.as_bytes(), out, cap) },
        None => -1,
    }
}

/// Number of CUDA devices; negative with an error id's message (`-id`) when the
/// library has no CUDA (built without the `cuda` feature) or the runtime failed.
#[no_mangle]
pub extern "C" fn mx_cuda_device_count() -> i32 {
    match catch_unwind(cuda::device_count) {
        Ok(Ok(n)) => n,
        Ok(Err(msg)) => -record_error(msg),
        Err(_) => -record_error("internal error (panic) in mx_cuda_device_count".into()),
    }
}

/// Runs `f`; an error or a panic becomes an error id (as `guard`, without the kernel
/// concurrency count, which observes CPU kernels).
fn guard_cuda(f: impl FnOnce() -> Result<(), String>) -> i32 {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => 0,
        Ok(Err(msg)) => record_error(msg),
        Err(_) => record_error("internal error (panic) in a CUDA entry".into()),
    }
}

/// Writes the CUDA build's text `which` (0 build kind, 1 entry names, 2 compiled rows)
/// into `out`; returns its length, or -1 (too small a buffer, or no CUDA in this build).
///
/// # Safety
/// `out` holds `cap` bytes.
#[no_mangle]
pub unsafe extern "C" fn mx_cuda_text(which: u32, out: *mut u8, cap: u32) -> i32 {
    let which = match which {
        0 => cuda::Text::Build,
        1 => cuda::Text::Ops,
        2 => cuda::Text::Rows,
        _ => return -1,
    };
    catch_unwind(|| unsafe { cuda::text(which, out, cap) }).ok().and_then(Result::ok).unwrap_or(-1)
}

/// Runs CUDA entry `op` on `device` with argument block `meta`: 0, or an error id. The
/// block is checked first, as the native kernel of the same name checks it.
///
/// # Safety
/// `meta` is an argument block whose addresses point to live memory of the sizes it gives.
#[no_mangle]
pub unsafe extern "C" fn mx_cuda_call(op: i32, device: i32, meta: *const f64) -> i32 {
    guard_cuda(|| unsafe {
        check_block(cuda::entry_name(op)?, meta)?;
        cuda::call(op, device, meta)
    })
}

/// The byte count of a transfer: `src_bytes`, which must equal `dst_bytes` (both whole).
fn transfer_bytes(what: &str, dst_bytes: f64, src_bytes: f64) -> Result<usize, String> {
    let whole = |x: f64| x >= 0.0 && x.fract() == 0.0 && x <= 9007199254740992.0;
    if !whole(dst_bytes) || !whole(src_bytes) || dst_bytes != src_bytes {
        return Err(format!(
            "{what}: {src_bytes} bytes for a destination of {dst_bytes} bytes (they must be equal)"
        ));
    }
    Ok(src_bytes as usize)
}

/// Copies host `src` (`src_bytes`) to device address `dst` (`dst_bytes`, the same) on
/// `device`: 0 or an error id.
///
/// # Safety
/// `src` holds `src_bytes` bytes; `dst` is live device memory of `dst_bytes` bytes.
#[no_mangle]
pub unsafe extern "C" fn mx_cuda_upload(
    device: i32,
    dst: f64,
    dst_bytes: f64,
    src: *const u8,
    src_bytes: f64,
) -> i32 {
    guard_cuda(|| unsafe {
        let bytes = transfer_bytes("upload", dst_bytes, src_bytes)?;
        cuda::transfer(true, device, dst as usize as *mut u8, src, bytes)
    })
}

/// Copies device address `src` (`src_bytes`) on `device` to host `dst` (`dst_bytes`, the
/// same): 0 or an error id. Waits for the work queued on the device before it.
///
/// # Safety
/// `dst` holds `dst_bytes` bytes; `src` is live device memory of `src_bytes` bytes.
#[no_mangle]
pub unsafe extern "C" fn mx_cuda_download(
    device: i32,
    dst: *mut u8,
    dst_bytes: f64,
    src: f64,
    src_bytes: f64,
) -> i32 {
    guard_cuda(|| unsafe {
        let bytes = transfer_bytes("download", dst_bytes, src_bytes)?;
        cuda::transfer(false, device, dst, src as usize as *const u8, bytes)
    })
}

/// The most kernels that ran at the same time since the last call (which resets it).
#[no_mangle]
pub extern "C" fn mx_peak_concurrency() -> i32 {
    PEAK.swap(ACTIVE.load(Ordering::Acquire), Ordering::AcqRel) as i32
}

/// Writes the compiled elementwise rows (`name<TAB>expression` lines, in id order).
///
/// # Safety
/// `out` holds `cap` bytes.
#[no_mangle]
pub unsafe extern "C" fn mx_rows(out: *mut u8, cap: u32) -> i32 {
    unsafe { copy_out(rows::ROWS.as_bytes(), out, cap) }
}

macro_rules! export {
    ($($name:ident => $f:expr;)*) => {$(
        /// A kernel entry point: decodes `meta` and runs the kernel.
        ///
        /// # Safety
        /// `meta` is an argument block whose addresses point to live buffers.
        #[no_mangle]
        pub unsafe extern "C" fn $name(meta: *const f64) -> i32 {
            guard(meta, $f)
        }
    )*};
}

export! {
    // `row` (-1 = identity copy), then the elementwise layout of `Ew::decode_into`.
    mx_elementwise => |m| {
        let row = m.isize()?;
        // One decoded call per thread, reused: the per-op path allocates nothing.
        thread_local! {
            static EW: std::cell::RefCell<elementwise::Ew> =
                const { std::cell::RefCell::new(elementwise::Ew::new()) };
        }
        EW.with(|cell| {
            let mut ew = cell.borrow_mut();
            ew.decode_into(m)?;
            if row < 0 { ew.copy() } else { rows::run_row(row as usize, &ew) }
        })
    };
    mx_arange => gather::arange;
    mx_reduce => reduce::reduce;
    mx_matmul => gemm::matmul;
    mx_take => gather::take;
    mx_take_backward => gather::take_backward;
    mx_sort => gather::sort;
    mx_random => random::random;
    mx_im2col => conv::im2col;
    mx_col2im => conv::col2im;
    mx_pool => conv::pool;
    mx_pool_backward => conv::pool_backward;
    mx_conv2d => conv2d::conv2d;
    mx_conv2d_backward_data => conv2d::conv2d_backward_data;
    mx_conv2d_backward_weight => conv2d::conv2d_backward_weight;
    // libmpi's path (address, length): binds the functions `mx_mpi_allreduce` calls.
    mx_mpi_bind => mpi::bind;
}

/// Runs kernel `name`'s decoder on `meta` without running the kernel: the checks of every
/// buffer's element count and view that the native kernel makes before touching memory.
/// The CUDA entries take the native blocks, so `cuda::call` runs this before each launch;
/// the CUDA memory entries are listed with their own checks.
pub(crate) fn check_block(name: &str, meta: *const f64) -> Result<(), String> {
    let m = &mut unsafe { Meta::from_raw(meta) }?;
    match name {
        "mx_elementwise" => elementwise::Ew::check(m),
        "mx_arange" => gather::check_arange(m),
        "mx_reduce" => reduce::Reduce::decode(m).map(drop),
        "mx_matmul" => gemm::Matmul::decode(m).map(drop),
        "mx_take" => gather::Take::decode(m, false).map(drop),
        "mx_take_backward" => gather::Take::decode(m, true).map(drop),
        "mx_sort" => gather::Sort::decode(m).map(drop),
        "mx_random" => random::check(m),
        "mx_im2col" => conv::Cols::decode(m, "im2col").map(drop),
        "mx_col2im" => conv::Cols::decode(m, "col2im").map(drop),
        "mx_pool" => conv::decode_pool(m).map(drop),
        "mx_pool_backward" => conv::decode_pool_backward(m).map(drop),
        "mx_conv2d" => conv2d::check(m, "conv2d"),
        "mx_conv2d_backward_data" => conv2d::check(m, "conv2dBackwardData"),
        "mx_conv2d_backward_weight" => conv2d::check(m, "conv2dBackwardWeight"),
        "cuda_copy_device" => cuda::check_copy(m),
        // Addresses the TS side got from the allocator, or nothing: no size to check.
        "cuda_alloc" | "cuda_free" | "cuda_sync" => Ok(()),
        _ => Err(format!("{name}: no argument checks are defined for this entry")),
    }
}

/// Runs the synchronous part of a point-to-point allreduce (layout in `mpi.rs`): 0 when
/// every step completed, -1 when a step is left pending (the block says which), else an
/// error id.
///
/// # Safety
/// `meta` is a writable argument block whose addresses point to live memory.
#[no_mangle]
pub unsafe extern "C" fn mx_mpi_allreduce(meta: *mut f64) -> i32 {
    match catch_unwind(AssertUnwindSafe(|| unsafe { mpi::allreduce(meta) })) {
        Ok(Ok(outcome)) => outcome,
        Ok(Err(msg)) => record_error(msg),
        Err(_) => record_error("internal error (panic) in mx_mpi_allreduce".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::check_block;

    /// A block: its length, then `args`. Buffers are (address 0, float32, count): the
    /// checks must refuse a bad block before any address is used.
    fn block(args: &[f64]) -> Vec<f64> {
        let mut v = vec![args.len() as f64 + 1.0];
        v.extend_from_slice(args);
        v
    }

    fn buf(n: usize) -> [f64; 3] {
        [0.0, 0.0, n as f64]
    }

    /// Kernel blocks with consistent sizes, and the index of each buffer's count in them
    /// (negative: a count that may be larger, as a view's buffer or a GEMM operand).
    fn cases() -> Vec<(&'static str, Vec<f64>, Vec<isize>)> {
        let win = [1.0, 2.0, 4.0, 4.0, 3.0, 3.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 4.0, 4.0];
        let (x, col, y) = (2 * 16, 2 * 9 * 16, 2 * 16);
        let cat = |parts: &[&[f64]]| parts.concat();
        vec![
            // elementwise: row, nd 2, shape [2, 3], out, nin 2, a (broadcast row), b, s0, s1
            (
                "mx_elementwise",
                cat(&[
                    &[0.0, 2.0, 2.0, 3.0],
                    &buf(6),
                    &[0.0, 3.0, 1.0, 2.0],
                    &buf(3),
                    &[0.0, 0.0, 1.0],
                    &buf(6),
                    &[0.0, 3.0, 1.0, 0.0, 0.0],
                ]),
                vec![-6, -13, -19],
            ),
            (
                "mx_reduce",
                cat(&[&[0.0], &buf(6), &[2.0, 2.0, 3.0, 1.0, 1.0], &buf(2)]),
                vec![3, 11],
            ),
            (
                "mx_matmul",
                cat(&[
                    &buf(2 * 6),
                    &buf(12),
                    &buf(2 * 8),
                    &[2.0, 2.0, 4.0, 3.0, 0.0, 0.0, 6.0, 0.0],
                ]),
                vec![-2, -5, 8],
            ),
            ("mx_take", cat(&[&buf(24), &buf(5), &buf(40), &[2.0, 3.0, 4.0, 0.0]]), vec![2, 8]),
            (
                "mx_take_backward",
                cat(&[&buf(40), &buf(5), &buf(24), &[2.0, 3.0, 4.0, 1.0]]),
                vec![2, 8],
            ),
            ("mx_sort", cat(&[&buf(12), &buf(12), &buf(12), &[3.0, 4.0, 1.0]]), vec![2, 5, 8]),
            ("mx_im2col", cat(&[&buf(x), &buf(col), &win]), vec![2, 5]),
            ("mx_col2im", cat(&[&buf(col), &buf(x), &win]), vec![2, 5]),
            ("mx_pool", cat(&[&buf(x), &buf(y), &win, &[0.0, 1.0]]), vec![2, 5]),
            (
                "mx_pool_backward",
                cat(&[&buf(x), &buf(y), &buf(x), &win, &[1.0, 0.0]]),
                vec![2, 5, 8],
            ),
            // conv2d: 4 filters in 2 groups over the 2 channels: w [4, 1, 3, 3]
            ("mx_conv2d", cat(&[&buf(x), &buf(36), &buf(64), &win, &[4.0, 2.0]]), vec![2, 5, 8]),
            (
                "mx_conv2d_backward_data",
                cat(&[&buf(64), &buf(36), &buf(x), &win, &[4.0, 2.0]]),
                vec![2, 5, 8],
            ),
            (
                "mx_conv2d_backward_weight",
                cat(&[&buf(x), &buf(64), &buf(36), &win, &[4.0, 2.0]]),
                vec![2, 5, 8],
            ),
            ("cuda_copy_device", vec![0.0, 0.0, 64.0, 0.0, 0.0, 64.0], vec![2, 5]),
        ]
    }

    #[test]
    fn every_kernel_checks_each_buffer_count() {
        for (name, args, counts) in cases() {
            let b = block(&args);
            assert_eq!(check_block(name, b.as_ptr()), Ok(()), "{name}: the valid block");
            for &i in &counts {
                let deltas: &[f64] = if i < 0 { &[-1.0] } else { &[-1.0, 1.0] };
                for &delta in deltas {
                    let mut bad = args.clone();
                    bad[i.unsigned_abs()] += delta;
                    let b = block(&bad);
                    let e = check_block(name, b.as_ptr()).expect_err(name);
                    assert!(e.contains("elements") || e.contains("bytes"), "{name}: {e}");
                }
            }
        }
    }

    #[test]
    fn views_are_checked_against_their_buffer() {
        let (name, args, _) = cases().remove(0);
        // a's offset (index 14) moved past its 3-element buffer; then a negative stride.
        for (i, v) in [(14, 1.0), (16, -1.0), (14, -1.0)] {
            let mut bad = args.clone();
            bad[i] = v;
            let b = block(&bad);
            let e = check_block(name, b.as_ptr()).unwrap_err();
            assert!(e.contains("input 0 view"), "{e}");
        }
    }

    #[test]
    fn absurd_windows_and_unknown_entries_are_refused() {
        let mut args = cases().remove(6).1; // im2col
        args[8] = (1u64 << 40) as f64; // height
        let b = block(&args);
        assert!(check_block("mx_im2col", b.as_ptr()).unwrap_err().contains("exceeds"));
        assert!(check_block("mx_new_kernel", b.as_ptr())
            .unwrap_err()
            .contains("no argument checks"));
    }
}
