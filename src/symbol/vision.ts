/**
 * The vision layers on Symbols: `mx.sym.UpSampling`, `Crop`, `L2Normalization`,
 * `SVMOutput` (the `contrib` ones are in ./contrib.ts).
 * @module
 */
import type * as O from "../ops/vision/options.ts";
import { symFunction } from "./_frontend.ts";
import type { Symbol } from "./symbol.ts";

/** Nearest (several inputs: concatenated or summed) or bilinear (data, weight) upsampling. */
export const UpSampling: O.VisionFn<Symbol, O.UpSamplingOptions<Symbol>> = symFunction(
  "UpSampling",
);
/** Crops [N, C, H, W] to `hW` at `offset` (or centred), or to a second input's H and W. */
export const Crop: O.VisionFn<Symbol, O.CropOptions<Symbol>> = symFunction("Crop");
/** Divides by the L2 norm over the instance, the channels or the spatial positions. */
export const L2Normalization: O.VisionFn<Symbol, O.L2NormalizationOptions<Symbol>> = symFunction(
  "L2Normalization",
);
/** Identity forward; the (squared) hinge loss gradient backward. */
export const SVMOutput: O.VisionFn<Symbol, O.SVMOutputOptions<Symbol>> = symFunction(
  "SVMOutput",
);
/** ROI max pooling: [R, C, PH, PW] from data [N, C, H, W] and rois [R, 5]. */
export const ROIPooling: O.VisionFn<Symbol, O.ROIPoolingOptions<Symbol>> = symFunction(
  "ROIPooling",
);
/** A sampling grid [N, 2, H, W] from affine parameters [N, 6] or a flow [N, 2, H, W]. */
export const GridGenerator: O.VisionFn<Symbol, O.GridGeneratorOptions<Symbol>> = symFunction(
  "GridGenerator",
);
/** Bilinear sampling of data at a grid of normalised coordinates (zeros outside). */
export const BilinearSampler: O.VisionFn<Symbol, O.BilinearSamplerOptions<Symbol>> = symFunction(
  "BilinearSampler",
);
/** An affine spatial transformer: GridGenerator then BilinearSampler. */
export const SpatialTransformer: O.VisionFn<Symbol, O.SpatialTransformerOptions<Symbol>> =
  symFunction(
    "SpatialTransformer",
  );
/** FlowNet's correlation of two feature maps: [N, (2r+1)², outH, outW]. */
export const Correlation: O.VisionFn<Symbol, O.CorrelationOptions<Symbol>> = symFunction(
  "Correlation",
);
