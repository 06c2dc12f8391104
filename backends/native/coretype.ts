/**
 * OpenBLAS set-up that must happen before the library is loaded. Debian's OpenBLAS
 * 0.3.21 detects recent AVX-512 CPUs as "Prescott" and runs SSE kernels (65 GFLOP/s
 * instead of ~300 for sgemm 1024 on 2 cores, PERF_NOTES), so the core type is chosen
 * from the CPU flags here, unless the user set `OPENBLAS_CORETYPE` already.
 * @module
 */

/** The OpenBLAS core type for a /proc/cpuinfo text, or undefined to keep its own pick. */
export function coreTypeFor(cpuinfo: string): "SkylakeX" | "Haswell" | undefined {
  const line = cpuinfo.split("\n").find((l) => /^flags\s*:/.test(l));
  if (!line) return undefined;
  const flags = new Set(line.slice(line.indexOf(":") + 1).trim().split(/\s+/));
  // SkylakeX kernels need AVX-512 F, CD, BW, DQ and VL.
  if (["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"].every((f) => flags.has(f))) {
    return "SkylakeX";
  }
  if (flags.has("avx2") && flags.has("fma")) return "Haswell";
  return undefined;
}

function readCpuinfo(): string {
  try {
    return Deno.readTextFileSync("/proc/cpuinfo");
  } catch {
    return ""; // not Linux, or no read permission: leave OpenBLAS to detect
  }
}

/** What {@link configureOpenBlas} decided, for tests and the bench header. */
export interface OpenBlasConfig {
  /** The core type in effect (set by the user, chosen here, or undefined). */
  coreType: string | undefined;
  /** True when this module set `OPENBLAS_CORETYPE`. */
  chosen: boolean;
  /** `OPENBLAS_NUM_THREADS` in effect. */
  threads: string;
  /** `OPENBLAS_THREAD_TIMEOUT` in effect (log2 of the cycles idle threads spin). */
  threadTimeout: string;
}

/**
 * OpenBLAS's idle threads spin for 2^timeout cycles before sleeping (default 28: about
 * 0.1 s). Between GEMMs they then busy-wait on the cores the native kernels' own threads
 * need. Measured (LeNet training, sgemm 256 in a loop): 28 -> 12.5k samples/s, 182
 * GFLOP/s; 4 -> 19.9k, 111 (every GEMM wakes sleeping threads); 18 (~0.1 ms) -> 19.5k,
 * 175: threads stay warm across back-to-back GEMMs and sleep before a conv kernel runs.
 */
const THREAD_TIMEOUT = "18";

/**
 * Sets `OPENBLAS_CORETYPE` (from the CPU flags), `OPENBLAS_NUM_THREADS` (one thread per
 * core: OpenBLAS's pool is the only one GEMM uses; the native kernels share a core
 * budget with it) and `OPENBLAS_THREAD_TIMEOUT` (see THREAD_TIMEOUT) unless the user
 * already set them. Call before `Deno.dlopen`.
 */
export function configureOpenBlas(cpuinfo: string = readCpuinfo()): OpenBlasConfig {
  const user = Deno.env.get("OPENBLAS_CORETYPE");
  let coreType = user, chosen = false;
  if (!user) {
    coreType = coreTypeFor(cpuinfo);
    if (coreType) {
      Deno.env.set("OPENBLAS_CORETYPE", coreType);
      chosen = true;
    }
  }
  let threads = Deno.env.get("OPENBLAS_NUM_THREADS");
  if (!threads) {
    threads = String(navigator.hardwareConcurrency || 1);
    Deno.env.set("OPENBLAS_NUM_THREADS", threads);
  }
  let threadTimeout = Deno.env.get("OPENBLAS_THREAD_TIMEOUT");
  if (!threadTimeout) {
    threadTimeout = THREAD_TIMEOUT;
    Deno.env.set("OPENBLAS_THREAD_TIMEOUT", threadTimeout);
  }
  return { coreType, chosen, threads, threadTimeout };
}
