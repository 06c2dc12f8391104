/**
 * Sliding-window kernels: im2col / col2im and 2-D pooling with its gradient, semantics
 * as documented on `Kernels` in backends/backend.ts (the direct convolution is in
 * k_conv2d.ts). The adjoints (col2im, poolBackward) are gathers: each x element sums what
 * lands on it, so no float atomics are needed and results are deterministic.
 * @module
 */
import { type PoolParams, type Window2D, windowFields } from "../backend.ts";
import type { GpuBuffer, GpuDevice, Pass } from "./device.ts";
import {
  entry1d,
  flatIndex,
  type GpuDType,
  loadF32,
  prelude,
  storageType,
  storeFromF32,
} from "./wgsl.ts";

/** Invocations per workgroup of the window kernels. */
export const WG = 256;

/** The window geometry as the shaders read it: P[0] = total invocations, then P[1..14]. */
export function params(p: Window2D, total: number, extra: number[] = []): Uint32Array<ArrayBuffer> {
  return new Uint32Array([total, ...windowFields(p), ...extra]);
}

/** WGSL unpacking `params` into N, C, H, W, KH, KW, SH, SW, PH, PW, DH, DW, OH, OW. */
export const UNPACK = `let N = i32(P[1]); let C = i32(P[2]); let H = i32(P[3]); let W = i32(P[4]);
  let KH = i32(P[5]); let KW = i32(P[6]); let SH = i32(P[7]); let SW = i32(P[8]);
  let PH = i32(P[9]); let PW = i32(P[10]); let DH = i32(P[11]); let DW = i32(P[12]);
  let OH = i32(P[13]); let OW = i32(P[14]);
  _ = N; _ = C; _ = H; _ = W; _ = KH; _ = KW; _ = SH; _ = SW; _ = PH; _ = PW; _ = DH; _ = DW;
  _ = OH; _ = OW;`;

/** A one-invocation-per-element window shader over `bindings` (P is bound last). */
export function shader(dts: GpuDType[], bindings: string[], body: string, extraFns = ""): string {
  const decls = bindings.map((b, i) => `@group(0) @binding(${i}) ${b}`).join("\n");
  return `${prelude(dts)}
${decls}
@group(0) @binding(${bindings.length}) var<storage, read> P: array<u32>;
${extraFns}
${entry1d(WG)} {
  let e = ${flatIndex(WG)};
  if (e >= P[0]) { return; }
  ${UNPACK}
  ${body}
}`;
}

/** im2col: one invocation per column element. */
export function im2colPass(dev: GpuDevice, x: GpuBuffer, col: GpuBuffer, p: Window2D): Pass | null {
  if (col.size === 0) return null;
  const body = `var r = i32(e);
  let ow = r % OW; r = r / OW; let oh = r % OH; r = r / OH; let n = r % N; r = r / N;
  let j = r % KW; r = r / KW; let i = r % KH; let c = r / KH;
  let ih = oh * SH - PH + i * DH; let iw = ow * SW - PW + j * DW;
  var v = 0.0;
  if (ih >= 0 && ih < H && iw >= 0 && iw < W) { v = ${
    loadF32(x.dtype, "X", "u32(((n * C + c) * H + ih) * W + iw)")
  }; }
  O[e] = ${storeFromF32(col.dtype, "v")};`;
  return {
    key: `im2col|${x.dtype}|${col.dtype}`,
    code: () =>
      shader([x.dtype, col.dtype], [
        `var<storage, read> X: array<${storageType(x.dtype)}>;`,
        `var<storage, read_write> O: array<${storageType(col.dtype)}>;`,
      ], body),
    buffers: [dev.mem(x), dev.mem(col)],
    params: params(p, col.size),
    groups: [Math.ceil(col.size / WG)],
  };
}

/** col2im: one invocation per image element, summing its taps in (i, j) order. */
export function col2imPass(dev: GpuDevice, col: GpuBuffer, x: GpuBuffer, p: Window2D): Pass | null {
  if (x.size === 0) return null;
  const body = `var r = i32(e);
  let w = r % W; r = r / W; let h = r % H; r = r / H; let c = r % C; let n = r / C;
  var acc = 0.0;
  for (var i = 0; i < KH; i++) {
    let th = h + PH - i * DH;
    if (th < 0 || th % SH != 0 || th / SH >= OH) { continue; }
    let oh = th / SH;
    for (var j = 0; j < KW; j++) {
      let tw = w + PW - j * DW;
      if (tw < 0 || tw % SW != 0 || tw / SW >= OW) { continue; }
      let ow = tw / SW;
      acc += ${
    loadF32(col.dtype, "CO", "u32(((((c * KH + i) * KW + j) * N + n) * OH + oh) * OW + ow)")
  };
    }
  }
  O[e] = ${storeFromF32(x.dtype, "acc")};`;
  return {
    key: `col2im|${col.dtype}|${x.dtype}`,
    code: () =>
      shader([x.dtype, col.dtype], [
        `var<storage, read> CO: array<${storageType(col.dtype)}>;`,
        `var<storage, read_write> O: array<${storageType(x.dtype)}>;`,
      ], body),
    buffers: [dev.mem(col), dev.mem(x)],
    params: params(p, x.size),
    groups: [Math.ceil(x.size / WG)],
  };
}

