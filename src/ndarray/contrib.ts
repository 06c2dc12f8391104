/**
 * `mx.nd.contrib`: MXNet's `_contrib_` operators under their Python names (camelCased:
 * `box_nms` is `boxNms`).
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const x = mx.nd.array([1, 2, 3, 4], { shape: [1, 1, 2, 2] });
 * const y = mx.nd.contrib.BilinearResize2D(x, { height: 3, width: 3 });
 * console.log(await y.array()); // [[[[1, 1.5, 2], [2, 2.5, 3], [3, 3.5, 4]]]]
 * ```
 * @module
 */
import type * as O from "../ops/vision/options.ts";
import type { IndexArrayOptions } from "../ops/index_array.ts";
import type { BatchNormOptions } from "../ops/nn/options.ts";
import type { SyncBatchNormOptions } from "../ops/nn/norm_contrib.ts";
import { VISION_CONTRIB_FUNCTIONS } from "../ops/vision/frontend.ts";
import { isOptions } from "../ops/frontend.ts";
import { callNd } from "./_frontend.ts";
import type { NDArray } from "./ndarray.ts";

/** The options object a call ends with, if any. */
function lastOptions(args: ArrayLike<unknown>): Record<string, unknown> | undefined {
  const last = args[args.length - 1];
  return isOptions(last) ? last as Record<string, unknown> : undefined;
}

/** The `mx.nd.contrib` function `fn` of the contrib table. */
function contribFunction<F>(fn: string): F {
  const spec = VISION_CONTRIB_FUNCTIONS[fn];
  const f = function (this: unknown): NDArray | NDArray[] {
    const outs = callNd(`contrib.${fn}`, arguments, spec);
    if (spec.allOutputs) return outs;
    // The BatchNorm variants return their mean and variance only with outputMeanVar, as
    // MXNet's do (applyOp returns the hidden outputs too).
    return spec.manyOutputs && lastOptions(arguments)?.outputMeanVar ? outs : outs[0];
  };
  return f as F;
}

/** Bilinear resize of [N, C, H, W] (MXNet's `_contrib_BilinearResize2D`). */
export const BilinearResize2D: O.VisionFn<NDArray, O.BilinearResize2DOptions<NDArray>> =
  contribFunction("BilinearResize2D");
/** Average pooling to a fixed output size (MXNet's `_contrib_AdaptiveAvgPooling2D`). */
export const AdaptiveAvgPooling2D: O.VisionFn<NDArray, O.AdaptiveAvgPooling2DOptions<NDArray>> =
  contribFunction("AdaptiveAvgPooling2D");
/** The IoU of every `lhs` box with every `rhs` box (`_contrib_box_iou`). */
export const boxIou: O.VisionFn<NDArray, O.BoxIouOptions<NDArray>> = contribFunction("boxIou");
/** Regression targets and masks of matched anchors (`_contrib_box_encode`). */
export const boxEncode: O.VisionListFn<NDArray, O.BoxEncodeOptions<NDArray>, NDArray[]> =
  contribFunction(
    "boxEncode",
  );
/** Corner boxes from offsets and anchors (`_contrib_box_decode`). */
export const boxDecode: O.VisionFn<NDArray, O.BoxDecodeOptions<NDArray>> = contribFunction(
  "boxDecode",
);
/** ROI Align (`_contrib_ROIAlign`): [R, C, PH, PW] from data [N, C, H, W] and rois [R, 5]. */
export const ROIAlign: O.VisionFn<NDArray, O.ROIAlignOptions<NDArray>> = contribFunction(
  "ROIAlign",
);
/** Non-maximum suppression (`_contrib_box_nms`): kept boxes first, then rows of -1. */
export const boxNms: O.VisionFn<NDArray, O.BoxNmsOptions<NDArray>> = contribFunction("boxNms");
/** Alias of `boxNms` (`_contrib_box_non_maximum_suppression`). */
export const boxNonMaximumSuppression: O.VisionFn<NDArray, O.BoxNmsOptions<NDArray>> =
  contribFunction(
    "boxNonMaximumSuppression",
  );
/** Greedy bipartite matching: `[rowMatches, colMatches]` (-1 where unmatched). */
export const bipartiteMatching: O.VisionListFn<
  NDArray,
  O.BipartiteMatchingOptions<NDArray>,
  NDArray[]
> = contribFunction("bipartiteMatching");
/** SSD anchors [1, H*W*A, 4] for a feature map (`_contrib_MultiBoxPrior`). */
export const MultiBoxPrior: O.VisionFn<NDArray, O.MultiBoxPriorOptions<NDArray>> = contribFunction(
  "MultiBoxPrior",
);
/** SSD training targets `[locTarget, locMask, clsTarget]` (`_contrib_MultiBoxTarget`). */
export const MultiBoxTarget: O.VisionListFn<NDArray, O.MultiBoxTargetOptions<NDArray>, NDArray[]> =
  contribFunction("MultiBoxTarget");
/** SSD detections [B, N, 6]: class, score, box (`_contrib_MultiBoxDetection`). */
export const MultiBoxDetection: O.VisionFn<NDArray, O.MultiBoxDetectionOptions<NDArray>> =
  contribFunction("MultiBoxDetection");
/**
 * Every element's index along `axes` (default all), int64 [...data.shape, axes.length]
 * (`_contrib_index_array`).
 */
export const indexArray: O.VisionFn<NDArray, IndexArrayOptions<NDArray>> = contribFunction(
  "indexArray",
);
/** BatchNorm then relu on its output (`_contrib_BatchNormWithReLU`). */
export const BatchNormWithReLU: O.VisionFn<NDArray, Partial<BatchNormOptions<NDArray>>> =
  contribFunction(
    "BatchNormWithReLU",
  );
/** BatchNorm over axis 1 (`_contrib_SyncBatchNorm`); `ndev` > 1 is not available. */
export const SyncBatchNorm: O.VisionFn<NDArray, SyncBatchNormOptions<NDArray>> = contribFunction(
  "SyncBatchNorm",
);
