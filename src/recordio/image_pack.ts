/**
 * `packImg`/`unpackImg`: an IRHeader followed by an encoded image, with pixels in OpenCV's
 * BGR order as MXNet's `mx.recordio.pack_img`/`unpack_img` give them.
 * @module
 */
import { ParamError } from "../core/errors.ts";
import { checkOptions } from "../core/options.ts";
import { array } from "../ndarray/creation.ts";
import type { NDArray } from "../ndarray/ndarray.ts";
import { decodeImage } from "../image/codec.ts";
import { encodeArray } from "../image/encode.ts";
import { convertPixels } from "../image/image.ts";
import { type IRHeader, pack, unpack, type UnpackedIRHeader } from "./pack.ts";

/** Options of {@link packImg}. */
export interface PackImgOptions {
  /** JPEG quality 1..100 (default 95); ignored for PNG. */
  quality?: number;
  /** `".jpg"` (default) or `".png"`. */
  imgFmt?: string;
}

/**
 * `header` and the image `img` (uint8 `[H, W, 3]` in **BGR** order, or gray `[H, W]` /
 * `[H, W, 1]`, or BGRA for PNG) encoded as one record (MXNet's `mx.recordio.pack_img`).
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const img = mx.nd.array(new Uint8Array(2 * 2 * 3).fill(9), { shape: [2, 2, 3] });
 * const rec = mx.recordio.packImg({ flag: 0, label: 1, id: 0, id2: 0 }, img, { imgFmt: ".png" });
 * const [header, back] = mx.recordio.unpackImg(rec);
 * console.log(header.label, back.shape); // 1 [2, 2, 3]
 * ```
 */
export function packImg(header: IRHeader, img: NDArray, opts: PackImgOptions = {}): Uint8Array {
  checkOptions("packImg", opts, ["quality", "imgFmt"]);
  const encoded = encodeArray(
    img,
    opts.imgFmt ?? ".jpg",
    { quality: opts.quality ?? 95, fromRGB: false },
    "packImg",
  );
  return pack(header, encoded);
}

/**
 * The header and the decoded image of a record (MXNet's `mx.recordio.unpack_img`), pixels
 * in **BGR** order. `iscolor` as OpenCV's flag: -1 (default) keeps the stored channels
 * (gray as `[H, W]`, colour as `[H, W, 3]`, with alpha `[H, W, 4]`), 1 gives `[H, W, 3]`,
 * 0 gives gray `[H, W]`.
 * @throws FormatError when the record or its image is corrupt.
 */
export function unpackImg(
  record: Uint8Array,
  iscolor: -1 | 0 | 1 = -1,
): [UnpackedIRHeader, NDArray<"uint8">] {
  if (iscolor !== -1 && iscolor !== 0 && iscolor !== 1) {
    throw new ParamError(`unpackImg: iscolor must be -1, 0 or 1, got ${iscolor}`);
  }
  const [header, payload] = unpack(record);
  const px = decodeImage(payload, "unpackImg");
  const channels = iscolor === 1 ? 3 : iscolor === 0 ? 1 : px.channels;
  const data = convertPixels(px, channels, true);
  const shape = channels === 1 ? [px.height, px.width] : [px.height, px.width, channels];
  return [header, array(data, { shape, dtype: "uint8" })];
}
