/**
 * `mx.sym`'s optimizer update constructors, the graph twins of `mx.nd.sgdUpdate` and
 * friends (same names and arguments; `out` has no meaning in a graph). Graph JSON names
 * the operators as MXNet does (`sgd_mom_update`), so MXNet graphs holding them load.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const w = mx.sym.var("w"), g = mx.sym.var("g");
 * const up = mx.sym.sgdUpdate(w, g, { lr: 0.1 });
 * console.log(up.listArguments()); // ["w", "g"]
 * ```
 * @module
 */
import { ParamError } from "../core/errors.ts";
import { describe } from "../core/options.ts";
import { type FnSpec, parseCall } from "../ops/frontend.ts";
import {
  LIST_FUNCTIONS,
  listCount,
  type ListSpec,
  UPDATE_FUNCTIONS,
} from "../ops/optimizer/frontend.ts";
import { SYM } from "./_frontend.ts";
import { createSymbol, Symbol } from "./symbol.ts";

/** Options of a graph update constructor: the operator's parameters, `name`, `attr`. */
export interface OptimizerSymOptions {
  /** The node's name. */
  name?: string;
  /** The node's attributes. */
  attr?: Record<string, string>;
  /** The operator's parameters (`lr`, `wd`, `rescaleGrad`, `clipGradient`, ...). */
  [param: string]: unknown;
}

/** A graph update constructor: the input symbols in MXNet's order, then the options. */
export type OptimizerSymFn = (...args: (Symbol | OptimizerSymOptions)[]) => Symbol;

/** A graph list constructor: the symbols as one list, then the options. */
export type OptimizerSymListFn = (arrays: readonly Symbol[], opts?: OptimizerSymOptions) => Symbol;

function updateFn(fn: string, op: string): OptimizerSymFn {
  const spec: FnSpec = { op };
  return (...args) => {
    const call = parseCall(fn, spec, args, SYM);
    return createSymbol(op, call.inputs, call.params, {
      name: call.name,
      attr: call.attr,
      hint: call.hint,
    });
  };
}

function listFn(
  fn: string,
  spec: ListSpec,
): OptimizerSymListFn {
  return (arrays, opts = {}) => {
    if (!Array.isArray(arrays) || arrays.some((a) => !(a instanceof Symbol))) {
      throw new ParamError(`${fn}: argument 1 expects a list of Symbols, got ${describe(arrays)}`);
    }
    const { name, attr, ...params } = opts;
    params[spec.count] = listCount(fn, arrays.length, spec);
    return createSymbol(spec.op, arrays, params, { name, attr });
  };
}

const U = UPDATE_FUNCTIONS;
const L = LIST_FUNCTIONS;

