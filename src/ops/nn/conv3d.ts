/**
 * 3-D Convolution and Deconvolution (NCDHW) as composites over the 2-D primitives, so
 * every backend and every gradient comes from `_conv2d`, its adjoints, `take` and
 * `_take_backward`.
 *
 * Convolution: the zero-padded input is gathered along depth at `od*stride + kd*dilate`
 * for every output depth od and kernel depth kd, giving one image per (n, od) whose
 * channels are the KD depth slices of the C input channels; one 2-D convolution of those
 * [N*Do, KD*C, H, W] images with the weight rearranged to [M, KD*C/G, KH, KW] sums over
 * (kd, c, kh, kw) at once. Deconvolution is the adjoint of that convolution (from the
 * output image to the input): `_conv2d_backward_data`, then `_take_backward` scatters
 * the depth slices back, and the depth padding is cropped.
 * @module
 */
import { ShapeError } from "../../core/errors.ts";
import type { Shape } from "../../core/shape.ts";
import { ops } from "../_builder_util.ts";
import type { Builder, Params } from "../op_def.ts";
import { convOut, type Window } from "./_window.ts";
import {
  type Axis,
  axisExtent,
  depthOut,
  spatial3Of,
  type Window3,
  window3Of,
} from "./_window3d.ts";
import { reshapeTo } from "./_util.ts";

