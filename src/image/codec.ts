/**
 * JPEG and PNG decoding and encoding through maintained libraries from npm (jpeg-js,
 * fast-png); this file only adapts their pixel layouts to interleaved 8-bit rows.
 * @module
 */
// Inline npm: specifiers on purpose: a bare name resolves only through this repository's
// deno.json, which a script elsewhere importing mod.ts by path does not see
// (tests/self_contained_test.ts checks the library has none).
// deno-lint-ignore no-import-prefix
import jpeg from "npm:jpeg-js@0.4.4";
// deno-lint-ignore no-import-prefix
import { convertIndexedToRgb, decode as decodePng, encode as encodePng } from "npm:fast-png@6.4.0";
import { FormatError, ParamError, UnsupportedError } from "../core/errors.ts";

/** Decoded pixels: `height` rows of `width` pixels of `channels` interleaved bytes. */
export interface Pixels {
  /** Rows. */
  readonly height: number;
  /** Pixels per row. */
  readonly width: number;
  /** 1 (gray), 3 (RGB) or 4 (RGBA). */
  readonly channels: 1 | 3 | 4;
  /** `height * width * channels` bytes, row-major. */
  readonly data: Uint8Array;
}

/**
 * OpenCV refuses images of more than 2^30 pixels (CV_IO_MAX_IMAGE_PIXELS); so do we, before
 * the decoder allocates anything for a hostile header.
 */
const MAX_PIXELS = 2 ** 30;

/** Image file formats this module reads and writes. */
export type ImageFormat = "jpeg" | "png";

/** The format of encoded image bytes, from their signature; null when unknown. */
export function sniffFormat(bytes: Uint8Array): ImageFormat | null {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    return "jpeg";
  }
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length >= 8 && png.every((b, i) => bytes[i] === b)) return "png";
  return null;
}

/**
 * Decodes JPEG or PNG bytes. JPEG gives RGB (gray JPEGs too, as three equal channels);
 * PNG gives its own channel count (gray+alpha as RGBA), palettes expanded, 16-bit samples
 * reduced to 8 bits and samples of 1, 2 or 4 bits scaled to 0..255.
 * @throws FormatError when the bytes are not a readable JPEG or PNG.
 */
export function decodeImage(bytes: Uint8Array, where: string): Pixels {
  const format = sniffFormat(bytes);
  if (format === null) {
    const head = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, "0"));
    throw new FormatError(
      `${where}: not a JPEG or PNG image (first bytes ${head.join(" ") || "none"})`,
      0,
    );
  }
  try {
    return format === "jpeg" ? decodeJpeg(bytes) : decodePngPixels(bytes, where);
  } catch (e) {
    if (e instanceof FormatError || e instanceof UnsupportedError) throw e;
    throw new FormatError(`${where}: corrupt ${format} image: ${(e as Error).message}`, -1, {
      cause: e,
    });
  }
}

function decodeJpeg(bytes: Uint8Array): Pixels {
  const img = jpeg.decode(bytes, {
    useTArray: true,
    formatAsRGBA: false,
    maxResolutionInMP: MAX_PIXELS / 1e6,
  });
  return { height: img.height, width: img.width, channels: 3, data: img.data };
}

/** Width and height from a PNG's IHDR chunk, checked before decoding. */
function pngSize(bytes: Uint8Array, where: string): [number, number] {
  if (bytes.length < 24) throw new FormatError(`${where}: truncated PNG header`, bytes.length);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return [view.getUint32(16), view.getUint32(20)];
}

function decodePngPixels(bytes: Uint8Array, where: string): Pixels {
  const [width, height] = pngSize(bytes, where);
  if (width * height > MAX_PIXELS) {
    throw new FormatError(`${where}: PNG of ${width}x${height} exceeds 2^30 pixels`, 16);
  }
  const png = decodePng(bytes);
  if (png.palette) {
    const rgb = convertIndexedToRgb(png);
    const channels = rgb.length === png.width * png.height * 4 ? 4 : 3;
    return { height: png.height, width: png.width, channels, data: rgb };
  }
  const data = to8Bit(png.data, png.depth, png.width * png.channels, png.height);
  if (png.channels === 2) return { ...grayAlphaToRGBA(data, png.width, png.height) };
  const channels = png.channels as 1 | 3 | 4;
  return { height: png.height, width: png.width, channels, data };
}

/** Samples of any PNG bit depth as bytes 0..255 (16 bits keep the high byte, as OpenCV). */
function to8Bit(
  data: Uint8Array | Uint8ClampedArray | Uint16Array,
  depth: number,
  rowSamples: number,
  height: number,
): Uint8Array {
  if (depth === 8) return new Uint8Array(data.buffer, data.byteOffset, data.length);
  if (depth === 16) return Uint8Array.from(data as Uint16Array, (v) => v >> 8);
  // 1, 2 or 4 bits: rows are packed, each starting on a byte boundary.
  const out = new Uint8Array(rowSamples * height);
  const rowBytes = Math.ceil((rowSamples * depth) / 8);
  const max = (1 << depth) - 1;
  for (let y = 0; y < height; y++) {
    for (let i = 0; i < rowSamples; i++) {
      const bit = i * depth;
      const byte = data[y * rowBytes + (bit >> 3)];
      const v = (byte >> (8 - depth - (bit & 7))) & max;
      out[y * rowSamples + i] = Math.round((v * 255) / max);
    }
  }
  return out;
}

function grayAlphaToRGBA(data: Uint8Array, width: number, height: number): Pixels {
  const out = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    out.fill(data[2 * p], 4 * p, 4 * p + 3);
    out[4 * p + 3] = data[2 * p + 1];
  }
  return { height, width, channels: 4, data: out };
}

/** Options of {@link encodeImage}. */
export interface EncodeOptions {
  /** JPEG quality 1..100 (default 95). */
  quality?: number;
}

/** Encodes RGB, RGBA or gray pixels as JPEG (alpha dropped) or PNG (lossless). */
export function encodeImage(
  pixels: Pixels,
  format: ImageFormat,
  opts: EncodeOptions,
  where: string,
): Uint8Array {
  const { height, width, channels, data } = pixels;
  if (format === "png") {
    return encodePng({ width, height, data, channels, depth: 8 });
  }
  const quality = opts.quality ?? 95;
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) {
    throw new ParamError(`${where}: quality must be an integer in 1..100, got ${quality}`);
  }
  // jpeg-js takes RGBA.
  const rgba = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    if (channels === 1) rgba.fill(data[p], 4 * p, 4 * p + 3);
    else rgba.set(data.subarray(channels * p, channels * p + 3), 4 * p);
    rgba[4 * p + 3] = 255;
  }
  const out = jpeg.encode({ width, height, data: rgba }, quality).data;
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
