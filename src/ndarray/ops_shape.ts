/**
 * The shape and indexing operators of #19 on NDArrays (`mx.nd.gatherNd`, `mx.nd.addN`,
 * `mx.nd.depthToSpace`, ...): the same registry operators and signatures as their
 * `mx.sym` twins in src/symbol/ops_shape.ts.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const x = mx.nd.array([[1, 2], [3, 4]]);
 * const idx = mx.nd.array([[0, 1], [1, 0]]);
 * console.log(await mx.nd.gatherNd(x, idx).array()); // [2, 3]
 * console.log(await mx.nd.addN(x, x, x).array()); // [[3, 6], [9, 12]]
 * ```
 * @module
 */
import type { ListFn, OptionalLayerFn, UnaryFn } from "../ops/signatures.ts";
import type {
  BatchTakeFn,
  BlockSizeFn,
  BroadcastAxisFn,
  CumsumFn,
  DiagFn,
  GatherNdFn,
  IndexShapeFn,
  MomentsFn,
  ScatterNdFn,
  SequenceOptions,
  SliceLikeFn,
} from "../ops/signatures_shape.ts";
import { ndFunction } from "./_frontend.ts";
import type { NDArray } from "./ndarray.ts";

/** Sum of same-shaped arrays (MXNet's `add_n`). */
export const addN: ListFn<NDArray, Record<never, never>> = ndFunction("addN");
/** Alias of `addN`. */
export const ElementWiseSum: ListFn<NDArray, Record<never, never>> = ndFunction("ElementWiseSum");
/** Broadcasts size-1 axes to the given sizes (`broadcast_axis`). */
export const broadcastAxis: BroadcastAxisFn<NDArray> = ndFunction("broadcastAxis");
/** Alias of `broadcastAxis`. */
export const broadcastAxes: BroadcastAxisFn<NDArray> = ndFunction("broadcastAxes");
/** The leading part of `data` with the sizes of `shapeLike` (on `axes`). */
export const sliceLike: SliceLikeFn<NDArray> = ndFunction("sliceLike");
/** N-d gather: `indices` [M, ...] address the first M axes (`gather_nd`). */
export const gatherNd: GatherNdFn<NDArray> = ndFunction("gatherNd");
/** N-d scatter into zeros of `shape` (`scatter_nd`). */
export const scatterNd: ScatterNdFn<NDArray> = ndFunction("scatterNd");
/** One element per row: `out[i] = a[i, indices[i]]` (`batch_take`). */
export const batchTake: BatchTakeFn<NDArray> = ndFunction("batchTake");
/** Channel blocks moved into space (`depth_to_space`). */
export const depthToSpace: BlockSizeFn<NDArray> = ndFunction("depthToSpace");
/** Spatial blocks moved into channels (`space_to_depth`). */
export const spaceToDepth: BlockSizeFn<NDArray> = ndFunction("spaceToDepth");
/** Each sequence's last valid step. */
export const SequenceLast: OptionalLayerFn<NDArray, SequenceOptions<NDArray>> = ndFunction(
  "SequenceLast",
);
/** Each sequence's valid steps reversed along time. */
export const SequenceReverse: OptionalLayerFn<NDArray, SequenceOptions<NDArray>> = ndFunction(
  "SequenceReverse",
);
/** A diagonal (N-d input) or a diagonal matrix (1-D input). */
export const diag: DiagFn<NDArray> = ndFunction("diag");
/** Mean and variance over axes. */
export const moments: MomentsFn<NDArray, NDArray[]> = ndFunction("moments");
/** Cumulative sum along an axis (MXNet's `_np_cumsum`, `cumsum`). */
export const cumsum: CumsumFn<NDArray> = ndFunction("cumsum");
/** Argmax over axis 1 (`argmax_channel`). */
export const argmaxChannel: UnaryFn<NDArray> = ndFunction("argmaxChannel");
/** The shape as a 1-D int64 array (`shape_array`). */
export const shapeArray: UnaryFn<NDArray> = ndFunction("shapeArray");
/** The element count as a 1-element int64 array (`size_array`). */
export const sizeArray: UnaryFn<NDArray> = ndFunction("sizeArray");
/** A copy (MXNet's `_copy`, `identity`). */
export const identity: UnaryFn<NDArray> = ndFunction("identity");
/** Column-wise Kronecker product (`khatri_rao`). */
export const khatriRao: ListFn<NDArray, Record<never, never>> = ndFunction("khatriRao");
/** Columns of N-d indices to flat indices (`ravel_multi_index`). */
export const ravelMultiIndex: IndexShapeFn<NDArray> = ndFunction("ravelMultiIndex");
/** Flat indices to columns of N-d indices (`unravel_index`). */
export const unravelIndex: IndexShapeFn<NDArray> = ndFunction("unravelIndex");
