/**
 * Which backend serves which context. `cpu` -> native when loadable, else ts (one warning).
 * `gpu` -> cuda when a real CUDA device exists, else webgpu. `MXTS_CPU_BACKEND` /
 * `MXTS_GPU_BACKEND` force a choice so the test suite can run once per backend.
 * @module
 */
import type { Context } from "../src/core/context.ts";
import { ContextError } from "../src/core/errors.ts";
import type { Backend } from "./backend.ts";
import { createCudaBackend } from "./cuda/mod.ts";
import { type CudaLibrary, cudaLibrary } from "./native/cuda.ts";
import { loadNative, nativeBackend, nativeLoadFailure } from "./native/mod.ts";
import { createTSBackend } from "./ts/mod.ts";
import { createWebGPUBackend, hardwareAdapters, hasWebGPU } from "./webgpu/mod.ts";
import { env } from "../src/core/env.ts";

export type { Backend } from "./backend.ts";

let ts: Backend | undefined;

/** The TS reference backend (one instance serves every cpu(i)). */
export function tsBackend(): Backend {
  return (ts ??= createTSBackend());
}

/** Every backend the test harness knows, the reference ("ts") first. */
export const BACKEND_NAMES: readonly string[] = ["ts", "native", "webgpu", "cuda"];

/** Names of the backends that can run in this process now. */
export function availableBackends(): string[] {
  const names = ["ts"];
  if (nativeBackend()) names.push("native");
  if (hasWebGPU()) names.push("webgpu");
  if ("devices" in cudaPart()) names.push("cuda");
  return names;
}

let cudaInfo: CudaLibrary | { reason: string } | undefined;
let cuda: Backend | undefined;

/** The native library's CUDA part, or why there is none. */
function cudaPart(): CudaLibrary | { reason: string } {
  if (cudaInfo) return cudaInfo;
  const native = loadNative();
  return cudaInfo = native
    ? cudaLibrary(native)
    : { reason: `the native library is not available: ${nativeLoadFailure()}` };
}

/** The CUDA backend (one instance; gpu(i) is CUDA device i), or undefined. */
function cudaBackend(): Backend | undefined {
  const part = cudaPart();
  if (!("devices" in part)) return undefined;
  return (cuda ??= createCudaBackend(loadNative()!, part));
}

/** True when a real (not emulated) CUDA device serves gpu contexts by default. */
function hasRealCuda(): boolean {
  const part = cudaPart();
  return "devices" in part && part.build === "cuda";
}

/** Why backend `name` cannot run in this process (undefined when it can). */
export function unavailableReason(name: string): string | undefined {
  if (availableBackends().includes(name)) return undefined;
  if (name === "native") return nativeLoadFailure() ?? "the native library did not load";
  if (name === "webgpu") return "no WebGPU adapter in this runtime";
  if (name === "cuda") {
    const part = cudaPart();
    return "reason" in part ? part.reason : "no CUDA device";
  }
  return `no backend named ${JSON.stringify(name)}`;
}

/** The backend named `name`; throws a ContextError naming what is available. */
export function backendByName(name: string): Backend {
  if (name === "ts") return tsBackend();
  if (name === "native") {
    const b = nativeBackend();
    if (b) return b;
    throw new ContextError(`the native backend is not available: ${nativeLoadFailure()}`);
  }
  if (name === "webgpu" && hasWebGPU()) return webgpuBackend();
  if (name === "cuda") {
    const b = cudaBackend();
    if (b) return b;
    throw new ContextError(
      `the cuda backend is not available: ${(cudaPart() as { reason: string }).reason}`,
    );
  }
  throw new ContextError(
    `no backend named ${JSON.stringify(name)} is available; available: ${
      availableBackends().join(", ")
    }`,
  );
}

let cpuOverride: Backend | undefined;
// Resolved once: reading the environment costs microseconds, an op must not.
let defaultCpu: Backend | undefined;

/**
 * Makes every cpu context use `backend` until reset with `undefined`. The test harness
 * uses this to run the same tests once per backend.
 */
export function setCpuBackend(backend: Backend | undefined): void {
  cpuOverride = backend;
}

/** "native" when its library loads; else "ts", after one warning saying why (in Deno). */
function defaultCpuName(): string {
  if (nativeBackend()) return "native";
  // Outside Deno (a browser) the TS backend is the CPU backend: nothing to warn about, and
  // no environment variable to set.
  if (typeof (globalThis as { Deno?: unknown }).Deno === "undefined") return "ts";
  console.warn(
    `mxts: the native CPU backend is not available (${nativeLoadFailure()}); using the ` +
      "slower TS backend. Set MXTS_CPU_BACKEND=ts to choose it explicitly.",
  );
  return "ts";
}

/** The backend serving `ctx`. */
export function backendFor(ctx: Context): Backend {
  if (ctx.deviceType === "cpu") {
    if (cpuOverride) return cpuOverride;
    return (defaultCpu ??= backendByName(env("MXTS_CPU_BACKEND") ?? defaultCpuName()));
  }
  if (defaultGpu) return defaultGpu;
  const forced = env("MXTS_GPU_BACKEND");
  // CUDA first when it has a real device (an emulated one only when asked for by name).
  if (forced === "cuda" || (forced === undefined && hasRealCuda())) {
    return (defaultGpu = backendByName("cuda"));
  }
  if (hasWebGPU() && (forced === undefined || forced === "webgpu")) {
    return (defaultGpu = webgpuBackend());
  }
  throw new ContextError(
    `${ctx}: no GPU backend is available: ${
      forced && forced !== "webgpu"
        ? `MXTS_GPU_BACKEND=${forced} is not available`
        : `no WebGPU adapter in this runtime and no CUDA device (${
          (cudaPart() as { reason: string }).reason
        })`
    }; use mx.cpu() or check mx.numGpus() first`,
  );
}

let webgpu: Backend | undefined;
let defaultGpu: Backend | undefined;

/** The WebGPU backend (one instance; gpu(i) is logical device i on the one adapter). */
function webgpuBackend(): Backend {
  return (webgpu ??= createWebGPUBackend());
}

/**
 * Number of hardware GPUs: the CUDA devices when a real CUDA build finds any; else 1 when
 * a non-fallback WebGPU adapter exists, else 0. Software
 * adapters (llvmpipe, SwiftShader) are not counted, so MXNet's `gpu() if num_gpus() > 0
 * else cpu()` picks the faster CPU there; `gpu(i)` still works on them, each i a logical
 * device on the one adapter (so multi-GPU code runs, e.g. on gpu(0..3)).
 */
export function numGpus(): number {
  const part = cudaPart();
  // Emulated devices count only when asked for (MXTS_GPU_BACKEND=cuda): then they are
  // what gpu(i) is.
  if ("devices" in part && (part.build === "cuda" || env("MXTS_GPU_BACKEND") === "cuda")) {
    return part.devices;
  }
  return hardwareAdapters();
}
