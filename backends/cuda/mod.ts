/**
 * The CUDA backend: `mx.gpu(i)` is CUDA device i. Its kernels are the native library's
 * `cuda` build (ffi/cuda/*.cu), reached with the same argument blocks as the native CPU
 * kernels (backends/native/block_kernels.ts) carrying device addresses.
 *
 * Ordering: every kernel and copy goes to the device's default stream in the order the
 * engine issues them, which already respects every dependency, so a launch returns at
 * once and the device runs the queue. `read` snapshots the buffer in queue order and
 * downloads the snapshot with a nonblocking call (it waits for the queue on a Deno worker
 * thread while the event loop keeps going); `write` is a synchronous upload (the host
 * array may change right after). Device memory is pooled per device.
 *
 * The `emulated` build runs the same kernels on the host CPU (ffi/cuda/emu.h); it is used
 * only when asked for (tests, MXTS_GPU_BACKEND=cuda) and says so in its name.
 * @module
 */
import {
  allocComputeOffHeap,
  type ComputeArray,
  type DType,
  ITEM_SIZE,
} from "../../src/core/dtype.ts";
import { ContextError, MXNetError } from "../../src/core/errors.ts";
import { sizeOf, stridesOf } from "../../src/core/shape.ts";
import { hostCtcLoss } from "../ts/ctc.ts";
import { hostComputeKernel } from "../ts/host_compute.ts";
import { runElementwise } from "../ts/elementwise.ts";
import type { Backend, DeviceBuffer, Kernels, MemoryInfo, View } from "../backend.ts";
import { type AddressedBuffer, blockKernels } from "../native/block_kernels.ts";
import type { CudaLibrary } from "../native/cuda.ts";
import { type LoadedNative, takeError } from "../native/load.ts";
import { allocBytes, BufferPool, LiveBuffers } from "../pool.ts";

/** A CUDA buffer: device memory at `ptr` on device `deviceId`. */
export class CudaBuffer implements AddressedBuffer {
  /** Set once freed, so a use-after-free is caught instead of reading pooled data. */
  freed = false;
  constructor(
    readonly dtype: DType,
    readonly size: number,
    readonly deviceId: number,
    readonly ptr: number,
    /** Bytes allocated (at least 1: an empty buffer still has an address). */
    readonly bytes: number,
  ) {}
}

/** Never asynchronous: a launch only queues work on the device. */
const NEVER = {
  elementwise: Infinity,
  matmul: Infinity,
  conv: Infinity,
  other: Infinity,
  serial: Infinity,
} as const;

/** The bytes a buffer's elements take (its allocation may be larger: at least 1 byte). */
function byteSize(b: CudaBuffer): number {
  return b.size * ITEM_SIZE[b.dtype];
}

function cb(b: DeviceBuffer): CudaBuffer {
  if (!(b instanceof CudaBuffer)) {
    throw new MXNetError("cuda backend: got a buffer that belongs to another backend");
  }
  if (b.freed) throw new MXNetError("cuda backend: buffer used after it was freed");
  return b;
}

