/**
 * `mx.image.copyMakeBorder`: pads an HWC image with OpenCV's border modes.
 * @module
 */
import { ParamError, ShapeError } from "../core/errors.ts";
import { array } from "../ndarray/creation.ts";
import type { NDArray } from "../ndarray/ndarray.ts";

/**
 * OpenCV's border types: 0 constant, 1 replicate, 2 reflect (`fedcba|abcdefgh|hgfedcb`),
 * 3 wrap, 4 reflect-101 (`gfedcb|abcdefgh|gfedcba`).
 */
export type BorderType = 0 | 1 | 2 | 3 | 4;

/** The source index for index `i` outside `[0, n)` (OpenCV's `borderInterpolate`). */
function borderIndex(i: number, n: number, type: BorderType): number {
  if (i >= 0 && i < n) return i;
  if (type === 1) return i < 0 ? 0 : n - 1;
  if (type === 3) return ((i % n) + n) % n;
  if (n === 1) return 0;
  // Reflect (2) repeats the edge pixel, reflect-101 (4) does not; both fold repeatedly.
  const delta = type === 4 ? 1 : 0;
  let j = i;
  while (j < 0 || j >= n) {
    if (j < 0) j = -j - 1 + delta;
    else j = 2 * n - j - 1 - delta;
  }
  return j;
}

/**
 * Pads `src` (`[H, W, C]` or `[H, W]`) by `top`, `bot`, `left`, `right` pixels (MXNet's
 * `mx.image.copyMakeBorder`, OpenCV's `copyMakeBorder`). `type` 0 fills with `value` (a
 * number, or one per channel).
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const img = mx.nd.array([[1, 2], [3, 4]], { dtype: "uint8" });
 * console.log(await mx.image.copyMakeBorder(img, 0, 0, 1, 1, 1).array()); // [[1, 1, 2, 2], [3, 3, 4, 4]]
 * ```
 */
export function copyMakeBorder<D extends NDArray>(
  src: D,
  top: number,
  bot: number,
  left: number,
  right: number,
  type: BorderType = 0,
  value: number | readonly number[] = 0,
): D {
  if (src.ndim !== 2 && src.ndim !== 3) {
    throw new ShapeError(`copyMakeBorder: expected an HWC image, got shape [${src.shape}]`);
  }
  for (const [name, v] of [["top", top], ["bot", bot], ["left", left], ["right", right]] as const) {
    if (!Number.isInteger(v) || v < 0) {
      throw new ParamError(`copyMakeBorder: ${name} must be a non-negative integer, got ${v}`);
    }
  }
  if (![0, 1, 2, 3, 4].includes(type)) {
    throw new ParamError(`copyMakeBorder: type must be 0..4 (OpenCV's border types), got ${type}`);
  }
  const [H, W] = src.shape, C = src.ndim === 3 ? src.shape[2] : 1;
  const h = H + top + bot, w = W + left + right;
  const data = src.dataSync() as Float32Array;
  const out = new (data.constructor as Float32ArrayConstructor)(h * w * C);
  // OpenCV saturates the fill value to the image's type (a uint8 image takes 0..255).
  const saturate = (v: number) =>
    src.dtype === "uint8" ? Math.min(255, Math.max(0, Math.round(v))) : v;
  const fill = (typeof value === "number" ? Array(C).fill(value) : [...value]).map(saturate);
  if (fill.length !== C) {
    throw new ParamError(
      `copyMakeBorder: value needs ${C} numbers (one per channel), got ${fill.length}`,
    );
  }
  for (let y = 0; y < h; y++) {
    const sy = type === 0 && (y < top || y >= top + H) ? -1 : borderIndex(y - top, H, type);
    for (let x = 0; x < w; x++) {
      const sx = type === 0 && (x < left || x >= left + W) ? -1 : borderIndex(x - left, W, type);
      const o = (y * w + x) * C;
      if (sy < 0 || sx < 0) {
        for (let c = 0; c < C; c++) out[o + c] = fill[c];
      } else {
        out.set(data.subarray((sy * W + sx) * C, (sy * W + sx + 1) * C), o);
      }
    }
  }
  const shape = src.ndim === 3 ? [h, w, C] : [h, w];
  return array(out, { shape, dtype: src.dtype, ctx: src.context }) as unknown as D;
}
