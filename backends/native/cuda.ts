/**
 * The CUDA side of the native library (built with `--features cuda`): device count,
 * device memory and the first kernels. Not yet a Backend: `gpu(i)` is served by WebGPU
 * until the CUDA backend covers the whole kernel table.
 * @module
 */
import { MXNetError } from "../../src/core/errors.ts";
import type { LoadedNative } from "./load.ts";

/** Reads error `id`'s message from the library. */
export function takeError(native: LoadedNative, id: number): string {
  const text = new Uint8Array(4096);
  const n = native.lib.symbols.mx_take_error(id, text, text.length);
  return n < 0 ? `error ${id}` : new TextDecoder().decode(text.subarray(0, n));
}

/**
 * CUDA devices the library can use: a count (0 without a device or driver), or why
 * there is no CUDA at all (e.g. "not compiled with CUDA ...").
 */
export function cudaDevices(native: LoadedNative): { count: number } | { reason: string } {
  const n = native.lib.symbols.mx_cuda_device_count();
  return n >= 0 ? { count: n } : { reason: takeError(native, -n) };
}

/** Device memory and kernels, by address (f64 argument blocks, as the CPU kernels). */
export interface CudaOps {
  alloc(bytes: number): number;
  free(ptr: number): void;
  /** Host typed array -> device (`toDevice`) or device -> host. */
  copy(host: ArrayBufferView, device: number, toDevice: boolean): void;
  addF32(a: number, b: number, out: number, n: number): void;
  /** C[m,n] = A[m,k] B[k,n], row-major float32. */
  sgemm(m: number, n: number, k: number, a: number, b: number, c: number): void;
}

/** The CUDA operations of a library built with CUDA. */
export function cudaOps(native: LoadedNative): CudaOps {
  const s = native.lib.symbols;
  const run = (what: string, status: number) => {
    if (status !== 0) throw new MXNetError(`native cuda ${what}: ${takeError(native, status)}`);
  };
  const block = (...xs: number[]) => Float64Array.from([xs.length + 1, ...xs]);
  const addr = (v: ArrayBufferView) => Number(Deno.UnsafePointer.value(Deno.UnsafePointer.of(v)));
  return {
    alloc(bytes) {
      const res = new Float64Array(1);
      run("alloc", s.mx_cuda_alloc(block(bytes, addr(res))));
      return res[0];
    },
    free(ptr) {
      run("free", s.mx_cuda_free(block(ptr)));
    },
    copy(host, device, toDevice) {
      const h = addr(host);
      const [dst, src] = toDevice ? [device, h] : [h, device];
      run("copy", s.mx_cuda_copy(block(dst, src, host.byteLength, toDevice ? 1 : 0)));
    },
    addF32(a, b, out, n) {
      run("add_f32", s.mx_cuda_add_f32(block(a, b, out, n)));
    },
    sgemm(m, n, k, a, b, c) {
      run("sgemm", s.mx_cuda_sgemm(block(m, n, k, a, b, c)));
    },
  };
}
