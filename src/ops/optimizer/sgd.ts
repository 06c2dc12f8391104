/**
 * The SGD family of update operators with MXNet's names and parameters: `sgd_update`,
 * `sgd_mom_update`, `nag_mom_update`, their `mp_` (float32 master weight) forms,
 * `signsgd_update` and `signum_update`. `mx.optimizer`'s SGD, NAG and Signum call these.
 * @module
 */
import { ops } from "../_builder_util.ts";
import type { Builder, OpDef, Params, ParamSpec } from "../op_def.ts";
import { GRAD_PARAMS, LAZY, LR, mpUpdateOp, rescaledGrad, type Rule, updateOp } from "./_common.ts";

const SGD_PARAMS: Record<string, ParamSpec> = { lr: LR, ...GRAD_PARAMS, ...LAZY };
/** NAG's parameters: SGD's with momentum, but no `lazy_update` in MXNet. */
const NAG_PARAMS: Record<string, ParamSpec> = {
  lr: LR,
  momentum: { type: "float", default: 0 },
  ...GRAD_PARAMS,
};
const MOM_PARAMS: Record<string, ParamSpec> = { ...NAG_PARAMS, ...LAZY };

/** `alpha * a + beta * x` in one pass. */
function axpby<T>(b: Builder<T>, a: T, x: T, alpha: number, beta: number): T {
  return b.op("_axpby", [a, x], { alpha, beta });
}

/**
 * The gradient term and its step size: without clipping the rescale folds into the step
 * (`lr * rescale`), one pass fewer; with it, the clipped gradient and `lr`.
 */
function gradStep<T>(b: Builder<T>, grad: T, p: Params): { g: T; step: number } {
  const lr = p.lr as number;
  if ((p.clipGradient as number) < 0) return { g: grad, step: lr * (p.rescaleGrad as number) };
  return { g: rescaledGrad(b, grad, p), step: lr };
}

/** `w = (1 - lr*wd)*w - lr*clip(rescale*g)`. */
const sgdRule: Rule = (b, w, grad, _s, p) => {
  const { g, step } = gradStep(b, grad, p);
  const lr = p.lr as number, wd = p.wd as number;
  return { weight: axpby(b, w, g, 1 - lr * wd, -step), states: [] };
};

/** `mom = momentum*mom - lr*wd*w - lr*clip(rescale*g); w += mom`. */
const sgdMomRule: Rule = (b, w, grad, [mom], p) => {
  const { g, step } = gradStep(b, grad, p);
  const lr = p.lr as number, wd = p.wd as number;
  let m = axpby(b, mom, g, p.momentum as number, -step);
  if (wd !== 0) m = axpby(b, m, w, 1, -lr * wd);
  return { weight: ops(b).add(w, m), states: [m] };
};

/**
 * Nesterov momentum: with `G = clip(rescale*g) + wd*w`, `mom = momentum*mom - lr*G;
 * w += momentum*mom - lr*G` (MXNet's kernel, rearranged).
 */
const nagRule: Rule = (b, w, grad, [mom], p) => {
  const o = ops(b);
  const wd = p.wd as number, momentum = p.momentum as number;
  const g = rescaledGrad(b, grad, p);
  const step = o.mulS(wd === 0 ? g : o.add(g, o.mulS(w, wd)), p.lr as number);
  const m = o.sub(o.mulS(mom, momentum), step);
  return { weight: o.add(w, o.sub(o.mulS(m, momentum), step)), states: [m] };
};

/** `w = (1 - lr*wd)*w - lr*sign(g)`; MXNet ignores rescale and clipping here. */
const signsgdRule: Rule = (b, w, grad, _s, p) => {
  const o = ops(b);
  const lr = p.lr as number, wd = p.wd as number;
  const decayed = wd === 0 ? w : o.mulS(w, 1 - lr * wd);
  return { weight: o.sub(decayed, o.mulS(o.un("sign", grad), lr)), states: [] };
};

/**
 * Signum: `mom = momentum*mom - (1-momentum)*(wd*w + clip(rescale*g));
 * w = (1 - lr*wd_lh)*w + lr*sign(mom)`.
 */
const signumRule: Rule = (b, w, grad, [mom], p) => {
  const o = ops(b);
  const lr = p.lr as number, wd = p.wd as number, wdLh = p.wdLh as number;
  const momentum = p.momentum as number;
  const g0 = rescaledGrad(b, grad, p);
  const g = wd === 0 ? g0 : o.add(g0, o.mulS(w, wd));
  const m = o.sub(o.mulS(mom, momentum), o.mulS(g, 1 - momentum));
  const decayed = wdLh === 0 ? w : o.mulS(w, 1 - lr * wdLh);
  return { weight: o.add(decayed, o.mulS(o.un("sign", m), lr)), states: [m] };
};

/** Every SGD-family update operator. */
export const SGD_UPDATE_OPS: readonly OpDef[] = [
  updateOp("sgd_update", [], SGD_PARAMS, sgdRule),
  updateOp("sgd_mom_update", ["mom"], MOM_PARAMS, sgdMomRule),
  updateOp("nag_mom_update", ["mom"], NAG_PARAMS, nagRule),
  mpUpdateOp("mp_sgd_update", [], SGD_PARAMS, sgdRule),
  mpUpdateOp("mp_sgd_mom_update", ["mom"], MOM_PARAMS, sgdMomRule),
  mpUpdateOp("mp_nag_mom_update", ["mom"], NAG_PARAMS, nagRule),
  updateOp("signsgd_update", [], { lr: LR, ...GRAD_PARAMS }, signsgdRule),
  updateOp("signum_update", ["mom"], {
    lr: LR,
    momentum: { type: "float", default: 0 },
    ...GRAD_PARAMS,
    wdLh: { type: "float", default: 0 },
  }, signumRule),
];
