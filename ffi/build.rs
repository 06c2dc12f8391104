//! With the `cuda` feature, compiles cuda/kernels.cu with nvcc into a static library and
//! links the CUDA runtime. Without it, nothing happens (the CUDA entry points then report
//! "not compiled with CUDA").

use std::env;
use std::path::PathBuf;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=cuda/kernels.cu");
    println!("cargo:rerun-if-env-changed=NVCC");
    println!("cargo:rerun-if-env-changed=CUDA_HOME");
    if env::var_os("CARGO_FEATURE_CUDA").is_none() {
        return;
    }
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    let home = env::var("CUDA_HOME").unwrap_or_else(|_| "/usr/local/cuda".into());
    let nvcc = env::var("NVCC").unwrap_or_else(|_| "nvcc".into());
    let obj = out.join("kernels.o");
    let status = Command::new(&nvcc)
        .args(["-O3", "-c", "-Xcompiler", "-fPIC", "-o"])
        .arg(&obj)
        .arg("cuda/kernels.cu")
        .status()
        .unwrap_or_else(|e| panic!("feature `cuda` needs nvcc ({nvcc}): {e}"));
    assert!(status.success(), "nvcc failed on cuda/kernels.cu");
    let lib = out.join("libmxcuda.a");
    let status = Command::new("ar").arg("crs").arg(&lib).arg(&obj).status().expect("ar");
    assert!(status.success(), "ar failed");
    println!("cargo:rustc-link-search=native={}", out.display());
    println!("cargo:rustc-link-lib=static=mxcuda");
    println!("cargo:rustc-link-search=native={home}/lib64");
    println!("cargo:rustc-link-lib=dylib=cudart");
    // Found at load time even where the toolkit's lib64 is not in the loader's path.
    println!("cargo:rustc-link-arg=-Wl,-rpath,{home}/lib64");
    println!("cargo:rustc-link-lib=dylib=stdc++");
}
