/**
 * Builds the native CPU backend (ffi/ -> ffi/target/release/libmxts_native.*):
 *
 *   deno run -A tools/build_native.ts [extra cargo args]
 *   deno run -A tools/build_native.ts --emu   # ffi/target/cuda-emu: CUDA kernels on the CPU
 *
 * Where `nvcc` is found the library is built with the `cuda` feature (the kernels in
 * ffi/cuda/ then serve mx.gpu(i) on a CUDA device; without a device it reports none and
 * gpu falls through to WebGPU); MXTS_BUILD_CUDA=0 turns that off. `--emu` builds the
 * same kernels for the host CPU (feature `cuda-emu`) into a separate library, which the
 * tests load to check the CUDA kernels on machines without a GPU.
 *
 * Without cargo or the OpenBLAS development library it prints why and exits 0: mxts
 * then runs on the TS backend (with one warning at start-up), so a machine without a
 * Rust toolchain can still use and test the library.
 * @module
 */
import { generate as generateCuda, ROWS_CUH } from "./gen_cuda_elementwise.ts";
import { generate, ROWS_RS } from "./gen_native_elementwise.ts";

const FFI_DIR = new URL("../ffi/", import.meta.url);
const OPENBLAS_DIRS = [
  "/usr/lib/x86_64-linux-gnu",
  "/usr/lib/aarch64-linux-gnu",
  "/usr/lib64",
  "/usr/lib",
  "/usr/local/lib",
  "/opt/homebrew/opt/openblas/lib",
  "/usr/local/opt/openblas/lib",
];

async function has(cmd: string, args: string[]): Promise<boolean> {
  try {
    return (await new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).output()).success;
  } catch {
    return false;
  }
}

function findOpenBlas(): string | undefined {
  const names = ["libopenblas.so", "libopenblas.dylib", "openblas.lib"];
  for (const dir of OPENBLAS_DIRS) {
    for (const n of names) {
      try {
        Deno.statSync(`${dir}/${n}`);
        return `${dir}/${n}`;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

/** Builds the library; returns the exit code (0 also when skipped). */
export async function buildNative(extra: readonly string[] = []): Promise<number> {
  if (!await has("cargo", ["--version"])) {
    console.log(
      "build_native: skipped, cargo is not installed (https://rustup.rs); " +
        "mxts will use the TS backend",
    );
    return 0;
  }
  const blas = findOpenBlas();
  if (!blas) {
    console.log(
      "build_native: skipped, libopenblas is not installed (Debian/Ubuntu: " +
        "apt-get install -y libopenblas-dev); mxts will use the TS backend",
    );
    return 0;
  }
  // The generated kernel table must match src/ops/elementwise_table.ts.
  const src = generate();
  if (await Deno.readTextFile(ROWS_RS).catch(() => "") !== src) {
    await Deno.writeTextFile(ROWS_RS, src);
    console.log("build_native: regenerated ffi/src/rows.rs from the elementwise table");
  }
  const cudaGen = generateCuda();
  if (await Deno.readTextFile(ROWS_CUH).catch(() => "") !== cudaGen) {
    await Deno.writeTextFile(ROWS_CUH, cudaGen);
    console.log("build_native: regenerated ffi/cuda/rows.cuh from the elementwise table");
  }
  const args = ["build", "--release", "--offline"];
  const rest = extra.filter((a) => a !== "--emu");
  if (rest.length < extra.length) {
    if (!await has("c++", ["--version"])) {
      console.log("build_native: --emu skipped, no C++ compiler (apt-get install -y g++)");
      return 0;
    }
    args.push("--features", "cuda-emu", "--target-dir", "target/cuda-emu");
  } else if (
    !rest.includes("--features") && Deno.env.get("MXTS_BUILD_CUDA") !== "0" &&
    await has("nvcc", ["--version"])
  ) {
    args.push("--features", "cuda");
  }
  args.push(...rest);
  console.log(`build_native: cargo ${args.join(" ")} (BLAS: ${blas})`);
  const { code } = await new Deno.Command("cargo", {
    args,
    cwd: FFI_DIR,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  return code;
}

if (import.meta.main) Deno.exit(await buildNative(Deno.args));
