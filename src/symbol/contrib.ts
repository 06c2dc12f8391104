/**
 * `mx.sym.contrib`: MXNet's `_contrib_` operators under their Python names (camelCased:
 * `box_nms` is `boxNms`), as graph nodes named like MXNet's (`_contrib_box_nms` in JSON).
 * @module
 */
import { parseCall } from "../ops/frontend.ts";
import type * as O from "../ops/vision/options.ts";
import type { IndexArrayOptions } from "../ops/index_array.ts";
import type { BatchNormOptions } from "../ops/nn/options.ts";
import type { SyncBatchNormOptions } from "../ops/nn/norm_contrib.ts";
import { VISION_CONTRIB_FUNCTIONS } from "../ops/vision/frontend.ts";
import { SYM } from "./_frontend.ts";
import { createSymbol, type Symbol } from "./symbol.ts";

/** The `mx.sym.contrib` constructor `fn` of the contrib table. */
function contribFunction<F>(fn: string): F {
  const spec = VISION_CONTRIB_FUNCTIONS[fn];
  const f = function (this: unknown): Symbol {
    const call = parseCall(`contrib.${fn}`, spec, arguments, SYM);
    return createSymbol(spec.op, call.inputs, call.params, {
      name: call.name,
      attr: call.attr,
      hint: call.hint,
    });
  };
  return f as F;
}

/** Bilinear resize of [N, C, H, W] (MXNet's `_contrib_BilinearResize2D`). */
export const BilinearResize2D: O.VisionFn<Symbol, O.BilinearResize2DOptions<Symbol>> =
  contribFunction("BilinearResize2D");
/** Average pooling to a fixed output size (MXNet's `_contrib_AdaptiveAvgPooling2D`). */
export const AdaptiveAvgPooling2D: O.VisionFn<Symbol, O.AdaptiveAvgPooling2DOptions<Symbol>> =
  contribFunction("AdaptiveAvgPooling2D");
/** The IoU of every `lhs` box with every `rhs` box (`_contrib_box_iou`). */
export const boxIou: O.VisionFn<Symbol, O.BoxIouOptions<Symbol>> = contribFunction("boxIou");
/** Regression targets and masks of matched anchors (`_contrib_box_encode`). */
export const boxEncode: O.VisionListFn<Symbol, O.BoxEncodeOptions<Symbol>, Symbol> =
  contribFunction(
    "boxEncode",
  );
/** Corner boxes from offsets and anchors (`_contrib_box_decode`). */
export const boxDecode: O.VisionFn<Symbol, O.BoxDecodeOptions<Symbol>> = contribFunction(
  "boxDecode",
);
/** ROI Align (`_contrib_ROIAlign`): [R, C, PH, PW] from data [N, C, H, W] and rois [R, 5]. */
export const ROIAlign: O.VisionFn<Symbol, O.ROIAlignOptions<Symbol>> = contribFunction("ROIAlign");
/** Non-maximum suppression (`_contrib_box_nms`): kept boxes first, then rows of -1. */
export const boxNms: O.VisionFn<Symbol, O.BoxNmsOptions<Symbol>> = contribFunction("boxNms");
/** Alias of `boxNms` (`_contrib_box_non_maximum_suppression`). */
export const boxNonMaximumSuppression: O.VisionFn<Symbol, O.BoxNmsOptions<Symbol>> =
  contribFunction(
    "boxNonMaximumSuppression",
  );
/** Greedy bipartite matching: `[rowMatches, colMatches]` (-1 where unmatched). */
export const bipartiteMatching: O.VisionListFn<
  Symbol,
  O.BipartiteMatchingOptions<Symbol>,
  Symbol
> = contribFunction("bipartiteMatching");
/** SSD anchors [1, H*W*A, 4] for a feature map (`_contrib_MultiBoxPrior`). */
export const MultiBoxPrior: O.VisionFn<Symbol, O.MultiBoxPriorOptions<Symbol>> = contribFunction(
  "MultiBoxPrior",
);
/** SSD training targets `[locTarget, locMask, clsTarget]` (`_contrib_MultiBoxTarget`). */
export const MultiBoxTarget: O.VisionListFn<Symbol, O.MultiBoxTargetOptions<Symbol>, Symbol> =
  contribFunction("MultiBoxTarget");
/** SSD detections [B, N, 6]: class, score, box (`_contrib_MultiBoxDetection`). */
export const MultiBoxDetection: O.VisionFn<Symbol, O.MultiBoxDetectionOptions<Symbol>> =
  contribFunction("MultiBoxDetection");
/**
 * Every element's index along `axes` (default all), int64 [...data.shape, axes.length]
 * (`_contrib_index_array`).
 */
export const indexArray: O.VisionFn<Symbol, IndexArrayOptions<Symbol>> = contribFunction(
  "indexArray",
);
/** BatchNorm then relu on its output (`_contrib_BatchNormWithReLU`). */
export const BatchNormWithReLU: O.VisionFn<Symbol, Partial<BatchNormOptions<Symbol>>> =
  contribFunction(
    "BatchNormWithReLU",
  );
/** BatchNorm over axis 1 (`_contrib_SyncBatchNorm`); `ndev` > 1 is not available. */
export const SyncBatchNorm: O.VisionFn<Symbol, SyncBatchNormOptions<Symbol>> = contribFunction(
  "SyncBatchNorm",
);
