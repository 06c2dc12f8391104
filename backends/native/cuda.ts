/**
 * What the native library's CUDA part offers: devices, the build kind (a real nvcc build,
 * or the host emulation used to test the kernels without a GPU), the entry points by
 * name and the compiled elementwise rows.
 * @module
 */
import { type LoadedNative, takeError } from "./load.ts";

/**
 * CUDA devices the library can use: a count (0 without a device or driver), or why
 * there is no CUDA at all (e.g. "not compiled with CUDA ...").
 */
export function cudaDevices(native: LoadedNative): { count: number } | { reason: string } {
  const n = native.lib.symbols.mx_cuda_device_count();
  return n >= 0 ? { count: n } : { reason: takeError(native.lib.symbols, -n) };
}

/** The CUDA part of a library built with it. */
export interface CudaLibrary {
  /** "cuda" (nvcc, real devices) or "emulated" (kernels run on the host CPU). */
  readonly build: "cuda" | "emulated";
  /** Devices. */
  readonly devices: number;
  /** Entry ids by name ("cuda_alloc", "mx_matmul", ...). */
  readonly ops: ReadonlyMap<string, number>;
  /** Compiled elementwise rows: name -> id and the CUDA expression compiled for it. */
  readonly rows: ReadonlyMap<string, { id: number; cuda: string }>;
}

function text(native: LoadedNative, which: number): string {
  for (let cap = 1 << 16; cap <= 1 << 24; cap *= 4) {
    const out = new Uint8Array(cap);
    const n = native.lib.symbols.mx_cuda_text(which, out, cap);
    if (n >= 0) return new TextDecoder().decode(out.subarray(0, n));
  }
  throw new Error(`the library's CUDA text ${which} could not be read`);
}

/** The library's CUDA part, or the reason it has none (or no device). */
export function cudaLibrary(native: LoadedNative): CudaLibrary | { reason: string } {
  const d = cudaDevices(native);
  if ("reason" in d) return d;
  if (d.count === 0) return { reason: "the CUDA runtime reports no device" };
  const build = text(native, 0);
  if (build !== "cuda" && build !== "emulated") return { reason: `unknown CUDA build ${build}` };
  const ops = new Map(text(native, 1).split(",").map((name, id) => [name, id] as const));
  const rows = new Map(
    text(native, 2).split("\n").filter((l) => l).map((line, id) => {
      const tab = line.indexOf("\t");
      return [line.slice(0, tab), { id, cuda: line.slice(tab + 1) }] as const;
    }),
  );
  return { build, devices: d.count, ops, rows };
}
