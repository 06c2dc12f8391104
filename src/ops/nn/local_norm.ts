/**
 * InstanceNorm, GroupNorm and LRN, composed like BatchNorm/LayerNorm (gradients from the
 * parts). LRN's cross-channel window sum is a sum pooling over the channel axis.
 * @module
 */
import { ShapeError } from "../../core/errors.ts";
import { formatShape, type Shape, sizeOf } from "../../core/shape.ts";
import { ops } from "../_builder_util.ts";
import type { Builder, OpDef, Params } from "../op_def.ts";
import { expectShape } from "./_util.ts";

/** (x - mean) / sqrt(var + eps) over `axes`, with the statistics kept for outputs. */
function normalize<T>(b: Builder<T>, x: T, axes: number[], eps: number) {
  const o = ops(b);
  const mean = b.op("mean", [x], { axis: axes, keepdims: true });
  const centered = o.sub(x, mean);
  const variance = b.op("mean", [b.op("square", [centered])], { axis: axes, keepdims: true });
  return { xhat: o.div(centered, b.op("sqrt", [o.addS(variance, eps)])), mean, variance };
}

/** gamma/beta are one value per channel (axis 1): check, and broadcast them. */
function affine<T>(b: Builder<T>, xhat: T, gamma: T, beta: T): T {
  const o = ops(b);
  const bshape = b.shape(xhat).map((d, i) => (i === 1 ? d : 1));
  return o.add(o.mul(xhat, o.reshape(gamma, bshape)), o.reshape(beta, bshape));
}

function checkAffine(op: string, [x, gamma, beta]: readonly Shape[]): number {
  if (x.length < 3) {
    throw new ShapeError(`${op}: data must be [batch, channel, spatial...], got ${formatShape(x)}`);
  }
  expectShape(op, "gamma", gamma, [x[1]], "one value per channel");
  expectShape(op, "beta", beta, [x[1]], "one value per channel");
  return x[1];
}

const fillAffine = ([x, gamma, beta]: readonly (Shape | undefined)[]) => {
  const c = x && x.length > 1 ? [x[1]] : undefined;
  return [x, gamma ?? c, beta ?? c];
};

const instanceNorm: OpDef = {
  name: "InstanceNorm",
  inputs: ["data", "gamma", "beta"],
  params: { eps: { type: "float", default: 1e-3 } },
  // Outputs: the result, then the per-(batch, channel) mean and variance (hidden).
  numOutputs: 3,
  numVisibleOutputs: 1,
  inferShape: (s) => {
    checkAffine("InstanceNorm", s);
    return [s[0], [s[0][0], s[0][1]], [s[0][0], s[0][1]]];
  },
  inferInputShapes: fillAffine,
  lowering: {
    kind: "composite",
    compose: <T>(b: Builder<T>, [x, gamma, beta]: readonly T[], p: Params) => {
      const xs = b.shape(x);
      const axes = xs.map((_, i) => i).slice(2);
      const { xhat, mean, variance } = normalize(b, x, axes, p.eps as number);
      const nc = [xs[0], xs[1]];
      const o = ops(b);
      return [affine(b, xhat, gamma, beta), o.reshape(mean, nc), o.reshape(variance, nc)];
    },
  },
};

const groupNorm: OpDef = {
  name: "GroupNorm",
  inputs: ["data", "gamma", "beta"],
  params: {
    numGroups: { type: "int", default: 1, min: 1 },
    eps: { type: "float", default: 1e-5 },
    outputMeanVar: { type: "bool", default: false },
  },
  // Outputs: the result, then the per-(batch, group) mean and standard deviation.
  numOutputs: 3,
  numVisibleOutputs: (p) => (p.outputMeanVar ? 3 : 1),
  inferShape: (s, p) => {
    const c = checkAffine("GroupNorm", s);
    const g = p.numGroups as number;
    if (!(g >= 1) || c % g !== 0) {
      throw new ShapeError(`GroupNorm: num_groups ${g} must divide the channels ${c}`);
    }
    return [s[0], [s[0][0], g], [s[0][0], g]];
  },
  inferInputShapes: fillAffine,
  lowering: {
    kind: "composite",
    compose: <T>(b: Builder<T>, [x, gamma, beta]: readonly T[], p: Params) => {
      const o = ops(b);
      const xs = b.shape(x);
      const g = p.numGroups as number;
      // [N, G, C/G * spatial]: each group's channels and positions share statistics.
      const grouped = o.reshape(x, [xs[0], g, sizeOf(xs) / xs[0] / g]);
      const { xhat, mean, variance } = normalize(b, grouped, [2], p.eps as number);
      const std = b.op("sqrt", [o.addS(variance, p.eps as number)]);
      const ng = [xs[0], g];
      return [affine(b, o.reshape(xhat, xs), gamma, beta), o.reshape(mean, ng), o.reshape(std, ng)];
    },
  },
};

const lrn: OpDef = {
  name: "LRN",
  inputs: ["data"],
  params: {
    alpha: { type: "float", default: 1e-4 },
    beta: { type: "float", default: 0.75 },
    knorm: { type: "float", default: 2 },
    // MXNet also requires it odd (checked with the shape).
    nsize: { type: "int", required: true, min: 1 },
  },
  // Outputs: the result and the normaliser (hidden), as MXNet.
  numOutputs: 2,
  numVisibleOutputs: 1,
  inferShape: ([x], p) => {
    if (x.length !== 4) throw new ShapeError(`LRN: data must be NCHW, got ${formatShape(x)}`);
    if ((p.nsize as number) % 2 !== 1) {
      throw new ShapeError(`LRN: nsize must be odd, got ${p.nsize}`);
    }
    return [x, x];
  },
  lowering: {
    kind: "composite",
    compose: <T>(b: Builder<T>, [x]: readonly T[], p: Params) => {
      // out = x * (knorm + alpha/nsize * sum of x^2 over nsize neighbouring channels)^-beta
      const o = ops(b);
      const [n, c, h, w] = b.shape(x);
      const k = p.nsize as number;
      const sq = o.reshape(b.op("square", [x]), [n, 1, c, h * w]);
      const sums = b.op("_pool", [sq], {
        kernel: [k, 1],
        stride: [1, 1],
        pad: [(k - 1) / 2, 0],
        poolType: "sum",
      });
      const norm = o.addS(
        o.mulS(o.reshape(sums, [n, c, h, w]), (p.alpha as number) / k),
        p.knorm as number,
      );
      return [o.mul(x, b.op("_power_scalar", [norm], { scalar: -(p.beta as number) })), norm];
    },
  },
};

/** Per-instance, per-group and local response normalisation. */
export const LOCAL_NORM_OPS: readonly OpDef[] = [instanceNorm, groupNorm, lrn];
