/**
 * Activation and LeakyReLU, composed from elementwise operators (gradients come from
 * the parts).
 * @module
 */
import { ShapeError } from "../../core/errors.ts";
import { formatShape, sizeOf } from "../../core/shape.ts";
import { ops } from "../_builder_util.ts";
import type { Builder, OpDef } from "../op_def.ts";

/** log(1 + e^x) without overflow: relu(x) + log1p(e^-|x|). */
function softrelu<T>(b: Builder<T>, x: T): T {
  const o = ops(b);
  return o.add(b.op("relu", [x]), b.op("log1p", [b.op("exp", [o.neg(b.op("abs", [x]))])]));
}

const activation: OpDef = {
  name: "Activation",
  inputs: ["data"],
  params: {
    actType: {
      type: "string",
      required: true,
      values: ["relu", "sigmoid", "tanh", "softrelu", "softsign", "log_sigmoid", "mish"],
    },
  },
  inferShape: (s) => [s[0]],
  lowering: {
    kind: "composite",
    compose: (b, [x], p) => {
      const o = ops(b);
      switch (p.actType) {
        case "softrelu":
          return [softrelu(b, x)];
        case "log_sigmoid":
          return [o.neg(softrelu(b, o.neg(x)))];
        case "mish":
          return [o.mul(x, b.op("tanh", [softrelu(b, x)]))];
        default:
          return [b.op(p.actType as string, [x])];
      }
    },
  },
};

// SELU's constants (Klambauer et al. 2017), as MXNet uses them.
const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_LAMBDA = 1.0507009873554804934193349852946;

/** `x` for x > 0, `neg(x)` for x <= 0, written as relu(x) + neg(min(x, 0)). */
function split<T>(b: Builder<T>, x: T, neg: (m: T) => T): T {
  return ops(b).add(b.op("relu", [x]), neg(b.op("_minimum_scalar", [x], { scalar: 0 })));
}

const leakyRelu: OpDef = {
  name: "LeakyReLU",
  inputs: (p) => (p.actType === "prelu" ? ["data", "gamma"] : ["data"]),
  params: {
    actType: {
      type: "string",
      default: "leaky",
      values: ["rrelu", "leaky", "prelu", "elu", "selu", "gelu"],
    },
    slope: { type: "float", default: 0.25 },
    lowerBound: { type: "float", default: 0.125 },
    upperBound: { type: "float", default: 0.334 },
  },
  // rrelu also returns its random slopes, as MXNet's hidden second output.
  numOutputs: (p) => (p.actType === "rrelu" ? 2 : 1),
  numVisibleOutputs: 1,
  inferShape: ([x, gamma], p) => {
    if (p.actType === "prelu") {
      const c = x.length >= 2 ? x[1] : 1;
      if (sizeOf(gamma) !== 1 && !(gamma.length === 1 && gamma[0] === c)) {
        throw new ShapeError(
          `LeakyReLU: prelu gamma has shape ${formatShape(gamma)}, expected [${c}] ` +
            `(one slope per channel of data ${formatShape(x)}) or [1]`,
        );
      }
    }
    return p.actType === "rrelu" ? [x, x] : [x];
  },
  inferInputShapes: ([x, gamma], p) =>
    p.actType === "prelu" ? [x, gamma ?? (x && x.length >= 2 ? [x[1]] : undefined)] : [x],
  lowering: {
    kind: "composite",
    compose: (b, [x, gamma], p) => {
      const o = ops(b);
      const slope = p.slope as number;
      switch (p.actType) {
        case "leaky":
          return [split(b, x, (m) => o.mulS(m, slope))];
        case "prelu": {
          // One slope per channel (axis 1), or one for everything.
          const xs = b.shape(x);
          const g = sizeOf(b.shape(gamma)) === 1 || xs.length < 2
            ? o.reshape(gamma, xs.map(() => 1))
            : o.reshape(gamma, xs.map((d, i) => (i === 1 ? d : 1)));
          return [split(b, x, (m) => o.mul(m, g))];
        }
        case "elu":
          return [split(b, x, (m) => o.mulS(b.op("expm1", [m]), slope))];
        case "selu":
          return [
            o.mulS(split(b, x, (m) => o.mulS(b.op("expm1", [m]), SELU_ALPHA)), SELU_LAMBDA),
          ];
        case "gelu": {
          const cdf = o.addS(o.mulS(b.op("erf", [o.mulS(x, Math.SQRT1_2)]), 0.5), 0.5);
          return [o.mul(x, cdf)];
        }
        case "rrelu": {
          // Training: a random slope per element in [lower, upper]; else their mean.
          const lo = p.lowerBound as number, hi = p.upperBound as number;
          const slopes = b.isTrain
            ? b.op("_random_uniform", [], {
              low: lo,
              high: hi,
              shape: [...b.shape(x)],
              dtype: b.dtype(x),
            })
            : b.op("_full", [], {
              shape: [...b.shape(x)],
              value: (lo + hi) / 2,
              dtype: b.dtype(x),
            });
          return [split(b, x, (m) => o.mul(m, slopes)), slopes];
        }
        default:
          throw new ShapeError(`LeakyReLU: unknown act_type ${p.actType}`);
      }
    },
  },
};

/** MXNet's older softmax layer: over all but the batch axis, or over channels (axis 1). */
const softmaxActivation: OpDef = {
  name: "SoftmaxActivation",
  inputs: ["data"],
  params: { mode: { type: "string", default: "instance", values: ["instance", "channel"] } },
  inferShape: (s) => [s[0]],
  lowering: {
    kind: "composite",
    compose: (b, [x], p) => {
      if (p.mode === "channel") return [b.op("softmax", [x], { axis: 1 })];
      const xs = b.shape(x);
      const flat = b.op("softmax", [ops(b).reshape(x, [xs[0], sizeOf(xs) / xs[0]])], { axis: -1 });
      return [ops(b).reshape(flat, xs)];
    },
  },
};

/** Activation functions. */
export const ACTIVATION_OPS: readonly OpDef[] = [activation, leakyRelu, softmaxActivation];
