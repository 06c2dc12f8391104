/**
 * Sliding-window kernels of the `ts` backend: im2col / col2im (convolution through GEMM)
 * and 2-D pooling with its gradient. Semantics are documented on `Kernels` in
 * backends/backend.ts.
 * @module
 */
import type { PoolParams, Window2D } from "../backend.ts";

/** A numeric typed array (every non-BigInt compute array). */
type Arr = {
  [i: number]: number;
  readonly length: number;
  fill(v: number, start?: number, end?: number): unknown;
};

/** `col[c, i, j, n, oh, ow] = x[n, c, oh*sH - pH + i*dH, ow*sW - pW + j*dW]` (0 in padding). */
export function im2col(x: Arr, col: Arr, p: Window2D): void {
  const { batch: N, channels: C, height: H, width: W, outH: OH, outW: OW } = p;
  const plane = H * W;
  let dst = 0;
  for (let c = 0; c < C; c++) {
    for (let i = 0; i < p.kernelH; i++) {
      for (let j = 0; j < p.kernelW; j++) {
        const dh = i * p.dilateH - p.padH, dw = j * p.dilateW - p.padW;
        // The ow range whose input column lies inside the image, so the inner loop has no test.
        const owLo = Math.min(OW, Math.max(0, Math.ceil(-dw / p.strideW)));
        const owHi = Math.max(owLo, Math.min(OW, Math.ceil((W - dw) / p.strideW)));
        for (let n = 0; n < N; n++) {
          const base = (n * C + c) * plane;
          for (let oh = 0; oh < OH; oh++) {
            const ih = oh * p.strideH + dh;
            if (ih < 0 || ih >= H) {
              col.fill(0, dst, dst + OW);
              dst += OW;
              continue;
            }
            const row = base + ih * W + dw;
            if (owLo > 0) col.fill(0, dst, dst + owLo);
            for (let ow = owLo; ow < owHi; ow++) col[dst + ow] = x[row + ow * p.strideW];
            if (owHi < OW) col.fill(0, dst + owHi, dst + OW);
            dst += OW;
          }
        }
      }
    }
  }
}

/** The adjoint of `im2col`: x is zeroed, then each col element is added where it came from. */
export function col2im(col: Arr, x: Arr, p: Window2D): void {
  const { batch: N, channels: C, height: H, width: W, outH: OH, outW: OW } = p;
  const plane = H * W;
  x.fill(0);
  let src = 0;
  for (let c = 0; c < C; c++) {
    for (let i = 0; i < p.kernelH; i++) {
      for (let j = 0; j < p.kernelW; j++) {
        const dh = i * p.dilateH - p.padH, dw = j * p.dilateW - p.padW;
        const owLo = Math.min(OW, Math.max(0, Math.ceil(-dw / p.strideW)));
        const owHi = Math.max(owLo, Math.min(OW, Math.ceil((W - dw) / p.strideW)));
        for (let n = 0; n < N; n++) {
          const base = (n * C + c) * plane;
          for (let oh = 0; oh < OH; oh++, src += OW) {
            const ih = oh * p.strideH + dh;
            if (ih < 0 || ih >= H) continue;
            const row = base + ih * W + dw;
            for (let ow = owLo; ow < owHi; ow++) x[row + ow * p.strideW] += col[src + ow];
          }
        }
      }
    }
  }
}

/** Calls `f(outIndex, hs, he, ws, we, divisor)` for every output window of `p`. */
function eachWindow(
  p: PoolParams,
  f: (o: number, base: number, hs: number, he: number, ws: number, we: number, div: number) => void,
): void {
  const { height: H, width: W, outH: OH, outW: OW } = p;
  const planes = p.batch * p.channels;
  let o = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * H * W;
    for (let oh = 0; oh < OH; oh++) {
      let hs = oh * p.strideH - p.padH;
      let he = Math.min(hs + p.kernelH, H + p.padH);
      const sizeH = he - hs;
      hs = Math.max(hs, 0);
      he = Math.min(he, H);
      for (let ow = 0; ow < OW; ow++, o++) {
        let ws = ow * p.strideW - p.padW;
        let we = Math.min(ws + p.kernelW, W + p.padW);
        const sizeW = we - ws;
        ws = Math.max(ws, 0);
        we = Math.min(we, W);
        const clipped = Math.max(0, he - hs) * Math.max(0, we - ws);
        const div = p.type !== "avg" ? 1 : p.countIncludePad ? sizeH * sizeW : clipped;
        f(o, base, hs, he, ws, we, div);
      }
    }
  }
}

/** 2-D max/avg/sum pooling (see `Kernels.pool`). */
export function pool(x: Arr, out: Arr, p: PoolParams): void {
  const W = p.width;
  if (p.type === "max") {
    eachWindow(p, (o, base, hs, he, ws, we) => {
      let m = -Infinity;
      for (let h = hs; h < he; h++) {
        for (let w = ws; w < we; w++) {
          const v = x[base + h * W + w];
          if (v > m || v !== v) m = v;
        }
      }
      out[o] = m;
    });
    return;
  }
  eachWindow(p, (o, base, hs, he, ws, we, div) => {
    let s = 0;
    for (let h = hs; h < he; h++) for (let w = ws; w < we; w++) s += x[base + h * W + w];
    out[o] = div === 0 ? 0 : s / div;
  });
}

/** The gradient of `pool` (see `Kernels.poolBackward`). */
export function poolBackward(x: Arr, gy: Arr, gx: Arr, p: PoolParams): void {
  const W = p.width;
  gx.fill(0);
  if (p.type === "max") {
    eachWindow(p, (o, base, hs, he, ws, we) => {
      let m = -Infinity, at = -1;
      for (let h = hs; h < he; h++) {
        for (let w = ws; w < we; w++) {
          const v = x[base + h * W + w];
          if (at < 0 || v > m) {
            m = v;
            at = base + h * W + w;
          }
        }
      }
      if (at >= 0) gx[at] += gy[o];
    });
    return;
  }
  eachWindow(p, (o, base, hs, he, ws, we, div) => {
    if (div === 0) return;
    const g = gy[o] / div;
    for (let h = hs; h < he; h++) for (let w = ws; w < we; w++) gx[base + h * W + w] += g;
  });
}
