/**
 * The WebGPU backend: serves `gpu(i)` (each i its own logical GPUDevice on the one
 * adapter) in Deno and in browsers. Every kernel is WGSL; buffers are pooled per device;
 * reads go through staging buffers and `mapAsync`.
 *
 * Initialisation: the adapter is probed when adapter.ts loads (top-level await), so
 * backend selection stays synchronous. Devices are requested on first use of `gpu(i)`;
 * until one is ready its kernels and reads wait for it (every kernel is an engine op, and
 * the engine accepts asynchronous kernels), and early writes are kept on the host and
 * uploaded when it appears. No `await mx.gpuReady()` is needed.
 * @module
 */
import type { ComputeArray, DType } from "../../src/core/dtype.ts";
import { MXNetError } from "../../src/core/errors.ts";
import type { Backend, DeviceBuffer, KernelResult, Kernels, MemoryInfo, View } from "../backend.ts";
import { checkWrite } from "../checks.ts";
import { ADAPTER, type AdapterProbe } from "./adapter.ts";
import { GpuBuffer, GpuDevice, type Pass } from "./device.ts";
import { mapPass } from "./k_map.ts";
import { matmulPasses } from "./k_matmul.ts";
import { arangePass, fillPass, sortPass, takePass } from "./k_misc.ts";
import { randomParams, randomPass } from "./k_random.ts";
import { col2imPass, im2colPass, poolBackwardPass, poolPass } from "./k_conv.ts";
import {
  checkConvDTypes,
  conv2dBackwardDataPass,
  conv2dBackwardWeightPass,
  conv2dPass,
} from "./k_conv2d.ts";
import { reducePass } from "./k_reduce.ts";
import { hostCtcLoss } from "../ts/ctc.ts";
import { hostComputeKernel } from "../ts/host_compute.ts";
import { stridesOf } from "../../src/core/shape.ts";
import { allocBytes } from "../pool.ts";
import { type GpuDType, gpuDType } from "./wgsl.ts";

export { ADAPTER } from "./adapter.ts";
export type { AdapterProbe } from "./adapter.ts";

/** True when this runtime has a WebGPU adapter (hardware or software). */
export function hasWebGPU(): boolean {
  return ADAPTER !== null;
}

/** Number of hardware (non-fallback) WebGPU adapters: 1 or 0. See backends/mod.ts. */
export function hardwareAdapters(): number {
  return ADAPTER && !ADAPTER.isFallback ? 1 : 0;
}

function gbuf(b: DeviceBuffer): GpuBuffer {
  if (!(b instanceof GpuBuffer)) {
    throw new MXNetError("webgpu backend: got a buffer that belongs to another backend");
  }
  if (b.freed) throw new MXNetError("webgpu backend: buffer used after it was freed");
  return b;
}

/** Host typed array -> the device representation's bytes (8-bit types widen to i32). */
function toDevice(dtype: GpuDType, data: ComputeArray, size: number): ArrayBufferView<ArrayBuffer> {
  // Compute arrays are never backed by a SharedArrayBuffer (they come from allocCompute
  // or from this module), so the ArrayBuffer-typed view is what they are.
  if (dtype === "float32") {
    return (data instanceof Float32Array ? data : Float32Array.from(data)) as Float32Array<
      ArrayBuffer
    >;
  }
  if (dtype === "float16") {
    // Copies must be multiples of 4 bytes: pad odd lengths with one half.
    const h = new Float16Array(size + (size & 1));
    h.set(data as Float16Array);
    return h;
  }
  return (data instanceof Int32Array ? data : Int32Array.from(data)) as Int32Array<ArrayBuffer>;
}

/** Device bytes -> the TS backend's compute array for `dtype`. */
function fromDevice(dtype: GpuDType, bytes: ArrayBuffer, size: number): ComputeArray {
  switch (dtype) {
    case "float32":
      return new Float32Array(bytes, 0, size);
    case "float16":
      return new Float16Array(bytes, 0, size);
    case "int32":
      return new Int32Array(bytes, 0, size);
    case "int8":
      return Int8Array.from(new Int32Array(bytes, 0, size));
    case "uint8":
    case "bool":
      return Uint8Array.from(new Int32Array(bytes, 0, size));
  }
}

