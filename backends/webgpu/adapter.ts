/**
 * The WebGPU adapter, probed once when the module loads. Backend selection
 * (`availableBackends()`, `numGpus()`, `backendFor()`) is synchronous, but adapter discovery
 * is not: a top-level await here lets every synchronous caller know whether an adapter
 * exists, at the cost of one `requestAdapter()` (~50 ms on llvmpipe) per process. Devices
 * are requested later, lazily, one logical `GPUDevice` per `gpu(i)` (see device.ts).
 * @module
 */

/** What the backend needs to know about the adapter. */
export interface AdapterProbe {
  /** The adapter. */
  readonly adapter: GPUAdapter;
  /** True for software adapters (llvmpipe, SwiftShader): correct, but slower than a CPU. */
  readonly isFallback: boolean;
  /** True when WGSL `f16` (the `shader-f16` feature) can be enabled. */
  readonly hasF16: boolean;
  /** A one-line description, e.g. "llvmpipe (LLVM 15.0.6, 256 bits) (software)". */
  readonly description: string;
}

async function probe(): Promise<AdapterProbe | null> {
  const gpu = (globalThis.navigator as { gpu?: GPU } | undefined)?.gpu;
  if (!gpu) return null;
  let adapter: GPUAdapter | null = null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  } catch {
    return null; // a broken driver stack is "no adapter", never a crash at import
  }
  if (!adapter) return null;
  // Deno exposes isFallbackAdapter on `info` (newer spec); browsers on the adapter itself.
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  const isFallback = Boolean(
    info?.isFallbackAdapter ?? (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter,
  );
  const name = info?.description || [info?.vendor, info?.device].filter(Boolean).join(" ") ||
    "WebGPU adapter";
  return {
    adapter,
    isFallback,
    hasF16: adapter.features.has("shader-f16"),
    description: isFallback ? `${name} (software)` : name,
  };
}

/** The adapter, or null when this runtime has no WebGPU adapter. */
export const ADAPTER: AdapterProbe | null = await probe();
