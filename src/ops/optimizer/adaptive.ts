/**
 * Per-coordinate adaptive update operators with MXNet's names and parameters:
 * `rmsprop_update`, `rmspropalex_update` (Graves' centered RMSProp), `ftrl_update`,
 * `ftml_update` and `_contrib_group_adagrad_update`.
 * @module
 */
import { ShapeError } from "../../core/errors.ts";
import { formatShape } from "../../core/shape.ts";
import { ops } from "../_builder_util.ts";
import type { OpDef, ParamSpec } from "../op_def.ts";
import {
  assignState,
  clipIf,
  decay,
  divS,
  expectWeightDType,
  GRAD_PARAMS,
  LR,
  rescaledGrad,
  rescaledGradWithWd,
  type Rule,
  updateOp,
} from "./_common.ts";

const RMSPROP_PARAMS: Record<string, ParamSpec> = {
  lr: LR,
  gamma1: { type: "float", default: 0.95 },
  epsilon: { type: "float", default: 1e-8 },
  ...GRAD_PARAMS,
  clipWeights: { type: "float", default: -1 },
};

/**
 * RMSProp (Tieleman & Hinton): `g = clip(rescale*grad + wd*w); n = (1-g1)*g^2 + g1*n;
 * w = clip_weights(w - lr * g / sqrt(n + eps))`.
 */
const rmspropRule: Rule = (b, w, grad, [n], p) => {
  const o = ops(b);
  const g = rescaledGradWithWd(b, grad, w, p);
  const n1 = decay(o, n, p.gamma1 as number, o.un("square", g));
  const step = o.mulS(o.div(g, o.un("sqrt", o.addS(n1, p.epsilon as number))), p.lr as number);
  return { weight: clipIf(b, o.sub(w, step), p.clipWeights as number), states: [n1] };
};

/**
 * Centered RMSProp (Graves 2013): as RMSProp, and `gm = (1-g1)*g + g1*gm;
 * delta = g2*delta - lr * g / sqrt(n - gm^2 + eps); w = clip_weights(w + delta)`.
 */
const rmspropAlexRule: Rule = (b, w, grad, [n, gm, delta], p) => {
  const o = ops(b);
  const g1 = p.gamma1 as number;
  const g = rescaledGradWithWd(b, grad, w, p);
  const n1 = decay(o, n, g1, o.un("square", g));
  const gm1 = decay(o, gm, g1, g);
  const denom = o.un("sqrt", o.addS(o.sub(n1, o.un("square", gm1)), p.epsilon as number));
  const d1 = o.sub(o.mulS(delta, p.gamma2 as number), o.mulS(o.div(g, denom), p.lr as number));
  return { weight: clipIf(b, o.add(w, d1), p.clipWeights as number), states: [n1, gm1, d1] };
};

/**
 * FTRL-Proximal (McMahan et al. 2013): `g = clip(rescale*grad);
 * z += g - (sqrt(n + g^2) - sqrt(n)) * w / lr; n += g^2;
 * w = (sign(z)*lamda1 - z) / ((beta + sqrt(n))/lr + wd) * (|z| > lamda1)`.
 */
const ftrlRule: Rule = (b, w, grad, [z, n], p) => {
  const o = ops(b);
  const lr = p.lr as number, lamda1 = p.lamda1 as number;
  const g = rescaledGrad(b, grad, p);
  const g2 = o.un("square", g);
  const sigma = o.sub(o.un("sqrt", o.add(n, g2)), o.un("sqrt", n));
  const z1 = o.add(z, o.sub(g, divS(b, o.mul(sigma, w), lr)));
  const n1 = o.add(n, g2);
  const num = o.sub(o.mulS(o.un("sign", z1), lamda1), z1);
  const den = o.addS(divS(b, o.addS(o.un("sqrt", n1), p.beta as number), lr), p.wd as number);
  const active = o.cmpS("_greater_scalar", o.un("abs", z1), lamda1);
  return { weight: o.mul(o.div(num, den), active), states: [z1, n1] };
};

/**
 * FTML (Zheng & Kwok 2017): `g = clip(rescale*grad + wd*w); v = b2*v + (1-b2)*g^2;
 * d_t = (1 - b1^t)/lr * (sqrt(v / (1 - b2^t)) + eps);
 * z = b1*z + (1-b1)*g - (d_t - b1*d)*w; d = d_t; w = -z / d_t`. Its clip parameter is
 * `clip_grad`, as MXNet names it.
 */
