/**
 * Options and call signatures of the vision operators' front-end functions (`mx.nd`,
 * `mx.sym` and their `contrib` namespaces share them). Inputs may be given positionally,
 * in the operator's argument order, or by name in the options.
 * @module
 */
import type { NodeNaming } from "../nn/options.ts";

/**
 * A vision operator function: `f(x, ...)`, `f(x, ..., opts)` or `f({ data: x, ...opts })`.
 * `O` holds the parameters and the inputs by name.
 */
export interface VisionFn<T, O> {
  /** Inputs positionally, then the options. */
  (...args: [...inputs: T[], opts: O & NodeNaming]): T;
  /** Inputs positionally, default parameters. */
  (...inputs: T[]): T;
  /** Options form, inputs by name. */
  (opts: O & NodeNaming): T;
}

/** UpSampling: nearest (any number of inputs) or bilinear (`data`, `weight`). */
export interface UpSamplingOptions<T> {
  /** The inputs, as one list (options form). */
  data?: readonly T[];
  /** The integer scale of height and width. */
  scale: number;
  /** "nearest" or "bilinear" (a grouped Deconvolution with the `weight` input). */
  sampleType: "nearest" | "bilinear";
  /** Channels of the bilinear weight (must equal the data's channels). */
  numFilter?: number;
  /** Several nearest inputs: "concat" along channels (default) or "sum". */
  multiInputMode?: "concat" | "sum";
  /** Accepted for MXNet compatibility; unused. */
  workspace?: number;
}

/** Crop: `Crop(data, { hW })` or `Crop(data, like)`. */
export interface CropOptions<T> {
  /** The inputs, as one list (options form): data, then crop_like. */
  data?: readonly T[];
  /** (y, x) of the crop's corner, unless `centerCrop`. */
  offset?: readonly number[];
  /** (height, width) of the crop with one input. */
  hW?: readonly number[];
  /** Crop the centre. */
  centerCrop?: boolean;
}

/** L2Normalization. */
export interface L2NormalizationOptions<T> {
  /** The input. */
  data?: T;
  /** Added to the sum of squares. */
  eps?: number;
  /** "instance" (all but axis 0), "channel" (axis 1) or "spatial" (axes 2...). */
  mode?: "instance" | "channel" | "spatial";
}

/** SVMOutput. */
export interface SVMOutputOptions<T> {
  /** Scores, classes on the last axis. */
  data?: T;
  /** Class indices (data's shape without its last axis). */
  label?: T;
  /** The margin. */
  margin?: number;
  /** Scales the gradient. */
  regularizationCoefficient?: number;
  /** L1 hinge (true) instead of the squared hinge. */
  useLinear?: boolean;
}

/** `contrib.BilinearResize2D`. */
export interface BilinearResize2DOptions<T> {
  /** The input [N, C, H, W]. */
  data?: T;
  /** The array whose height and width mode "like" takes. */
  like?: T;
  /** Output height (mode "size" without scales). */
  height?: number;
  /** Output width (mode "size" without scales). */
  width?: number;
  /** Height factor (modes "size" and "odd_scale"). */
  scaleHeight?: number;
  /** Width factor (modes "size" and "odd_scale"). */
  scaleWidth?: number;
  /** How the output size is chosen. */
  mode?:
    | "size"
    | "odd_scale"
    | "like"
    | "to_even_down"
    | "to_even_up"
    | "to_odd_down"
    | "to_odd_up";
  /** Corner pixels' centres align (true, MXNet's default). */
  alignCorners?: boolean;
}

/** `contrib.AdaptiveAvgPooling2D`. */
export interface AdaptiveAvgPooling2DOptions<T> {
  /** The input [N, C, H, W]. */
  data?: T;
  /** Output size: one number or (height, width); empty: 1x1. */
  outputSize?: number | readonly number[];
}

/** `contrib.boxIou`: the IoU of every lhs box with every rhs box. */
export interface BoxIouOptions<T> {
  /** Boxes [..., 4]. */
  lhs?: T;
  /** Boxes [..., 4]. */
  rhs?: T;
  /** "corner" (xmin, ymin, xmax, ymax; default) or "center" (x, y, width, height). */
  format?: "corner" | "center";
}

