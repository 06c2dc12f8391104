/**
 * `mx.nd.image`: MXNet's image operators on NDArrays (`_image_to_tensor`,
 * `_image_normalize`, `_image_crop`, `_image_resize`).
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const img = mx.nd.array([0, 255, 51, 102], { shape: [2, 2, 1], dtype: "uint8" });
 * const t = mx.nd.image.toTensor(img);
 * console.log(t.shape); // [1, 2, 2]
 * ```
 * @module
 */
import * as F from "../ops/image_frontend.ts";
import { callNd } from "./_frontend.ts";
import type { NDArray } from "./ndarray.ts";

function imageFunction<F>(fn: string): F {
  const spec = F.IMAGE_FUNCTIONS[fn];
  return function (this: unknown): NDArray {
    return callNd(`image.${fn}`, arguments, spec)[0];
  } as F;
}

/** (N,) H, W, C in [0, 255] to float32 (N,) C, H, W in [0, 1]. */
export const toTensor: F.ImageFn<NDArray, F.ToTensorOptions<NDArray>> = imageFunction(
  "toTensor",
);
/** (x - mean[c]) / std[c] per channel of a (N,) C, H, W tensor. */
export const normalize: F.ImageFn<NDArray, F.NormalizeOptions<NDArray>> = imageFunction(
  "normalize",
);
/** The `height x width` window at column `x`, row `y` of a (N,) H, W, C image. */
export const crop: F.ImageFn<NDArray, F.ImageCropOptions<NDArray>> = imageFunction("crop");
/** OpenCV's resize of a (N,) H, W, C image to `size` (width, height). */
export const resize: F.ImageFn<NDArray, F.ImageResizeOptions<NDArray>> = imageFunction("resize");
