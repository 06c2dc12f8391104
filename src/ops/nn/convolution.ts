/**
 * Convolution and Deconvolution (1-D, 2-D and 3-D; stride, pad, dilate, groups).
 * Convolution is the direct `_conv2d` primitive (each backend unfolds one image at a
 * time, so the batch's columns never exist at once) plus a broadcast bias; Deconvolution
 * is composed from a GEMM (`batch_dot` over groups) and `_col2im`. 3-D kernels are
 * composites over the 2-D primitives (conv3d.ts).
 * @module
 */
import { ShapeError, UnsupportedError } from "../../core/errors.ts";
import type { Shape } from "../../core/shape.ts";
import { ops } from "../_builder_util.ts";
import type { Builder, OpDef, Params, ParamSpec } from "../op_def.ts";
import { convOut, extent, spatialOf, type Window, WINDOW_PARAMS, windowOf } from "./_window.ts";
import { expectShape, reshapeTo } from "./_util.ts";
import { composeConv3d, composeDeconv3d, conv3dDims, deconv3dDims } from "./conv3d.ts";

// Accepted for MXNet compatibility; they tune cuDNN / the workspace, not the result.
const TUNING: Record<string, ParamSpec> = {
  cudnnTune: {
    type: "string",
    default: null,
    values: ["None", "off", "limited_workspace", "fastest"],
  },
  cudnnOff: { type: "bool", default: false },
  layout: { type: "string", default: null, values: ["None", "NCW", "NCHW", "NCDHW"] },
};

interface ConvDims {
  nd: number;
  w: Window;
  n: number;
  c: number;
  hw: [number, number];
  out: [number, number];
  outShape: number[];
  weight: number[];
}

function groups(op: string, p: Params, c: number, m: number): number {
  const g = p.numGroup as number;
  if (!(g >= 1) || c % g !== 0 || m % g !== 0) {
    throw new ShapeError(
      `${op}: num_group ${g} must divide the input channels ${c} and num_filter ${m}`,
    );
  }
  return g;
}

function nd(op: string, p: Params): number {
  const k = (p.kernel as number[]).length;
  if (k !== 1 && k !== 2 && k !== 3) {
    throw new ShapeError(`${op}: kernel must have 1, 2 or 3 values, got ${k}`);
  }
  return k;
}

/** The output and weight shapes, which is all shape inference needs. */
type Shapes = { outShape: number[]; weight: number[] };

/** Shapes for a 3-D kernel; undefined for 1-D and 2-D ones. */
function dims3(op: string, x: Shape, p: Params): Shapes | undefined {
  if (nd(op, p) !== 3) return undefined;
  return op === "Convolution" ? conv3dDims(x, p) : deconv3dDims(x, p);
}

/** Spatial shape back in the data's rank: (H, W) for 2-D, (W) for 1-D. */
function spatial(d: number, hw: readonly [number, number]): number[] {
  return d === 1 ? [hw[1]] : [...hw];
}

function convDims(x: Shape, p: Params): Shapes {
  return dims3("Convolution", x, p) ?? convDims2(x, p);
}

function convDims2(x: Shape, p: Params): ConvDims {
  const d = nd("Convolution", p);
  const w = windowOf("Convolution", p, d);
  const hw = spatialOf("Convolution", x, d);
  const m = p.numFilter as number;
  const g = groups("Convolution", p, x[1], m);
  const out: [number, number] = [
    convOut("Convolution", hw[0], w, 0),
    convOut("Convolution", hw[1], w, 1),
  ];
  return {
    nd: d,
    w,
    n: x[0],
    c: x[1],
    hw,
    out,
    outShape: [x[0], m, ...spatial(d, out)],
    weight: [m, x[1] / g, ...(p.kernel as number[])],
  };
}

/** The 2-D window params `_im2col` / `_col2im` take. */
function windowParams(w: Window, pad = w.pad): Record<string, unknown> {
  return { kernel: w.kernel, stride: w.stride, dilate: w.dilate, pad };
}

