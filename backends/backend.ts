/**
 * The one interface every backend implements: memory plus a table of primitive kernels.
 * Adding a backend is one folder plus one entry in `backends/mod.ts`.
 * @module
 */
import type { ComputeArray, DType } from "../src/core/dtype.ts";
import type { ElementwiseRow } from "../src/ops/elementwise_table.ts";

/** A block of device memory holding `size` elements of `dtype`. */
export interface DeviceBuffer {
  /** Element type. */
  readonly dtype: DType;
  /** Number of elements. */
  readonly size: number;
}

/**
 * A strided view of a buffer, as kernels read it: element (i0, i1, ...) of `shape` is
 * `buf[offset + i0*strides[0] + i1*strides[1] + ...]`. Strides may be 0 (broadcast) or
 * negative (flip).
 */
export interface View {
  /** The buffer read or written. */
  readonly buf: DeviceBuffer;
  /** The logical shape of the view. */
  readonly shape: readonly number[];
  /** Element strides, one per axis of `shape`. */
  readonly strides: readonly number[];
  /** First element's index in `buf`. */
  readonly offset: number;
}

/** Reductions the `reduce` kernel knows. */
export type ReduceOp = "sum" | "prod" | "max" | "min" | "argmax" | "argmin";

/** Random distributions the `random` kernel knows (Philox stream, see src/core/philox.ts). */
export type RandomDist = "uniform" | "normal" | "randint";

/** Kernel results: a synchronous kernel returns nothing, an asynchronous one a promise. */
export type KernelResult = void | Promise<void>;

/**
 * The primitive kernels. Everything else is composed from these in `src/ops`.
 * Outputs are dense row-major buffers unless a View is given.
 */
