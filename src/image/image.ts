/**
 * `mx.image`: decoding, resizing and cropping images held as HWC NDArrays (height, width,
 * channels), as MXNet's `mx.image` module does over OpenCV.
 * @module
 */
import { ParamError, ShapeError } from "../core/errors.ts";
import { readFileChecked } from "../core/files.ts";
import { checkOptions } from "../core/options.ts";
import { array } from "../ndarray/creation.ts";
import { slice } from "../ndarray/indexing.ts";
import type { NDArray } from "../ndarray/ndarray.ts";
import { decodeImage, type Pixels } from "./codec.ts";
import { checkInterp, type PixelArray, resizePixels } from "./resize.ts";

/** Options of {@link imdecode} and {@link imread}. */
export interface ImdecodeOptions {
  /** 1 (default): three channels; 0: one gray channel. */
  flag?: 0 | 1;
  /** Channel order RGB (default true); false gives OpenCV's BGR. */
  toRGB?: boolean;
}

/** OpenCV's RGB-to-gray weights in 14-bit fixed point (0.299, 0.587, 0.114). */
function gray(r: number, g: number, b: number): number {
  return (r * 4899 + g * 9617 + b * 1868 + 8192) >> 14;
}

/**
 * Decoded pixels as `channels` (1, 3 or 4) channels in RGB(A) or BGR(A) order; alpha is
 * dropped for 3 channels, as OpenCV's IMREAD_COLOR does.
 * @ignore
 */
export function convertPixels(px: Pixels, channels: 1 | 3 | 4, bgr: boolean): Uint8Array {
  const n = px.width * px.height;
  const src = px.data;
  const out = new Uint8Array(n * channels);
  const c = px.channels;
  for (let p = 0; p < n; p++) {
    const r = src[p * c];
    const g = c === 1 ? r : src[p * c + 1];
    const b = c === 1 ? r : src[p * c + 2];
    if (channels === 1) {
      out[p] = c === 1 ? r : gray(r, g, b);
      continue;
    }
    out[p * channels] = bgr ? b : r;
    out[p * channels + 1] = g;
    out[p * channels + 2] = bgr ? r : b;
    if (channels === 4) out[p * channels + 3] = c === 4 ? src[p * c + 3] : 255;
  }
  return out;
}

/**
 * Decodes a JPEG or PNG image (MXNet's `mx.image.imdecode`) into a uint8 NDArray of shape
 * `[height, width, 3]` (RGB, or BGR with `toRGB: false`), or `[height, width, 1]` with
 * `flag: 0`.
 * @throws FormatError when the bytes are not a readable JPEG or PNG.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const png = mx.image.imencode(mx.nd.array(new Uint8Array(2 * 3 * 3).fill(7), { shape: [2, 3, 3] }), ".png");
 * console.log(mx.image.imdecode(png).shape); // [2, 3, 3]
 * ```
 */
export function imdecode(buf: Uint8Array, opts: ImdecodeOptions = {}): NDArray<"uint8"> {
  checkOptions("imdecode", opts, ["flag", "toRGB"]);
  const flag = opts.flag ?? 1;
  if (flag !== 0 && flag !== 1) {
    throw new ParamError(`imdecode: flag must be 1 (color) or 0 (gray), got ${flag}`);
  }
  if (!(buf instanceof Uint8Array)) {
    throw new ParamError(`imdecode: buf must be a Uint8Array, got ${typeof buf}`);
  }
  const px = decodeImage(buf, "imdecode");
  const channels = flag === 1 ? 3 : 1;
  const data = convertPixels(px, channels, opts.toRGB === false);
  return array(data, { shape: [px.height, px.width, channels], dtype: "uint8" });
}

/**
 * Reads and decodes an image file (MXNet's `mx.image.imread`); see {@link imdecode}.
 * @throws FileNotFoundError when the file does not exist.
 */
export async function imread(path: string, opts: ImdecodeOptions = {}): Promise<NDArray<"uint8">> {
  return imdecode(await readFileChecked(path, "imread"), opts);
}

/** An image's height, width and channel count; 2-D arrays count as one channel. */
function hwc(src: NDArray, where: string): [number, number, number] {
  if (src.ndim !== 3 && src.ndim !== 2) {
    throw new ShapeError(
      `${where}: expected an HWC image of rank 3 (or 2), got shape [${src.shape}]`,
    );
  }
  return [src.shape[0], src.shape[1], src.ndim === 3 ? src.shape[2] : 1];
}

