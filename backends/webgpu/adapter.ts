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

/** Where the Vulkan loader finds Linux drivers (ICD manifests). */
const VULKAN_ICD_DIRS = ["/usr/share/vulkan/icd.d", "/etc/vulkan/icd.d"];

/**
 * On Linux with a Vulkan driver installed, asks Deno's wgpu for Vulkan only
 * (DENO_WEBGPU_BACKEND=vulkan, read once, when the first adapter is requested) unless the
 * user chose backends. With every backend, wgpu also loads the OpenGL one (libEGL), whose
 * library destructor at process exit races threads that are still ending and now and
 * then aborts the process after all work is done ("corrupted size vs. prev_size in
 * fastbins"): 2 of 7 runs of the test suite here, 0 of 12 with Vulkan only. Machines
 * without Vulkan keep wgpu's default (OpenGL included). Asks for no permission: without
 * env and read access it changes nothing.
 */
function preferVulkan(): void {
  const d = (globalThis as { Deno?: typeof Deno }).Deno;
  if (d?.build.os !== "linux") return;
  try {
    const env = d.permissions.querySync?.({ name: "env", variable: "DENO_WEBGPU_BACKEND" });
    if (!env || env.state !== "granted" || d.env.get("DENO_WEBGPU_BACKEND") !== undefined) return;
    const hasDriver = VULKAN_ICD_DIRS.some((dir) => {
      const read = d.permissions.querySync({ name: "read", path: dir });
      if (read.state !== "granted") return false;
      try {
        for (const e of d.readDirSync(dir)) if (e.name.endsWith(".json")) return true;
      } catch {
        // no such directory
      }
      return false;
    });
    if (hasDriver) d.env.set("DENO_WEBGPU_BACKEND", "vulkan");
  } catch {
    // permissions API missing or refused: wgpu's default
  }
}

/**
 * Gives the Vulkan loader a private runtime directory when XDG_RUNTIME_DIR is unset
 * (containers, CI, ssh and cron sessions): without one, Mesa's Wayland code prints
 * "error: XDG_RUNTIME_DIR is invalid or not set in the environment." on stderr while the
 * adapter is probed, at the import of mod.ts by any script. The directory is what a login
 * session provides: `$TMPDIR/mxts-runtime-<uid>`, owned by the user, mode 0700 (one that
 * exists with another owner or mode is not used). Asks for no permission: without env,
 * sys, read and write access it changes nothing.
 */
function privateRuntimeDir(): void {
  const d = (globalThis as { Deno?: typeof Deno }).Deno;
  if (d?.build.os !== "linux") return;
  try {
    const granted = (p: Deno.PermissionDescriptor) =>
      d.permissions.querySync(p).state === "granted";
    if (!granted({ name: "env" }) || d.env.get("XDG_RUNTIME_DIR") !== undefined) return;
    if (!granted({ name: "sys", kind: "uid" })) return;
    const uid = d.uid();
    if (uid === null) return;
    const dir = `${d.env.get("TMPDIR") || "/tmp"}/mxts-runtime-${uid}`;
    if (!granted({ name: "write", path: dir }) || !granted({ name: "read", path: dir })) return;
    try {
      d.mkdirSync(dir, { mode: 0o700 });
    } catch (e) {
      if (!(e instanceof d.errors.AlreadyExists)) return;
    }
    const st = d.statSync(dir);
    if (!st.isDirectory || st.uid !== uid || ((st.mode ?? 0) & 0o777) !== 0o700) return;
    d.env.set("XDG_RUNTIME_DIR", dir);
  } catch {
    // permissions API missing or refused: leave the environment as it is
  }
}

async function probe(): Promise<AdapterProbe | null> {
  const gpu = (globalThis.navigator as { gpu?: GPU } | undefined)?.gpu;
  if (!gpu) return null;
  privateRuntimeDir();
  preferVulkan();
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