/** `sgd_update(weight, grad)` as a graph node. */
export const sgdUpdate: OptimizerSymFn = updateFn("sgdUpdate", U.sgdUpdate);
/** `sgd_mom_update(weight, grad, mom)` as a graph node. */
export const sgdMomUpdate: OptimizerSymFn = updateFn("sgdMomUpdate", U.sgdMomUpdate);
/** `nag_mom_update(weight, grad, mom)` as a graph node. */
export const nagMomUpdate: OptimizerSymFn = updateFn("nagMomUpdate", U.nagMomUpdate);
/** `mp_sgd_update(weight, grad, weight32)` as a graph node. */
export const mpSgdUpdate: OptimizerSymFn = updateFn("mpSgdUpdate", U.mpSgdUpdate);
/** `mp_sgd_mom_update(weight, grad, mom, weight32)` as a graph node. */
export const mpSgdMomUpdate: OptimizerSymFn = updateFn("mpSgdMomUpdate", U.mpSgdMomUpdate);
/** `mp_nag_mom_update(weight, grad, mom, weight32)` as a graph node. */
export const mpNagMomUpdate: OptimizerSymFn = updateFn("mpNagMomUpdate", U.mpNagMomUpdate);
/** `signsgd_update(weight, grad)` as a graph node. */
export const signsgdUpdate: OptimizerSymFn = updateFn("signsgdUpdate", U.signsgdUpdate);
/** `signum_update(weight, grad, mom)` as a graph node. */
export const signumUpdate: OptimizerSymFn = updateFn("signumUpdate", U.signumUpdate);
/** `adam_update(weight, grad, mean, var)` as a graph node. */
export const adamUpdate: OptimizerSymFn = updateFn("adamUpdate", U.adamUpdate);
/** `_adamw_update(weight, grad, mean, var, rescale_grad)` as a graph node. */
export const adamwUpdate: OptimizerSymFn = updateFn("adamwUpdate", U.adamwUpdate);
/** `_mp_adamw_update(weight, grad, mean, var, weight32, rescale_grad)` as a graph node. */
export const mpAdamwUpdate: OptimizerSymFn = updateFn("mpAdamwUpdate", U.mpAdamwUpdate);
/** `lamb_update_phase1(weight, grad, mean, var)` as a graph node. */
export const lambUpdatePhase1: OptimizerSymFn = updateFn("lambUpdatePhase1", U.lambUpdatePhase1);
/** `lamb_update_phase2(weight, g, r1, r2)` as a graph node. */
export const lambUpdatePhase2: OptimizerSymFn = updateFn("lambUpdatePhase2", U.lambUpdatePhase2);
/** `mp_lamb_update_phase1(weight, grad, mean, var, weight32)` as a graph node. */
export const mpLambUpdatePhase1: OptimizerSymFn = updateFn(
  "mpLambUpdatePhase1",
  U.mpLambUpdatePhase1,
);
/** `mp_lamb_update_phase2(weight, g, r1, r2, weight32)` as a graph node. */
export const mpLambUpdatePhase2: OptimizerSymFn = updateFn(
  "mpLambUpdatePhase2",
  U.mpLambUpdatePhase2,
);
/** `rmsprop_update(weight, grad, n)` as a graph node. */
export const rmspropUpdate: OptimizerSymFn = updateFn("rmspropUpdate", U.rmspropUpdate);
/** `rmspropalex_update(weight, grad, n, g, delta)` as a graph node. */
export const rmspropalexUpdate: OptimizerSymFn = updateFn(
  "rmspropalexUpdate",
  U.rmspropalexUpdate,
);
/** `ftrl_update(weight, grad, z, n)` as a graph node. */
export const ftrlUpdate: OptimizerSymFn = updateFn("ftrlUpdate", U.ftrlUpdate);
/** `ftml_update(weight, grad, d, v, z)` as a graph node. */
export const ftmlUpdate: OptimizerSymFn = updateFn("ftmlUpdate", U.ftmlUpdate);
/** `_contrib_group_adagrad_update(weight, grad, history)` as a graph node. */
export const groupAdagradUpdate: OptimizerSymFn = updateFn(
  "groupAdagradUpdate",
  U.groupAdagradUpdate,
);
/** `all_finite(data)` as a graph node. */
export const allFinite: OptimizerSymFn = updateFn("allFinite", U.allFinite);
/** `multi_lars(lrs, weights_sum_sq, grads_sum_sq, wds)` as a graph node. */
export const multiLars: OptimizerSymFn = updateFn("multiLars", U.multiLars);
/** `multi_sgd_update(*data)` as a graph node (one output per weight). */
export const multiSgdUpdate: OptimizerSymListFn = listFn("multiSgdUpdate", L.multiSgdUpdate);
/** `multi_sgd_mom_update(*data)` as a graph node. */
export const multiSgdMomUpdate: OptimizerSymListFn = listFn(
  "multiSgdMomUpdate",
  L.multiSgdMomUpdate,
);
/** `multi_mp_sgd_update(*data)` as a graph node. */
export const multiMpSgdUpdate: OptimizerSymListFn = listFn("multiMpSgdUpdate", L.multiMpSgdUpdate);
/** `multi_mp_sgd_mom_update(*data)` as a graph node. */
export const multiMpSgdMomUpdate: OptimizerSymListFn = listFn(
  "multiMpSgdMomUpdate",
  L.multiMpSgdMomUpdate,
);
/** `multi_sum_sq(*arrays)` as a graph node. */
export const multiSumSq: OptimizerSymListFn = listFn("multiSumSq", L.multiSumSq);
/** `multi_all_finite(*arrays)` as a graph node. */
export const multiAllFinite: OptimizerSymListFn = listFn("multiAllFinite", L.multiAllFinite);
/** `preloaded_multi_sgd_update(*data, lrs, wds)` as a graph node. */
export const preloadedMultiSgdUpdate: OptimizerSymListFn = listFn(
  "preloadedMultiSgdUpdate",
  L.preloadedMultiSgdUpdate,
);
/** `preloaded_multi_sgd_mom_update(*data, lrs, wds)` as a graph node. */
export const preloadedMultiSgdMomUpdate: OptimizerSymListFn = listFn(
  "preloadedMultiSgdMomUpdate",
  L.preloadedMultiSgdMomUpdate,
);
/** `preloaded_multi_mp_sgd_update(*data, lrs, wds)` as a graph node. */
export const preloadedMultiMpSgdUpdate: OptimizerSymListFn = listFn(
  "preloadedMultiMpSgdUpdate",
  L.preloadedMultiMpSgdUpdate,
);
/** `preloaded_multi_mp_sgd_mom_update(*data, lrs, wds)` as a graph node. */
export const preloadedMultiMpSgdMomUpdate: OptimizerSymListFn = listFn(
  "preloadedMultiMpSgdMomUpdate",
  L.preloadedMultiMpSgdMomUpdate,
);
/** `_multi_adamw_update(*data, rescale_grad)` as a graph node. */
export const multiAdamwUpdate: OptimizerSymListFn = listFn("multiAdamwUpdate", L.multiAdamwUpdate);
/** `_multi_mp_adamw_update(*data, rescale_grad)` as a graph node. */
export const multiMpAdamwUpdate: OptimizerSymListFn = listFn(
  "multiMpAdamwUpdate",
  L.multiMpAdamwUpdate,
);
/** `_multi_lamb_update(*data)` as a graph node. */
export const multiLambUpdate: OptimizerSymListFn = listFn("multiLambUpdate", L.multiLambUpdate);
/** `_multi_mp_lamb_update(*data)` as a graph node. */
export const multiMpLambUpdate: OptimizerSymListFn = listFn(
  "multiMpLambUpdate",
  L.multiMpLambUpdate,
);
