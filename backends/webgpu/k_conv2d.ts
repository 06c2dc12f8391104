/**
 * Direct grouped 2-D convolution with both gradients (`Kernels.conv2d`,
 * `conv2dBackwardData`, `conv2dBackwardWeight` in backends/backend.ts). The data adjoint is
 * a gather (each x element sums what lands on it), so no float atomics are needed and
 * results are deterministic.
 * @module
 */
import type { Conv2D } from "../backend.ts";
import { UnsupportedError } from "../../src/core/errors.ts";
import type { GpuBuffer, GpuDevice, Pass } from "./device.ts";
import { params, shader, UNPACK, WG } from "./k_conv.ts";
import { entry1d, flatIndex, loadF32, prelude, storageType, storeFromF32 } from "./wgsl.ts";

/**
 * The direct convolution kernels compute in f32 (float16 buffers widen on load and round
 * on store); other dtypes throw. Called before the kernel is queued, so the op fails
 * synchronously.
 */
export function checkConvDTypes(kernel: string, bufs: readonly GpuBuffer[]): void {
  for (const b of bufs) {
    if (b.dtype !== "float32" && b.dtype !== "float16") {
      throw new UnsupportedError(
        `webgpu ${kernel} on gpu(${b.deviceId}): dtype ${b.dtype} is not supported ` +
          `(float32 and float16 only); cast with .astype("float32")`,
      );
    }
  }
}

/** Window params plus [filters, groups] at P[15], P[16]. */
function convParams(p: Conv2D, total: number): Uint32Array<ArrayBuffer> {
  return params(p, total, [p.filters, p.groups]);
}

const CONV_UNPACK = `let M = i32(P[15]); let G = i32(P[16]);
  let Cg = C / G; let Mg = M / G;`;

/**
 * The half-open range [lo, hi) of taps t with 0 <= base + t*step < size, t < taps:
 * WGSL statements defining `${lo}` and `${hi}` (step > 0; no negative division).
 */
function tapRange(lo: string, hi: string, base: string, step: string, size: string, taps: string) {
  return `let ${lo} = select(0, (-(${base}) + ${step} - 1) / ${step}, ${base} < 0);
  let ${hi} = min(${taps}, select(0, (${size} - 1 - (${base})) / ${step} + 1, ${base} < ${size}));`;
}

/**
 * conv2d: one invocation per output element, summing (c', i, j) of its group in that
 * order. The tap ranges that fall inside the image are computed once, so the inner loop
 * has no bounds tests and no padding terms.
 */
export function conv2dPass(
  dev: GpuDevice,
  x: GpuBuffer,
  w: GpuBuffer,
  y: GpuBuffer,
  p: Conv2D,
): Pass | null {
  if (y.size === 0) return null;
  const body = `${CONV_UNPACK}
  var r = i32(e);
  let ow = r % OW; r = r / OW; let oh = r % OH; r = r / OH; let m = r % M; let n = r / M;
  let g = m / Mg;
  let ih0 = oh * SH - PH; let iw0 = ow * SW - PW;
  ${tapRange("i0", "i1", "ih0", "DH", "H", "KH")}
  ${tapRange("j0", "j1", "iw0", "DW", "W", "KW")}
  let HW = H * W; let KK = KH * KW; let rowStep = DH * W;
  // x index of tap (c', i, j) = xc + i*DH*W + j*DW; w index = wc + i*KW + j.
  var xc = ((n * C + g * Cg) * H + ih0) * W + iw0;
  var wc = m * Cg * KK;
  var acc = 0.0;
  for (var c = 0; c < Cg; c++) {
    var xr = xc + i0 * rowStep;
    var wr = wc + i0 * KW;
    for (var i = i0; i < i1; i++) {
      for (var j = j0; j < j1; j++) {
        acc += ${loadF32(w.dtype, "WT", "u32(wr + j)")} * ${
    loadF32(x.dtype, "X", "u32(xr + j * DW)")
  };
      }
      xr += rowStep; wr += KW;
    }
    xc += HW; wc += KK;
  }
  O[e] = ${storeFromF32(y.dtype, "acc")};`;
  return {
    key: `conv2d|${x.dtype}|${w.dtype}|${y.dtype}`,
    code: () =>
      shader([x.dtype, w.dtype, y.dtype], [
        `var<storage, read> X: array<${storageType(x.dtype)}>;`,
        `var<storage, read> WT: array<${storageType(w.dtype)}>;`,
        `var<storage, read_write> O: array<${storageType(y.dtype)}>;`,
      ], body),
    buffers: [dev.mem(x), dev.mem(w), dev.mem(y)],
    params: convParams(p, y.size),
    groups: [Math.ceil(y.size / WG)],
  };
}

