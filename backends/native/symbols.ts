/**
 * The native library's FFI symbol table: the one place every exported function of
 * ffi/src/lib.rs is declared. Each kernel takes one f64 argument block and returns a
 * status (0, or an error id for `mx_take_error`). Kernels are declared twice: a sync
 * entry for small work (~5-45 ns per call) and a `nonblocking` entry, run on Deno's
 * worker threads (5-35 µs round trip), for work large enough to overlap.
 * @module
 */

const kernel = { parameters: ["buffer"], result: "i32" } as const;
const kernelAsync = { parameters: ["buffer"], result: "i32", nonblocking: true } as const;

/** Every symbol the backend uses. */
export const SYMBOLS = {
  mx_init: { parameters: ["buffer", "buffer", "u32"], result: "i32" },
  mx_take_error: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  mx_rows: { parameters: ["buffer", "u32"], result: "i32" },
  mx_peak_concurrency: { parameters: [], result: "i32" },
  // CUDA (present in every build; without the `cuda` feature they report that).
  mx_cuda_device_count: { parameters: [], result: "i32" },
  mx_cuda_text: { parameters: ["u32", "buffer", "u32"], result: "i32" },
  mx_cuda_call: { parameters: ["i32", "i32", "buffer"], result: "i32" },
  // (device, destination, its bytes, source, its bytes): the byte counts must be equal.
  mx_cuda_upload: { parameters: ["i32", "f64", "f64", "buffer", "f64"], result: "i32" },
  mx_cuda_download: { parameters: ["i32", "buffer", "f64", "f64", "f64"], result: "i32" },
  mx_cuda_download_async: {
    name: "mx_cuda_download",
    parameters: ["i32", "buffer", "f64", "f64", "f64"],
    result: "i32",
    nonblocking: true,
  },
  mx_elementwise: kernel,
  mx_arange: kernel,
  mx_reduce: kernel,
  mx_matmul: kernel,
  mx_take: kernel,
  mx_take_backward: kernel,
  mx_sort: kernel,
  mx_random: kernel,
  mx_im2col: kernel,
  mx_col2im: kernel,
  mx_pool: kernel,
  mx_pool_backward: kernel,
  mx_conv2d: kernel,
  mx_conv2d_backward_data: kernel,
  mx_conv2d_backward_weight: kernel,
  mx_elementwise_async: { name: "mx_elementwise", ...kernelAsync },
  mx_arange_async: { name: "mx_arange", ...kernelAsync },
  mx_reduce_async: { name: "mx_reduce", ...kernelAsync },
  mx_matmul_async: { name: "mx_matmul", ...kernelAsync },
  mx_take_async: { name: "mx_take", ...kernelAsync },
  mx_take_backward_async: { name: "mx_take_backward", ...kernelAsync },
  mx_sort_async: { name: "mx_sort", ...kernelAsync },
  mx_random_async: { name: "mx_random", ...kernelAsync },
  mx_im2col_async: { name: "mx_im2col", ...kernelAsync },
  mx_col2im_async: { name: "mx_col2im", ...kernelAsync },
  mx_pool_async: { name: "mx_pool", ...kernelAsync },
  mx_pool_backward_async: { name: "mx_pool_backward", ...kernelAsync },
  mx_conv2d_async: { name: "mx_conv2d", ...kernelAsync },
  mx_conv2d_backward_data_async: { name: "mx_conv2d_backward_data", ...kernelAsync },
  mx_conv2d_backward_weight_async: { name: "mx_conv2d_backward_weight", ...kernelAsync },
  // The MPI binding's point-to-point allreduce (src/kvstore/mpi/p2p.ts). Optional: a
  // library built before them still loads, and the binding then runs its TS path.
  mx_mpi_bind: { ...kernel, optional: true },
  mx_mpi_allreduce: { ...kernel, optional: true },
  // LAPACK for the host linear algebra (ffi/src/lapack.rs, backends/native/lapack.ts).
  // Optional: a library built before them loads, and those operators run their TS code.
  mx_lapack_potrf: { parameters: ["buffer", "i32"], result: "i32", optional: true },
  mx_lapack_getrf: { parameters: ["buffer", "i32", "buffer"], result: "i32", optional: true },
  mx_lapack_inverse: { parameters: ["buffer", "i32"], result: "i32", optional: true },
  mx_lapack_gelqf: {
    parameters: ["buffer", "buffer", "i32", "i32"],
    result: "i32",
    optional: true,
  },
  mx_lapack_syevd: { parameters: ["buffer", "buffer", "i32"], result: "i32", optional: true },
  mx_lapack_trsm: {
    parameters: ["buffer", "buffer", "i32", "i32", "i32", "f64"],
    result: "i32",
    optional: true,
  },
} as const;

/** The kernels, by their sync symbol name (the async twin adds `_async`). */
export type KernelSymbol =
  | "mx_elementwise"
  | "mx_arange"
  | "mx_reduce"
  | "mx_matmul"
  | "mx_take"
  | "mx_take_backward"
  | "mx_sort"
  | "mx_random"
  | "mx_im2col"
  | "mx_col2im"
  | "mx_pool"
  | "mx_pool_backward"
  | "mx_conv2d"
  | "mx_conv2d_backward_data"
  | "mx_conv2d_backward_weight";

/** The opened library. */
export type NativeLibrary = Deno.DynamicLibrary<typeof SYMBOLS>;

/** Bumped with ffi/src/lib.rs's ABI_VERSION when a signature or layout changes. */
export const ABI_VERSION = 3;
