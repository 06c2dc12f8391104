/**
 * The native CPU backend: kernels from the Rust library in ffi/ (OpenBLAS GEMM,
 * multi-threaded elementwise/reduce/copy), called through Deno FFI.
 *
 * Memory is JS-owned: every buffer is a typed array over its own ArrayBuffer (never an
 * on-heap typed array, whose bytes the GC may move), and its address is taken once at
 * allocation. So `write`/`read` are plain typed-array copies and kernels receive
 * addresses inside one f64 argument block (see ffi/src/meta.rs). Large kernels run as
 * nonblocking calls so the engine overlaps independent work; the promise keeps every
 * buffer it touches reachable until the call returns.
 * @module
 */
import {
  allocComputeOffHeap,
  type ComputeArray,
  type DType,
  ITEM_SIZE,
} from "../../src/core/dtype.ts";
import { MXNetError } from "../../src/core/errors.ts";
import type { ElementwiseRow } from "../../src/ops/elementwise_table.ts";
import type { Backend, DeviceBuffer, Kernels, MemoryInfo, View } from "../backend.ts";
import { checkAlias, checkWrite } from "../checks.ts";
import { allocBytes, allocHost, BufferPool, LiveBuffers } from "../pool.ts";
import { hostCtcLoss } from "../ts/ctc.ts";
import { hostComputeKernel } from "../ts/host_compute.ts";
import { runElementwise } from "../ts/elementwise.ts";
import { type LoadedNative, loadNative, takeError } from "./load.ts";
import { type AddressedBuffer, blockKernels } from "./block_kernels.ts";
import { hostLapack } from "./lapack.ts";

/** A native-backend buffer: host memory whose address the library writes through. */
export class NativeBuffer implements AddressedBuffer {
  /** Set once freed, so a use-after-free is caught instead of reading pooled data. */
  freed = false;
  /** Creates a buffer record around `data`, whose first element is at address `ptr`. */
  constructor(
    readonly dtype: DType,
    readonly size: number,
    readonly deviceId: number,
    readonly data: ComputeArray,
    readonly ptr: number,
  ) {}
}

/**
 * Work (elements, or multiply-adds for matmul/conv) from which a kernel runs as a
 * nonblocking call on one of Deno's threads, leaving the JS thread free and letting the
 * engine overlap independent kernels. Kernels that split across every core themselves
 * (elementwise, GEMM, conv, reduce, pool, ...) gain nothing from overlapping each other
 * and measured slower that way (a 4M-element add: 2.9 ms nonblocking vs 1.5 ms
 * synchronous; LeNet's convolutions ~2x), so they only go nonblocking when huge, where
 * freeing the JS thread for a long time matters. Single-threaded kernels (sort) do
 * overlap: they go nonblocking from 1M elements.
 */
export const ASYNC_WORK = {
  elementwise: 1 << 26,
  matmul: 2 ** 33,
  /** conv2d and its gradients: multiply-adds. */
  conv: 2 ** 31,
  other: 1 << 26,
  /** Single-threaded kernels. */
  serial: 1 << 20,
} as const;

function nb(b: DeviceBuffer): NativeBuffer {
  if (!(b instanceof NativeBuffer)) {
    throw new MXNetError("native backend: got a buffer that belongs to another backend");
  }
  if (b.freed) throw new MXNetError("native backend: buffer used after it was freed");
  return b;
}

/** Referenced from a promise callback, so its arguments stay reachable until then. */
function keepAlive(..._values: unknown[]): void {}

function viewArgs(v: View) {
  const b = nb(v.buf);
  return { data: b.data, dtype: b.dtype, offset: v.offset, strides: v.strides };
}