/** Creates the webgpu backend over `probe` (the module's adapter by default). */
export function createWebGPUBackend(probe: AdapterProbe | null = ADAPTER): Backend & {
  /** The adapter's description, "(software)" appended for fallback adapters. */
  readonly description: string;
  /** The logical device serving `gpu(id)` (requested on first use). */
  device(id: number): GpuDevice;
  /** Whether arrays of `dtype` can live here (the test harness skips what cannot). */
  supportsDType(dtype: DType): boolean;
} {
  if (!probe) {
    throw new MXNetError(
      "webgpu: no WebGPU adapter in this runtime (Deno needs a Vulkan/Metal/DX12 driver, e.g. " +
        "apt-get install mesa-vulkan-drivers; browsers need WebGPU enabled)",
    );
  }
  const devices: GpuDevice[] = [];
  const dev = (id: number) => (devices[id] ??= new GpuDevice(id, probe));
  const devOf = (b: DeviceBuffer) => dev(gbuf(b).deviceId);

  /** Encodes and submits `build()`'s passes on `d` once it exists. */
  const run = (
    d: GpuDevice,
    kernel: string,
    outputs: readonly DeviceBuffer[],
    build: () => (Pass | null)[],
  ): KernelResult => {
    const go = () => {
      const passes = build().filter((p): p is Pass => p !== null);
      return passes.length ? d.submit(kernel, passes, outputs.map(gbuf)) : undefined;
    };
    if (d.device) return go();
    return d.ready.then(go);
  };

  const read = async (b: GpuBuffer): Promise<ComputeArray> => {
    const bytes = await dev(b.deviceId).read(b);
    return fromDevice(b.dtype, bytes, b.size);
  };

  const write = (b: GpuBuffer, data: ComputeArray) => {
    checkWrite(`webgpu gpu(${b.deviceId}) write`, b, data);
    dev(b.deviceId).write(b, toDevice(b.dtype, data, b.size));
  };

  const alloc = (dtype: DType, size: number, deviceId: number): GpuBuffer => {
    // A size past the adapter's largest binding is refused by the device, naming the limit.
    allocBytes(`webgpu gpu(${deviceId})`, dtype, size);
    const d = dev(deviceId);
    return d.alloc(gpuDType(dtype, probe.hasF16, `webgpu gpu(${deviceId})`), size);
  };

  /** A copy between views on different devices: gather densely, read, write, scatter. */
  const copyAcross = async (src: View, dst: View): Promise<void> => {
    const s = gbuf(src.buf), t = gbuf(dst.buf);
    const n = dst.shape.reduce((a, b) => a * b, 1);
    const dense = (buf: DeviceBuffer): View => ({
      buf,
      shape: dst.shape,
      strides: stridesOf(dst.shape),
      offset: 0,
    });
    const tmpA = alloc(t.dtype, n, s.deviceId);
    const tmpB = alloc(t.dtype, n, t.deviceId);
    try {
      await run(
        dev(s.deviceId),
        "copy",
        [tmpA],
        () => [mapPass(dev(s.deviceId), { kind: "copy" }, [src], [], dense(tmpA))],
      );
      write(tmpB, await read(tmpA));
      await run(
        dev(t.deviceId),
        "copy",
        [dst.buf],
        () => [mapPass(dev(t.deviceId), { kind: "copy" }, [dense(tmpB)], [], dst)],
      );
    } finally {
      dev(s.deviceId).free(tmpA);
      dev(t.deviceId).free(tmpB);
    }
  };

  const kernels: Kernels = {
    elementwise(row, inputs, scalars, out) {
      const d = devOf(out.buf);
      return run(
        d,
        row.name,
        [out.buf],
        () => [mapPass(d, { kind: "row", name: row.name, wgsl: row.wgsl }, inputs, scalars, out)],
      );
    },
    copy(src, dst) {
      if (gbuf(src.buf).deviceId !== gbuf(dst.buf).deviceId) return copyAcross(src, dst);
      const d = devOf(dst.buf);
      return run(d, "copy", [dst.buf], () => [mapPass(d, { kind: "copy" }, [src], [], dst)]);
    },
    fill(out, value) {
      const d = devOf(out);
      return run(d, "fill", [out], () => [fillPass(d, gbuf(out), value)]);
    },
    arange(out, start, step) {
      const d = devOf(out);
      return run(d, "arange", [out], () => [arangePass(d, gbuf(out), start, step)]);
    },
    reduce(op, x, shape, axes, out) {
      const d = devOf(out);
      return run(
        d,
        `reduce ${op}`,
        [out],
        () => [reducePass(d, op, gbuf(x), shape, axes, gbuf(out))],
      );
    },
    matmul(a, b, out, p) {
      const d = devOf(out);
      return run(d, "matmul", [out], () => {
        const o = gbuf(out);
        // k = 0: the product is all zeros (the tile loop never runs, but be explicit).
        if (p.k === 0) return [fillPass(d, o, 0)];
        return matmulPasses(d, gbuf(a), gbuf(b), o, p);
      });
    },
    take(x, idx, out, p) {
      const d = devOf(out);
      return run(d, "take", [out], () => [takePass(d, gbuf(x), gbuf(idx), gbuf(out), p, false)]);
    },
    takeBackward(g, idx, out, p) {
      const d = devOf(out);
      return run(
        d,
        "takeBackward",
        [out],
        () => [takePass(d, gbuf(g), gbuf(idx), gbuf(out), p, true)],
      );
    },
    sort(x, values, indices, p) {
      const d = devOf(values);
      return run(
        d,
        "sort",
        [values, indices],
        () => [sortPass(d, gbuf(x), gbuf(values), gbuf(indices), p)],
      );
    },
    random(dist, out, p) {
      const d = devOf(out);
      // Validate now, so bad parameters fail the op even before the device exists.
      randomParams(dist, gbuf(out), p);
      return run(d, `random ${dist}`, [out], () => [randomPass(d, dist, gbuf(out), p)]);
    },
    im2col(x, col, p) {
      const d = devOf(col);
      return run(d, "im2col", [col], () => [im2colPass(d, gbuf(x), gbuf(col), p)]);
    },
    col2im(col, x, p) {
      const d = devOf(x);
      return run(d, "col2im", [x], () => [col2imPass(d, gbuf(col), gbuf(x), p)]);
    },
    pool(x, out, p) {
      const d = devOf(out);
      return run(d, "pool", [out], () => [poolPass(d, gbuf(x), gbuf(out), p)]);
    },
    poolBackward(x, gy, gx, p) {
      const d = devOf(gx);
      return run(
        d,
        "poolBackward",
        [gx],
        () => [poolBackwardPass(d, gbuf(x), gbuf(gy), gbuf(gx), p)],
      );
    },
    conv2d(x, w, y, p) {
      const d = devOf(y);
      checkConvDTypes("conv2d", [gbuf(x), gbuf(w), gbuf(y)]);
      return run(d, "conv2d", [y], () => [conv2dPass(d, gbuf(x), gbuf(w), gbuf(y), p)]);
    },
    conv2dBackwardData(gy, w, gx, p) {
      const d = devOf(gx);
      checkConvDTypes("conv2dBackwardData", [gbuf(gy), gbuf(w), gbuf(gx)]);
      return run(
        d,
        "conv2dBackwardData",
        [gx],
        () => [conv2dBackwardDataPass(d, gbuf(gy), gbuf(w), gbuf(gx), p)],
      );
    },
    conv2dBackwardWeight(x, gy, gw, p) {
      const d = devOf(gw);
      checkConvDTypes("conv2dBackwardWeight", [gbuf(x), gbuf(gy), gbuf(gw)]);
      return run(
        d,
        "conv2dBackwardWeight",
        [gw],
        () => [conv2dBackwardWeightPass(d, gbuf(x), gbuf(gy), gbuf(gw), p)],
      );
    },
    // Read back, computed on the host, written (backends/ts/ctc.ts).
    ctcLoss: hostCtcLoss((b) => read(gbuf(b)), (b, data) => write(gbuf(b), data)),
    hostCompute: hostComputeKernel((b) => read(gbuf(b)), (b, data) => write(gbuf(b), data)),
  };

  return {
    name: "webgpu",
    description: probe.description,
    device: dev,
    supportsDType(dtype) {
      return dtype !== "float64" && dtype !== "int64" && (dtype !== "float16" || probe.hasF16);
    },
    kernels,
    alloc,
    free(b) {
      devOf(b).free(gbuf(b));
    },
    write(b, data) {
      write(gbuf(b), data);
    },
    read(b) {
      return read(gbuf(b));
    },
    memoryInfo(deviceId?: number): MemoryInfo {
      let count = 0, bytes = 0, pooledBytes = 0;
      devices.forEach((d, id) => {
        if (deviceId !== undefined && id !== deviceId) return;
        count += d.liveCount;
        bytes += d.liveBytes;
        pooledBytes += d.pooledBytes;
      });
      return { count, bytes, pooledBytes };
    },
  };
}
