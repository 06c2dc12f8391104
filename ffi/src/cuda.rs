//! CUDA entry points. With the `cuda` feature they call the nvcc-built kernels in
//! cuda/kernels.cu; without it they report that the library was built without CUDA, so
//! the JS side can always declare them and fall through to WebGPU.

use crate::meta::Meta;

#[cfg(feature = "cuda")]
mod ffi {
    use std::os::raw::{c_char, c_void};
    extern "C" {
        pub fn mxc_device_count(n: *mut i32) -> i32;
        pub fn mxc_error_string(e: i32) -> *const c_char;
        pub fn mxc_malloc(p: *mut *mut c_void, bytes: usize) -> i32;
        pub fn mxc_free(p: *mut c_void) -> i32;
        pub fn mxc_copy(dst: *mut c_void, src: *const c_void, bytes: usize, to_device: i32) -> i32;
        pub fn mxc_add_f32(a: *const f32, b: *const f32, out: *mut f32, n: usize) -> i32;
        pub fn mxc_sgemm(m: i32, n: i32, k: i32, a: *const f32, b: *const f32, c: *mut f32) -> i32;
    }
}

/// Number of CUDA devices (0 when there is no device or driver).
#[cfg(feature = "cuda")]
pub fn device_count() -> Result<i32, String> {
    let mut n = 0;
    check(unsafe { ffi::mxc_device_count(&mut n) })?;
    Ok(n)
}

#[cfg(not(feature = "cuda"))]
pub fn device_count() -> Result<i32, String> {
    Err("not compiled with CUDA (build with: deno run -A tools/build_native.ts --features cuda)"
        .into())
}

/// Decodes `bytes, result address`: allocates device memory and stores its address (as
/// f64, like every address in an argument block) at the result address.
#[cfg(feature = "cuda")]
pub fn alloc(m: &mut Meta) -> Result<(), String> {
    let (bytes, res) = (m.usize()?, m.ptr()? as *mut f64);
    let mut p = std::ptr::null_mut();
    check(unsafe { ffi::mxc_malloc(&mut p, bytes.max(1)) })?;
    unsafe { *res = p as usize as f64 };
    Ok(())
}

/// Decodes `device address`.
#[cfg(feature = "cuda")]
pub fn free(m: &mut Meta) -> Result<(), String> {
    check(unsafe { ffi::mxc_free(m.ptr()? as _) })
}

/// Decodes `dst, src, bytes, toDevice` (host <-> device).
#[cfg(feature = "cuda")]
pub fn copy(m: &mut Meta) -> Result<(), String> {
    let (dst, src, bytes, to_device) = (m.ptr()?, m.ptr()?, m.usize()?, m.bool()?);
    check(unsafe { ffi::mxc_copy(dst as _, src as _, bytes, to_device as i32) })
}

/// Decodes `a, b, out, n` (device addresses): out = a + b in float32.
#[cfg(feature = "cuda")]
pub fn add_f32(m: &mut Meta) -> Result<(), String> {
    let (a, b, out, n) = (m.ptr()?, m.ptr()?, m.ptr()?, m.usize()?);
    check(unsafe { ffi::mxc_add_f32(a as _, b as _, out as _, n) })
}

/// Decodes `m, n, k, a, b, c` (device addresses): C = A B, row-major float32.
#[cfg(feature = "cuda")]
pub fn sgemm(m: &mut Meta) -> Result<(), String> {
    let (mm, n, k) = (m.usize()?, m.usize()?, m.usize()?);
    let lim = i32::MAX as usize;
    if mm > lim || n > lim || k > lim {
        return Err(format!("sgemm: {mm}x{n}x{k} exceeds the 32-bit kernel"));
    }
    let (a, b, c) = (m.ptr()?, m.ptr()?, m.ptr()?);
    check(unsafe { ffi::mxc_sgemm(mm as i32, n as i32, k as i32, a as _, b as _, c as _) })
}

#[cfg(not(feature = "cuda"))]
pub fn missing(_: &mut Meta) -> Result<(), String> {
    device_count().map(|_| ())
}
#[cfg(not(feature = "cuda"))]
pub use {
    missing as alloc, missing as free, missing as copy, missing as add_f32, missing as sgemm,
};

#[cfg(feature = "cuda")]
fn check(e: i32) -> Result<(), String> {
    if e == 0 {
        return Ok(());
    }
    let s = unsafe { std::ffi::CStr::from_ptr(ffi::mxc_error_string(e)) };
    Err(format!("CUDA error {e}: {}", s.to_string_lossy()))
}

#[cfg(all(test, feature = "cuda"))]
mod tests {
    use super::*;
    use std::os::raw::c_void;

    struct Dev(*mut c_void);
    impl Dev {
        fn upload(x: &[f32]) -> Dev {
            let mut p = std::ptr::null_mut();
            check(unsafe { ffi::mxc_malloc(&mut p, x.len() * 4) }).unwrap();
            check(unsafe { ffi::mxc_copy(p, x.as_ptr() as *const c_void, x.len() * 4, 1) })
                .unwrap();
            Dev(p)
        }
        fn download(&self, n: usize) -> Vec<f32> {
            let mut v = vec![0f32; n];
            check(unsafe { ffi::mxc_copy(v.as_mut_ptr() as *mut c_void, self.0, n * 4, 0) })
                .unwrap();
            v
        }
    }
    impl Drop for Dev {
        fn drop(&mut self) {
            unsafe { ffi::mxc_free(self.0) };
        }
    }

    #[test]
    fn add_and_sgemm_match_the_cpu() {
        if device_count().unwrap() == 0 {
            println!("skipped: no CUDA device on this machine");
            return;
        }
        let (m, n, k) = (37usize, 41usize, 53usize);
        let a: Vec<f32> = (0..m * k).map(|i| ((i * 7) % 13) as f32 - 6.0).collect();
        let b: Vec<f32> = (0..k * n).map(|i| ((i * 5) % 11) as f32 - 5.0).collect();
        let (da, db, dc) = (Dev::upload(&a), Dev::upload(&b), Dev::upload(&vec![0.0; m * n]));
        check(unsafe {
            ffi::mxc_sgemm(m as i32, n as i32, k as i32, da.0 as _, db.0 as _, dc.0 as _)
        })
        .unwrap();
        let c = dc.download(m * n);
        for i in 0..m {
            for j in 0..n {
                let want: f32 = (0..k).map(|p| a[i * k + p] * b[p * n + j]).sum();
                assert_eq!(c[i * n + j], want, "C[{i},{j}]"); // small integers: exact
            }
        }
        let x = Dev::upload(&a[..m * n.min(k)]);
        let y = Dev::upload(&a[..m * n.min(k)]);
        check(unsafe { ffi::mxc_add_f32(x.0 as _, y.0 as _, x.0 as _, m * n.min(k)) }).unwrap();
        let s = x.download(m * n.min(k));
        assert!(s.iter().zip(&a).all(|(s, a)| *s == 2.0 * a));
    }
}
