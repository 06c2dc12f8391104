/**
 * The vision layers on NDArrays: `mx.nd.UpSampling`, `Crop`, `L2Normalization`,
 * `SVMOutput` (the `contrib` ones are in ./contrib.ts).
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const x = mx.nd.array([1, 2, 3, 4], { shape: [1, 1, 2, 2] });
 * const y = mx.nd.UpSampling(x, { scale: 2, sampleType: "nearest" });
 * console.log(y.shape); // [1, 1, 4, 4]
 * ```
 * @module
 */
import type * as O from "../ops/vision/options.ts";
import { ndFunction } from "./_frontend.ts";
import type { NDArray } from "./ndarray.ts";

/** Nearest (several inputs: concatenated or summed) or bilinear (data, weight) upsampling. */
export const UpSampling: O.VisionFn<NDArray, O.UpSamplingOptions<NDArray>> = ndFunction(
  "UpSampling",
);
/** Crops [N, C, H, W] to `hW` at `offset` (or centred), or to a second input's H and W. */
export const Crop: O.VisionFn<NDArray, O.CropOptions<NDArray>> = ndFunction("Crop");
/** Divides by the L2 norm over the instance, the channels or the spatial positions. */
export const L2Normalization: O.VisionFn<NDArray, O.L2NormalizationOptions<NDArray>> = ndFunction(
  "L2Normalization",
);
/** Identity forward; the (squared) hinge loss gradient backward. */
export const SVMOutput: O.VisionFn<NDArray, O.SVMOutputOptions<NDArray>> = ndFunction(
  "SVMOutput",
);
/** ROI max pooling: [R, C, PH, PW] from data [N, C, H, W] and rois [R, 5]. */
export const ROIPooling: O.VisionFn<NDArray, O.ROIPoolingOptions<NDArray>> = ndFunction(
  "ROIPooling",
);
/** A sampling grid [N, 2, H, W] from affine parameters [N, 6] or a flow [N, 2, H, W]. */
export const GridGenerator: O.VisionFn<NDArray, O.GridGeneratorOptions<NDArray>> = ndFunction(
  "GridGenerator",
);
/** Bilinear sampling of data at a grid of normalised coordinates (zeros outside). */
export const BilinearSampler: O.VisionFn<NDArray, O.BilinearSamplerOptions<NDArray>> = ndFunction(
  "BilinearSampler",
);
/** An affine spatial transformer: GridGenerator then BilinearSampler. */
export const SpatialTransformer: O.VisionFn<NDArray, O.SpatialTransformerOptions<NDArray>> =
  ndFunction(
    "SpatialTransformer",
  );
/** FlowNet's correlation of two feature maps: [N, (2r+1)², outH, outW]. */
export const Correlation: O.VisionFn<NDArray, O.CorrelationOptions<NDArray>> = ndFunction(
  "Correlation",
);