function addBias<T>(b: Builder<T>, y: T, bias: T, m: number): T {
  const rank = b.shape(y).length;
  return ops(b).add(y, ops(b).reshape(bias, [1, m, ...Array(rank - 2).fill(1)]));
}

const LAYOUTS = ["NCW", "NCHW", "NCDHW"];

/** Only channel-first layouts, and one of the kernel's rank (NCDHW for a 3-D kernel). */
function checkLayout(op: string, p: Params): void {
  if (p.layout === null || p.layout === "None") return;
  const want = LAYOUTS[(p.kernel as number[]).length - 1];
  if (!(p.layout as string).startsWith("NC")) {
    throw new UnsupportedError(`${op}: layout ${p.layout} is not supported; use ${want}`);
  }
  if (want && p.layout !== want) {
    throw new ShapeError(
      `${op}: layout ${p.layout} does not match a ${
        (p.kernel as number[]).length
      }-D kernel (use ${want})`,
    );
  }
}

const convolution: OpDef = {
  name: "Convolution",
  // MXNet keeps the pre-1.0 implementation under this name; same parameters, same result.
  aliases: ["Convolution_v1"],
  inputs: (p) => (p.noBias ? ["data", "weight"] : ["data", "weight", "bias"]),
  params: {
    ...WINDOW_PARAMS,
    kernel: { type: "shape", required: true, min: 1 },
    numFilter: { type: "int", required: true, min: 1 },
    numGroup: { type: "int", default: 1, min: 1 },
    workspace: { type: "int", default: 1024, min: 0 },
    noBias: { type: "bool", default: false },
    ...TUNING,
  },
  inferShape: ([x, weight, bias], p) => {
    checkLayout("Convolution", p);
    const d = convDims(x, p);
    expectShape(
      "Convolution",
      "weight",
      weight,
      d.weight,
      "num_filter, channels/num_group, kernel",
    );
    if (!p.noBias) expectShape("Convolution", "bias", bias, [p.numFilter as number], "num_filter");
    return [d.outShape];
  },
  inferInputShapes: ([x, weight, bias], p) => {
    const d = x && convDims(x, p);
    const m = p.numFilter as number;
    return p.noBias ? [x, weight ?? d?.weight] : [x, weight ?? d?.weight, bias ?? [m]];
  },
  lowering: {
    kind: "composite",
    compose: (b, [x, weight, bias], p) => {
      const m = p.numFilter as number;
      if (nd("Convolution", p) === 3) {
        const y = composeConv3d(b, x, weight, p);
        return [p.noBias ? y : addBias(b, y, bias, m)];
      }
      const d = convDims2(b.shape(x), p);
      // 1-D runs as 2-D with height 1 (data and weight get a unit height axis).
      const x4 = reshapeTo(b, x, [d.n, d.c, ...d.hw]);
      const w4 = reshapeTo(b, weight, [m, d.weight[1], d.w.kernel[0], d.w.kernel[1]]);
      const y = b.op("_conv2d", [x4, w4], {
        ...windowParams(d.w),
        numFilter: m,
        numGroup: p.numGroup,
      });
      const out = reshapeTo(b, y, d.outShape);
      return [p.noBias ? out : addBias(b, out, bias, m)];
    },
  },
};

interface DeconvDims extends ConvDims {
  /** The padding of the equivalent convolution (from `pad`, or from `target_shape`). */
  pad: [number, number];
}

function deconvDims(x: Shape, p: Params): Shapes {
  return dims3("Deconvolution", x, p) ?? deconvDims2(x, p);
}

