/**
 * Image resizing with OpenCV's interpolation methods and sampling geometry (pixel centres
 * aligned, borders replicated), which MXNet's `imresize` calls. Each method is separable:
 * every output column (row) is a weighted sum of a few input columns (rows), its "taps",
 * so one function builds the taps per axis and one applies them.
 *
 * Bilinear (and INTER_AREA when enlarging, a bilinear with other weights) follows OpenCV's
 * arithmetic exactly: uint8 through fixed-point weights (11 bits per pass, rounded at the
 * end), float32 in float32. Area shrinking and bicubic are computed in float64 and, for
 * integer images, rounded once at the end; OpenCV's fixed-point bicubic can differ by 1.
 * `gluon.data.vision.transforms` resizes through these functions too.
 * @module
 */
import { ParamError, UnsupportedError } from "../core/errors.ts";

/**
 * OpenCV's interpolation flags as MXNet numbers them: 0 nearest, 1 bilinear, 2 area,
 * 3 bicubic (4, Lanczos, is not available here).
 */
export type Interp = 0 | 1 | 2 | 3;

/** For each output position along one axis: input indices and their weights. */
interface Taps {
  readonly index: Int32Array[];
  readonly weight: Float64Array[];
}

function clampIndex(i: number, n: number): number {
  return i < 0 ? 0 : i >= n ? n - 1 : i;
}

const fr = Math.fround;

/** Two source indices and their weights per output position (bilinear-style). */
interface TwoTaps {
  readonly i0: Int32Array;
  readonly i1: Int32Array;
  readonly w0: Float32Array;
  readonly w1: Float32Array;
}

/**
 * Source indices and weights along one axis as OpenCV's INTER_LINEAR computes them (in
 * float), or with `area` its INTER_AREA variant for enlarging.
 */
function twoTaps(src: number, dst: number, clampLow: boolean, area: boolean): TwoTaps {
  // OpenCV: scale = 1 / (dst / src), in double.
  const scale = 1 / (dst / src);
  const i0 = new Int32Array(dst), i1 = new Int32Array(dst);
  const w0 = new Float32Array(dst), w1 = new Float32Array(dst);
  for (let d = 0; d < dst; d++) {
    let s: number;
    let f: number;
    if (area) {
      s = Math.floor(d * scale);
      f = fr(d + 1 - (s + 1) * (dst / src));
      f = f <= 0 ? 0 : fr(f - Math.floor(f));
    } else {
      f = fr((d + 0.5) * scale - 0.5);
      s = Math.floor(f);
      f = fr(f - s);
    }
    // OpenCV clamps the column taps to the border; rows are clamped by index only.
    if (clampLow && s < 0) [f, s] = [0, 0];
    if (clampLow && s >= src - 1) [f, s] = [0, src - 1];
    i0[d] = Math.min(Math.max(s, 0), src - 1);
    i1[d] = Math.min(Math.max(s + 1, 0), src - 1);
    w0[d] = fr(1 - f);
    w1[d] = f;
  }
  return { i0, i1, w0, w1 };
}