/** Creates the CUDA backend over a library whose CUDA part is `cuda`. */
export function createCudaBackend(native: LoadedNative, cuda: CudaLibrary): Backend {
  const sym = native.lib.symbols;
  const name = cuda.build === "cuda" ? "cuda" : "cuda (emulated on the CPU)";

  function fail(what: string, status: number): MXNetError {
    return new MXNetError(`cuda ${what}: ${takeError(sym, status)}`);
  }

  function opId(entry: string): number {
    const id = cuda.ops.get(entry);
    if (id === undefined) {
      throw new MXNetError(`cuda: the library has no entry ${entry} (rebuild it: deno task setup)`);
    }
    return id;
  }
  const ids = new Map<string, number>();
  function entry(entry: string): number {
    let id = ids.get(entry);
    if (id === undefined) ids.set(entry, id = opId(entry));
    return id;
  }

  // Memory entries: small blocks, and an off-heap f64 the library writes results into.
  const result = new Float64Array(new ArrayBuffer(8));
  const resultAddr = Number(Deno.UnsafePointer.value(Deno.UnsafePointer.of(result)));
  const memBlock = new Float64Array(new ArrayBuffer(8 * 8));
  function memCall(what: string, op: string, device: number, ...args: number[]): void {
    memBlock[0] = args.length + 1;
    memBlock.set(args, 1);
    const st = sym.mx_cuda_call(entry(op), device, memBlock);
    if (st !== 0) throw fail(what, st);
  }

  function checkDevice(deviceId: number): void {
    if (!Number.isInteger(deviceId) || deviceId < 0 || deviceId >= cuda.devices) {
      throw new ContextError(
        `gpu(${deviceId}): this machine has ${cuda.devices} CUDA device(s), gpu(0)..gpu(${
          cuda.devices - 1
        }); check mx.numGpus() first`,
      );
    }
  }

  const pools = new Map<number, BufferPool<CudaBuffer>>();
  const live = new LiveBuffers();
  function poolOf(deviceId: number): BufferPool<CudaBuffer> {
    let p = pools.get(deviceId);
    if (!p) pools.set(deviceId, p = new BufferPool());
    return p;
  }

  function alloc(dtype: DType, size: number, deviceId: number): CudaBuffer {
    checkDevice(deviceId);
    const bytes = allocBytes(`cuda gpu(${deviceId})`, dtype, size);
    const pool = poolOf(deviceId);
    const pooled = pool.take(dtype, size, bytes);
    let b: CudaBuffer;
    if (pooled) {
      b = new CudaBuffer(dtype, size, deviceId, pooled.ptr, pooled.bytes);
    } else {
      const want = Math.max(bytes, 1);
      const what = `alloc of ${bytes} bytes on gpu(${deviceId})`;
      try {
        memCall(what, "cuda_alloc", deviceId, want, resultAddr);
      } catch {
        // Out of memory, most likely: give the pooled buffers back and try once more.
        for (const p of pool.drain()) memCall("free", "cuda_free", deviceId, p.ptr);
        memCall(what, "cuda_alloc", deviceId, want, resultAddr);
      }
      b = new CudaBuffer(dtype, size, deviceId, result[0], want);
    }
    live.account(deviceId, 1, bytes);
    return b;
  }

  function free(buf: DeviceBuffer): void {
    const t = cb(buf);
    t.freed = true;
    const bytes = t.size * ITEM_SIZE[t.dtype];
    live.account(t.deviceId, -1, -bytes);
    if (!poolOf(t.deviceId).give(t.dtype, t.size, bytes, t)) {
      // cudaFree waits for the device's queued work, so no kernel still uses it.
      memCall("free", "cuda_free", t.deviceId, t.ptr);
    }
  }

  function hostArray(b: CudaBuffer): ComputeArray {
    // Off the JS heap: its address stays put during the nonblocking download.
    return allocComputeOffHeap(b.dtype, b.size);
  }

  function readSync(buf: DeviceBuffer): ComputeArray {
    const b = cb(buf), host = hostArray(b);
    const st = sym.mx_cuda_download(b.deviceId, host, host.byteLength, b.ptr, byteSize(b));
    if (st !== 0) throw fail("read", st);
    return host;
  }

  function write(buf: DeviceBuffer, data: ComputeArray): void {
    const b = cb(buf), bytes = byteSize(b);
    if (data.byteLength !== bytes) {
      throw new MXNetError(`cuda write: got ${data.byteLength} bytes for a ${bytes}-byte buffer`);
    }
    const st = sym.mx_cuda_upload(b.deviceId, b.ptr, bytes, data as BufferSource, data.byteLength);
    if (st !== 0) throw fail("write", st);
  }

  const shared = blockKernels({
    name: "cuda",
    asyncWork: NEVER,
    checked: cb,
    call(symbol, what, block, _async, out) {
      const st = sym.mx_cuda_call(entry(symbol), cb(out).deviceId, block);
      if (st !== 0) throw fail(what, st);
    },
    rowId(row) {
      const compiled = cuda.rows.get(row.name);
      return compiled && compiled.cuda === row.cuda ? compiled.id : -1;
    },
    fallbackElementwise(row, inputs, scalars, out) {
      // A row outside the table: computed on the host by the reference loop, then
      // uploaded (correct, slow; every table row has a CUDA kernel).
      const host = (v: View) => ({
        data: readSync(v.buf),
        dtype: v.buf.dtype,
        offset: v.offset,
        strides: v.strides,
      });
      const o = host(out);
      runElementwise(row, inputs.map(host), scalars, o, out.shape);
      write(out.buf, o.data);
    },
  });

  /** A copy between two devices: the view is made dense on its own device, then moved. */
  function copyAcross(src: View, dst: View, s: CudaBuffer, d: CudaBuffer): void {
    const n = sizeOf(dst.shape), strides = stridesOf(dst.shape);
    const staged = alloc(d.dtype, n, s.deviceId);
    const moved = alloc(d.dtype, n, d.deviceId);
    try {
      shared.copy(src, { buf: staged, shape: dst.shape, strides, offset: 0 });
      memCall(
        `copy gpu(${s.deviceId}) -> gpu(${d.deviceId})`,
        "cuda_copy_device",
        d.deviceId,
        moved.ptr,
        d.deviceId,
        byteSize(moved),
        staged.ptr,
        s.deviceId,
        byteSize(staged),
      );
      shared.copy({ buf: moved, shape: dst.shape, strides, offset: 0 }, dst);
    } finally {
      free(staged);
      free(moved);
    }
  }

  const kernels: Kernels = {
    ...shared,
    copy(src, dst) {
      const s = cb(src.buf), d = cb(dst.buf);
      return s.deviceId === d.deviceId ? shared.copy(src, dst) : copyAcross(src, dst, s, d);
    },
    // Downloaded in queue order, computed on the host, uploaded (backends/ts/ctc.ts).
    ctcLoss: hostCtcLoss(readSync, write),
    hostCompute: hostComputeKernel(readSync, write),
  };

  return {
    name,
    kernels,
    alloc,
    free,
    write,
    read(buf) {
      // The download runs later on a worker thread, after kernels this thread queues in
      // the meantime (one may overwrite `buf`). So the value is fixed now: a
      // device-to-device copy queued in order here (it does not wait), then downloaded.
      const b = cb(buf), host = hostArray(b);
      const snapshot = alloc(b.dtype, b.size, b.deviceId);
      try {
        memCall(
          "read",
          "cuda_copy_device",
          b.deviceId,
          snapshot.ptr,
          b.deviceId,
          byteSize(snapshot),
          b.ptr,
          b.deviceId,
          byteSize(b),
        );
      } catch (e) {
        free(snapshot);
        throw e;
      }
      const bytes = byteSize(snapshot);
      return sym.mx_cuda_download_async(b.deviceId, host, host.byteLength, snapshot.ptr, bytes)
        .then(
          (st) => {
            free(snapshot);
            if (st !== 0) throw fail("read", st);
            return host;
          },
        );
    },
    readSync,
    memoryInfo(deviceId): MemoryInfo {
      let pooled = 0;
      for (const [id, p] of pools) if (deviceId === undefined || id === deviceId) pooled += p.bytes;
      return live.info(deviceId, pooled);
    },
  };
}
