/**
 * Vision and detection operators (MXNet's `UpSampling`, `Crop`, `L2Normalization`,
 * `SVMOutput`, ROI pooling, box operators, ... and their `_contrib_` names), composed from
 * the primitive kernels so that every backend runs them.
 * @module
 */
import type { OpDef } from "../op_def.ts";
import { BOX_OPS } from "./boxes.ts";
import { CORRELATION_OPS } from "./correlation.ts";
import { LAYER_OPS } from "./layers.ts";
import { MULTIBOX_OPS } from "./multibox.ts";
import { NMS_OPS } from "./nms.ts";
import { RESIZE_OPS } from "./resize.ts";
import { ROI_OPS } from "./roi.ts";
import { SAMPLING_OPS } from "./sampling.ts";

/** Every operator of this folder. */
export const VISION_OPS: readonly OpDef[] = [
  ...RESIZE_OPS,
  ...LAYER_OPS,
  ...BOX_OPS,
  ...ROI_OPS,
  ...NMS_OPS,
  ...SAMPLING_OPS,
  ...MULTIBOX_OPS,
  ...CORRELATION_OPS,
];
