/**
 * The Adam family of update operators with MXNet's names and parameters: `adam_update`,
 * `_adamw_update` and `_mp_adamw_update` (decoupled weight decay, with the gradient scale
 * as an array), and LAMB's two phases `lamb_update_phase1/2` with their `mp_` forms.
 * @module
 */
import { ops } from "../_builder_util.ts";
import type { Builder, OpDef, Params, ParamSpec } from "../op_def.ts";
import {
  assignState,
  decay,
  divS,
  expectFloat32,
  expectWeightDType,
  GRAD_PARAMS,
  LAZY,
  LR,
  mpUpdateOp,
  rescaledGrad,
  rescaledGradWithWd,
  type Rule,
  sameShapes,
  updateOp,
} from "./_common.ts";
import { ShapeError } from "../../core/errors.ts";
import { formatShape, sizeOf } from "../../core/shape.ts";

const MOMENTS: Record<string, ParamSpec> = {
  beta1: { type: "float", default: 0.9 },
  beta2: { type: "float", default: 0.999 },
  epsilon: { type: "float", default: 1e-8 },
};

/**
 * Adam (the optimizer folds the bias correction into `lr`): `g = clip(rescale*grad +
 * wd*w); mean = b1*mean + (1-b1)*g; var = b2*var + (1-b2)*g^2;
 * w -= lr * mean / (sqrt(var) + eps)`.
 */
const adamRule: Rule = (b, w, grad, [mean, v], p) => {
  const o = ops(b);
  const g = rescaledGradWithWd(b, grad, w, p);
  const m1 = decay(o, mean, p.beta1 as number, g);
  const v1 = decay(o, v, p.beta2 as number, o.un("square", g));
  const step = o.mulS(o.div(m1, o.addS(o.un("sqrt", v1), p.epsilon as number)), p.lr as number);
  return { weight: o.sub(w, step), states: [m1, v1] };
};

/**
 * AdamW: `g = clip(rescale*grad)`, moments as Adam, then
 * `w -= eta * (lr * mean / (sqrt(var) + eps) + wd * w)`. Here `rescaleGrad` is read from
 * the params, which the AdamW operators fill from their `rescale_grad` array.
 */
const adamwRule: Rule = (b, w, grad, [mean, v], p) => {
  const o = ops(b);
  const g = rescaledGrad(b, grad, p);
  const m1 = decay(o, mean, p.beta1 as number, g);
  const v1 = decay(o, v, p.beta2 as number, o.un("square", g));
  const adam = o.mulS(o.div(m1, o.addS(o.un("sqrt", v1), p.epsilon as number)), p.lr as number);
  const wd = p.wd as number;
  const step = o.mulS(wd === 0 ? adam : o.add(adam, o.mulS(w, wd)), p.eta as number);
  return { weight: o.sub(w, step), states: [m1, v1] };
};

const ADAMW_PARAMS: Record<string, ParamSpec> = {
  lr: LR,
  ...MOMENTS,
  wd: { type: "float", default: 0 },
  eta: { type: "float", required: true },
  clipGradient: { type: "float", default: -1 },
};

/**
 * `_adamw_update(weight, grad, mean, var, rescale_grad)` and the `mp` form with `weight32`
 * before `rescale_grad`. As MXNet, the update is skipped (weight and states unchanged)
 * when `rescale_grad` is not finite or is 0, the sign of an overflowed loss scale; the
 * test runs on the device, without reading the scale back.
 */