/** Shapes and geometry of a 3-D convolution or deconvolution. */
export interface Conv3Dims {
  w: Window3;
  n: number;
  /** Input channels. */
  c: number;
  /** num_filter (output channels). */
  m: number;
  g: number;
  /** Input (D, H, W). */
  dhw: [number, number, number];
  /** Output (D, H, W). */
  out: [number, number, number];
  outShape: number[];
  weight: number[];
  /** Deconvolution: the (depth, height, width) padding of the equivalent convolution. */
  pad: [number, number, number];
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

/** Convolution shapes for data `x` [N, C, D, H, W] and a 3-D kernel. */
export function conv3dDims(x: Shape, p: Params): Conv3Dims {
  const op = "Convolution";
  const w = window3Of(op, p);
  const dhw = spatial3Of(op, x);
  const m = p.numFilter as number;
  const g = groups(op, p, x[1], m);
  const out: [number, number, number] = [
    depthOut(op, dhw[0], w.depth),
    convOut(op, dhw[1], w.hw, 0),
    convOut(op, dhw[2], w.hw, 1),
  ];
  return {
    w,
    n: x[0],
    c: x[1],
    m,
    g,
    dhw,
    out,
    outShape: [x[0], m, ...out],
    weight: [m, x[1] / g, ...(p.kernel as number[])],
    pad: [w.depth.pad, w.hw.pad[0], w.hw.pad[1]],
  };
}

/** A 3-D shape tuple (`adj`, `target_shape`): empty means zeros. */
function triple(op: string, name: string, v: readonly number[]): number[] {
  if (v.length === 0) return [0, 0, 0];
  if (v.length !== 3) {
    throw new ShapeError(`${op}: ${name} has ${v.length} values but the kernel has 3`);
  }
  return [...v];
}

/** Deconvolution shapes for data `x` [N, C, D, H, W] and a 3-D kernel. */
export function deconv3dDims(x: Shape, p: Params): Conv3Dims {
  const op = "Deconvolution";
  const w = window3Of(op, p);
  const dhw = spatial3Of(op, x);
  const m = p.numFilter as number;
  const g = groups(op, p, x[1], m);
  const adj = triple(op, "adj", p.adj as number[]);
  const target = triple(op, "target_shape", p.targetShape as number[]);
  const useTarget = target.some((t) => t !== 0);
  const axes: Axis[] = [
    w.depth,
    ...([0, 1] as const).map((a) => ({
      kernel: w.hw.kernel[a],
      stride: w.hw.stride[a],
      dilate: w.hw.dilate[a],
      pad: w.hw.pad[a],
    })),
  ];
  const out: number[] = [], pad: number[] = [];
  axes.forEach((ax, i) => {
    const full = ax.stride * (dhw[i] - 1) + axisExtent(ax);
    let ad = adj[i], pd = ax.pad;
    if (useTarget) {
      // MXNet's InferPad: the padding (and odd remainder as adj) that reaches the target.
      const total = full - target[i];
      if (total < 0) {
        throw new ShapeError(
          `Deconvolution: target_shape ${target[i]} is larger than the largest output ${full}`,
        );
      }
      ad = total % 2;
      pd = (total + 1) >> 1;
    }
    if (ad >= ax.stride) {
      throw new ShapeError(`Deconvolution: adj ${ad} must be smaller than stride ${ax.stride}`);
    }
    out.push(full - 2 * pd + ad);
    pad.push(pd);
    if (out[i] < 1) {
      throw new ShapeError(`Deconvolution: pad ${pd} leaves no output for input ${dhw[i]}`);
    }
  });
  const o = out as [number, number, number];
  return {
    w,
    n: x[0],
    c: x[1],
    m,
    g,
    dhw,
    out: o,
    outShape: [x[0], m, ...o],
    weight: [x[1], m / g, ...(p.kernel as number[])],
    pad: pad as [number, number, number],
  };
}

/** Depth indices into the padded input: `[od, kd] -> od*stride + kd*dilate`. */
function depthIndex<T>(b: Builder<T>, outD: number, a: Axis): T {
  const o = ops(b);
  const rows = b.op("_iota", [], { size: outD, step: a.stride, dtype: "float32" });
  const cols = b.op("_iota", [], { size: a.kernel, step: a.dilate, dtype: "float32" });
  return o.add(o.reshape(rows, [outD, 1]), o.reshape(cols, [1, a.kernel]));
}

/**
 * The 5-D weight as the 2-D convolution's [F, KD*Cg, KH, KW]: for each filter the kernel
 * depth slices of its group's Cg channels, depth-major (the channel order of the gathered
 * images within a group).
 */
function weight2d<T>(b: Builder<T>, weight: T): T {
  const [f, cg, kd, kh, kw] = b.shape(weight);
  const w4 = ops(b).reshape(weight, [f, cg, kd, kh * kw]);
  const t = kd === 1 ? w4 : b.op("transpose", [w4], { axes: [0, 2, 1, 3] });
  return ops(b).reshape(t, [f, kd * cg, kh, kw]);
}

/** The 2-D window params (height, width) with the given padding. */
function hwParams(hw: Window, pad: readonly number[]): Record<string, unknown> {
  return { kernel: hw.kernel, stride: hw.stride, dilate: hw.dilate, pad: [...pad] };
}

/**
 * Swaps axes 2 and 3 of `x` viewed as `s` = [N, D, a, c, Cg, HW]: KD and G, whichever
 * order they are in (a copy only when both exceed 1).
 */
function swapGroupDepth<T>(b: Builder<T>, x: T, s: number[]): T {
  const [n, od, a, c, g, hw] = s;
  if (a === 1 || c === 1) return x;
  return b.op("transpose", [ops(b).reshape(x, [n, od, a, c, g, hw])], {
    axes: [0, 1, 3, 2, 4, 5],
  });
}

/** 3-D convolution without bias: data [N, C, D, H, W], weight [M, C/G, KD, KH, KW]. */
export function composeConv3d<T>(b: Builder<T>, x: T, weight: T, p: Params): T {
  const o = ops(b);
  const d = conv3dDims(b.shape(x), p);
  const [dd, h, w] = d.dhw, [od, oh, ow] = d.out;
  const kd = d.w.depth.kernel, pd = d.w.depth.pad, cg = d.c / d.g;
  // [N, D, C, H*W] with the depth padding, so the gather's indices are all in range.
  const xt = b.op("transpose", [o.reshape(x, [d.n, d.c, dd, h * w])], { axes: [0, 2, 1, 3] });
  const padded = pd === 0 ? xt : b.op("_slice_backward", [xt], {
    begin: [0, pd, 0, 0],
    end: [d.n, pd + dd, d.c, h * w],
    step: [],
    shape: [d.n, dd + 2 * pd, d.c, h * w],
  });
  // [N, Do, KD, C, HW]: per output depth, the KD input slices it reads.
  const cols = b.op("take", [padded, depthIndex(b, od, d.w.depth)], { axis: 1 });
  // Group-major channels, as the grouped 2-D convolution reads them: [G, KD, C/G].
  const grouped = swapGroupDepth(b, cols, [d.n, od, kd, d.g, cg, h * w]);
  const y = b.op("_conv2d", [o.reshape(grouped, [d.n * od, kd * d.c, h, w]), weight2d(b, weight)], {
    ...hwParams(d.w.hw, d.w.hw.pad),
    numFilter: d.m,
    numGroup: d.g,
  });
  const yt = b.op("transpose", [o.reshape(y, [d.n, od, d.m, oh * ow])], { axes: [0, 2, 1, 3] });
  return reshapeTo(b, yt, d.outShape);
}

/** 3-D deconvolution without bias: data [N, C, D, H, W], weight [C, M/G, KD, KH, KW]. */
export function composeDeconv3d<T>(b: Builder<T>, x: T, weight: T, p: Params): T {
  const o = ops(b);
  const d = deconv3dDims(b.shape(x), p);
  const [id, ih, iw] = d.dhw, [od, oh, ow] = d.out;
  const kd = d.w.depth.kernel, pd = d.pad[0], mg = d.m / d.g;
  // The convolution this is the adjoint of maps [N, M, Dout, ...] to [N, C, Din, ...]
  // with C filters; its image per (n, din) has KD*M channels (group-major, as above).
  const xt = b.op("transpose", [o.reshape(x, [d.n, d.c, id, ih * iw])], { axes: [0, 2, 1, 3] });
  const cols = b.op("_conv2d_backward_data", [
    o.reshape(xt, [d.n * id, d.c, ih, iw]),
    weight2d(b, weight),
  ], {
    ...hwParams(d.w.hw, [d.pad[1], d.pad[2]]),
    numFilter: d.c,
    numGroup: d.g,
    shape: [d.n * id, kd * d.m, oh, ow],
  });
  const depthMajor = swapGroupDepth(b, cols, [d.n, id, d.g, kd, mg, oh * ow]);
  const scattered = b.op("_take_backward", [
    o.reshape(depthMajor, [d.n, id, kd, d.m, oh * ow]),
    depthIndex(b, id, d.w.depth),
  ], { axis: 1, shape: [d.n, od + 2 * pd, d.m, oh * ow] });
  const cropped = pd === 0 ? scattered : b.op("slice", [scattered], {
    begin: [0, pd, 0, 0],
    end: [d.n, pd + od, d.m, oh * ow],
    step: [],
  });
  const yt = b.op("transpose", [cropped], { axes: [0, 2, 1, 3] });
  return reshapeTo(b, yt, d.outShape);
}
