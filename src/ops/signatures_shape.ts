/**
 * Signatures of the shape and indexing functions of #19 (`addN`, `broadcastAxis`,
 * `sliceLike`, `gatherNd`, `depthToSpace`, `SequenceLast`, `diag`, `moments`, `cumsum`,
 * ...), shared by `mx.nd` and `mx.sym` as the rest of ./signatures.ts is: `FrontEnd`
 * extends `ShapeFrontEnd`.
 * @module
 */
import type { DType } from "../core/dtype.ts";
import type { ListFn, NodeNaming, OptionalLayerFn, UnaryFn } from "./signatures.ts";

/** Options of `broadcastLike`: which axes of `lhs` take the sizes of which axes of `rhs`. */
export interface BroadcastLikeOptions {
  /** Size-1 axes of `lhs` to broadcast (with `rhsAxes`; both or neither). */
  lhsAxes?: number | readonly number[] | null;
  /** The axes of `rhs` whose sizes they take. */
  rhsAxes?: number | readonly number[] | null;
}

/** `broadcastLike(a, b)`, `broadcastLike(a, b, { lhsAxes: [0], rhsAxes: [1] })`. */
export interface BroadcastLikeFn<T> {
  /** Positional form. */
  (lhs: T, rhs: T, opts?: BroadcastLikeOptions & NodeNaming): T;
  /** Options form. */
  (opts: { lhs: T; rhs: T } & BroadcastLikeOptions & NodeNaming): T;
}

/** `broadcastAxis(x, [0, 2], [3, 4])`, `broadcastAxis(x, { axis, size })`. */
export interface BroadcastAxisFn<T> {
  /** Positional form. */
  (
    data: T,
    axis: number | readonly number[],
    size: number | readonly number[],
    opts?: NodeNaming,
  ): T;
  /** Keyword form. */
  (
    data: T,
    opts: { axis?: number | readonly number[]; size?: number | readonly number[] } & NodeNaming,
  ): T;
  /** Options form. */
  (
    opts:
      & { data: T; axis?: number | readonly number[]; size?: number | readonly number[] }
      & NodeNaming,
  ): T;
}

/** `sliceLike(x, like, { axes })`. */
export interface SliceLikeFn<T> {
  /** Positional form. */
  (data: T, shapeLike: T, opts?: { axes?: number | readonly number[] } & NodeNaming): T;
  /** Options form. */
  (opts: { data: T; shapeLike: T; axes?: number | readonly number[] } & NodeNaming): T;
}

/** `gatherNd(data, indices)`: indices [M, ...] address the first M axes of data. */
export interface GatherNdFn<T> {
  /** Positional form. */
  (data: T, indices: T, opts?: NodeNaming): T;
  /** Options form. */
  (opts: { data: T; indices: T } & NodeNaming): T;
}

/** `scatterNd(data, indices, shape)`. */
export interface ScatterNdFn<T> {
  /** Positional form. */
  (data: T, indices: T, shape: readonly number[], opts?: NodeNaming): T;
  /** Keyword form. */
  (data: T, indices: T, opts: { shape: readonly number[] } & NodeNaming): T;
  /** Options form. */
  (opts: { data: T; indices: T; shape: readonly number[] } & NodeNaming): T;
}

/** `batchTake(a, indices)`: one element per row of `a`. */
export interface BatchTakeFn<T> {
  /** Positional form. */
  (a: T, indices: T, opts?: NodeNaming): T;
  /** Options form. */
  (opts: { a: T; indices: T } & NodeNaming): T;
}

/** `depthToSpace(x, 2)`, `spaceToDepth(x, { blockSize: 2 })`. */
export interface BlockSizeFn<T> {
  /** Positional form. */
  (data: T, blockSize: number, opts?: NodeNaming): T;
  /** Keyword form. */
  (data: T, opts: { blockSize: number } & NodeNaming): T;
  /** Options form. */
  (opts: { data: T; blockSize: number } & NodeNaming): T;
}

