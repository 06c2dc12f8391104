/**
 * `mx.sym.image`: MXNet's image operators as graph nodes (`_image_to_tensor`,
 * `_image_normalize`, `_image_crop`, `_image_resize` in JSON).
 * @module
 */
import { parseCall } from "../ops/frontend.ts";
import * as F from "../ops/image_frontend.ts";
import { SYM } from "./_frontend.ts";
import { createSymbol, type Symbol } from "./symbol.ts";

function imageFunction<F>(fn: string): F {
  const spec = F.IMAGE_FUNCTIONS[fn];
  return function (this: unknown): Symbol {
    const call = parseCall(`image.${fn}`, spec, arguments, SYM);
    return createSymbol(spec.op, call.inputs, call.params, {
      name: call.name,
      attr: call.attr,
      hint: call.hint,
    });
  } as F;
}

/** (N,) H, W, C in [0, 255] to float32 (N,) C, H, W in [0, 1]. */
export const toTensor: F.ImageFn<Symbol, F.ToTensorOptions<Symbol>> = imageFunction("toTensor");
/** (x - mean[c]) / std[c] per channel of a (N,) C, H, W tensor. */
export const normalize: F.ImageFn<Symbol, F.NormalizeOptions<Symbol>> = imageFunction(
  "normalize",
);
/** The `height x width` window at column `x`, row `y` of a (N,) H, W, C image. */
export const crop: F.ImageFn<Symbol, F.ImageCropOptions<Symbol>> = imageFunction("crop");
/** OpenCV's resize of a (N,) H, W, C image to `size` (width, height). */
export const resize: F.ImageFn<Symbol, F.ImageResizeOptions<Symbol>> = imageFunction("resize");
