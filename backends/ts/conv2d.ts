/**
 * Direct 2-D convolution kernels of the `ts` backend (semantics on `Kernels.conv2d` in
 * backends/backend.ts): per image, the image's columns are unfolded into a small scratch
 * matrix [C*kH*kW, outH*outW] and each group is one GEMM writing straight into the NCHW
 * output, so the whole batch's columns never exist at once.
 * @module
 */
import { MXNetError } from "../../src/core/errors.ts";
import type { Conv2D } from "../backend.ts";
import { col2im, im2col } from "./conv.ts";
import { type FloatArray, gemm, gemmGeneric, type NumericArray } from "./gemm.ts";

/** The float compute arrays these kernels accept (Float16Array included). */
type Floats = Float32Array | Float64Array | Float16Array;

interface Dims {
  /** Channels, filters per group. */
  cg: number;
  mg: number;
  /** Taps per channel (kH*kW), output pixels per image (outH*outW). */
  taps: number;
  pixels: number;
  /** Elements per image of x, of y. */
  xImage: number;
  yImage: number;
  /** The geometry of one image (batch 1), for im2col / col2im. */
  one: Conv2D;
}

function dims(p: Conv2D): Dims {
  const taps = p.kernelH * p.kernelW, pixels = p.outH * p.outW;
  return {
    cg: p.channels / p.groups,
    mg: p.filters / p.groups,
    taps,
    pixels,
    xImage: p.channels * p.height * p.width,
    yImage: p.filters * pixels,
    one: { ...p, batch: 1 },
  };
}

function floats(what: string, a: unknown): Floats {
  if (a instanceof Float32Array || a instanceof Float64Array || a instanceof Float16Array) {
    return a;
  }
  throw new MXNetError(
    `${what}: dtype ${
      (a as object).constructor.name.replace("Array", "").toLowerCase()
    } is not supported (convolution takes float16, float32 or float64)`,
  );
}

/** Scratch columns for one image: float32 for float32 data (the fast GEMM), else float64. */
function scratch(like: Floats, n: number): FloatArray {
  return like instanceof Float32Array ? new Float32Array(n) : new Float64Array(n);
}

/** `c = op(a) · op(b)` (or `+=`), through the packed GEMM when every operand allows it. */
function mm(
  a: Floats | FloatArray,
  aOff: number,
  b: Floats | FloatArray,
  bOff: number,
  c: Floats | FloatArray,
  cOff: number,
  m: number,
  n: number,
  k: number,
  transA: boolean,
  transB: boolean,
  accumulate: boolean,
): void {
  const fast = (x: unknown) => x instanceof Float32Array || x instanceof Float64Array;
  if (fast(a) && fast(b) && fast(c)) {
    gemm(
      a as FloatArray,
      aOff,
      b as FloatArray,
      bOff,
      c as FloatArray,
      cOff,
      m,
      n,
      k,
      transA,
      transB,
      accumulate,
    );
  } else {
    gemmGeneric(
      a as NumericArray,
      aOff,
      b as NumericArray,
      bOff,
      c as NumericArray,
      cOff,
      m,
      n,
      k,
      transA,
      transB,
      accumulate,
    );
  }
}

/** `Kernels.conv2d`. */
export function conv2d(xa: unknown, wa: unknown, ya: unknown, p: Conv2D): void {
  const x = floats("conv2d", xa), w = floats("conv2d", wa), y = floats("conv2d", ya);
  const d = dims(p);
  const col = scratch(x, p.channels * d.taps * d.pixels);
  const rows = d.cg * d.taps;
  for (let n = 0; n < p.batch; n++) {
    im2col(x.subarray(n * d.xImage, (n + 1) * d.xImage), col, d.one);
    for (let g = 0; g < p.groups; g++) {
      mm(
        w,
        g * d.mg * rows,
        col,
        g * rows * d.pixels,
        y,
        n * d.yImage + g * d.mg * d.pixels,
        d.mg,
        d.pixels,
        rows,
        false,
        false,
        false,
      );
    }
  }
}

/** `Kernels.conv2dBackwardData`. */
export function conv2dBackwardData(gya: unknown, wa: unknown, gxa: unknown, p: Conv2D): void {
  const gy = floats("conv2dBackwardData", gya), w = floats("conv2dBackwardData", wa);
  const gx = floats("conv2dBackwardData", gxa);
  const d = dims(p);
  const col = scratch(gy, p.channels * d.taps * d.pixels);
  const rows = d.cg * d.taps;
  for (let n = 0; n < p.batch; n++) {
    for (let g = 0; g < p.groups; g++) {
      // Columns of group g: W_g^T [rows, mg] · gy_n,g [mg, pixels].
      mm(
        w,
        g * d.mg * rows,
        gy,
        n * d.yImage + g * d.mg * d.pixels,
        col,
        g * rows * d.pixels,
        rows,
        d.pixels,
        d.mg,
        true,
        false,
        false,
      );
    }
    col2im(col, gx.subarray(n * d.xImage, (n + 1) * d.xImage), d.one);
  }
}

/** `Kernels.conv2dBackwardWeight`: sums over the batch in float64, rounded once. */
export function conv2dBackwardWeight(xa: unknown, gya: unknown, gwa: unknown, p: Conv2D): void {
  const x = floats("conv2dBackwardWeight", xa), gy = floats("conv2dBackwardWeight", gya);
  const gw = floats("conv2dBackwardWeight", gwa);
  const d = dims(p);
  const col = scratch(x, p.channels * d.taps * d.pixels);
  const acc = new Float64Array(gw.length);
  const rows = d.cg * d.taps;
  for (let n = 0; n < p.batch; n++) {
    im2col(x.subarray(n * d.xImage, (n + 1) * d.xImage), col, d.one);
    for (let g = 0; g < p.groups; g++) {
      // gw_g [mg, rows] += gy_n,g [mg, pixels] · col_g^T [pixels, rows].
      mm(
        gy,
        n * d.yImage + g * d.mg * d.pixels,
        col,
        g * rows * d.pixels,
        acc,
        g * d.mg * rows,
        d.mg,
        rows,
        d.pixels,
        false,
        true,
        true,
      );
    }
  }
  gw.set(acc);
}
