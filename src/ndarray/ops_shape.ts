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
import { ParamError } from "../core/errors.ts";
import { checkOptions } from "../core/options.ts";
import { normalizeAxis } from "../core/shape.ts";
import { splitV2Params } from "../ops/shape_extra.ts";
import { ndFunction } from "./_frontend.ts";
import { invoke } from "./apply.ts";
import { array } from "./creation.ts";
import { NDArray } from "./ndarray.ts";

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

/** A range shaped like data (MXNet's `contrib.arange_like`). */
export const arangeLike: ArangeLikeFn<NDArray> = ndFunction("arangeLike");
/** Rows of `oldTensor` replaced by those of `newTensor` (MXNet's `contrib.index_copy`). */
export const indexCopy: IndexCopyFn<NDArray> = ndFunction("indexCopy");
/** `data / sqrt(data.shape[-1])` (MXNet's `contrib.div_sqrt_dim`). */
export const divSqrtDim: UnaryFn<NDArray> = ndFunction("divSqrtDim");
/** 1 (uint8, shape []) when all elements are close (MXNet's `contrib.allclose`). */
export const allclose: AllcloseFn<NDArray> = ndFunction("allclose");

/**
 * MXNet's `split_v2(ary, indices_or_sections, axis=0, squeeze_axis=False)`: `n` equal parts
 * for a number, or the parts between the given split points (NumPy's `split`).
 */
export function splitV2(
  ary: NDArray,
  indicesOrSections: number | readonly number[],
  opts: SplitV2Options = {},
): NDArray[] {
  checkOptions("splitV2", opts, ["axis", "squeezeAxis"]);
  return invoke("_split_v2", [ary], splitV2Params(indicesOrSections, opts));
}

/**
 * MXNet's `histogram(a, bins, range)`: `[counts (int64), bin bounds]`. `bins` is an array of
 * bounds, or a bin count with `range` [min, max] (MXNet falls back to NumPy without a
 * range; here it is required).
 */
export function histogram(
  a: NDArray,
  bins: NDArray | number,
  range?: readonly [number, number],
): NDArray[] {
  if (bins instanceof NDArray) return invoke("_histogram", [a, bins]);
  if (range === undefined) {
    throw new ParamError(
      "histogram: with a bin count, range [min, max] is required (or give the bounds as an NDArray)",
    );
  }
  return invoke("_histogram", [a], { binCnt: bins, range: [...range] });
}

/**
 * MXNet's `contrib.boolean_mask(data, index, axis=0)`: the slices of `data` along `axis`
 * where `index` (1-D) is non-zero. The result's size depends on the values, so the mask is
 * read back first (as `np.nonzero` does); the gather is an ordinary `take`, so autograd
 * differentiates it.
 */
export async function booleanMask(
  data: NDArray,
  index: NDArray,
  opts: { axis?: number } = {},
): Promise<NDArray> {
  checkOptions("booleanMask", opts, ["axis"]);
  const axis = normalizeAxis(opts.axis ?? 0, data.ndim, "booleanMask: axis");
  if (index.ndim !== 1 || index.shape[0] !== data.shape[axis]) {
    throw new ParamError(
      `booleanMask: index must be 1-D of length ${data.shape[axis]} (axis ${axis} of data ` +
        `[${data.shape}]), got [${index.shape}]`,
    );
  }
  const mask = Array.from(await index.data() as ArrayLike<number | bigint>, Number);
  const kept = mask.flatMap((v, i) => (v !== 0 ? [i] : []));
  const positions = array(kept, { ctx: data.context, dtype: "int32", shape: [kept.length] });
  // Not disposed here: autograd's tape keeps the positions for the gradient (a scatter);
  // the enclosing scope or the collector frees them.
  return invoke("take", [data, positions], { axis })[0];
}