/** Creates the native backend over an opened library. */
export function createNativeBackend(native: LoadedNative): Backend {
  const { lib, rows } = native;
  const sym = lib.symbols;
  // Per row: the library's id for it (-1: none).
  const rowIds = new Map<ElementwiseRow, number>();

  function fail(what: string, status: number): MXNetError {
    return new MXNetError(`native ${what}: ${takeError(sym, status)}`);
  }

  const table = blockKernels({
    name: "native",
    asyncWork: ASYNC_WORK,
    checked: nb,
    call(s, what, block, async, out, keep) {
      if (!async) {
        const st = sym[s](block);
        if (st !== 0) throw fail(what, st);
        return;
      }
      return sym[`${s}_async`](block).then((st) => {
        keepAlive(block, out, keep);
        if (st !== 0) throw fail(what, st);
      });
    },
    rowId(row) {
      let id = rowIds.get(row);
      if (id === undefined) {
        const compiled = rows.get(row.name);
        id = compiled && compiled.rust === row.rust ? compiled.id : -1;
        rowIds.set(row, id);
      }
      return id;
    },
    fallbackElementwise(row, inputs, scalars, out) {
      // A row defined outside the table (or changed since the library was built): the
      // reference loop computes it in place, on the same memory.
      runElementwise(row, inputs.map(viewArgs), scalars, viewArgs(out), out.shape);
    },
  });
  // Host memory: the CTC dynamic program runs on it directly (backends/ts/ctc.ts).
  const kernels: Kernels = {
    ...table,
    ctcLoss: hostCtcLoss((b) => nb(b).data, (b, data) => nb(b).data.set(data as never)),
    lapack: hostLapack(lib),
    hostCompute: hostComputeKernel((b) => nb(b).data, (b, data) => nb(b).data.set(data as never)),
  };

  const pool = new BufferPool<NativeBuffer>();
  const live = new LiveBuffers();

  return {
    name: "native",
    kernels,
    alloc(dtype, size, deviceId) {
      const bytes = allocBytes(`native cpu(${deviceId})`, dtype, size);
      const pooled = pool.take(dtype, size, bytes);
      let b: NativeBuffer;
      if (pooled) {
        b = new NativeBuffer(dtype, size, deviceId, pooled.data, pooled.ptr);
      } else {
        const where = `native cpu(${deviceId})`;
        const data = allocHost(where, dtype, size, bytes, () => allocComputeOffHeap(dtype, size));
        const ptr = Number(Deno.UnsafePointer.value(Deno.UnsafePointer.of(data.buffer)));
        b = new NativeBuffer(dtype, size, deviceId, data, ptr);
      }
      live.account(deviceId, 1, bytes);
      return b;
    },
    free(buf) {
      const t = nb(buf);
      t.freed = true;
      const bytes = t.size * ITEM_SIZE[t.dtype];
      live.account(t.deviceId, -1, -bytes);
      pool.give(t.dtype, t.size, bytes, t);
    },
    write(buf, data) {
      const t = nb(buf);
      checkWrite("native write", t, data);
      t.data.set(data as never);
    },
    read(buf) {
      return Promise.resolve(nb(buf).data.slice());
    },
    readSync(buf) {
      return nb(buf).data.slice();
    },
    alias(buf, offset, size) {
      // Host memory: a subarray plus the address of its first element.
      const t = nb(buf);
      checkAlias("native alias", t, offset, size);
      const data = t.data.subarray(offset, offset + size);
      return new NativeBuffer(
        t.dtype,
        size,
        t.deviceId,
        data,
        t.ptr + data.byteOffset - t.data.byteOffset,
      );
    },
    memoryInfo(deviceId): MemoryInfo {
      return live.info(deviceId, pool.bytes);
    },
  };
}

// Opened when this module is imported, not on first use: the library then belongs to
// no single test (Deno's sanitizer reports a library opened inside a test as a leak)
// and OpenBLAS is configured before anything else could load it.
const native = loadNative();
let backend: Backend | undefined;

/** The native backend, or undefined when the library is not available. */
export function nativeBackend(): Backend | undefined {
  return native ? (backend ??= createNativeBackend(native)) : undefined;
}

export { loadNative, nativeLoadFailure } from "./load.ts";
