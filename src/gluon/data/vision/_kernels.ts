/**
 * The image kernels of `vision.transforms` on host arrays, following MXNet 1.9's
 * (src/operator/image/*.h, and OpenCV's cv::resize which MXNet calls): float32 arithmetic
 * where MXNet computes in float (each step rounded with Math.fround), and MXNet's
 * `saturate_cast` on stores (uint8: clamp to [0, 255], then the store truncates).
 * Deterministic: random parameters are drawn by the planners (_pipeline.ts).
 * @module
 */
import type { DType } from "../../../core/dtype.ts";
import { resizeInto } from "../../../image/resize.ts";
import { allocHost, type HostArray, type HostData } from "../_host.ts";

const fr = Math.fround;

/** MXNet's `saturate_cast`: uint8 clamps (the typed-array store then truncates). */
export function saturate(dtype: DType): (v: number) => number {
  return dtype === "uint8" ? (v) => (v < 0 ? 0 : v > 255 ? 255 : v) : (v) => v;
}

/** (H, W, C) -> (C, H, W) float32 / 255, per image of a batch too (`_image_to_tensor`). */
export function toTensorInto(x: HostArray, dst: HostData, at: number): void {
  const s = x.shape, batch = s.length === 4 ? s[0] : 1;
  const [h, w, c] = s.slice(-3), hw = h * w, n = hw * c, src = x.data;
  for (let b = 0; b < batch; b++) {
    const o = b * n;
    for (let ch = 0; ch < c; ch++) {
      const to = at + o + ch * hw, from = o + ch;
      for (let i = 0; i < hw; i++) dst[to + i] = src[from + i * c] / 255;
    }
  }
}

export function toTensor(x: HostArray): HostArray {
  const s = x.shape;
  const out = allocHost(
    s.length === 4 ? [s[0], s[3], s[1], s[2]] : [s[2], s[0], s[1]],
    "float32",
  );
  toTensorInto(x, out.data, 0);
  return out;
}

/** (x - mean[c]) / std[c] over (C, H, W) or (N, C, H, W) (`_image_normalize`). */
export function normalizeInto(
  x: HostArray,
  mean: Float32Array,
  std: Float32Array,
  dst: HostData,
  at: number,
): void {
  const s = x.shape, batch = s.length === 4 ? s[0] : 1;
  const [c, h, w] = s.slice(-3), hw = h * w;
  const src = x.data, f32 = x.dtype !== "float64";
  for (let b = 0; b < batch; b++) {
    for (let ch = 0; ch < c; ch++) {
      const m = mean[mean.length === 1 ? 0 : ch], sd = std[std.length === 1 ? 0 : ch];
      const o = (b * c + ch) * hw;
      if (f32) { for (let i = o; i < o + hw; i++) dst[at + i] = fr(src[i] - m) / sd; }
      else for (let i = o; i < o + hw; i++) dst[at + i] = (src[i] - m) / sd;
    }
  }
}

export function normalize(x: HostArray, mean: Float32Array, std: Float32Array): HostArray {
  const out = allocHost(x.shape, x.dtype);
  normalizeInto(x, mean, std, out.data, 0);
  return out;
}

/** Sub-image [y0, y0 + h) x [x0, x0 + w) of (H, W, C) or (N, H, W, C). */
export function crop(x: HostArray, x0: number, y0: number, w: number, h: number): HostArray {
  const s = x.shape, batch = s.length === 4 ? s[0] : 1;
  const [H, W, C] = s.slice(-3);
  const out = allocHost(s.length === 4 ? [batch, h, w, C] : [h, w, C], x.dtype);
  for (let b = 0; b < batch; b++) {
    for (let y = 0; y < h; y++) {
      const from = ((b * H + y0 + y) * W + x0) * C;
      out.data.set(x.data.subarray(from, from + w * C), ((b * h + y) * w) * C);
    }
  }
  return out;
}

