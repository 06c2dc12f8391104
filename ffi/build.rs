//! Compiles the CUDA kernels in cuda/ into a static library linked into the cdylib:
//! - feature `cuda`: with nvcc, linking the CUDA runtime (real devices);
//! - feature `cuda-emu`: the same sources with the host C++ compiler and MXTS_CUDA_EMU
//!   (cuda/emu.h runs every launch on the CPU), so the kernels are tested without a GPU.
//!
//! Without either, nothing is compiled and the CUDA entry points report that the library
//! was built without CUDA.

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};

fn main() {
    println!("cargo:rerun-if-changed=cuda");
    println!("cargo:rerun-if-env-changed=NVCC");
    println!("cargo:rerun-if-env-changed=CXX");
    println!("cargo:rerun-if-env-changed=CUDA_HOME");
    let real = env::var_os("CARGO_FEATURE_CUDA").is_some();
    let emu = env::var_os("CARGO_FEATURE_CUDA_EMU").is_some();
    if !real && !emu {
        return;
    }
    assert!(!(real && emu), "features `cuda` and `cuda-emu` exclude each other");
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    let mut sources: Vec<PathBuf> = std::fs::read_dir("cuda")
        .expect("cuda/ directory")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "cu"))
        .collect();
    sources.sort();
    if emu {
        sources.push(PathBuf::from("cuda/emu.cpp"));
    }
    // Compile every file at once: nvcc takes seconds per file.
    let jobs: Vec<(PathBuf, Child)> = sources
        .iter()
        .map(|src| {
            let obj = out.join(src.file_name().unwrap()).with_extension("o");
            let child = if real { nvcc(src, &obj) } else { host_cxx(src, &obj) };
            (obj, child)
        })
        .collect();
    let mut objects = Vec::new();
    for (obj, mut child) in jobs {
        let status = child.wait().expect("compiler");
        assert!(status.success(), "compiling {} failed", obj.display());
        objects.push(obj);
    }
    let lib = out.join("libmxcuda.a");
    let _ = std::fs::remove_file(&lib);
    let status = Command::new("ar").arg("crs").arg(&lib).args(&objects).status().expect("ar");
    assert!(status.success(), "ar failed");
    println!("cargo:rustc-link-search=native={}", out.display());
    println!("cargo:rustc-link-lib=static=mxcuda");
    if real {
        let home = env::var("CUDA_HOME").unwrap_or_else(|_| "/usr/local/cuda".into());
        println!("cargo:rustc-link-search=native={home}/lib64");
        println!("cargo:rustc-link-lib=dylib=cudart");
        // Found at load time even where the toolkit's lib64 is not in the loader's path.
        println!("cargo:rustc-link-arg=-Wl,-rpath,{home}/lib64");
    }
    println!("cargo:rustc-link-lib=dylib=stdc++");
}

/// Files whose results must equal the CPU's bit for bit: nvcc contracts `a * b + c` into
/// one fused multiply-add by default, which rounds once where the Rust kernels (and the TS
/// reference) round twice. The GEMM and convolution kernels keep FMA: they are compared
/// with a tolerance and it doubles their throughput.
const NO_FMA: &[&str] = &["ew.cu"];

fn nvcc(src: &Path, obj: &Path) -> Child {
    let nvcc = env::var("NVCC").unwrap_or_else(|_| "nvcc".into());
    let exact = NO_FMA.iter().any(|f| src.file_name().is_some_and(|n| n == *f));
    Command::new(&nvcc)
        .args(["-std=c++17", "-O3", "-c", "-Xcompiler", "-fPIC"])
        .args(if exact { &["-fmad=false"][..] } else { &[][..] })
        .arg("-o")
        .arg(obj)
        .arg(src)
        .spawn()
        .unwrap_or_else(|e| panic!("feature `cuda` needs nvcc ({nvcc}): {e}"))
}

fn host_cxx(src: &Path, obj: &Path) -> Child {
    let cxx = env::var("CXX").unwrap_or_else(|_| "c++".into());
    Command::new(&cxx)
        .args(["-std=c++17", "-O2", "-fPIC", "-DMXTS_CUDA_EMU", "-Wall", "-c", "-x", "c++", "-o"])
        .arg(obj)
        .arg(src)
        .spawn()
        .unwrap_or_else(|e| panic!("feature `cuda-emu` needs a C++ compiler ({cxx}): {e}"))
}
