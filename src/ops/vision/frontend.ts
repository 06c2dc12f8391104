/**
 * The calling convention of the `contrib` functions of the vision operators (what
 * `mx.nd.contrib` and `mx.sym.contrib` hold), by function name: MXNet's Python name
 * without `_contrib_`, camelCased (`box_nms` -> `boxNms`).
 * @module
 */
import type { FnSpec } from "../frontend.ts";

/** Function name -> how it calls its operator. */
export const VISION_CONTRIB_FUNCTIONS: Readonly<Record<string, FnSpec>> = {
  BilinearResize2D: { op: "_contrib_BilinearResize2D" },
  AdaptiveAvgPooling2D: { op: "_contrib_AdaptiveAvgPooling2D" },
  boxIou: { op: "_contrib_box_iou" },
  boxEncode: { op: "_contrib_box_encode", allOutputs: true },
  boxDecode: { op: "_contrib_box_decode" },
  ROIAlign: { op: "_contrib_ROIAlign" },
  boxNms: { op: "_contrib_box_nms" },
  boxNonMaximumSuppression: { op: "_contrib_box_non_maximum_suppression" },
  bipartiteMatching: { op: "_contrib_bipartite_matching", allOutputs: true },
  MultiBoxPrior: { op: "_contrib_MultiBoxPrior" },
  MultiBoxTarget: { op: "_contrib_MultiBoxTarget", allOutputs: true },
  MultiBoxDetection: { op: "_contrib_MultiBoxDetection" },
  indexArray: { op: "_contrib_index_array" },
  BatchNormWithReLU: { op: "_contrib_BatchNormWithReLU", manyOutputs: true },
  SyncBatchNorm: { op: "_contrib_SyncBatchNorm", manyOutputs: true },
};
