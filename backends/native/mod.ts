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
  allocCompute,
  type ComputeArray,
  type DType,
  ITEM_SIZE,
  TYPE_FLAG,
} from "../../src/core/dtype.ts";
import { MXNetError } from "../../src/core/errors.ts";
import type { ElementwiseRow } from "../../src/ops/elementwise_table.ts";
import {
  type Backend,
  type Conv2D,
  type DeviceBuffer,
  type KernelResult,
  type Kernels,
  type MemoryInfo,
  type PoolParams,
  type ReduceOp,
  type View,
  windowFields,
} from "../backend.ts";
import { BufferPool, LiveBuffers } from "../pool.ts";
import { runElementwise } from "../ts/elementwise.ts";
import { type LoadedNative, loadNative } from "./load.ts";
import { validateRandom } from "./random_checks.ts";
import type { KernelSymbol } from "./symbols.ts";

/** A native-backend buffer: host memory whose address the library writes through. */
export class NativeBuffer implements DeviceBuffer {
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

const REDUCE_CODE: Readonly<Record<ReduceOp, number>> = {
  sum: 0,
  prod: 1,
  max: 2,
  min: 3,
  argmax: 4,
  argmin: 5,
};
const DIST_CODE = { uniform: 0, normal: 1, randint: 2 } as const;
const POOL_CODE = { max: 0, avg: 1, sum: 2 } as const;

function poolArgs(p: PoolParams): number[] {
  return [...windowFields(p), POOL_CODE[p.type], p.countIncludePad ? 1 : 0];
}

/** The window, then filters and groups, as ffi/src/conv2d.rs decodes them. */
function convArgs(p: Conv2D): number[] {
  return [...windowFields(p), p.filters, p.groups];
}

/**
 * Checks a conv2d call's buffers against its geometry (the library trusts the sizes);
 * returns the multiply-adds, which decide between a sync and a nonblocking call.
 */
function checkConv(
  what: string,
  p: Conv2D,
  bufs: readonly [DeviceBuffer, string, number][],
): number {
  if (convArgs(p).some((v) => !Number.isSafeInteger(v) || v < 0)) {
    throw new MXNetError(`native ${what}: geometry must be non-negative integers`);
  }
  // Before the sizes, which are derived from channels / groups.
  if (p.groups < 1 || p.channels % p.groups !== 0 || p.filters % p.groups !== 0) {
    throw new MXNetError(
      `native ${what}: groups (${p.groups}) must divide channels (${p.channels}) and ` +
        `filters (${p.filters})`,
    );
  }
  for (const [b, name, want] of bufs) {
    if (b.size !== want) {
      throw new MXNetError(`native ${what}: ${name} has ${b.size} elements, expected ${want}`);
    }
  }
  return p.batch * p.filters * p.outH * p.outW * (p.channels / p.groups) * p.kernelH *
    p.kernelW;
}

function convSizes(p: Conv2D): { x: number; w: number; y: number } {
  return {
    x: p.batch * p.channels * p.height * p.width,
    w: p.filters * (p.channels / p.groups) * p.kernelH * p.kernelW,
    y: p.batch * p.filters * p.outH * p.outW,
  };
}

type ViewCtor = new (b: ArrayBuffer, offset: number, length: number) => ComputeArray;
const ctors = new Map<DType, ViewCtor>();
function ctorOf(dtype: DType): ViewCtor {
  let c = ctors.get(dtype);
  if (!c) ctors.set(dtype, c = allocCompute(dtype, 0).constructor as ViewCtor);
  return c;
}

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

/** Builds one argument block: [length, args...]. */
class Args {
  a: Float64Array;
  n = 1;
  constructor(a: Float64Array) {
    this.a = a;
  }
  push(...xs: readonly number[]): this {
    return this.list(xs);
  }
  /** Appends one number (the per-op elementwise path avoids rest-parameter arrays). */
  num(x: number): this {
    this.a[this.n++] = x;
    return this;
  }
  /** Appends an array's elements (no rest-parameter copy on the per-op path). */
  list(xs: readonly number[]): this {
    for (let i = 0; i < xs.length; i++) this.a[this.n++] = xs[i];
    return this;
  }
  buf(b: DeviceBuffer): this {
    const t = nb(b);
    this.a[this.n++] = t.ptr;
    this.a[this.n++] = TYPE_FLAG[t.dtype];
    return this;
  }
  done(): Float64Array {
    this.a[0] = this.n;
    return this.a;
  }
}

/** Creates the native backend over an opened library. */
export function createNativeBackend(native: LoadedNative): Backend {
  const { lib, rows } = native;
  const sym = lib.symbols;
  // Argument block for synchronous calls (reused: JS is single-threaded and a sync call
  // has returned before the next starts). Nonblocking calls get their own block.
  let scratch = new Float64Array(new ArrayBuffer(8 * 256));
  const syncArgs = new Args(scratch);
  // Per row: the library's id for it (-1: none) and the name errors carry.
  const rowCache = new Map<ElementwiseRow, { id: number; what: string }>();
  const errText = new Uint8Array(4096);

  function args(len: number, async: boolean): Args {
    if (async) return new Args(new Float64Array(new ArrayBuffer(8 * len)));
    if (scratch.length < len) scratch = new Float64Array(new ArrayBuffer(8 * len * 2));
    // One block object for every synchronous call: no allocation on the per-op path.
    syncArgs.a = scratch;
    syncArgs.n = 1;
    return syncArgs;
  }

  function fail(what: string | (() => string), status: number): MXNetError {
    if (typeof what === "function") what = what();
    const n = sym.mx_take_error(status, errText, errText.length);
    const msg = n >= 0 ? new TextDecoder().decode(errText.subarray(0, n)) : `status ${status}`;
    return new MXNetError(`native ${what}: ${msg}`);
  }

  /** Calls a kernel; `keep` stays reachable until a nonblocking call has returned. */
  function call(
    s: KernelSymbol,
    what: string | (() => string),
    a: Args,
    async: boolean,
    keep: unknown,
  ): KernelResult {
    const meta = a.done();
    if (!async) {
      const st = sym[s](meta);
      if (st !== 0) throw fail(what, st);
      return;
    }
    return sym[`${s}_async`](meta).then((st) => {
      keepAlive(meta, keep);
      if (st !== 0) throw fail(what, st);
    });
  }

  /** The compiled id of `row` (-1 when the library has no current kernel for it). */
  function rowInfo(row: ElementwiseRow): { id: number; what: string } {
    let info = rowCache.get(row);
    if (info === undefined) {
      const compiled = rows.get(row.name);
      const id = compiled && compiled.rust === row.rust ? compiled.id : -1;
      rowCache.set(row, info = { id, what: `elementwise(${row.name})` });
    }
    return info;
  }

  function elementwise(
    id: number,
    what: string,
    inputs: readonly View[],
    scalars: readonly number[],
    out: View,
  ): KernelResult {
    const shape = out.shape, nd = shape.length;
    let size = 1;
    for (let d = 0; d < nd; d++) size *= shape[d];
    const async = size >= ASYNC_WORK.elementwise;
    const len = 6 + nd + (inputs.length + 1) * (3 + nd);
    // The per-op path: the block is written inline (no helper calls) and, when
    // synchronous, the kernel called directly.
    const m = async ? new Float64Array(new ArrayBuffer(8 * len)) : args(len, false).a;
    let n = 1;
    m[n++] = id;
    m[n++] = nd;
    for (let d = 0; d < nd; d++) m[n++] = shape[d];
    for (let i = 0; i <= inputs.length; i++) {
      const v = i === 0 ? out : inputs[i - 1], b = nb(v.buf), st = v.strides;
      m[n++] = b.ptr;
      m[n++] = TYPE_FLAG[b.dtype];
      m[n++] = v.offset;
      for (let d = 0; d < nd; d++) m[n++] = st[d];
      if (i === 0) m[n++] = inputs.length;
    }
    m[n++] = scalars.length > 0 ? scalars[0] : 0;
    m[n++] = scalars.length > 1 ? scalars[1] : 0;
    m[0] = n;
    if (!async) {
      const st = sym.mx_elementwise(m);
      if (st !== 0) throw fail(what, st);
      return;
    }
    return sym.mx_elementwise_async(m).then((st) => {
      keepAlive(m, out, inputs);
      if (st !== 0) throw fail(what, st);
    });
  }

  function gather(
    s: "mx_take" | "mx_take_backward",
    x: DeviceBuffer,
    idx: DeviceBuffer,
    out: DeviceBuffer,
    p: { outer: number; axisLen: number; inner: number; mode: "clip" | "wrap" },
  ): KernelResult {
    const async = out.size + x.size >= ASYNC_WORK.other;
    const a = args(16, async).buf(x).buf(idx).push(idx.size).buf(out)
      .push(p.outer, p.axisLen, p.inner, p.mode === "wrap" ? 1 : 0);
    return call(s, s === "mx_take" ? "take" : "takeBackward", a, async, [x, idx, out]);
  }

  const kernels: Kernels = {
    elementwise(row, inputs, scalars, out) {
      const { id, what } = rowInfo(row);
      if (id < 0) {
        // A row defined outside the table (or changed since the library was built): the
        // reference loop computes it in place, on the same memory.
        runElementwise(row, inputs.map(viewArgs), scalars, viewArgs(out), out.shape);
        return;
      }
      return elementwise(id, what, inputs, scalars, out);
    },
    copy(src, dst) {
      return elementwise(-1, "copy", [src], [], dst);
    },
    fill(out, value) {
      const async = out.size >= ASYNC_WORK.other;
      return call("mx_arange", "fill", args(8, async).buf(out).push(out.size, value, 0), async, [
        out,
      ]);
    },
    arange(out, start, step) {
      const async = out.size >= ASYNC_WORK.other;
      const a = args(8, async).buf(out).push(out.size, start, step);
      return call("mx_arange", "arange", a, async, [out]);
    },
    reduce(op, x, shape, axes, out) {
      const async = x.size >= ASYNC_WORK.other;
      const a = args(8 + shape.length + axes.length, async)
        .push(REDUCE_CODE[op]).buf(x).push(shape.length, ...shape, axes.length, ...axes).buf(out);
      return call("mx_reduce", `reduce(${op})`, a, async, [x, out]);
    },
    matmul(x, y, out, p) {
      const async = p.batch * p.m * p.n * p.k >= ASYNC_WORK.matmul;
      const a = args(16, async).buf(x).buf(y).buf(out).push(
        p.batch,
        p.m,
        p.n,
        p.k,
        p.transA ? 1 : 0,
        p.transB ? 1 : 0,
        p.aBatchStride,
        p.bBatchStride,
      );
      return call("mx_matmul", "matmul", a, async, [x, y, out]);
    },
    take(x, idx, out, p) {
      return gather("mx_take", x, idx, out, p);
    },
    takeBackward(g, idx, out, p) {
      return gather("mx_take_backward", g, idx, out, p);
    },
    sort(x, values, indices, p) {
      const async = x.size >= ASYNC_WORK.serial;
      const a = args(12, async).buf(x).buf(values).buf(indices)
        .push(p.outer, p.len, p.ascending ? 1 : 0);
      return call("mx_sort", "sort", a, async, [x, values, indices]);
    },
    random(dist, out, p) {
      validateRandom(dist, nb(out).dtype, out.size, p);
      const async = out.size >= ASYNC_WORK.other;
      const a = args(12, async).push(DIST_CODE[dist]).buf(out)
        .push(out.size, p.a, p.b, p.seed, p.offset);
      return call("mx_random", `random(${dist})`, a, async, [out]);
    },
    im2col(x, col, p) {
      const async = col.size >= ASYNC_WORK.other;
      const a = args(24, async).buf(x).buf(col).push(...windowFields(p));
      return call("mx_im2col", "im2col", a, async, [x, col]);
    },
    col2im(col, x, p) {
      const async = col.size >= ASYNC_WORK.other;
      const a = args(24, async).buf(col).buf(x).push(...windowFields(p));
      return call("mx_col2im", "col2im", a, async, [col, x]);
    },
    pool(x, out, p) {
      const async = x.size >= ASYNC_WORK.other;
      const a = args(24, async).buf(x).buf(out).push(...poolArgs(p));
      return call("mx_pool", `pool(${p.type})`, a, async, [x, out]);
    },
    poolBackward(x, gy, gx, p) {
      const async = x.size >= ASYNC_WORK.other;
      const a = args(28, async).buf(x).buf(gy).buf(gx).push(...poolArgs(p));
      return call("mx_pool_backward", `poolBackward(${p.type})`, a, async, [x, gy, gx]);
    },
    conv2d(x, w, y, p) {
      const n = convSizes(p);
      const macs = checkConv("conv2d", p, [[x, "x", n.x], [w, "w", n.w], [y, "y", n.y]]);
      const async = macs >= ASYNC_WORK.conv;
      const a = args(26, async).buf(x).buf(w).buf(y).list(convArgs(p));
      return call("mx_conv2d", "conv2d", a, async, [x, w, y]);
    },
    conv2dBackwardData(gy, w, gx, p) {
      const n = convSizes(p);
      const what = "conv2dBackwardData";
      const macs = checkConv(what, p, [[gy, "gy", n.y], [w, "w", n.w], [gx, "gx", n.x]]);
      const async = macs >= ASYNC_WORK.conv;
      const a = args(26, async).buf(gy).buf(w).buf(gx).list(convArgs(p));
      return call("mx_conv2d_backward_data", what, a, async, [gy, w, gx]);
    },
    conv2dBackwardWeight(x, gy, gw, p) {
      const n = convSizes(p);
      const what = "conv2dBackwardWeight";
      const macs = checkConv(what, p, [[x, "x", n.x], [gy, "gy", n.y], [gw, "gw", n.w]]);
      const async = macs >= ASYNC_WORK.conv;
      const a = args(26, async).buf(x).buf(gy).buf(gw).list(convArgs(p));
      return call("mx_conv2d_backward_weight", what, a, async, [x, gy, gw]);
    },
  };

  const pool = new BufferPool<NativeBuffer>();
  const live = new LiveBuffers();

  return {
    name: "native",
    kernels,
    alloc(dtype, size, deviceId) {
      const bytes = size * ITEM_SIZE[dtype];
      const pooled = pool.take(dtype, size, bytes);
      let b: NativeBuffer;
      if (pooled) {
        b = new NativeBuffer(dtype, size, deviceId, pooled.data, pooled.ptr);
      } else {
        // At least 8 bytes, so even an empty buffer has a real, aligned address.
        const ab = new ArrayBuffer(Math.max(bytes, 8));
        const ptr = Number(Deno.UnsafePointer.value(Deno.UnsafePointer.of(ab)));
        b = new NativeBuffer(dtype, size, deviceId, new (ctorOf(dtype))(ab, 0, size), ptr);
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
      nb(buf).data.set(data as never);
    },
    read(buf) {
      return Promise.resolve(nb(buf).data.slice());
    },
    readSync(buf) {
      return nb(buf).data.slice();
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