export interface Kernels {
  /** `out = row(inputs..., scalars...)` elementwise; inputs are views broadcast to `out`'s shape. */
  elementwise(
    row: ElementwiseRow,
    inputs: readonly View[],
    scalars: readonly number[],
    out: View,
  ): KernelResult;
  /** Strided copy with dtype conversion from `src` to `dst` (same shape). */
  copy(src: View, dst: View): KernelResult;
  /** Sets every element of a dense buffer to `value`. */
  fill(out: DeviceBuffer, value: number): KernelResult;
  /** `out[i] = start + i * step`. */
  arange(out: DeviceBuffer, start: number, step: number): KernelResult;
  /** Reduces the sorted `axes` of `x` (dense, shape `shape`) into dense `out`. */
  reduce(
    op: ReduceOp,
    x: DeviceBuffer,
    shape: readonly number[],
    axes: readonly number[],
    out: DeviceBuffer,
  ): KernelResult;
  /**
   * Batched GEMM: for each batch i, `out[i] = op(a[i]) · op(b[i])` with dense row-major
   * matrices; `aBatchStride`/`bBatchStride` are 0 to reuse one matrix for every batch.
   */
  matmul(
    a: DeviceBuffer,
    b: DeviceBuffer,
    out: DeviceBuffer,
    p: {
      batch: number;
      m: number;
      n: number;
      k: number;
      transA: boolean;
      transB: boolean;
      aBatchStride: number;
      bBatchStride: number;
    },
  ): KernelResult;
  /**
   * Gather along `axis`: `x` has shape [outer, axisLen, inner]; `out` has shape
   * [outer, idx.size, inner]. Indices are clipped (`mode` "clip") or wrapped ("wrap").
   */
  take(
    x: DeviceBuffer,
    idx: DeviceBuffer,
    out: DeviceBuffer,
    p: { outer: number; axisLen: number; inner: number; mode: "clip" | "wrap" },
  ): KernelResult;
  /** The adjoint of `take`: `out` (zeroed first) += scattered `g` at the same positions. */
  takeBackward(
    g: DeviceBuffer,
    idx: DeviceBuffer,
    out: DeviceBuffer,
    p: { outer: number; axisLen: number; inner: number; mode: "clip" | "wrap" },
  ): KernelResult;
  /**
   * Sorts along the last axis of x (shape [outer, len]); writes sorted values and the
   * source indices (as out dtype of `indices`). Stable; NaN sorts last.
   */
  sort(
    x: DeviceBuffer,
    values: DeviceBuffer,
    indices: DeviceBuffer,
    p: { outer: number; len: number; ascending: boolean },
  ): KernelResult;
  /** Fills `out` from the Philox stream at (seed, offset) — identical on every backend. */
  random(
    dist: RandomDist,
    out: DeviceBuffer,
    p: { a: number; b: number; seed: number; offset: number },
  ): KernelResult;
  /**
   * Unfolds image patches into columns (the convolution's GEMM operand): for x dense
   * [batch, channels, height, width] and col dense
   * [channels, kernelH, kernelW, batch, outH, outW],
   * `col[c, i, j, n, oh, ow] = x[n, c, oh*strideH - padH + i*dilateH, ow*strideW - padW + j*dilateW]`,
   * 0 where that position lies in the padding.
   */
  im2col(x: DeviceBuffer, col: DeviceBuffer, p: Window2D): KernelResult;
  /**
   * The adjoint of `im2col`: `x` (same layouts) is zeroed, then every element of `col` is
   * added into the x position im2col read it from (overlapping windows accumulate;
   * padding positions are dropped).
   */
  col2im(col: DeviceBuffer, x: DeviceBuffer, p: Window2D): KernelResult;
  /**
   * 2-D pooling of x dense [batch, channels, height, width] into out dense
   * [batch, channels, outH, outW] (`dilate*` are 1). Window of output (oh, ow), as MXNet:
   * `hs = oh*strideH - padH`, `he = min(hs + kernelH, height + padH)` (likewise w);
   * `size = (he - hs) * (we - ws)`; then clipped to the image: `hs = max(hs, 0)`,
   * `he = min(he, height)`. max: the largest element of the clipped window (-Infinity when
   * empty); sum: its sum; avg: its sum divided by `size` when `countIncludePad`, else by
   * the clipped window's element count (0 when empty).
   */
  pool(x: DeviceBuffer, out: DeviceBuffer, p: PoolParams): KernelResult;
  /**
   * The gradient of `pool`: gx (dense like x) is zeroed, then each gy element is added to
   * the clipped window of its output: max -> to the first element (row-major) equal to the
   * window's maximum; sum -> to every element; avg -> to every element, divided as `pool`
   * divides.
   */
  poolBackward(x: DeviceBuffer, gy: DeviceBuffer, gx: DeviceBuffer, p: PoolParams): KernelResult;
  /**
   * Direct 2-D convolution (no bias) of x dense [batch, channels, height, width] with w
   * dense [filters, channels/groups, kernelH, kernelW] into y dense
   * [batch, filters, outH, outW]. Filter m reads the channels of its group
   * `g = floor(m / (filters/groups))`, i.e. channels `g*C/G + c'` for c' < C/G:
   * `y[n, m, oh, ow] = sum_{c', i, j} w[m, c', i, j] *
   *   x[n, g*C/G + c', oh*strideH - padH + i*dilateH, ow*strideW - padW + j*dilateW]`,
   * terms in the padding being 0. y is overwritten.
   */
  conv2d(x: DeviceBuffer, w: DeviceBuffer, y: DeviceBuffer, p: Conv2D): KernelResult;
  /**
   * The gradient of `conv2d` with respect to x (the adjoint in x): gx (dense like x) is
   * overwritten with, for every term of `conv2d`'s sum, `w[m, c', i, j] * gy[n, m, oh, ow]`
   * added at the x position that term read (padding positions dropped).
   */
  conv2dBackwardData(gy: DeviceBuffer, w: DeviceBuffer, gx: DeviceBuffer, p: Conv2D): KernelResult;
  /**
   * The gradient of `conv2d` with respect to w: gw (dense like w) is overwritten with
   * `gw[m, c', i, j] = sum_{n, oh, ow} gy[n, m, oh, ow] * x[n, g*C/G + c', <the position
   * conv2d reads>]` (0 for padding positions).
   */
  conv2dBackwardWeight(
    x: DeviceBuffer,
    gy: DeviceBuffer,
    gw: DeviceBuffer,
    p: Conv2D,
  ): KernelResult;
  /**
   * Connectionist temporal classification loss (MXNet's CTCLoss) and its gradient with
   * respect to the activations. `data` is dense [seqLen, batch, alphabet] (activations
   * before softmax), `label` dense [batch, labelLen]; `dataLengths` / `labelLengths`
   * ([batch] each) are null when every sequence has the full length, resp. when a label
   * ends at its first `padding` value. Writes `loss` [batch] (-log p(label | data)) and
   * `grad` [seqLen, batch, alphabet] (softmax minus the label posterior; 0 past a
   * sequence's length, and 0 with loss 0 for a label no alignment fits, as warp-ctc).
   * Backends run the host implementation in backends/ts/ctc.ts (a sequential dynamic
   * program over time, small next to the network producing `data`).
   */
  ctcLoss(
    data: DeviceBuffer,
    label: DeviceBuffer,
    dataLengths: DeviceBuffer | null,
    labelLengths: DeviceBuffer | null,
    loss: DeviceBuffer,
    grad: DeviceBuffer,
    p: CtcParams,
  ): KernelResult;
  /**
   * LAPACK for the host linear-algebra operators (src/ops/linalg_host.ts), where the
   * backend has it (native: OpenBLAS's); absent elsewhere, and those operators then run
   * their TS reference.
   */
  readonly lapack?: HostLapack;
  /**
   * Runs `fn` on the host over the inputs' values and writes what it leaves in the
   * outputs (zero-filled host arrays of the outputs' dtypes and sizes) back to them:
   * operators whose algorithm is sequential (non-maximum suppression, matching, ROI
   * pooling) are written once, in TypeScript, and run on every backend (device
   * backends read the inputs back and upload the outputs).
   */
  hostCompute(
    inputs: readonly DeviceBuffer[],
    outputs: readonly DeviceBuffer[],
    fn: HostComputeFn,
  ): KernelResult;
}

