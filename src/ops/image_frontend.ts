/**
 * The calling convention and options of `mx.nd.image` / `mx.sym.image` (MXNet's `_image_*`
 * operators under their Python names, camelCased: `to_tensor` is `toTensor`).
 * @module
 */
import type { FnSpec } from "./frontend.ts";
import type { NodeNaming } from "./nn/options.ts";

/** Function name -> how it calls its operator. */
export const IMAGE_FUNCTIONS: Readonly<Record<string, FnSpec>> = {
  toTensor: { op: "_image_to_tensor" },
  normalize: { op: "_image_normalize", positional: ["mean", "std"] },
  crop: { op: "_image_crop", positional: ["x", "y", "width", "height"] },
  resize: { op: "_image_resize", positional: ["size", "keepRatio", "interp"] },
};

/** `image.toTensor(data)`. */
export interface ToTensorOptions<T> {
  /** The image (options form). */
  data?: T;
}

/** `image.normalize(data, mean, std)`. */
export interface NormalizeOptions<T> {
  /** The (N,) C, H, W tensor (options form). */
  data?: T;
  /** One mean for every channel or one per channel (default 0). */
  mean?: number | readonly number[];
  /** One standard deviation for every channel or one per channel (default 1). */
  std?: number | readonly number[];
}

/** `image.crop(data, x, y, width, height)`. */
export interface ImageCropOptions<T> {
  /** The (N,) H, W, C image (options form). */
  data?: T;
  /** Left column of the window. */
  x?: number;
  /** Top row of the window. */
  y?: number;
  /** Window width. */
  width?: number;
  /** Window height. */
  height?: number;
}

/** `image.resize(data, size, keepRatio, interp)`. */
export interface ImageResizeOptions<T> {
  /** The (N,) H, W, C image (options form). */
  data?: T;
  /** (width, height), or one size for both (or the short edge with `keepRatio`). */
  size?: number | readonly number[];
  /** With one size: resize the short edge to it, keeping the aspect ratio. */
  keepRatio?: boolean;
  /** OpenCV's interpolation: 0 nearest, 1 bilinear (default), 2 area, 3 bicubic. */
  interp?: number;
}

/** An image function: `f(data, ...positional)`, `f(data, opts)` or `f({ data, ...opts })`. */
export interface ImageFn<T, O> {
  /** The input, then positional parameters and/or options. */
  (data: T, ...args: unknown[]): T;
  /** Options form. */
  (opts: O & NodeNaming): T;
}