/** `contrib.boxEncode`: regression targets and masks of matched anchors. */
export interface BoxEncodeOptions<T> {
  /** [B, N]: > 0.5 marks a positive anchor. */
  samples?: T;
  /** [B, N]: the matched reference of each anchor, in [0, M). */
  matches?: T;
  /** [B, N, 4] corner anchors. */
  anchors?: T;
  /** [B, M, 4] corner references. */
  refs?: T;
  /** [4] means subtracted from the targets. */
  means?: T;
  /** [4] standard deviations the targets are divided by. */
  stds?: T;
}

/** `contrib.boxDecode`: corner boxes from offsets and anchors. */
export interface BoxDecodeOptions<T> {
  /** [B, N, 4] offsets. */
  data?: T;
  /** [1, N, 4] anchors in `format`. */
  anchors?: T;
  /** Scale of the x offset. */
  std0?: number;
  /** Scale of the y offset. */
  std1?: number;
  /** Scale of the width offset. */
  std2?: number;
  /** Scale of the height offset. */
  std3?: number;
  /** Upper clip of the scaled log width/height offsets (off when <= 0). */
  clip?: number;
  /** The anchors' encoding: "center" (default) or "corner". */
  format?: "corner" | "center";
}

/** A function returning every output (`boxEncode`: targets and masks). */
export interface VisionListFn<T, O, R> {
  /** Inputs positionally, then the options. */
  (...args: [...inputs: T[], opts: O & NodeNaming]): R;
  /** Inputs positionally. */
  (...inputs: T[]): R;
  /** Options form, inputs by name. */
  (opts: O & NodeNaming): R;
}

/** ROIPooling: max pooling of each ROI to `pooledSize`. */
export interface ROIPoolingOptions<T> {
  /** Feature maps [N, C, H, W]. */
  data?: T;
  /** [R, 5]: batch index, x1, y1, x2, y2 in image coordinates. */
  rois?: T;
  /** (height, width) of the pooled maps. */
  pooledSize: readonly number[];
  /** Feature map size over image size (1 / total stride). */
  spatialScale: number;
}

/** `contrib.ROIAlign`: bilinear samples averaged over each bin. */
export interface ROIAlignOptions<T> extends ROIPoolingOptions<T> {
  /** Samples per bin side; adaptive (ceil(roi size / pooled size)) when <= 0. */
  sampleRatio?: number;
  /** Position-sensitive pooling (R-FCN): channel group per bin. */
  positionSensitive?: boolean;
  /** Detectron2's half-pixel offset. */
  aligned?: boolean;
}

/** `contrib.boxNms`: greedy non-maximum suppression per batch. */
export interface BoxNmsOptions<T> {
  /** Boxes [..., N, K]: id, score, 4 coordinates, ... as the indices say. */
  data?: T;
  /** Suppress a box whose IoU with a higher-scored kept box exceeds this. */
  overlapThresh?: number;
  /** Boxes scoring at or below this are dropped first. */
  validThresh?: number;
  /** Only the `topk` best-scored valid boxes take part (all when < 0). */
  topk?: number;
  /** Index of the first of the 4 coordinates. */
  coordStart?: number;
  /** Index of the score. */
  scoreIndex?: number;
  /** Index of the class id (-1: none). */
  idIndex?: number;
  /** Class id of background boxes, dropped first (with `idIndex`). */
  backgroundId?: number;
  /** Suppress across classes too. */
  forceSuppress?: boolean;
  /** Input coordinates: "corner" or "center". */
  inFormat?: "corner" | "center";
  /** Output coordinates: "corner" or "center". */
  outFormat?: "corner" | "center";
}

/** `contrib.bipartiteMatching`: greedy matching of rows to columns by score. */
export interface BipartiteMatchingOptions<T> {
  /** Scores [..., rows, cols]. */
  data?: T;
  /** Lower scores are better. */
  isAscend?: boolean;
  /** Scores must beat this (be above, or below with `isAscend`). */
  threshold: number;
  /** Stop after this many matches (as MXNet: one more) when > 0. */
  topk?: number;
}

/** GridGenerator: a sampling grid from affine parameters or a flow. */
export interface GridGeneratorOptions<T> {
  /** [N, 6] affine parameters, or [N, 2, H, W] flow for "warp". */
  data?: T;
  /** "affine" or "warp". */
  transformType: "affine" | "warp";
  /** (height, width) of the grid ("affine"). */
  targetShape?: readonly number[];
}