const ftmlRule: Rule = (b, w, grad, [d, v, z], p) => {
  const o = ops(b);
  const b1 = p.beta1 as number, b2 = p.beta2 as number, t = p.t as number;
  const g = rescaledGradWithWd(b, grad, w, { ...p, clipGradient: p.clipGrad });
  const v1 = decay(o, v, b2, o.un("square", g));
  const dT = o.mulS(
    o.addS(o.un("sqrt", divS(b, v1, 1 - b2 ** t)), p.epsilon as number),
    (1 - b1 ** t) / (p.lr as number),
  );
  const sigma = o.sub(dT, o.mulS(d, b1));
  const z1 = o.sub(decay(o, z, b1, g), o.mul(sigma, w));
  return { weight: o.div(o.neg(z1), dT), states: [dT, v1, z1] };
};

/**
 * Group AdaGrad (one learning rate per row): `g = clip(rescale*grad);
 * history += mean(g^2 over all axes but the first); w -= lr * g / sqrt(history + eps)`.
 * `history` has shape `[rows, 1]`. MXNet has no weight decay here.
 */
const groupAdagrad: OpDef = {
  name: "_contrib_group_adagrad_update",
  aliases: ["group_adagrad_update"],
  inputs: ["weight", "grad", "history"],
  params: {
    lr: LR,
    rescaleGrad: { type: "float", default: 1 },
    clipGradient: { type: "float", default: -1 },
    epsilon: { type: "float", default: 1e-5 },
  },
  mutatesInputs: [2],
  differentiable: false,
  inferShape: ([w, g, h]) => {
    const name = "_contrib_group_adagrad_update";
    if (w.length < 1 || g.length !== w.length || g.some((x, i) => x !== w[i])) {
      throw new ShapeError(
        `${name}: grad has shape ${formatShape(g)} but weight has ${formatShape(w)}`,
      );
    }
    if (h.length !== 2 || h[0] !== w[0] || h[1] !== 1) {
      throw new ShapeError(
        `${name}: history must have shape [${w[0]}, 1] (rows of weight, 1), got ${formatShape(h)}`,
      );
    }
    return [w];
  },
  inferType: (t) => {
    expectWeightDType("_contrib_group_adagrad_update", ["weight", "grad", "history"], t, [1, 2]);
    return [t[0]];
  },
  lowering: {
    kind: "composite",
    compose: (b, [w, grad, h], p) => {
      const o = ops(b);
      const shape = b.shape(w);
      const g = rescaledGrad(b, grad, p);
      const rows = shape[0];
      const flat = o.reshape(o.un("square", g), [rows, shape.slice(1).reduce((a, x) => a * x, 1)]);
      const h1 = o.add(h, b.op("mean", [flat], { axis: [1], keepdims: true }));
      assignState(b, h, h1);
      const denom = o.un("sqrt", o.addS(h1, p.epsilon as number));
      const hB = o.reshape(denom, [rows, ...shape.slice(1).map(() => 1)]);
      return [o.sub(w, o.mulS(o.div(g, o.broadcastTo(hB, shape)), p.lr as number))];
    },
  },
};

/** Every adaptive update operator. */
export const ADAPTIVE_UPDATE_OPS: readonly OpDef[] = [
  updateOp("rmsprop_update", ["n"], RMSPROP_PARAMS, rmspropRule),
  updateOp("rmspropalex_update", ["n", "g", "delta"], {
    ...RMSPROP_PARAMS,
    gamma2: { type: "float", default: 0.9 },
  }, rmspropAlexRule),
  updateOp("ftrl_update", ["z", "n"], {
    lr: LR,
    lamda1: { type: "float", default: 0.01 },
    beta: { type: "float", default: 1 },
    ...GRAD_PARAMS,
  }, ftrlRule),
  updateOp("ftml_update", ["d", "v", "z"], {
    lr: LR,
    beta1: { type: "float", default: 0.6, min: 0, max: 1 },
    beta2: { type: "float", default: 0.999, min: 0, max: 1 },
    epsilon: { type: "float", default: 1e-8 },
    t: { type: "int", required: true },
    wd: { type: "float", default: 0 },
    rescaleGrad: { type: "float", default: 1 },
    clipGrad: { type: "float", default: -1 },
  }, ftmlRule),
  groupAdagrad,
];
