/**
 * Image resizing with OpenCV's interpolation methods and sampling geometry (pixel centres
 * aligned, borders replicated), which MXNet's `imresize` calls. Each method is separable:
 * every output column (row) is a weighted sum of a few input columns (rows), its "taps",
 * so one function builds the taps per axis and one applies them.
 *
 * Values are computed in float64 and, for integer images, rounded once at the end; OpenCV
 * rounds 8-bit bilinear and bicubic weights to fixed point, so its results can differ from
 * these by 1.
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

/** Bilinear taps; `area` uses OpenCV's enlarging variant of INTER_AREA. */
function linearTaps(inSize: number, outSize: number, area: boolean): Taps {
  const scale = inSize / outSize;
  const index: Int32Array[] = [];
  const weight: Float64Array[] = [];
  for (let d = 0; d < outSize; d++) {
    let s: number;
    let f: number;
    if (area) {
      s = Math.floor(d * scale);
      f = d + 1 - (s + 1) / scale;
      f = f <= 0 ? 0 : f - Math.floor(f);
    } else {
      const x = (d + 0.5) * scale - 0.5;
      s = Math.floor(x);
      f = x - s;
    }
    if (s < 0) [s, f] = [0, 0];
    if (s >= inSize - 1) [s, f] = [inSize - 1, 0];
    index.push(Int32Array.of(s, clampIndex(s + 1, inSize)));
    weight.push(Float64Array.of(1 - f, f));
  }
  return { index, weight };
}

function nearestTaps(inSize: number, outSize: number): Taps {
  const scale = inSize / outSize;
  const index = Array.from(
    { length: outSize },
    (_, d) => Int32Array.of(Math.min(Math.floor(d * scale), inSize - 1)),
  );
  return { index, weight: index.map(() => Float64Array.of(1)) };
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

function tapsFor(interp: Interp, inSize: number, outSize: number, shrinkBoth: boolean): Taps {
  switch (interp) {
    case 0:
      return nearestTaps(inSize, outSize);
    case 1:
      return linearTaps(inSize, outSize, false);
    case 2:
      // OpenCV averages cells only when neither axis grows; otherwise a bilinear variant.
      return shrinkBoth ? areaTaps(inSize, outSize) : linearTaps(inSize, outSize, true);
    case 3:
      return cubicTaps(inSize, outSize);
  }
}

/** A numeric array an image can be held in. */
export type PixelArray = Uint8Array | Int8Array | Int32Array | Float32Array | Float64Array;

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
  const shrinkBoth = outW <= inW && outH <= inH;
  const xs = tapsFor(interp, inW, outW, shrinkBoth);
  const ys = tapsFor(interp, inH, outH, shrinkBoth);
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
  const out = new (data.constructor as new (n: number) => T)(outH * outW * channels);
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
  return out;
}