/** Window bounds of output (oh, ow) as MXNet computes them (see Kernels.pool). */
const WINDOW = `
struct Win { hs: i32, he: i32, ws: i32, we: i32, div: f32 }
fn window(oh: i32, ow: i32) -> Win {
  let H = i32(P[3]); let W = i32(P[4]);
  var hs = oh * i32(P[7]) - i32(P[9]);
  var he = min(hs + i32(P[5]), H + i32(P[9]));
  let sizeH = he - hs;
  hs = max(hs, 0); he = min(he, H);
  var ws = ow * i32(P[8]) - i32(P[10]);
  var we = min(ws + i32(P[6]), W + i32(P[10]));
  let sizeW = we - ws;
  ws = max(ws, 0); we = min(we, W);
  let clipped = max(0, he - hs) * max(0, we - ws);
  var div = 1.0;
  if (P[15] == 1u) { div = f32(select(clipped, sizeH * sizeW, P[16] != 0u)); }
  return Win(hs, he, ws, we, div);
}`;

const POOL_TYPE = { max: 0, avg: 1, sum: 2 } as const;

/** pool: one invocation per output window. */
export function poolPass(dev: GpuDevice, x: GpuBuffer, out: GpuBuffer, p: PoolParams): Pass | null {
  if (out.size === 0) return null;
  const body = `var r = i32(e);
  let ow = r % OW; r = r / OW; let oh = r % OH; let pl = r / OH;
  let base = pl * H * W;
  let win = window(oh, ow);
  var v = 0.0;
  if (P[15] == 0u) {
    v = -f32_inf();
    for (var h = win.hs; h < win.he; h++) {
      for (var w = win.ws; w < win.we; w++) {
        let t = ${loadF32(x.dtype, "X", "u32(base + h * W + w)")};
        if (!is_nan(v) && (is_nan(t) || t > v)) { v = t; }
      }
    }
  } else {
    for (var h = win.hs; h < win.he; h++) {
      for (var w = win.ws; w < win.we; w++) { v += ${
    loadF32(x.dtype, "X", "u32(base + h * W + w)")
  }; }
    }
    v = select(v / win.div, 0.0, win.div == 0.0);
  }
  O[e] = ${storeFromF32(out.dtype, "v")};`;
  return {
    key: `pool|${x.dtype}|${out.dtype}`,
    code: () =>
      shader(
        [x.dtype, out.dtype],
        [
          `var<storage, read> X: array<${storageType(x.dtype)}>;`,
          `var<storage, read_write> O: array<${storageType(out.dtype)}>;`,
        ],
        body,
        WINDOW,
      ),
    buffers: [dev.mem(x), dev.mem(out)],
    params: params(p, out.size, [POOL_TYPE[p.type], p.countIncludePad ? 1 : 0]),
    groups: [Math.ceil(out.size / WG)],
  };
}

/**
 * poolBackward: one invocation per x element, visiting (in output order) the windows
 * whose clipped range contains it. max gives the gradient to the window's first maximum,
 * found as the TS backend finds it.
 */
export function poolBackwardPass(
  dev: GpuDevice,
  x: GpuBuffer,
  gy: GpuBuffer,
  gx: GpuBuffer,
  p: PoolParams,
): Pass | null {
  if (gx.size === 0) return null;
  const body = `var r = i32(e);
  let w = r % W; r = r / W; let h = r % H; let pl = r / H;
  let base = pl * H * W;
  let me = i32(e);
  let loH = h + PH - KH + 1; let loW = w + PW - KW + 1;
  let oh0 = select(0, (loH + SH - 1) / SH, loH > 0);
  let ow0 = select(0, (loW + SW - 1) / SW, loW > 0);
  let oh1 = min(OH - 1, (h + PH) / SH);
  let ow1 = min(OW - 1, (w + PW) / SW);
  var acc = 0.0;
  for (var oh = oh0; oh <= oh1; oh++) {
    for (var ow = ow0; ow <= ow1; ow++) {
      let win = window(oh, ow);
      if (h < win.hs || h >= win.he || w < win.ws || w >= win.we) { continue; }
      let g = ${loadF32(gy.dtype, "GY", "u32((pl * OH + oh) * OW + ow)")};
      if (P[15] == 0u) {
        var m = 0.0; var at = -1;
        for (var hh = win.hs; hh < win.he; hh++) {
          for (var ww = win.ws; ww < win.we; ww++) {
            let t = ${loadF32(x.dtype, "X", "u32(base + hh * W + ww)")};
            if (at < 0 || t > m) { m = t; at = base + hh * W + ww; }
          }
        }
        if (at == me) { acc += g; }
      } else if (win.div != 0.0) {
        acc += g / win.div;
      }
    }
  }
  O[e] = ${storeFromF32(gx.dtype, "acc")};`;
  return {
    key: `poolBackward|${x.dtype}|${gy.dtype}|${gx.dtype}`,
    code: () =>
      shader(
        [x.dtype, gy.dtype, gx.dtype],
        [
          `var<storage, read> X: array<${storageType(x.dtype)}>;`,
          `var<storage, read> GY: array<${storageType(gy.dtype)}>;`,
          `var<storage, read_write> O: array<${storageType(gx.dtype)}>;`,
        ],
        body,
        WINDOW,
      ),
    buffers: [dev.mem(x), dev.mem(gy), dev.mem(gx)],
    params: params(p, gx.size, [POOL_TYPE[p.type], p.countIncludePad ? 1 : 0]),
    groups: [Math.ceil(gx.size / WG)],
  };
}
