/**
 * The kernel table of the libraries in ffi/: every kernel is one call taking one f64
 * argument block (layouts decoded by ffi/src/meta.rs and, for the CUDA build, by
 * ffi/cuda/mxc.h). The native CPU backend and the CUDA backend encode the same blocks;
 * they differ only in where buffers live (host or device addresses) and in how a block
 * is delivered, which `BlockTarget` supplies.
 *
 * Every buffer goes into a block as (address, dtype, element count): the library checks
 * each kernel's reads and writes against those counts before touching memory, so a bad
 * view or size from any caller comes back as an MXNetError naming the kernel.
 * @module
 */
import { type DType, TYPE_FLAG } from "../../src/core/dtype.ts";
import type { ElementwiseRow } from "../../src/ops/elementwise_table.ts";
import {
  type Conv2D,
  type DeviceBuffer,
  type KernelResult,
  type Kernels,
  type PoolParams,
  type ReduceOp,
  type View,
  windowFields,
} from "../backend.ts";
import { validateRandom } from "./random_checks.ts";
import type { KernelSymbol } from "./symbols.ts";

/** What a kernel needs of a buffer: its address and element type. */
export interface AddressedBuffer extends DeviceBuffer {
  /** Address of element 0 (host or device memory). */
  readonly ptr: number;
}

/** Work sizes, by kind, from which a kernel is called asynchronously. */
export interface AsyncWork {
  readonly elementwise: number;
  readonly matmul: number;
  /** conv2d and its gradients: multiply-adds. */
  readonly conv: number;
  readonly other: number;
  /** Single-threaded kernels. */
  readonly serial: number;
}

/** How a backend delivers argument blocks to its library. */
export interface BlockTarget {
  /** Prefix of error messages: "native", "cuda". */
  readonly name: string;
  /** Thresholds for asynchronous calls. */
  readonly asyncWork: AsyncWork;
  /** The buffer, checked to belong to this backend and to be live. */
  checked(b: DeviceBuffer): AddressedBuffer;
  /**
   * Runs kernel `symbol` on `block` (`block[0]` = its length). `out` is the buffer it
   * writes (its device runs the kernel); `keep` holds every buffer it touches, kept
   * reachable until an asynchronous call has returned.
   */
  call(
    symbol: KernelSymbol,
    what: string,
    block: Float64Array,
    async: boolean,
    out: DeviceBuffer,
    keep: unknown,
  ): KernelResult;
  /** The library's id for `row`, or -1 when it has no current kernel for it. */
  rowId(row: ElementwiseRow): number;
  /** Computes a row the library lacks (a row defined outside the table). */
  fallbackElementwise(
    row: ElementwiseRow,
    inputs: readonly View[],
    scalars: readonly number[],
    out: View,
  ): KernelResult;
}

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

/** A conv2d call's multiply-adds, which decide between a sync and an asynchronous call. */
function convMacs(p: Conv2D): number {
  return p.batch * p.filters * p.outH * p.outW * (p.channels / p.groups) * p.kernelH *
    p.kernelW;
}

/** Builds one argument block: [length, args...]. */
class Args {
  a: Float64Array;
  n = 1;
  constructor(a: Float64Array, readonly target: BlockTarget) {
    this.a = a;
  }
  push(...xs: readonly number[]): this {
    return this.list(xs);
  }
  /** Appends an array's elements (no rest-parameter copy on the per-op path). */
  list(xs: readonly number[]): this {
    for (let i = 0; i < xs.length; i++) this.a[this.n++] = xs[i];
    return this;
  }
  /** A buffer: address, dtype, element count. */
  buf(b: DeviceBuffer): this {
    const t = this.target.checked(b);
    this.a[this.n++] = t.ptr;
    this.a[this.n++] = TYPE_FLAG[t.dtype as DType];
    this.a[this.n++] = t.size;
    return this;
  }
  done(): Float64Array {
    this.a[0] = this.n;
    return this.a;
  }
}

/**
 * The kernel table over a library reached through `target`; the backend adds `ctcLoss`,
 * which runs on the host (backends/ts/ctc.ts).
 */