/**
 * Resize of (H, W, C) or (N, H, W, C) with OpenCV's INTER_NEAREST (0) or INTER_LINEAR (1),
 * which MXNet's `_image_resize` calls: the arithmetic lives in `mx.image`'s resizer.
 */
export function resize(x: HostArray, w: number, h: number, interp: 0 | 1): HostArray {
  const s = x.shape, batch = s.length === 4 ? s[0] : 1;
  const [H, W, C] = s.slice(-3);
  const out = allocHost(s.length === 4 ? [batch, h, w, C] : [h, w, C], x.dtype);
  resizeInto(x.data, out.data, batch, [H, W, C], h, w, interp);
  return out;
}

/** Mirror along axis 1 (left-right) or 0 (top-bottom) of (H, W, C). */
export function flip(x: HostArray, axis: 0 | 1): HostArray {
  const [H, W, C] = x.shape;
  const out = allocHost(x.shape, x.dtype);
  for (let y = 0; y < H; y++) {
    for (let xx = 0; xx < W; xx++) {
      const from = axis === 1 ? (y * W + W - 1 - xx) * C : ((H - 1 - y) * W + xx) * C;
      out.data.set(x.data.subarray(from, from + C), (y * W + xx) * C);
    }
  }
  return out;
}

/** Each pixel value v -> f(v) in float32, stored with MXNet's saturate_cast. */
function pointwise(x: HostArray, f: (v: number) => number): HostArray {
  const out = allocHost(x.shape, x.dtype), sat = saturate(x.dtype);
  const src = x.data, dst = out.data;
  for (let i = 0; i < src.length; i++) dst[i] = sat(f(fr(src[i])));
  return out;
}

export const LUMA = [fr(0.299), fr(0.587), fr(0.114)];

export function brightness(x: HostArray, alpha: number): HostArray {
  const a = fr(alpha);
  return pointwise(x, (v) => fr(v * a));
}

export function contrast(x: HostArray, alpha: number): HostArray {
  const [H, W, C] = x.shape, n = H * W, src = x.data;
  let sum = 0;
  if (C > 1) {
    for (let l = 0; l < n; l++) {
      for (let c = 0; c < 3; c++) sum = fr(sum + fr(src[l * 3 + c] * LUMA[c]));
    }
  } else {
    for (let l = 0; l < n; l++) sum = fr(sum + src[l]);
  }
  const a = fr(alpha), gray = fr(sum / n), beta = fr(fr(1 - a) * gray);
  return pointwise(x, (v) => fr(fr(v * a) + beta));
}

/**
 * Blends each pixel with its luma: gray * (1 - alpha) + v * alpha. (MXNet 1.9's kernel
 * assigns instead of accumulating the luma sum, so its "gray" is 0.114 * B alone; the
 * operator's documented meaning, a saturation change, is what is computed here.)
 */
export function saturation(x: HostArray, alpha: number): HostArray {
  const [H, W, C] = x.shape;
  const out = allocHost(x.shape, x.dtype);
  if (C === 1) {
    out.data.set(x.data);
    return out;
  }
  const a = fr(alpha), ao = fr(1 - a), sat = saturate(x.dtype), src = x.data, dst = out.data;
  for (let l = 0; l < H * W; l++) {
    const r = src[3 * l], g = src[3 * l + 1], b = src[3 * l + 2];
    const gray = fr(
      fr(fr(fr(r * LUMA[0]) + fr(g * LUMA[1])) + fr(b * LUMA[2])) * ao,
    );
    dst[3 * l] = sat(fr(gray + fr(r * a)));
    dst[3 * l + 1] = sat(fr(gray + fr(g * a)));
    dst[3 * l + 2] = sat(fr(gray + fr(b * a)));
  }
  return out;
}

const HLS_SECTOR = [[1, 3, 0], [1, 0, 2], [3, 0, 1], [0, 2, 1], [0, 1, 3], [2, 1, 0]];
const FLT_EPSILON = 1.1920928955078125e-7;

