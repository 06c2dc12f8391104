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
import { VISION_CONTRIB_FUNCTIONS } from "../ops/vision/frontend.ts";
import { callNd } from "./_frontend.ts";
import type { NDArray } from "./ndarray.ts";

/** The `mx.nd.contrib` function `fn` of the contrib table. */
function contribFunction<F>(fn: string): F {
  const spec = VISION_CONTRIB_FUNCTIONS[fn];
  const f = function (this: unknown): NDArray {
    return callNd(`contrib.${fn}`, arguments, spec)[0];
  };
  return f as F;
}

/** Bilinear resize of [N, C, H, W] (MXNet's `_contrib_BilinearResize2D`). */
export const BilinearResize2D: O.VisionFn<NDArray, O.BilinearResize2DOptions<NDArray>> =
  contribFunction("BilinearResize2D");
/** Average pooling to a fixed output size (MXNet's `_contrib_AdaptiveAvgPooling2D`). */
export const AdaptiveAvgPooling2D: O.VisionFn<NDArray, O.AdaptiveAvgPooling2DOptions<NDArray>> =
  contribFunction("AdaptiveAvgPooling2D");