/** BilinearSampler: data sampled at a grid of normalised (x, y) in [-1, 1]. */
export interface BilinearSamplerOptions<T> {
  /** [N, C, H, W]. */
  data?: T;
  /** [N, 2, oH, oW]. */
  grid?: T;
  /** Accepted for MXNet compatibility (no cuDNN here). */
  cudnnOff?: boolean;
}

/** SpatialTransformer: GridGenerator (affine) then BilinearSampler. */
export interface SpatialTransformerOptions<T> {
  /** [N, C, H, W]. */
  data?: T;
  /** [N, 6] affine parameters. */
  loc?: T;
  /** (height, width) of the output. */
  targetShape: readonly number[];
  /** "affine" (the only one MXNet has). */
  transformType: "affine";
  /** "bilinear" (the only one MXNet has). */
  samplerType: "bilinear";
  /** Accepted for MXNet compatibility (no cuDNN here). */
  cudnnOff?: boolean;
}

/** `contrib.MultiBoxPrior`: SSD anchor boxes for a feature map. */
export interface MultiBoxPriorOptions<T> {
  /** The feature map [N, C, H, W] (only its shape is used). */
  data?: T;
  /** Anchor sizes (relative to the image). */
  sizes?: readonly number[];
  /** Aspect ratios. */
  ratios?: readonly number[];
  /** Clip the boxes to [0, 1]. */
  clip?: boolean;
  /** (step_y, step_x) between centres; 1/H, 1/W when <= 0. */
  steps?: readonly number[];
  /** (offset_y, offset_x) of the centres within a step. */
  offsets?: readonly number[];
}

/** `contrib.MultiBoxTarget`: training targets of SSD anchors. */
export interface MultiBoxTargetOptions<T> {
  /** [1, N, 4] anchors. */
  anchor?: T;
  /** [B, M, >= 5] ground truth: class, x1, y1, x2, y2 (rows of -1 pad). */
  label?: T;
  /** [B, classes, N] class predictions (for negative mining). */
  clsPred?: T;
  /** IoU above which an anchor is positive. */
  overlapThreshold?: number;
  /** Class target of anchors that are neither positive nor negative. */
  ignoreLabel?: number;
  /** Negatives per positive (hard negative mining when > 0). */
  negativeMiningRatio?: number;
  /** Only anchors below this IoU can be mined negatives. */
  negativeMiningThresh?: number;
  /** Accepted for MXNet compatibility (MXNet does not use it either). */
  minimumNegativeSamples?: number;
  /** Variances the location targets are divided by. */
  variances?: readonly number[];
}

/** `contrib.MultiBoxDetection`: decoded, suppressed SSD detections. */
export interface MultiBoxDetectionOptions<T> {
  /** [B, classes, N] class probabilities (class 0: background). */
  clsProb?: T;
  /** [B, N*4] location offsets. */
  locPred?: T;
  /** [1, N, 4] anchors. */
  anchor?: T;
  /** Clip boxes to [0, 1]. */
  clip?: boolean;
  /** Scores below this count as background. */
  threshold?: number;
  /** Accepted for MXNet compatibility (class 0 is the background). */
  backgroundId?: number;
  /** IoU at or above which a lower-scored box is suppressed (no NMS outside (0, 1]). */
  nmsThreshold?: number;
  /** Suppress across classes. */
  forceSuppress?: boolean;
  /** Variances the offsets are scaled by. */
  variances?: readonly number[];
  /** Keep only the best `nmsTopk` before suppression (all when <= 0). */
  nmsTopk?: number;
}

/** Correlation (FlowNet): per-displacement window products of two feature maps. */
export interface CorrelationOptions<T> {
  /** [N, C, H, W]. */
  data1?: T;
  /** [N, C, H, W]. */
  data2?: T;
  /** Side of the window compared (1). */
  kernelSize?: number;
  /** Largest displacement (1). */
  maxDisplacement?: number;
  /** Output sampling step in data1 (1). */
  stride1?: number;
  /** Displacement step (1). */
  stride2?: number;
  /** Zero padding of both inputs (0). */
  padSize?: number;
  /** Products (true) or absolute differences (false). */
  isMultiply?: boolean;
}
