/**
 * Encoding HWC uint8 NDArrays as JPEG or PNG (OpenCV's `imencode`, which MXNet's
 * `pack_img` calls).
 * @module
 */
import { ParamError, ShapeError } from "../core/errors.ts";
import { checkOptions } from "../core/options.ts";
import type { NDArray } from "../ndarray/ndarray.ts";
import { encodeImage, type ImageFormat, type Pixels } from "./codec.ts";

/** Options of {@link imencode}. */
export interface ImencodeOptions {
  /** JPEG quality 1..100 (default 95). */
  quality?: number;
  /** Whether the image's channels are RGB(A) (default true) or BGR(A) as OpenCV's are. */
  fromRGB?: boolean;
}

function formatOf(ext: string, where: string): ImageFormat {
  const e = ext.toLowerCase().replace(/^\./, "");
  if (e === "jpg" || e === "jpeg") return "jpeg";
  if (e === "png") return "png";
  throw new ParamError(
    `${where}: image format must be ".jpg" or ".png", got ${JSON.stringify(ext)}`,
  );
}

/**
 * Encodes a uint8 image `[H, W, C]` (C 1, 3 or 4) or `[H, W]` as `ext` (".jpg" or ".png").
 * PNG keeps every value (and alpha); JPEG drops alpha.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const img = mx.nd.array(new Uint8Array(4 * 4 * 3).fill(200), { shape: [4, 4, 3] });
 * const png = mx.image.imencode(img, ".png");
 * console.log(await mx.image.imdecode(png).shape); // [4, 4, 3]
 * ```
 */
export function imencode(img: NDArray, ext = ".jpg", opts: ImencodeOptions = {}): Uint8Array {
  return encodeArray(img, ext, opts, "imencode");
}

/**
 * {@link imencode} naming `where` in errors.
 * @ignore
 */
export function encodeArray(
  img: NDArray,
  ext: string,
  opts: ImencodeOptions,
  where: string,
): Uint8Array {
  checkOptions(where, opts, ["quality", "fromRGB"]);
  const format = formatOf(ext, where);
  if (img.dtype !== "uint8") {
    throw new ParamError(`${where}: the image must be uint8, got ${img.dtype}`);
  }
  const channels = img.ndim === 2 ? 1 : img.shape[2];
  if ((img.ndim !== 2 && img.ndim !== 3) || ![1, 3, 4].includes(channels)) {
    throw new ShapeError(
      `${where}: expected an image [H, W], [H, W, 1], [H, W, 3] or [H, W, 4], got [${img.shape}]`,
    );
  }
  let data = img.dataSync() as Uint8Array;
  if (opts.fromRGB === false && channels >= 3) {
    // BGR(A) -> RGB(A): swap the first and third channel.
    data = data.slice();
    for (let p = 0; p < data.length; p += channels) {
      const b = data[p];
      data[p] = data[p + 2];
      data[p + 2] = b;
    }
  }
  const pixels: Pixels = {
    height: img.shape[0],
    width: img.shape[1],
    channels: channels as 1 | 3 | 4,
    data,
  };
  return encodeImage(pixels, format, { quality: opts.quality }, where);
}
