//! mxts native kernels, loaded by backends/native through Deno FFI.
//!
//! Every exported function takes one argument block (see `meta.rs`) and returns a
//! status: 0 on success, otherwise an error id whose message `mx_take_error` hands over
//! (ids rather than a thread-local "last error", because nonblocking calls run on
//! Deno's worker threads and the message is fetched from the JS thread). Panics are
//! caught at the boundary and reported the same way; they never unwind into Deno.

mod conv;
mod conv2d;
mod cuda;
mod dtype;
mod elementwise;
mod gather;
mod gemm;
mod meta;
mod mpi;
mod par;
mod random;
mod reduce;
mod rows;

use meta::Meta;
use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;

/// Bumped whenever an exported signature or argument layout changes.
const ABI_VERSION: f64 = 2.0;

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

/// Runs CUDA entry `op` on `device` with argument block `meta`: 0, or an error id.
///
/// # Safety
/// `meta` is an argument block whose addresses point to live memory.
#[no_mangle]
pub unsafe extern "C" fn mx_cuda_call(op: i32, device: i32, meta: *const f64) -> i32 {
    guard_cuda(|| unsafe { cuda::call(op, device, meta) })
}

/// Copies `bytes` from host `src` to device address `dst` on `device`: 0 or an error id.
///
/// # Safety
/// `src` holds `bytes` bytes; `dst` is live device memory of at least that size.
#[no_mangle]
pub unsafe extern "C" fn mx_cuda_upload(device: i32, dst: f64, src: *const u8, bytes: f64) -> i32 {
    guard_cuda(|| unsafe {
        cuda::transfer(true, device, dst as usize as *mut u8, src, bytes as usize)
    })
}

/// Copies `bytes` from device address `src` on `device` to host `dst`: 0 or an error id.
/// Waits for the work queued on the device before it.
///
/// # Safety
/// `dst` holds `bytes` bytes; `src` is live device memory of at least that size.
#[no_mangle]
pub unsafe extern "C" fn mx_cuda_download(device: i32, dst: *mut u8, src: f64, bytes: f64) -> i32 {
    guard_cuda(|| unsafe {
        cuda::transfer(false, device, dst, src as usize as *const u8, bytes as usize)
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