/** OpenCV's cvRound(weight * 2048): ties to even, as lrint. */
function fixedWeight(v: number): number {
  const t = v * 2048, r = Math.round(t);
  return r - t === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Bilinear resampling of `batch` images `H x W x C` into `out` (`batch x h x w x C`) with
 * OpenCV's arithmetic: uint8 in fixed point, float32 in float32, others in float64.
 */
function resizeTwoTaps(
  src: PixelArray,
  out: PixelArray,
  batch: number,
  [H, W, C]: readonly number[],
  w: number,
  h: number,
  area: boolean,
): void {
  const cx = twoTaps(W, w, true, area), cy = twoTaps(H, h, false, area);
  const fixed = src instanceof Uint8Array, f32 = src instanceof Float32Array;
  const ax0 = cx.w0.map(fixedWeight), ax1 = cx.w1.map(fixedWeight);
  const by0 = cy.w0.map(fixedWeight), by1 = cy.w1.map(fixedWeight);
  const row0 = new Float64Array(w * C), row1 = new Float64Array(w * C);
  const hpass = (rowBase: number, into: Float64Array) => {
    for (let dx = 0; dx < w; dx++) {
      const p0 = rowBase + cx.i0[dx] * C, p1 = rowBase + cx.i1[dx] * C;
      for (let c = 0; c < C; c++) {
        const a = src[p0 + c], b = src[p1 + c];
        into[dx * C + c] = fixed
          ? a * ax0[dx] + b * ax1[dx]
          : f32
          ? fr(fr(a * cx.w0[dx]) + fr(b * cx.w1[dx]))
          : a * cx.w0[dx] + b * cx.w1[dx];
      }
    }
  };
  const range = saturation(src);
  for (let b = 0; b < batch; b++) {
    for (let dy = 0; dy < h; dy++) {
      hpass((b * H + cy.i0[dy]) * W * C, row0);
      hpass((b * H + cy.i1[dy]) * W * C, row1);
      const o = ((b * h + dy) * w) * C;
      for (let k = 0; k < w * C; k++) {
        if (fixed) {
          const v = Math.floor((row0[k] * by0[dy] + row1[k] * by1[dy] + 2097152) / 4194304);
          out[o + k] = v < 0 ? 0 : v > 255 ? 255 : v;
        } else if (f32) {
          out[o + k] = fr(row0[k] * cy.w0[dy]) + fr(row1[k] * cy.w1[dy]);
        } else if (range !== null) {
          const v = Math.round(row0[k] * cy.w0[dy] + row1[k] * cy.w1[dy]);
          out[o + k] = v < range[0] ? range[0] : v > range[1] ? range[1] : v;
        } else {
          out[o + k] = row0[k] * cy.w0[dy] + row1[k] * cy.w1[dy];
        }
      }
    }
  }
}

/** Nearest-neighbour resampling as OpenCV's INTER_NEAREST (batch of HWC images). */
function resizeNearest(
  src: PixelArray,
  out: PixelArray,
  batch: number,
  [H, W, C]: readonly number[],
  w: number,
  h: number,
): void {
  // OpenCV: index floor(d * (1 / (dst / src))), in double.
  const fx = 1 / (w / W), fy = 1 / (h / H);
  const ix = Array.from({ length: w }, (_, d) => Math.min(Math.floor(d * fx), W - 1));
  for (let b = 0; b < batch; b++) {
    for (let dy = 0; dy < h; dy++) {
      const sy = Math.min(Math.floor(dy * fy), H - 1);
      for (let dx = 0; dx < w; dx++) {
        const from = ((b * H + sy) * W + ix[dx]) * C, to = ((b * h + dy) * w + dx) * C;
        out.set(src.subarray(from, from + C), to);
      }
    }
  }
}

/** OpenCV's bicubic kernel (a = -0.75) over 4 neighbours. */
function cubicTaps(inSize: number, outSize: number): Taps {
  const scale = inSize / outSize;
  const A = -0.75;
  const index: Int32Array[] = [];
  const weight: Float64Array[] = [];
  for (let d = 0; d < outSize; d++) {
    const x = (d + 0.5) * scale - 0.5;
    const s = Math.floor(x);
    const f = x - s;
    const c0 = ((A * (f + 1) - 5 * A) * (f + 1) + 8 * A) * (f + 1) - 4 * A;
    const c1 = ((A + 2) * f - (A + 3)) * f * f + 1;
    const c2 = ((A + 2) * (1 - f) - (A + 3)) * (1 - f) * (1 - f) + 1;
    index.push(Int32Array.from([s - 1, s, s + 1, s + 2], (i) => clampIndex(i, inSize)));
    weight.push(Float64Array.of(c0, c1, c2, 1 - c0 - c1 - c2));
  }
  return { index, weight };
}

/** INTER_AREA when shrinking: each output averages the input cells it covers. */
function areaTaps(inSize: number, outSize: number): Taps {
  const scale = inSize / outSize;
  const index: Int32Array[] = [];
  const weight: Float64Array[] = [];
  for (let d = 0; d < outSize; d++) {
    const f1 = d * scale;
    const f2 = f1 + scale;
    const s1 = Math.ceil(f1);
    const s2 = Math.floor(f2);
    const cell = Math.min(scale, inSize - f1);
    const idx: number[] = [];
    const w: number[] = [];
    // Partial cells at the two ends count by their covered fraction (OpenCV ignores
    // slivers under 1e-3).
    const tap = (i: number, weightOf: number): void => {
      idx.push(i);
      w.push(weightOf / cell);
    };
    if (s1 - f1 > 1e-3) tap(s1 - 1, s1 - f1);
    for (let s = s1; s < s2; s++) tap(s, 1);
    if (f2 - s2 > 1e-3 && s2 < inSize) tap(s2, Math.min(f2 - s2, 1));
    index.push(Int32Array.from(idx));
    weight.push(Float64Array.from(w));
  }
  return { index, weight };
}

/** A numeric array an image can be held in. */
export type PixelArray =
  | Uint8Array
  | Int8Array
  | Int32Array
  | Float16Array
  | Float32Array
  | Float64Array;

/** The ranges of integer element types, to saturate into (OpenCV's `saturate_cast`). */
function saturation(data: PixelArray): [number, number] | null {
  if (data instanceof Uint8Array) return [0, 255];
  if (data instanceof Int8Array) return [-128, 127];
  if (data instanceof Int32Array) return [-(2 ** 31), 2 ** 31 - 1];
  return null;
}

/** Checks an interpolation flag, naming `where`. */
export function checkInterp(interp: number, where: string): Interp {
  if (interp === 4) {
    throw new UnsupportedError(`${where}: interp 4 (Lanczos) is not available; use 0..3`);
  }
  if (interp !== 0 && interp !== 1 && interp !== 2 && interp !== 3) {
    throw new ParamError(
      `${where}: interp must be 0 (nearest), 1 (bilinear), 2 (area) or 3 (bicubic), got ${interp}`,
    );
  }
  return interp;
}

/**
 * Resizes `batch` images `inH x inW x channels` (row-major, interleaved) to `outH x outW`
 * into `out` (`batch x outH x outW x channels`).
 * @ignore
 */
export function resizeInto(
  data: PixelArray,
  out: PixelArray,
  batch: number,
  shape: readonly [number, number, number],
  outH: number,
  outW: number,
  interp: Interp,
): void {
  const [inH, inW] = shape;
  // OpenCV averages cells (INTER_AREA proper) only when neither axis grows.
  const shrinkBoth = outW <= inW && outH <= inH;
  if (interp === 0) return resizeNearest(data, out, batch, shape, outW, outH);
  if (interp === 1 || (interp === 2 && !shrinkBoth)) {
    return resizeTwoTaps(data, out, batch, shape, outW, outH, interp === 2);
  }
  const xs = interp === 2 ? areaTaps(inW, outW) : cubicTaps(inW, outW);
  const ys = interp === 2 ? areaTaps(inH, outH) : cubicTaps(inH, outH);
  const size = inH * inW * shape[2], outSize = outH * outW * shape[2];
  for (let b = 0; b < batch; b++) {
    separable(
      data.subarray(b * size, (b + 1) * size),
      out.subarray(b * outSize, (b + 1) * outSize),
      inH,
      inW,
      shape[2],
      xs,
      ys,
    );
  }
}

/**
 * Resizes an `inH x inW x channels` image (row-major, interleaved) to `outH x outW`.
 * Returns an array of the input's type.
 */
export function resizePixels<T extends PixelArray>(
  data: T,
  inH: number,
  inW: number,
  channels: number,
  outH: number,
  outW: number,
  interp: Interp,
): T {
  const out = new (data.constructor as new (n: number) => T)(outH * outW * channels);
  resizeInto(data, out, 1, [inH, inW, channels], outH, outW, interp);
  return out;
}

/** Applies per-axis taps (any count) to one image, in float64, rounding integer types. */
function separable(
  data: PixelArray,
  out: PixelArray,
  inH: number,
  inW: number,
  channels: number,
  xs: Taps,
  ys: Taps,
): void {
  const outW = xs.index.length, outH = ys.index.length;
  // Pass 1: along rows, into float64.
  const tmp = new Float64Array(inH * outW * channels);
  for (let y = 0; y < inH; y++) {
    const row = y * inW * channels;
    for (let x = 0; x < outW; x++) {
      const idx = xs.index[x];
      const w = xs.weight[x];
      const o = (y * outW + x) * channels;
      for (let k = 0; k < idx.length; k++) {
        const src = row + idx[k] * channels;
        for (let c = 0; c < channels; c++) tmp[o + c] += w[k] * data[src + c];
      }
    }
  }
  // Pass 2: along columns, then round and saturate integer types.
  const range = saturation(data);
  const acc = new Float64Array(outW * channels);
  for (let y = 0; y < outH; y++) {
    acc.fill(0);
    const idx = ys.index[y];
    const w = ys.weight[y];
    for (let k = 0; k < idx.length; k++) {
      const src = idx[k] * outW * channels;
      for (let i = 0; i < acc.length; i++) acc[i] += w[k] * tmp[src + i];
    }
    const o = y * outW * channels;
    if (range === null) {
      out.set(acc, o);
    } else {
      for (let i = 0; i < acc.length; i++) {
        const v = Math.round(acc[i]);
        out[o + i] = v < range[0] ? range[0] : v > range[1] ? range[1] : v;
      }
    }
  }
}
