//! The CUDA entry points. With the `cuda` feature they reach the nvcc-built kernels in
//! cuda/*.cu (C ABI in cuda/runtime.cu); with `cuda-emu` the same kernels built for the
//! host (cuda/emu.h); without either they report that the library has no CUDA, so the JS
//! side can always declare them and `gpu` falls through to WebGPU.

/// Why there is no CUDA in this build.
#[cfg(not(any(feature = "cuda", feature = "cuda-emu")))]
const MISSING: &str = "not compiled with CUDA (build with: deno run -A tools/build_native.ts \
                       --features cuda, which needs nvcc)";

#[cfg(any(feature = "cuda", feature = "cuda-emu"))]
mod ffi {
    use std::os::raw::{c_char, c_void};
    extern "C" {
        pub fn mxc_device_count(n: *mut i32, err: *mut c_char, cap: i32) -> i32;
        pub fn mxc_build(out: *mut c_char, cap: i32) -> i32;
        pub fn mxc_ops(out: *mut c_char, cap: i32) -> i32;
        pub fn mxc_rows(out: *mut c_char, cap: i32) -> i32;
        pub fn mxc_call(op: i32, device: i32, meta: *const f64, err: *mut c_char, cap: i32) -> i32;
        pub fn mxc_upload(
            device: i32,
            dst: *mut c_void,
            src: *const c_void,
            bytes: usize,
            err: *mut c_char,
            cap: i32,
        ) -> i32;
        pub fn mxc_download(
            device: i32,
            dst: *mut c_void,
            src: *const c_void,
            bytes: usize,
            err: *mut c_char,
            cap: i32,
        ) -> i32;
    }
}

/// Runs a C entry that reports failure as nonzero plus a NUL-terminated message.
#[cfg(any(feature = "cuda", feature = "cuda-emu"))]
fn checked(f: impl FnOnce(*mut std::os::raw::c_char, i32) -> i32) -> Result<(), String> {
    let mut err = [0u8; 1024];
    if f(err.as_mut_ptr() as *mut _, err.len() as i32) == 0 {
        return Ok(());
    }
    let end = err.iter().position(|&b| b == 0).unwrap_or(err.len());
    Err(String::from_utf8_lossy(&err[..end]).into_owned())
}

/// Number of CUDA devices (0 when there is no device or driver).
#[cfg(any(feature = "cuda", feature = "cuda-emu"))]
pub fn device_count() -> Result<i32, String> {
    let mut n = 0;
    checked(|e, cap| unsafe { ffi::mxc_device_count(&mut n, e, cap) })?;
    Ok(n)
}

#[cfg(not(any(feature = "cuda", feature = "cuda-emu")))]
pub fn device_count() -> Result<i32, String> {
    Err(MISSING.into())
}

/// Which text a query writes: the build kind, the entry names or the compiled rows.
#[derive(Clone, Copy)]
pub enum Text {
    Build,
    Ops,
    Rows,
}

/// Copies the queried text into `out` (its length, or -1 when `cap` is too small).
///
/// # Safety
/// `out` holds `cap` bytes.
#[cfg(any(feature = "cuda", feature = "cuda-emu"))]
pub unsafe fn text(which: Text, out: *mut u8, cap: u32) -> Result<i32, String> {
    let cap = cap.min(i32::MAX as u32) as i32;
    Ok(match which {
        Text::Build => ffi::mxc_build(out as _, cap),
        Text::Ops => ffi::mxc_ops(out as _, cap),
        Text::Rows => ffi::mxc_rows(out as _, cap),
    })
}

/// # Safety
/// As the CUDA build's.
#[cfg(not(any(feature = "cuda", feature = "cuda-emu")))]
pub unsafe fn text(_: Text, _: *mut u8, _: u32) -> Result<i32, String> {
    Err(MISSING.into())
}

/// The name of entry `op` (`Text::Ops` lists them in id order).
#[cfg(any(feature = "cuda", feature = "cuda-emu"))]
pub fn entry_name(op: i32) -> Result<&'static str, String> {
    static NAMES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    let names = NAMES.get_or_init(|| {
        let mut buf = vec![0u8; 1 << 16];
        // SAFETY: `buf` holds its length in bytes.
        let n = unsafe { ffi::mxc_ops(buf.as_mut_ptr() as _, buf.len() as i32) };
        buf.truncate(n.max(0) as usize);
        String::from_utf8_lossy(&buf).split(',').map(String::from).collect()
    });
    usize::try_from(op)
        .ok()
        .and_then(|i| names.get(i))
        .map(String::as_str)
        .ok_or_else(|| format!("unknown CUDA entry id {op}"))
}

#[cfg(not(any(feature = "cuda", feature = "cuda-emu")))]
pub fn entry_name(_: i32) -> Result<&'static str, String> {
    Err(MISSING.into())
}

/// Checks a `cuda_copy_device` block, `dst, dstDevice, dstBytes, src, srcDevice,
/// srcBytes`: the copy moves srcBytes, which must equal dstBytes.
pub fn check_copy(m: &mut crate::meta::Meta) -> Result<(), String> {
    let (_, _, dst_bytes) = (m.usize()?, m.usize()?, m.usize()?);
    let (_, _, src_bytes) = (m.usize()?, m.usize()?, m.usize()?);
    if dst_bytes != src_bytes {
        return Err(format!(
            "copy: {src_bytes} bytes for a destination of {dst_bytes} bytes (they must be equal)"
        ));
    }
    Ok(())
}

/// Runs entry `op` (an index into the names of `Text::Ops`) on `device`.
///
/// # Safety
/// `meta` is an argument block whose addresses are live device (or, for results, host)
/// memory of the sizes the entry expects.
#[cfg(any(feature = "cuda", feature = "cuda-emu"))]
pub unsafe fn call(op: i32, device: i32, meta: *const f64) -> Result<(), String> {
    checked(|e, cap| ffi::mxc_call(op, device, meta, e, cap))
}

/// # Safety
/// As the CUDA build's.
#[cfg(not(any(feature = "cuda", feature = "cuda-emu")))]
pub unsafe fn call(_: i32, _: i32, _: *const f64) -> Result<(), String> {
    Err(MISSING.into())
}

/// Copies `bytes` between host memory and device memory on `device`.
///
/// # Safety
/// Both ranges are live and `bytes` long; the device one belongs to `device`.
#[cfg(any(feature = "cuda", feature = "cuda-emu"))]
pub unsafe fn transfer(
    to_device: bool,
    device: i32,
    dst: *mut u8,
    src: *const u8,
    bytes: usize,
) -> Result<(), String> {
    checked(|e, cap| {
        if to_device {
            ffi::mxc_upload(device, dst as _, src as _, bytes, e, cap)
        } else {
            ffi::mxc_download(device, dst as _, src as _, bytes, e, cap)
        }
    })
}

/// # Safety
/// As the CUDA build's.
#[cfg(not(any(feature = "cuda", feature = "cuda-emu")))]
pub unsafe fn transfer(_: bool, _: i32, _: *mut u8, _: *const u8, _: usize) -> Result<(), String> {
    Err(MISSING.into())
}