/**
 * LAPACK on float64 row-major matrices, one per call; each returns LAPACK's `info` (0 on
 * success, > 0: the matrix is singular / not positive definite at that step).
 */
export interface HostLapack {
  /** Lower Cholesky factor of the symmetric n x n `a`, in place (upper triangle zeroed). */
  potrf(a: Float64Array, n: number): number;
  /** LU of the n x n `a`'s transpose in place, 1-based pivots in `ipiv` (for det). */
  getrf(a: Float64Array, n: number, ipiv: Int32Array): number;
  /** The inverse of the n x n `a`, in place. */
  inverse(a: Float64Array, n: number): number;
  /** A = L Q of the m x n `a` (m <= n): Q over `a`, L (m x m) into `l`. */
  gelqf(a: Float64Array, l: Float64Array, m: number, n: number): number;
  /** Ascending eigenvalues into `w`, eigenvectors as the rows of the symmetric `a`. */
  syevd(a: Float64Array, w: Float64Array, n: number): number;
  /**
   * op(A) X = alpha B (or X op(A) = alpha B with `rightside`), X over `b` (rows x cols);
   * only A's lower (or upper) triangle is read.
   */
  trsm(
    a: Float64Array,
    b: Float64Array,
    rows: number,
    cols: number,
    p: { rightside: boolean; lower: boolean; transpose: boolean; alpha: number },
  ): void;
}

/** A host implementation for `hostCompute`: reads `ins`, fills `outs`. */
export type HostComputeFn = (ins: readonly ComputeArray[], outs: ComputeArray[]) => void;

/** `ctcLoss` sizes and label conventions. */
export interface CtcParams {
  /** Time steps (T). */
  readonly seqLen: number;
  /** Sequences (N). */
  readonly batch: number;
  /** Classes including the blank (C). */
  readonly alphabet: number;
  /** Label slots per sequence (L). */
  readonly labelLen: number;
  /** The blank class: 0 or alphabet - 1. */
  readonly blank: number;
  /** The label value that ends a label when no lengths are given (0 or -1). */
  readonly padding: number;
}

/** `conv2d` geometry: the sliding window plus the filters and channel groups. */
export interface Conv2D extends Window2D {
  /** Output channels (M); a multiple of `groups`. */
  readonly filters: number;
  /** Channel groups (G); divides `channels` and `filters`. */
  readonly groups: number;
}

