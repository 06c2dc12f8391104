/**
 * BatchNorm and LayerNorm, composed from reductions and elementwise ops so their
 * gradients come from the parts. BatchNorm's moving statistics are updated in place by
 * the small `_moving_update` primitive.
 * @module
 */
import { normalizeAxis, type Shape } from "../../core/shape.ts";
import { FUSED } from "../elementwise_table.ts";
import { ops } from "../_builder_util.ts";
import type { Builder, OpDef, Params } from "../op_def.ts";
import { expectShape } from "./_util.ts";
import { sequence } from "../../../backends/backend.ts";

/** `moving * momentum + value * (1 - momentum)`. */
const MOVING_AVERAGE = FUSED._moving_average;

/**
 * Writes `moving = moving * momentum + value * (1 - momentum)` into its first input (an
 * auxiliary state) and returns a copy of the new value. A side effect, so not
 * differentiable.
 */
const movingUpdate: OpDef = {
  name: "_moving_update",
  inputs: ["moving", "value"],
  params: { momentum: { type: "float", required: true } },
  mutatesInputs: [0],
  inferShape: ([m, v]) => {
    expectShape("_moving_update", "value", v, m);
    return [m];
  },
  differentiable: false,
  lowering: {
    kind: "primitive",
    run: (k, [m, v], [out], p) =>
      sequence([
        () => k.elementwise(MOVING_AVERAGE, [m.view, v.view], [p.momentum as number], m.view),
        () => k.copy(m.view, out.view),
      ]),
  },
};

/** Channel axis, channel count, and the shape that broadcasts a [C] vector over data. */
function channelDims(x: Shape, axis: number, op: string) {
  const a = normalizeAxis(axis, x.length, `${op}: axis`);
  return { a, c: x[a], bshape: x.map((d, i) => (i === a ? d : 1)) };
}

const batchNorm: OpDef = {
  name: "BatchNorm",
  // MXNet keeps the pre-1.0 implementation under this name; same parameters, same result.
  aliases: ["BatchNorm_v1"],
  inputs: ["data", "gamma", "beta"],
  aux: ["moving_mean", "moving_var"],
  params: {
    eps: { type: "float", default: 1e-3 },
    momentum: { type: "float", default: 0.9 },
    fixGamma: { type: "bool", default: true },
    useGlobalStats: { type: "bool", default: false },
    outputMeanVar: { type: "bool", default: false },
    axis: { type: "int", default: 1 },
    cudnnOff: { type: "bool", default: false },
    minCalibRange: { type: "float", default: null },
    maxCalibRange: { type: "float", default: null },
  },
  // Outputs: the normalised data, then the mean and variance used (hidden unless
  // output_mean_var), as MXNet.
  numOutputs: 3,
  numVisibleOutputs: (p) => (p.outputMeanVar ? 3 : 1),
  inferShape: (s, p) => {
    const { c } = channelDims(s[0], p.axis as number, "BatchNorm");
    ["gamma", "beta", "moving_mean", "moving_var"].forEach((n, i) =>
      expectShape("BatchNorm", n, s[i + 1], [c], "one value per channel")
    );
    return [s[0], [c], [c]];
  },
  inferInputShapes: (s, p) => {
    if (!s[0]) return [...s];
    const { c } = channelDims(s[0], p.axis as number, "BatchNorm");
    return s.map((v, i) => (i === 0 ? v : v ?? [c]));
  },
  lowering: {
    kind: "composite",
    compose: <T>(
      b: Builder<T>,
      [x, gamma, beta, movingMean, movingVar]: readonly T[],
      p: Params,
    ) => {
      const o = ops(b);
      const xs = b.shape(x);
      const { a, c, bshape } = channelDims(xs, p.axis as number, "BatchNorm");
      const axes = xs.map((_, i) => i).filter((i) => i !== a);
      let mean: T, variance: T;
      if (b.isTrain && !p.useGlobalStats) {
        mean = b.op("mean", [x], { axis: axes, keepdims: true });
        variance = b.op("mean", [b.op("square", [o.sub(x, mean)])], { axis: axes, keepdims: true });
        const m = p.momentum as number;
        b.op("_moving_update", [movingMean, o.reshape(mean, [c])], { momentum: m });
        b.op("_moving_update", [movingVar, o.reshape(variance, [c])], { momentum: m });
      } else {
        mean = o.reshape(movingMean, bshape);
        variance = o.reshape(movingVar, bshape);
      }
      const xhat = o.mul(o.sub(x, mean), b.op("rsqrt", [o.addS(variance, p.eps as number)]));
      // fix_gamma: scale by 1 and give gamma a zero gradient, as MXNet does.
      const g = p.fixGamma ? o.addS(o.mulS(gamma, 0), 1) : gamma;
      const out = o.add(o.mul(xhat, o.reshape(g, bshape)), o.reshape(beta, bshape));
      return [out, o.reshape(mean, [c]), o.reshape(variance, [c])];
    },
  },
};

function layerDims(x: Shape, p: Params) {
  const a = normalizeAxis(p.axis as number, x.length, "LayerNorm: axis");
  return { a, c: x[a], kept: x.map((d, i) => (i === a ? 1 : d)) };
}

const layerNorm: OpDef = {
  name: "LayerNorm",
  inputs: ["data", "gamma", "beta"],
  params: {
    axis: { type: "int", default: -1 },
    eps: { type: "float", default: 1e-5 },
    outputMeanVar: { type: "bool", default: false },
  },
  // Outputs: the normalised data, the mean and the standard deviation (hidden unless
  // output_mean_var), as MXNet.
  numOutputs: 3,
  numVisibleOutputs: (p) => (p.outputMeanVar ? 3 : 1),
  inferShape: ([x, gamma, beta], p) => {
    const { c, kept } = layerDims(x, p);
    expectShape("LayerNorm", "gamma", gamma, [c], "the size of the normalised axis");
    expectShape("LayerNorm", "beta", beta, [c], "the size of the normalised axis");
    return [x, kept, kept];
  },
  inferInputShapes: ([x, gamma, beta], p) => {
    const c = x && [layerDims(x, p).c];
    return [x, gamma ?? c, beta ?? c];
  },
  lowering: {
    kind: "composite",
    compose: <T>(b: Builder<T>, [x, gamma, beta]: readonly T[], p: Params) => {
      const o = ops(b);
      const { a } = layerDims(b.shape(x), p);
      const mean = b.op("mean", [x], { axis: a, keepdims: true });
      const centered = o.sub(x, mean);
      const variance = b.op("mean", [b.op("square", [centered])], { axis: a, keepdims: true });
      const std = b.op("sqrt", [o.addS(variance, p.eps as number)]);
      const bshape = b.shape(x).map((d, i) => (i === a ? d : 1));
      const out = o.add(
        o.mul(o.div(centered, std), o.reshape(gamma, bshape)),
        o.reshape(beta, bshape),
      );
      return [out, mean, std];
    },
  },
};

/** Normalisation operators. */
export const NORM_OPS: readonly OpDef[] = [batchNorm, layerNorm, movingUpdate];