/** `diag(x, { k, axis1, axis2 })`. */
export interface DiagFn<T> {
  /** Positional form. */
  (data: T, opts?: { k?: number; axis1?: number; axis2?: number } & NodeNaming): T;
  /** Options form. */
  (opts: { data: T; k?: number; axis1?: number; axis2?: number } & NodeNaming): T;
}

/** `cumsum(x, { axis, dtype })` (over the flattened array when axis is omitted). */
export interface CumsumFn<T> {
  /** Positional form. */
  (a: T, opts?: { axis?: number | null; dtype?: DType | null } & NodeNaming): T;
  /** Options form. */
  (opts: { a: T; axis?: number | null; dtype?: DType | null } & NodeNaming): T;
}

/** Options of `moments`. */
export interface MomentsOptions {
  /** Axes to reduce (all when omitted). */
  axes?: number | readonly number[] | null;
  /** Keep the reduced axes with size 1. */
  keepdims?: boolean;
}

/** `moments(x, { axes })`: `[mean, variance]` (`R`: two NDArrays, or one grouped Symbol). */
export interface MomentsFn<T, R> {
  /** Positional form. */
  (data: T, opts?: MomentsOptions & NodeNaming): R;
  /** Options form. */
  (opts: { data: T } & MomentsOptions & NodeNaming): R;
}

/** `ravelMultiIndex(x, [3, 4])`, `unravelIndex(x, { shape })`. */
export interface IndexShapeFn<T> {
  /** Positional form. */
  (data: T, shape: readonly number[], opts?: NodeNaming): T;
  /** Keyword form. */
  (data: T, opts: { shape: readonly number[] } & NodeNaming): T;
  /** Options form. */
  (opts: { data: T; shape: readonly number[] } & NodeNaming): T;
}

/** Options of `SequenceLast` and `SequenceReverse`. */
export interface SequenceOptions<T> extends NodeNaming {
  /** The input, time on `axis`, batch next to it. */
  data: T;
  /** Length of each sequence [batch] (used when `useSequenceLength`). */
  sequenceLength?: T;
  /** Use `sequenceLength` (otherwise every sequence is full length). */
  useSequenceLength?: boolean;
  /** The time axis: 0 (TNC) or 1 (NTC; SequenceLast only, as MXNet). */
  axis?: number;
}

/** Options of `arangeLike`. */
export interface ArangeLikeOptions {
  /** First value (0). */
  start?: number;
  /** Step between values (1). */
  step?: number;
  /** Times each value is repeated (1). */
  repeat?: number;
  /** Shape the result like this axis of data only (the whole shape when omitted). */
  axis?: number | null;
}

/** `arangeLike(x, { start, step })`: a range shaped like `x` (MXNet's `contrib.arange_like`). */
export interface ArangeLikeFn<T> {
  /** Positional form. */
  (data: T, opts?: ArangeLikeOptions & NodeNaming): T;
  /** Options form. */
  (opts: { data: T } & ArangeLikeOptions & NodeNaming): T;
}

/** `indexCopy(old, index, new)`: rows `index` of `old` replaced by the rows of `new`. */
export interface IndexCopyFn<T> {
  /** Positional form. */
  (oldTensor: T, indexVector: T, newTensor: T, opts?: NodeNaming): T;
  /** Options form. */
  (opts: { oldTensor: T; indexVector: T; newTensor: T } & NodeNaming): T;
}

/** Options of `allclose`. */
export interface AllcloseOptions {
  /** Relative tolerance (1e-5). */
  rtol?: number;
  /** Absolute tolerance (1e-8). */
  atol?: number;
  /** NaNs compare equal to each other (true). */
  equalNan?: boolean;
}

/** `allclose(a, b, { rtol, atol })`: 1 (uint8, shape []) when all elements are close. */
export interface AllcloseFn<T> {
  /** Positional form. */
  (a: T, b: T, opts?: AllcloseOptions & NodeNaming): T;
  /** Options form. */
  (opts: { a: T; b: T } & AllcloseOptions & NodeNaming): T;
}