function checkSize(v: number, what: string, where: string): void {
  if (!Number.isInteger(v) || v <= 0) {
    throw new ParamError(`${where}: ${what} must be a positive integer, got ${v}`);
  }
}

/** Dtypes whose host arrays {@link resizePixels} handles. */
const RESIZABLE: readonly string[] = ["uint8", "int8", "int32", "float32", "float64"];

/**
 * Resizes an HWC image to `w x h` (MXNet's `mx.image.imresize`) with OpenCV's
 * interpolation `interp`: 0 nearest, 1 bilinear (default), 2 area, 3 bicubic. The result
 * has the input's dtype (integers rounded and saturated).
 */
export function imresize<D extends NDArray>(src: D, w: number, h: number, interp = 1): D {
  const [inH, inW, c] = hwc(src, "imresize");
  checkSize(w, "w", "imresize");
  checkSize(h, "h", "imresize");
  const method = checkInterp(interp, "imresize");
  if (!RESIZABLE.includes(src.dtype)) {
    throw new ParamError(
      `imresize: images of dtype ${src.dtype} cannot be resized; use one of ${
        RESIZABLE.join(", ")
      }`,
    );
  }
  const data = src.dataSync() as PixelArray;
  const out = resizePixels(data, inH, inW, c, h, w, method);
  const shape = src.ndim === 3 ? [h, w, c] : [h, w];
  return array(out, { shape, dtype: src.dtype, ctx: src.context }) as unknown as D;
}

/**
 * MXNet's `interp` 9 ("auto") and 10 ("random") resolved as MXNet's `_get_interp_method`
 * does for a resize from `oldH x oldW` to `newH x newW`; other values are returned as given.
 * @ignore
 */
export function resolveInterp(
  interp: number,
  oldH: number,
  oldW: number,
  newH: number,
  newW: number,
): number {
  if (interp === 9) {
    if (newH > oldH && newW > oldW) return 2;
    if (newH < oldH && newW < oldW) return 0;
    return 1;
  }
  // MXNet draws from 0..4; Lanczos (4) is not available here.
  if (interp === 10) return Math.floor(Math.random() * 4);
  return interp;
}

/**
 * Resizes so that the shorter side is `size`, keeping the aspect ratio (MXNet's
 * `mx.image.resize_short`); `interp` defaults to 2 (area).
 */
export function resizeShort<D extends NDArray>(src: D, size: number, interp = 2): D {
  const [h, w] = hwc(src, "resizeShort");
  checkSize(size, "size", "resizeShort");
  const [newH, newW] = h > w
    ? [Math.floor((size * h) / w), size]
    : [size, Math.floor((size * w) / h)];
  return imresize(src, newW, newH, resolveInterp(interp, h, w, newH, newW));
}

/**
 * The `w x h` region at `(x0, y0)`, resized to `size = [width, height]` when given
 * (MXNet's `mx.image.fixed_crop`).
 */
export function fixedCrop<D extends NDArray>(
  src: D,
  x0: number,
  y0: number,
  w: number,
  h: number,
  size?: readonly [number, number],
  interp = 2,
): D {
  const [H, W] = hwc(src, "fixedCrop");
  checkSize(w, "w", "fixedCrop");
  checkSize(h, "h", "fixedCrop");
  if (
    !Number.isInteger(x0) || !Number.isInteger(y0) || x0 < 0 || y0 < 0 || x0 + w > W || y0 + h > H
  ) {
    throw new ParamError(
      `fixedCrop: the region x0=${x0}, y0=${y0}, w=${w}, h=${h} is not inside the ${W}x${H} image`,
    );
  }
  const out = src.get([slice(y0, y0 + h), slice(x0, x0 + w)]) as D;
  if (size === undefined || (size[0] === w && size[1] === h)) return out;
  const resized = imresize(out, size[0], size[1], resolveInterp(interp, h, w, size[1], size[0]));
  out.dispose();
  return resized;
}

/**
 * The largest `[width, height]` within `srcSize` with the aspect ratio of `size`
 * (MXNet's `mx.image.scale_down`).
 */
export function scaleDown(
  srcSize: readonly [number, number],
  size: readonly [number, number],
): [number, number] {
  let [w, h] = size;
  const [sw, sh] = srcSize;
  if (sh < h) [w, h] = [(w * sh) / h, sh];
  if (sw < w) [w, h] = [sw, (h * sw) / w];
  return [Math.trunc(w), Math.trunc(h)];
}

/** A crop: the image and the region `[x0, y0, w, h]` it was cut from. */
export type Crop<D> = [D, [number, number, number, number]];