function adamwOp(name: string, mp: boolean): OpDef {
  const names = ["weight", "grad", "mean", "var", ...(mp ? ["weight32"] : []), "rescale_grad"];
  const scaleIdx = names.length - 1;
  const mutated = mp ? [2, 3, 4] : [2, 3];
  return {
    name,
    inputs: names,
    params: ADAMW_PARAMS,
    mutatesInputs: mutated,
    differentiable: false,
    inferShape: (s) => {
      const shape = sameShapes(name, names.slice(0, scaleIdx), s.slice(0, scaleIdx));
      if (sizeOf(s[scaleIdx]) !== 1) {
        throw new ShapeError(
          `${name}: rescale_grad must hold one element, got shape ${formatShape(s[scaleIdx])}`,
        );
      }
      return [shape];
    },
    inferType: (t) => {
      if (mp) expectFloat32(name, names, t, [2, 3, 4]);
      else expectWeightDType(name, names, t, [1, 2, 3]);
      return [t[0]];
    },
    lowering: {
      kind: "composite",
      compose: (b, inputs, p) => {
        const o = ops(b);
        const [w, grad, mean, v] = inputs;
        const master = mp ? inputs[4] : w;
        const scale = inputs[scaleIdx];
        const shape = b.shape(master);
        const dt = b.dtype(master);
        const scale1 = b.op("Cast", [o.reshape(scale, [1])], { dtype: dt });
        // finite and non-zero: scale*0 == 0 fails for inf and NaN.
        const ok = o.mul(
          o.cmpS("_equal_scalar", o.mulS(scale1, 0), 0),
          o.cmpS("_not_equal_scalar", scale1, 0),
        );
        const okB = o.broadcastTo(ok, shape);
        const g = b.dtype(grad) === dt ? grad : b.op("Cast", [grad], { dtype: dt });
        const scaled = o.mul(g, o.broadcastTo(scale1, shape));
        const r = adamwRule(b, master, scaled, [mean, v], { ...p, rescaleGrad: 1 });
        const keep = (x: typeof w, old: typeof w) => b.op("where", [okB, x, old]);
        assignState(b, mean, keep(r.states[0], mean));
        assignState(b, v, keep(r.states[1], v));
        const newW = keep(r.weight, master);
        if (!mp) return [newW];
        assignState(b, master, newW);
        return [b.op("Cast", [newW], { dtype: b.dtype(w) })];
      },
    },
  };
}

const LAMB1_PARAMS: Record<string, ParamSpec> = {
  ...MOMENTS,
  epsilon: { type: "float", default: 1e-6 },
  t: { type: "int", required: true },
  biasCorrection: { type: "bool", default: true },
  wd: { type: "float", required: true },
  rescaleGrad: { type: "float", default: 1 },
  clipGradient: { type: "float", default: -1 },
};

/**
 * LAMB phase 1: moments of `clip(rescale*grad)`, then the direction
 * `g = mean_hat / (sqrt(var_hat) + eps) + wd*w` (hats: divided by `1 - beta^t` when
 * `bias_correction`). The output is `g`; the moments are written in place.
 */
const lambPhase1Rule: Rule = (b, w, grad, [mean, v], p) => {
  const o = ops(b);
  const b1 = p.beta1 as number, b2 = p.beta2 as number, t = p.t as number;
  const wd = p.wd as number;
  const g = rescaledGrad(b, grad, p);
  const m1 = decay(o, mean, b1, g);
  const v1 = decay(o, v, b2, o.un("square", g));
  const mHat = p.biasCorrection ? divS(b, m1, 1 - b1 ** t) : m1;
  const vHat = p.biasCorrection ? divS(b, v1, 1 - b2 ** t) : v1;
  const r = o.div(mHat, o.addS(o.un("sqrt", vHat), p.epsilon as number));
  return { weight: wd === 0 ? r : o.add(r, o.mulS(w, wd)), states: [m1, v1] };
};

const LAMB2_PARAMS: Record<string, ParamSpec> = {
  lr: LR,
  lowerBound: { type: "float", default: -1 },
  upperBound: { type: "float", default: -1 },
};

/**
 * LAMB phase 2: `w - lr * ratio * g`, `ratio = r1' / r2` with `r1'` the weight norm `r1`
 * clamped to the bounds (each >= 0 to apply), and 1 when `r1'` or `r2` is 0.
 */