/** The geometry of a 2-D sliding window over dense NCHW images (im2col, col2im, pool). */
export interface Window2D {
  /** Images (N). */
  readonly batch: number;
  /** Channels per image (C). */
  readonly channels: number;
  /** Image height. */
  readonly height: number;
  /** Image width. */
  readonly width: number;
  /** Window height. */
  readonly kernelH: number;
  /** Window width. */
  readonly kernelW: number;
  /** Vertical step between windows. */
  readonly strideH: number;
  /** Horizontal step between windows. */
  readonly strideW: number;
  /** Zero rows added above (and, implicitly, below) the image. */
  readonly padH: number;
  /** Zero columns added left (and right) of the image. */
  readonly padW: number;
  /** Vertical spacing of window taps (1 = dense). */
  readonly dilateH: number;
  /** Horizontal spacing of window taps. */
  readonly dilateW: number;
  /** Output rows (windows per column). */
  readonly outH: number;
  /** Output columns (windows per row). */
  readonly outW: number;
}

/**
 * A window's 14 numbers in the order every backend passes them to its kernels (the native
 * library's argument block, WebGPU's params): batch, channels, height, width, kernel,
 * stride, pad, dilate (each H then W), outH, outW.
 */
export function windowFields(p: Window2D): number[] {
  return [
    p.batch,
    p.channels,
    p.height,
    p.width,
    p.kernelH,
    p.kernelW,
    p.strideH,
    p.strideW,
    p.padH,
    p.padW,
    p.dilateH,
    p.dilateW,
    p.outH,
    p.outW,
  ];
}

/** Reductions the `pool` kernel knows. */
export type PoolType = "max" | "avg" | "sum";

/** `pool` / `poolBackward` parameters. */
export interface PoolParams extends Window2D {
  /** The reduction over each window. */
  readonly type: PoolType;
  /** avg only: divide by the window size including padding (MXNet's default). */
  readonly countIncludePad: boolean;
}

/** Live buffer counts and bytes, for leak checks and `mx.nd.memoryInfo()`. */
export interface MemoryInfo {
  /** Buffers allocated and not yet freed. */
  count: number;
  /** Bytes held by those buffers. */
  bytes: number;
  /** Bytes kept in the reuse pool (not live). */
  pooledBytes: number;
}

/** A compute backend: memory management and kernels for one device type. */
export interface Backend {
  /** Short name used in test names and `MXTS_*_BACKEND`: "ts", "native", "webgpu". */
  readonly name: string;
  /** Allocates an uninitialised buffer on device `deviceId`. */
  alloc(dtype: DType, size: number, deviceId: number): DeviceBuffer;
  /** Returns a buffer to the pool; using it afterwards is an error. */
  free(buf: DeviceBuffer): void;
  /** Copies host data into a buffer (synchronously from the caller's point of view). */
  write(buf: DeviceBuffer, data: ComputeArray): void;
  /**
   * Copies a buffer back to the host: its value at the call. Writes and kernels issued
   * after `read` returns must not change the result (the engine ends a host read when
   * `read` returns, so a later write waits for the snapshot, not for its delivery).
   */
  read(buf: DeviceBuffer): Promise<ComputeArray>;
  /** Synchronous read, for backends whose memory the host can see; else undefined. */
  readSync?(buf: DeviceBuffer): ComputeArray;
  /**
   * `size` elements of `buf` from element `offset` on, as a buffer of its own over the same
   * memory (no copy), or undefined when this backend cannot alias a sub-range (then basic
   * slices copy). An alias is never freed: the buffer it came from stays alive while the
   * alias is used.
   */
  alias?(buf: DeviceBuffer, offset: number, size: number): DeviceBuffer | undefined;
  /** False for dtypes the backend cannot hold (absent: every dtype is supported). */
  supportsDType?(dtype: DType): boolean;
  /** Live buffers on device `deviceId` (all devices when omitted). */
  memoryInfo(deviceId?: number): MemoryInfo;
  /** The kernel table. */
  readonly kernels: Kernels;
}

/**
 * Runs kernel steps in order, staying synchronous while every step is; switches to
 * promise chaining only after the first asynchronous step.
 */
export function sequence(steps: readonly (() => KernelResult)[]): KernelResult {
  for (let i = 0; i < steps.length; i++) {
    const r = steps[i]();
    if (r instanceof Promise) {
      return steps.slice(i + 1).reduce<Promise<void>>((p, s) => p.then(() => s()), r);
    }
  }
}