export function blockKernels(target: BlockTarget): Omit<Kernels, "ctcLoss" | "hostCompute"> {
  const { asyncWork: work } = target;
  // Argument block for synchronous calls (reused: JS is single-threaded and a sync call
  // has returned before the next starts). Asynchronous calls get their own block.
  let scratch = new Float64Array(new ArrayBuffer(8 * 256));
  const syncArgs = new Args(scratch, target);
  const rowNames = new Map<ElementwiseRow, string>();

  function args(len: number, async: boolean): Args {
    if (async) return new Args(new Float64Array(new ArrayBuffer(8 * len)), target);
    if (scratch.length < len) scratch = new Float64Array(new ArrayBuffer(8 * len * 2));
    // One block object for every synchronous call: no allocation on the per-op path.
    syncArgs.a = scratch;
    syncArgs.n = 1;
    return syncArgs;
  }

  function call(
    s: KernelSymbol,
    what: string,
    a: Args,
    async: boolean,
    bufs: readonly DeviceBuffer[],
  ): KernelResult {
    return target.call(s, what, a.done(), async, bufs[0], bufs);
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
    const async = size >= work.elementwise;
    const len = 6 + nd + (inputs.length + 1) * (4 + nd);
    // The per-op path: the block is written inline, no helper calls.
    const m = async ? new Float64Array(new ArrayBuffer(8 * len)) : args(len, false).a;
    let n = 1;
    m[n++] = id;
    m[n++] = nd;
    for (let d = 0; d < nd; d++) m[n++] = shape[d];
    for (let i = 0; i <= inputs.length; i++) {
      const v = i === 0 ? out : inputs[i - 1], b = target.checked(v.buf), st = v.strides;
      m[n++] = b.ptr;
      m[n++] = TYPE_FLAG[b.dtype];
      m[n++] = b.size;
      m[n++] = v.offset;
      for (let d = 0; d < nd; d++) m[n++] = st[d];
      if (i === 0) m[n++] = inputs.length;
    }
    m[n++] = scalars.length > 0 ? scalars[0] : 0;
    m[n++] = scalars.length > 1 ? scalars[1] : 0;
    m[0] = n;
    return target.call("mx_elementwise", what, m, async, out.buf, inputs);
  }

  function gather(
    s: "mx_take" | "mx_take_backward",
    x: DeviceBuffer,
    idx: DeviceBuffer,
    out: DeviceBuffer,
    p: { outer: number; axisLen: number; inner: number; mode: "clip" | "wrap" },
  ): KernelResult {
    const async = out.size + x.size >= work.other;
    const a = args(16, async).buf(x).buf(idx).buf(out)
      .push(p.outer, p.axisLen, p.inner, p.mode === "wrap" ? 1 : 0);
    return call(s, s === "mx_take" ? "take" : "takeBackward", a, async, [out, x, idx]);
  }

  return {
    elementwise(row, inputs, scalars, out) {
      const id = target.rowId(row);
      if (id < 0) return target.fallbackElementwise(row, inputs, scalars, out);
      let what = rowNames.get(row);
      if (what === undefined) rowNames.set(row, what = `elementwise(${row.name})`);
      return elementwise(id, what, inputs, scalars, out);
    },
    copy(src, dst) {
      return elementwise(-1, "copy", [src], [], dst);
    },
    fill(out, value) {
      const async = out.size >= work.other;
      return call("mx_arange", "fill", args(8, async).buf(out).push(value, 0), async, [out]);
    },
    arange(out, start, step) {
      const async = out.size >= work.other;
      const a = args(8, async).buf(out).push(start, step);
      return call("mx_arange", "arange", a, async, [out]);
    },
    reduce(op, x, shape, axes, out) {
      const async = x.size >= work.other;
      const a = args(10 + shape.length + axes.length, async)
        .push(REDUCE_CODE[op]).buf(x).push(shape.length, ...shape, axes.length, ...axes).buf(out);
      return call("mx_reduce", `reduce(${op})`, a, async, [out, x]);
    },
    matmul(x, y, out, p) {
      const async = p.batch * p.m * p.n * p.k >= work.matmul;
      const a = args(20, async).buf(x).buf(y).buf(out).push(
        p.batch,
        p.m,
        p.n,
        p.k,
        p.transA ? 1 : 0,
        p.transB ? 1 : 0,
        p.aBatchStride,
        p.bBatchStride,
      );
      return call("mx_matmul", "matmul", a, async, [out, x, y]);
    },
    take(x, idx, out, p) {
      return gather("mx_take", x, idx, out, p);
    },
    takeBackward(g, idx, out, p) {
      return gather("mx_take_backward", g, idx, out, p);
    },
    sort(x, values, indices, p) {
      const async = x.size >= work.serial;
      const a = args(16, async).buf(x).buf(values).buf(indices)
        .push(p.outer, p.len, p.ascending ? 1 : 0);
      return call("mx_sort", "sort", a, async, [values, x, indices]);
    },
    random(dist, out, p) {
      validateRandom(dist, target.checked(out).dtype, out.size, p);
      const async = out.size >= work.other;
      const a = args(12, async).push(DIST_CODE[dist]).buf(out)
        .push(p.a, p.b, p.seed, p.offset);
      return call("mx_random", `random(${dist})`, a, async, [out]);
    },
    im2col(x, col, p) {
      const async = col.size >= work.other;
      const a = args(24, async).buf(x).buf(col).list(windowFields(p));
      return call("mx_im2col", "im2col", a, async, [col, x]);
    },
    col2im(col, x, p) {
      const async = col.size >= work.other;
      const a = args(24, async).buf(col).buf(x).list(windowFields(p));
      return call("mx_col2im", "col2im", a, async, [x, col]);
    },
    pool(x, out, p) {
      const async = x.size >= work.other;
      const a = args(24, async).buf(x).buf(out).list(poolArgs(p));
      return call("mx_pool", `pool(${p.type})`, a, async, [out, x]);
    },
    poolBackward(x, gy, gx, p) {
      const async = x.size >= work.other;
      const a = args(28, async).buf(x).buf(gy).buf(gx).list(poolArgs(p));
      return call("mx_pool_backward", `poolBackward(${p.type})`, a, async, [gx, x, gy]);
    },
    conv2d(x, w, y, p) {
      const async = convMacs(p) >= work.conv;
      const a = args(28, async).buf(x).buf(w).buf(y).list(convArgs(p));
      return call("mx_conv2d", "conv2d", a, async, [y, x, w]);
    },
    conv2dBackwardData(gy, w, gx, p) {
      const what = "conv2dBackwardData";
      const async = convMacs(p) >= work.conv;
      const a = args(28, async).buf(gy).buf(w).buf(gx).list(convArgs(p));
      return call("mx_conv2d_backward_data", what, a, async, [gx, gy, w]);
    },
    conv2dBackwardWeight(x, gy, gw, p) {
      const what = "conv2dBackwardWeight";
      const async = convMacs(p) >= work.conv;
      const a = args(28, async).buf(x).buf(gy).buf(gw).list(convArgs(p));
      return call("mx_conv2d_backward_weight", what, a, async, [gw, x, gy]);
    },
  };
}