function checkCropSize(size: readonly number[], where: string): void {
  if (!Array.isArray(size) || size.length !== 2) {
    throw new ParamError(`${where}: size must be [width, height], got ${JSON.stringify(size)}`);
  }
  checkSize(size[0], "size[0] (width)", where);
  checkSize(size[1], "size[1] (height)", where);
}

/**
 * Crops the centre region with the aspect ratio of `size = [width, height]` and resizes it
 * to `size` (MXNet's `mx.image.center_crop`).
 */
export function centerCrop<D extends NDArray>(
  src: D,
  size: readonly [number, number],
  interp = 2,
): Crop<D> {
  const [h, w] = hwc(src, "centerCrop");
  checkCropSize(size, "centerCrop");
  const [newW, newH] = scaleDown([w, h], size);
  const x0 = Math.trunc((w - newW) / 2);
  const y0 = Math.trunc((h - newH) / 2);
  return [fixedCrop(src, x0, y0, newW, newH, size, interp), [x0, y0, newW, newH]];
}

/**
 * Crops a region at a random place with the aspect ratio of `size = [width, height]` and
 * resizes it to `size` (MXNet's `mx.image.random_crop`). `random` returns numbers in [0, 1)
 * (default `Math.random`; pass a seeded one for reproducible crops).
 */
export function randomCrop<D extends NDArray>(
  src: D,
  size: readonly [number, number],
  interp = 2,
  random: () => number = Math.random,
): Crop<D> {
  const [h, w] = hwc(src, "randomCrop");
  checkCropSize(size, "randomCrop");
  const [newW, newH] = scaleDown([w, h], size);
  const x0 = Math.floor(random() * (w - newW + 1));
  const y0 = Math.floor(random() * (h - newH + 1));
  return [fixedCrop(src, x0, y0, newW, newH, size, interp), [x0, y0, newW, newH]];
}

/**
 * A crop of random area (a fraction in `area = [min, max]` of the image, or `[area, 1]`) and
 * random aspect ratio (log-uniform in `ratio`), resized to `size = [width, height]`; after
 * 10 tries that do not fit, the centre crop (MXNet's `mx.image.random_size_crop`).
 */
export function randomSizeCrop<D extends NDArray>(
  src: D,
  size: readonly [number, number],
  area: number | readonly [number, number],
  ratio: readonly [number, number],
  interp = 2,
  random: () => number = Math.random,
): Crop<D> {
  const [h, w] = hwc(src, "randomSizeCrop");
  checkCropSize(size, "randomSizeCrop");
  const [aMin, aMax] = typeof area === "number" ? [area, 1] : area;
  if (!(aMin > 0 && aMin <= aMax && aMax <= 1)) {
    throw new ParamError(`randomSizeCrop: area must be within (0, 1], got ${JSON.stringify(area)}`);
  }
  if (!(ratio[0] > 0 && ratio[0] <= ratio[1])) {
    throw new ParamError(
      `randomSizeCrop: ratio must be [min, max] > 0, got ${JSON.stringify(ratio)}`,
    );
  }
  const uniform = (a: number, b: number) => a + (b - a) * random();
  for (let attempt = 0; attempt < 10; attempt++) {
    const target = uniform(aMin, aMax) * h * w;
    const r = Math.exp(uniform(Math.log(ratio[0]), Math.log(ratio[1])));
    const newW = Math.round(Math.sqrt(target * r)), newH = Math.round(Math.sqrt(target / r));
    if (newW >= 1 && newH >= 1 && newW <= w && newH <= h) {
      const x0 = Math.floor(random() * (w - newW + 1));
      const y0 = Math.floor(random() * (h - newH + 1));
      return [fixedCrop(src, x0, y0, newW, newH, size, interp), [x0, y0, newW, newH]];
    }
  }
  return centerCrop(src, size, interp);
}

/**
 * `(src - mean) / std` in float32 (MXNet's `mx.image.color_normalize`); `mean` and `std`
 * broadcast over the channels (numbers or NDArrays such as `[3]`).
 */
export function colorNormalize(
  src: NDArray,
  mean: NDArray | number | null,
  std?: NDArray | number | null,
): NDArray {
  let out: NDArray = src.dtype === "float32" ? src.copy() : src.astype("float32");
  if (mean !== null && mean !== undefined) {
    const next = out.sub(mean);
    out.dispose();
    out = next;
  }
  if (std !== null && std !== undefined) {
    const next = out.div(std);
    out.dispose();
    out = next;
  }
  return out;
}