/** Rotates each pixel's hue by alpha * 360 degrees through HLS (MXNet's AdjustHueImpl). */
export function hue(x: HostArray, alpha: number): HostArray {
  const [H, W, C] = x.shape;
  const out = allocHost(x.shape, x.dtype);
  if (C === 1) {
    out.data.set(x.data);
    return out;
  }
  const sat = saturate(x.dtype), src = x.data, dst = out.data, shift = fr(fr(alpha) * 360);
  const tab = new Float32Array(4);
  for (let l = 0; l < H * W; l++) {
    const r = fr(fr(src[3 * l]) / 255), g = fr(fr(src[3 * l + 1]) / 255);
    const b = fr(fr(src[3 * l + 2]) / 255);
    const vmax = Math.max(r, g, b), vmin = Math.min(r, g, b);
    let diff = fr(vmax - vmin), h = 0, s = 0;
    const lum = fr(fr(vmax + vmin) * 0.5);
    if (diff > FLT_EPSILON) {
      s = lum < 0.5 ? fr(diff / fr(vmax + vmin)) : fr(diff / fr(fr(2 - vmax) - vmin));
      diff = fr(60 / diff);
      if (vmax === r) h = fr(fr(g - b) * diff);
      else if (vmax === g) h = fr(fr(fr(b - r) * diff) + 120);
      else h = fr(fr(fr(r - g) * diff) + 240);
      if (h < 0) h = fr(h + 360);
    }
    h = fr(h + shift);
    let ro = lum, go = lum, bo = lum;
    if (s !== 0) {
      const p2 = lum <= 0.5 ? fr(lum * fr(1 + s)) : fr(fr(lum + s) - fr(lum * s));
      const p1 = fr(fr(2 * lum) - p2);
      h = fr(h * fr(1 / 60));
      while (h < 0) h = fr(h + 6);
      while (h >= 6) h = fr(h - 6);
      const sector = Math.trunc(h);
      h = fr(h - sector);
      tab[0] = p2;
      tab[1] = p1;
      tab[2] = fr(p1 + fr(fr(p2 - p1) * fr(1 - h)));
      tab[3] = fr(p1 + fr(fr(p2 - p1) * h));
      bo = tab[HLS_SECTOR[sector][0]];
      go = tab[HLS_SECTOR[sector][1]];
      ro = tab[HLS_SECTOR[sector][2]];
    }
    dst[3 * l] = sat(fr(ro * 255));
    dst[3 * l + 1] = sat(fr(go * 255));
    dst[3 * l + 2] = sat(fr(bo * 255));
  }
  return out;
}

/** AlexNet-style PCA lighting noise: the eigenvectors scaled by eigenvalue and alpha. */
const EIG = [
  [fr(55.46 * -0.5675), fr(4.794 * 0.7192), fr(1.148 * 0.4009)],
  [fr(55.46 * -0.5808), fr(4.794 * -0.0045), fr(1.148 * -0.8140)],
  [fr(55.46 * -0.5836), fr(4.794 * -0.6948), fr(1.148 * 0.4203)],
];

export function lighting(x: HostArray, alpha: readonly number[]): HostArray {
  const [H, W, C] = x.shape;
  const out = allocHost(x.shape, x.dtype);
  if (C === 1) {
    out.data.set(x.data);
    return out;
  }
  const a = alpha.map(fr);
  const pca = EIG.map((e) => fr(fr(fr(e[0] * a[0]) + fr(e[1] * a[1])) + fr(e[2] * a[2])));
  const sat = saturate(x.dtype), src = x.data, dst = out.data;
  for (let i = 0; i < H * W * 3; i++) dst[i] = sat(fr(fr(src[i]) + pca[i % 3]));
  return out;
}

export function cast(x: HostArray, dtype: DType): HostArray {
  const out = allocHost(x.shape, dtype);
  out.data.set(x.data);
  return out;
}