function deconvDims2(x: Shape, p: Params): DeconvDims {
  const d = nd("Deconvolution", p);
  const w = windowOf("Deconvolution", p, d);
  const hw = spatialOf("Deconvolution", x, d);
  const m = p.numFilter as number;
  const g = groups("Deconvolution", p, x[1], m);
  const lift = (v: number[]) => (v.length === 0 ? [0, 0] : d === 1 ? [0, v[0]] : v);
  const adj = lift(p.adj as number[]), target = lift(p.targetShape as number[]);
  const useTarget = target.some((t) => t !== 0);
  const pad: [number, number] = [w.pad[0], w.pad[1]];
  // A 1-D deconvolution runs with a height-1 image and window: its axis 0 stays 1.
  const out: [number, number] = [1, 1];
  for (const a of d === 1 ? [1] as const : [0, 1] as const) {
    const full = w.stride[a] * (hw[a] - 1) + extent(w, a);
    let ad = adj[a];
    if (useTarget) {
      // MXNet's InferPad: the padding (and odd remainder as adj) that reaches the target.
      const total = full - target[a];
      if (total < 0) {
        throw new ShapeError(
          `Deconvolution: target_shape ${target[a]} is larger than the largest output ${full}`,
        );
      }
      ad = total % 2;
      pad[a] = (total + 1) >> 1;
    }
    if (ad >= w.stride[a]) {
      throw new ShapeError(`Deconvolution: adj ${ad} must be smaller than stride ${w.stride[a]}`);
    }
    out[a] = full - 2 * pad[a] + ad;
    if (out[a] < 1) {
      throw new ShapeError(`Deconvolution: pad ${pad[a]} leaves no output for input ${hw[a]}`);
    }
  }
  return {
    nd: d,
    w,
    n: x[0],
    c: x[1],
    hw,
    out,
    pad,
    outShape: [x[0], m, ...spatial(d, out)],
    weight: [x[1], m / g, ...(p.kernel as number[])],
  };
}

const deconvolution: OpDef = {
  name: "Deconvolution",
  inputs: (p) => (p.noBias ? ["data", "weight"] : ["data", "weight", "bias"]),
  params: {
    ...WINDOW_PARAMS,
    kernel: { type: "shape", required: true, min: 1 },
    adj: { type: "shape", default: [] },
    targetShape: { type: "shape", default: [] },
    numFilter: { type: "int", required: true, min: 1 },
    numGroup: { type: "int", default: 1, min: 1 },
    workspace: { type: "int", default: 512, min: 0 },
    noBias: { type: "bool", default: true },
    ...TUNING,
  },
  inferShape: ([x, weight, bias], p) => {
    checkLayout("Deconvolution", p);
    const d = deconvDims(x, p);
    expectShape(
      "Deconvolution",
      "weight",
      weight,
      d.weight,
      "channels, num_filter/num_group, kernel",
    );
    if (!p.noBias) {
      expectShape("Deconvolution", "bias", bias, [p.numFilter as number], "num_filter");
    }
    return [d.outShape];
  },
  inferInputShapes: ([x, weight, bias], p) => {
    const d = x && deconvDims(x, p);
    const m = p.numFilter as number;
    return p.noBias ? [x, weight ?? d?.weight] : [x, weight ?? d?.weight, bias ?? [m]];
  },
  lowering: {
    kind: "composite",
    compose: (b, [x, weight, bias], p) => {
      const m = p.numFilter as number, g = p.numGroup as number;
      if (nd("Deconvolution", p) === 3) {
        const y = composeDeconv3d(b, x, weight, p);
        return [p.noBias ? y : addBias(b, y, bias, m)];
      }
      // The adjoint of a convolution from the output image to the input: GEMM with the
      // transposed weight into columns, then col2im.
      const o = ops(b);
      const d = deconvDims2(b.shape(x), p);
      const k = d.w.kernel[0] * d.w.kernel[1];
      const pixels = d.n * d.hw[0] * d.hw[1];
      const x4 = reshapeTo(b, x, [d.n, d.c, ...d.hw]);
      const xt = b.op("transpose", [x4], { axes: [1, 0, 2, 3] });
      const col = b.op("batch_dot", [
        o.reshape(weight, [g, d.c / g, (m / g) * k]),
        o.reshape(xt, [g, d.c / g, pixels]),
      ], { transposeA: true });
      const y = b.op("_col2im", [o.reshape(col, [m * k, pixels])], {
        ...windowParams(d.w, d.pad),
        shape: [d.n, m, ...d.out],
      });
      const out = reshapeTo(b, y, d.outShape);
      return [p.noBias ? out : addBias(b, out, bias, m)];
    },
  },
};

/** Convolution operators. */
export const CONV_OPS: readonly OpDef[] = [convolution, deconvolution];