function lambPhase2<T>(b: Builder<T>, w: T, g: T, r1: T, r2: T, p: Params): T {
  const o = ops(b);
  let n1 = o.reshape(r1, [1]);
  const n2 = o.reshape(r2, [1]);
  const lo = p.lowerBound as number, hi = p.upperBound as number;
  if (lo >= 0) n1 = b.op("_maximum_scalar", [n1], { scalar: lo });
  if (hi >= 0) n1 = b.op("_minimum_scalar", [n1], { scalar: hi });
  const ok = o.mul(o.cmpS("_not_equal_scalar", n1, 0), o.cmpS("_not_equal_scalar", n2, 0));
  const ratio = b.op("where", [ok, o.div(n1, n2), b.op("ones_like", [n1])]);
  return o.sub(w, o.mul(g, o.mulS(ratio, p.lr as number)));
}

function lamb2Op(name: string, mp: boolean): OpDef {
  const names = ["weight", "g", "r1", "r2", ...(mp ? ["weight32"] : [])];
  return {
    name,
    inputs: names,
    params: LAMB2_PARAMS,
    mutatesInputs: mp ? [4] : [],
    differentiable: false,
    inferShape: (s) => {
      for (const i of [2, 3]) {
        if (sizeOf(s[i]) !== 1) {
          throw new ShapeError(
            `${name}: ${names[i]} must hold one element (a norm), got shape ${formatShape(s[i])}`,
          );
        }
      }
      const shapes = mp ? [s[0], s[1], s[4]] : [s[0], s[1]];
      return [sameShapes(name, mp ? ["weight", "g", "weight32"] : ["weight", "g"], shapes)];
    },
    inferType: (t) => {
      if (mp) expectFloat32(name, names, t, [1, 2, 3, 4]);
      else expectWeightDType(name, names, t, [1, 2, 3]);
      return [t[0]];
    },
    lowering: {
      kind: "composite",
      compose: (b, [w, g, r1, r2, w32], p) => {
        if (!mp) return [lambPhase2(b, w, g, r1, r2, p)];
        // MXNet 1.9.1 declares weight32 mutated but its kernel leaves it unchanged, so the
        // master copy never moves; here it is updated, as mixed precision needs.
        const next = lambPhase2(b, w32, g, r1, r2, p);
        assignState(b, w32, next);
        return [b.op("Cast", [next], { dtype: b.dtype(w) })];
      },
    },
  };
}

/** LAMB phase 1 in mixed precision: float32 moments and `g` from the float32 `weight32`. */
function mpLamb1Op(): OpDef {
  const names = ["weight", "grad", "mean", "var", "weight32"];
  const base = mpUpdateOp("mp_lamb_update_phase1", ["mean", "var"], LAMB1_PARAMS, lambPhase1Rule);
  return {
    ...base,
    mutatesInputs: [2, 3],
    inferType: (t) => {
      expectWeightDType("mp_lamb_update_phase1", names, t, [1]);
      expectFloat32("mp_lamb_update_phase1", names, t, [2, 3, 4]);
      return ["float32"];
    },
    lowering: {
      kind: "composite",
      compose: (b, [, g, mean, v, w32], p) => {
        const g32 = b.dtype(g) === "float32" ? g : b.op("Cast", [g], { dtype: "float32" });
        const r = lambPhase1Rule(b, w32, g32, [mean, v], p);
        r.states.forEach((x, i) => assignState(b, [mean, v][i], x));
        return [r.weight];
      },
    },
  };
}

/** Every Adam-family update operator. */
export const ADAM_UPDATE_OPS: readonly OpDef[] = [
  updateOp("adam_update", ["mean", "var"], {
    lr: LR,
    ...MOMENTS,
    ...GRAD_PARAMS,
    ...LAZY,
  }, adamRule),
  adamwOp("_adamw_update", false),
  adamwOp("_mp_adamw_update", true),
  updateOp("lamb_update_phase1", ["mean", "var"], LAMB1_PARAMS, lambPhase1Rule),
  lamb2Op("lamb_update_phase2", false),
  mpLamb1Op(),
  lamb2Op("mp_lamb_update_phase2", true),
];
