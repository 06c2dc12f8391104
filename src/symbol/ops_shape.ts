/**
 * The shape and indexing operators of #19 as graph nodes (`mx.sym.gatherNd`,
 * `mx.sym.addN`, ...): the same registry operators and signatures as their `mx.nd` twins
 * in src/ndarray/ops_shape.ts.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const y = mx.sym.depthToSpace(mx.sym.Variable("x"), 2);
 * console.log(y.inferShape({ x: [1, 8, 2, 3] }).outShapes); // [[1, 2, 4, 6]]
 * ```
 * @module
 */
import type { ListFn, OptionalLayerFn, UnaryFn } from "../ops/signatures.ts";
import type {
  AllcloseFn,
  ArangeLikeFn,
  BatchTakeFn,
  BlockSizeFn,
  BroadcastAxisFn,
  CumsumFn,
  DiagFn,
  GatherNdFn,
  IndexCopyFn,
  IndexShapeFn,
  MomentsFn,
  ScatterNdFn,
  SequenceOptions,
  SliceLikeFn,
  SplitV2Options,
} from "../ops/signatures_shape.ts";
import { checkOptions } from "../core/options.ts";
import { splitV2Params } from "../ops/shape_extra.ts";
import { symFunction } from "./_frontend.ts";
import { createSymbol, type NodeOptions, Symbol } from "./symbol.ts";

/** Sum of same-shaped arrays (MXNet's `add_n`). */
export const addN: ListFn<Symbol, Record<never, never>> = symFunction("addN");
/** Alias of `addN`. */
export const ElementWiseSum: ListFn<Symbol, Record<never, never>> = symFunction("ElementWiseSum");
/** Broadcasts size-1 axes to the given sizes (`broadcast_axis`). */
export const broadcastAxis: BroadcastAxisFn<Symbol> = symFunction("broadcastAxis");
/** Alias of `broadcastAxis`. */
export const broadcastAxes: BroadcastAxisFn<Symbol> = symFunction("broadcastAxes");
/** The leading part of `data` with the sizes of `shapeLike` (on `axes`). */
export const sliceLike: SliceLikeFn<Symbol> = symFunction("sliceLike");
/** N-d gather: `indices` [M, ...] address the first M axes (`gather_nd`). */
export const gatherNd: GatherNdFn<Symbol> = symFunction("gatherNd");
/** N-d scatter into zeros of `shape` (`scatter_nd`). */
export const scatterNd: ScatterNdFn<Symbol> = symFunction("scatterNd");
/** One element per row: `out[i] = a[i, indices[i]]` (`batch_take`). */
export const batchTake: BatchTakeFn<Symbol> = symFunction("batchTake");
/** Channel blocks moved into space (`depth_to_space`). */
export const depthToSpace: BlockSizeFn<Symbol> = symFunction("depthToSpace");
/** Spatial blocks moved into channels (`space_to_depth`). */
export const spaceToDepth: BlockSizeFn<Symbol> = symFunction("spaceToDepth");
/** Each sequence's last valid step. */
export const SequenceLast: OptionalLayerFn<Symbol, SequenceOptions<Symbol>> = symFunction(
  "SequenceLast",
);
/** Each sequence's valid steps reversed along time. */
export const SequenceReverse: OptionalLayerFn<Symbol, SequenceOptions<Symbol>> = symFunction(
  "SequenceReverse",
);
/** A diagonal (N-d input) or a diagonal matrix (1-D input). */
export const diag: DiagFn<Symbol> = symFunction("diag");
/** Mean and variance over axes. */
export const moments: MomentsFn<Symbol, Symbol> = symFunction("moments");
/** Cumulative sum along an axis (MXNet's `_np_cumsum`, `cumsum`). */
export const cumsum: CumsumFn<Symbol> = symFunction("cumsum");
/** Argmax over axis 1 (`argmax_channel`). */
export const argmaxChannel: UnaryFn<Symbol> = symFunction("argmaxChannel");
/** The shape as a 1-D int64 array (`shape_array`). */
export const shapeArray: UnaryFn<Symbol> = symFunction("shapeArray");
/** The element count as a 1-element int64 array (`size_array`). */
export const sizeArray: UnaryFn<Symbol> = symFunction("sizeArray");
/** A copy (MXNet's `_copy`, `identity`). */
export const identity: UnaryFn<Symbol> = symFunction("identity");
/** Column-wise Kronecker product (`khatri_rao`). */
export const khatriRao: ListFn<Symbol, Record<never, never>> = symFunction("khatriRao");
/** Columns of N-d indices to flat indices (`ravel_multi_index`). */
export const ravelMultiIndex: IndexShapeFn<Symbol> = symFunction("ravelMultiIndex");
/** Flat indices to columns of N-d indices (`unravel_index`). */
export const unravelIndex: IndexShapeFn<Symbol> = symFunction("unravelIndex");

/** A range shaped like data (MXNet's `contrib.arange_like`). */
export const arangeLike: ArangeLikeFn<Symbol> = symFunction("arangeLike");
/** Rows of `oldTensor` replaced by those of `newTensor` (MXNet's `contrib.index_copy`). */
export const indexCopy: IndexCopyFn<Symbol> = symFunction("indexCopy");
/** `data / sqrt(data.shape[-1])` (MXNet's `contrib.div_sqrt_dim`). */
export const divSqrtDim: UnaryFn<Symbol> = symFunction("divSqrtDim");
/** 1 (uint8, shape []) when all elements are close (MXNet's `contrib.allclose`). */
export const allclose: AllcloseFn<Symbol> = symFunction("allclose");

/** MXNet's `split_v2` as a graph node with one output per part (see `mx.nd.splitV2`). */
export function splitV2(
  ary: Symbol,
  indicesOrSections: number | readonly number[],
  opts: SplitV2Options & NodeOptions = {},
): Symbol {
  const { name, attr, ...rest } = opts;
  checkOptions("splitV2", rest, ["axis", "squeezeAxis"]);
  return createSymbol("_split_v2", [ary], splitV2Params(indicesOrSections, rest), {
    name,
    attr,
  });
}

/** MXNet's `histogram(a, bins, range)` as a graph node: outputs counts and bin bounds. */
export function histogram(
  a: Symbol,
  bins: Symbol | number,
  range?: readonly [number, number],
): Symbol {
  if (bins instanceof Symbol) return createSymbol("_histogram", [a, bins], {});
  return createSymbol("_histogram", [a], { binCnt: bins, range: range ? [...range] : null });
}