/**
 * conv2dBackwardData: a gather, one invocation per gx element. For each tap (i, j) the
 * output position reading it solves oh = (h + padH - i*dilateH) / strideH (integral and
 * in range, likewise ow); the filters m of its group are then summed.
 */
export function conv2dBackwardDataPass(
  dev: GpuDevice,
  gy: GpuBuffer,
  w: GpuBuffer,
  gx: GpuBuffer,
  p: Conv2D,
): Pass | null {
  if (gx.size === 0) return null;
  const body = `${CONV_UNPACK}
  var r = i32(e);
  let x = r % W; r = r / W; let h = r % H; r = r / H; let c = r % C; let n = r / C;
  let g = c / Cg; let cp = c - g * Cg;
  let OHW = OH * OW; let WM = Cg * KH * KW;
  // gy index of (n, g*Mg, 0, 0) and w index of (g*Mg, cp, 0, 0).
  let gyg = (n * M + g * Mg) * OHW;
  let wg = (g * Mg * Cg + cp) * KH * KW;
  var acc = 0.0;
  for (var i = 0; i < KH; i++) {
    let th = h + PH - i * DH;
    if (th < 0) { break; }
    if (th % SH != 0 || th / SH >= OH) { continue; }
    let oh = th / SH;
    for (var j = 0; j < KW; j++) {
      let tw = x + PW - j * DW;
      if (tw < 0) { break; }
      if (tw % SW != 0 || tw / SW >= OW) { continue; }
      var gi = gyg + oh * OW + tw / SW;
      var wi = wg + i * KW + j;
      for (var mm = 0; mm < Mg; mm++) {
        acc += ${loadF32(gy.dtype, "GY", "u32(gi)")} * ${loadF32(w.dtype, "WT", "u32(wi)")};
        gi += OHW; wi += WM;
      }
    }
  }
  O[e] = ${storeFromF32(gx.dtype, "acc")};`;
  return {
    key: `conv2dBackwardData|${gy.dtype}|${w.dtype}|${gx.dtype}`,
    code: () =>
      shader([gy.dtype, w.dtype, gx.dtype], [
        `var<storage, read> GY: array<${storageType(gy.dtype)}>;`,
        `var<storage, read> WT: array<${storageType(w.dtype)}>;`,
        `var<storage, read_write> O: array<${storageType(gx.dtype)}>;`,
      ], body),
    buffers: [dev.mem(gy), dev.mem(w), dev.mem(gx)],
    params: convParams(p, gx.size),
    groups: [Math.ceil(gx.size / WG)],
  };
}

/** Workgroup size of the grouped weight-gradient reduction. */
const WG_RED = 64;
/** batch*outH*outW from which the weight gradient reduces with one workgroup per element. */
export const CONV_WEIGHT_GROUP_MIN = 128;

/**
 * conv2dBackwardWeight: each gw element (m, c', i, j) sums gy * x over n and the
 * (oh, ow) whose tap (i, j) lies inside the image (ranges computed up front). Short sums
 * take one invocation per element; long ones (batch*outH*outW >= CONV_WEIGHT_GROUP_MIN)
 * one 64-wide workgroup per element, each invocation striding over the flattened
 * (n, oh, ow) range, then a tree combine in workgroup memory (fixed order: deterministic).
 */