/** Options of `splitV2` (mx.nd and mx.sym). */
export interface SplitV2Options {
  /** The axis to cut (0). */
  axis?: number;
  /** Drop the axis from parts of size 1 on it. */
  squeezeAxis?: boolean;
}

/** The #19 shape and indexing functions both front ends have. */
export interface ShapeFrontEnd<T, TList = T> {
  /** Sum of same-shaped arrays (`add_n`). */
  readonly addN: ListFn<T, Record<never, never>>;
  /** Alias of `addN` (MXNet's `ElementWiseSum`). */
  readonly ElementWiseSum: ListFn<T, Record<never, never>>;
  /** Broadcasts size-1 axes to the given sizes (`broadcast_axis`). */
  readonly broadcastAxis: BroadcastAxisFn<T>;
  /** Alias of `broadcastAxis` (MXNet's `broadcast_axes`). */
  readonly broadcastAxes: BroadcastAxisFn<T>;
  /** The leading part of `data` with the sizes of `shapeLike` (on `axes`). */
  readonly sliceLike: SliceLikeFn<T>;
  /** N-d gather: `indices` [M, ...] address the first M axes. */
  readonly gatherNd: GatherNdFn<T>;
  /** N-d scatter into zeros of `shape` (the adjoint of `gatherNd`). */
  readonly scatterNd: ScatterNdFn<T>;
  /** One element per row: `out[i] = a[i, indices[i]]`. */
  readonly batchTake: BatchTakeFn<T>;
  /** Channel blocks moved into space: [N, C, H, W] to [N, C/b², H·b, W·b]. */
  readonly depthToSpace: BlockSizeFn<T>;
  /** Spatial blocks moved into channels: [N, C, H, W] to [N, C·b², H/b, W/b]. */
  readonly spaceToDepth: BlockSizeFn<T>;
  /** Each sequence's last valid step. */
  readonly SequenceLast: OptionalLayerFn<T, SequenceOptions<T>>;
  /** Each sequence's valid steps reversed (time axis 0). */
  readonly SequenceReverse: OptionalLayerFn<T, SequenceOptions<T>>;
  /** A diagonal (N-d input) or a diagonal matrix (1-D input). */
  readonly diag: DiagFn<T>;
  /** Mean and variance over axes. */
  readonly moments: MomentsFn<T, TList>;
  /** Cumulative sum along an axis (`cumsum`, MXNet's `_np_cumsum`). */
  readonly cumsum: CumsumFn<T>;
  /** Argmax over axis 1. */
  readonly argmaxChannel: UnaryFn<T>;
  /** The shape as a 1-D int64 array. */
  readonly shapeArray: UnaryFn<T>;
  /** The element count as a 1-element int64 array. */
  readonly sizeArray: UnaryFn<T>;
  /** A copy (`identity`, MXNet's `_copy`). */
  readonly identity: UnaryFn<T>;
  /** Column-wise Kronecker product of matrices with the same number of columns. */
  readonly khatriRao: ListFn<T, Record<never, never>>;
  /** Columns of N-d indices [ndim, ...] to flat indices into `shape`. */
  readonly ravelMultiIndex: IndexShapeFn<T>;
  /** Flat indices into `shape` to columns of N-d indices [ndim, ...]. */
  readonly unravelIndex: IndexShapeFn<T>;
  /** A range shaped like data (MXNet's `contrib.arange_like`). */
  readonly arangeLike: ArangeLikeFn<T>;
  /** Rows of `oldTensor` replaced by those of `newTensor` (MXNet's `contrib.index_copy`). */
  readonly indexCopy: IndexCopyFn<T>;
  /** `data / sqrt(data.shape[-1])` (MXNet's `contrib.div_sqrt_dim`). */
  readonly divSqrtDim: UnaryFn<T>;
  /** Whether all elements are close (MXNet's `contrib.allclose`). */
  readonly allclose: AllcloseFn<T>;
}