export function conv2dBackwardWeightPass(
  dev: GpuDevice,
  x: GpuBuffer,
  gy: GpuBuffer,
  gw: GpuBuffer,
  p: Conv2D,
): Pass | null {
  if (gw.size === 0) return null;
  const group = p.batch * p.outH * p.outW >= CONV_WEIGHT_GROUP_MIN;
  // Statements shared by both variants: decompose o (an i32 < total) and set up ranges.
  const setup = `${CONV_UNPACK}
  var r = o;
  let j = r % KW; r = r / KW; let i = r % KH; r = r / KH; let cp = r % Cg; let m = r / Cg;
  let g = m / Mg; let c = g * Cg + cp;
  let bh = i * DH - PH; let bw = j * DW - PW;
  // Valid oh: 0 <= oh*SH + bh < H; valid ow likewise.
  ${tapRange("oh0", "oh1", "bh", "SH", "H", "OH")}
  ${tapRange("ow0", "ow1", "bw", "SW", "W", "OW")}
  let nh = max(0, oh1 - oh0); let nw = max(0, ow1 - ow0);
  let OHW = OH * OW; let HW = H * W;
  // gy index of (n, m, oh, ow) = n*M*OHW + gm + oh*OW + ow;
  // x index of (n, c, oh*SH + bh, ow*SW + bw) = n*C*HW + xm + oh*SH*W + ow*SW.
  let gm = m * OHW; let xm = c * HW + bh * W + bw;
  let gyN = M * OHW; let xN = C * HW;`;
  const term = (n: string, oh: string, ow: string) =>
    `${loadF32(gy.dtype, "GY", `u32(${n} * gyN + gm + ${oh} * OW + ${ow})`)} * ${
      loadF32(x.dtype, "X", `u32(${n} * xN + xm + ${oh} * SH * W + ${ow} * SW)`)
    }`;
  const decls = [
    `@group(0) @binding(0) var<storage, read> X: array<${storageType(x.dtype)}>;`,
    `@group(0) @binding(1) var<storage, read> GY: array<${storageType(gy.dtype)}>;`,
    `@group(0) @binding(2) var<storage, read_write> O: array<${storageType(gw.dtype)}>;`,
    `@group(0) @binding(3) var<storage, read> P: array<u32>;`,
  ].join("\n");
  const dts = [x.dtype, gy.dtype, gw.dtype];
  const code = group
    ? () =>
      `${prelude(dts)}
${decls}
var<workgroup> S: array<f32, ${WG_RED}>;
@compute @workgroup_size(${WG_RED})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) t: u32) {
  let e = wid.x + wid.y * nwg.x;
  // Uniform control flow: every invocation reaches the barriers, even past the end.
  let live = e < P[0];
  let o = i32(select(0u, e, live));
  ${UNPACK}
  ${setup}
  let red = select(0, N * nh * nw, live);
  var acc = 0.0;
  for (var q = i32(t); q < red; q += ${WG_RED}) {
    let ow = ow0 + q % nw; let q2 = q / nw; let oh = oh0 + q2 % nh; let n = q2 / nh;
    acc += ${term("n", "oh", "ow")};
  }
  S[t] = acc;
  for (var k = ${WG_RED / 2}u; k > 0u; k = k / 2u) {
    workgroupBarrier();
    if (t < k) { S[t] = S[t] + S[t + k]; }
  }
  workgroupBarrier();
  if (t == 0u && live) { O[e] = ${storeFromF32(gw.dtype, "S[0]")}; }
}`
    : () =>
      `${prelude(dts)}
${decls}
${entry1d(WG)} {
  let e = ${flatIndex(WG)};
  if (e >= P[0]) { return; }
  let o = i32(e);
  ${UNPACK}
  ${setup}
  var acc = 0.0;
  for (var n = 0; n < N; n++) {
    for (var oh = oh0; oh < oh0 + nh; oh++) {
      for (var ow = ow0; ow < ow0 + nw; ow++) {
        acc += ${term("n", "oh", "ow")};
      }
    }
  }
  O[e] = ${storeFromF32(gw.dtype, "acc")};
}`;
  return {
    key: `conv2dBackwardWeight|${x.dtype}|${gy.dtype}|${gw.dtype}|${group}`,
    code,
    buffers: [dev.mem(x), dev.mem(gy), dev.mem(gw)],
    params: convParams(p, gw.size),
    groups: [group ? gw.size : Math.ceil(gw.size / WG)],
  };
}
