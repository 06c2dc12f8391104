/**
 * `mx.nd`'s optimizer update functions (MXNet's `mx.nd.sgd_update` and friends, in
 * camelCase): `sgdMomUpdate(weight, grad, mom, { lr, momentum, out: weight })` updates
 * `mom` in place and, with `out: weight`, the weight too, exactly as MXNet's optimizers
 * call them. Without `out` the new weight is a new array.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const w = mx.nd.array([1, 2]), g = mx.nd.array([1, 1]), mom = mx.nd.zeros([2]);
 * mx.nd.sgdMomUpdate(w, g, mom, { lr: 0.1, momentum: 0.9, out: w });
 * console.log(await w.data()); // Float32Array [0.9, 1.9]
 * console.log(await mom.data()); // Float32Array [-0.1, -0.1]
 * ```
 * @module
 */
import { ParamError } from "../core/errors.ts";
import { describe } from "../core/options.ts";
import { type FnSpec, isOptions } from "../ops/frontend.ts";
import {
  LIST_FUNCTIONS,
  listCount,
  type ListSpec,
  UPDATE_FUNCTIONS,
} from "../ops/optimizer/frontend.ts";
import { getOp } from "../ops/registry.ts";
import { callNd } from "./_frontend.ts";
import { applyOp } from "./apply.ts";
import { NDArray } from "./ndarray.ts";
import { scope } from "./scope.ts";

/**
 * Options of an update function: the operator's parameters (camelCase or MXNet's
 * snake_case; see the operator for names and defaults), and `out`.
 */
export interface OptimizerOpOptions {
  /** Where the new weight(s) go: the weight itself to update it in place, as MXNet's optimizers do. */
  out?: NDArray | readonly NDArray[];
  /** The operator's parameters (`lr`, `wd`, `rescaleGrad`, `clipGradient`, ...). */
  [param: string]: unknown;
}

/** An update function: the input arrays in MXNet's order, then the options. */
export type OptimizerOpFn = (...args: (NDArray | OptimizerOpOptions)[]) => NDArray;

/** A list function: the arrays as one list (grouped per weight), then the options. */
export type OptimizerListFn<R> = (arrays: readonly NDArray[], opts?: OptimizerOpOptions) => R;

/** Splits `out` off the options. */
function takeOut(
  args: readonly unknown[],
): { args: unknown[]; out: NDArray | readonly NDArray[] | undefined } {
  const last = args[args.length - 1];
  if (!isOptions(last) || !("out" in last)) return { args: [...args], out: undefined };
  const { out, ...rest } = last;
  return { args: [...args.slice(0, -1), rest], out: out as NDArray | NDArray[] | undefined };
}

/** True when the options ask the finiteness checks to keep `out`'s flag (`init_output` false). */
function keepsOutput(opts: unknown): boolean {
  return isOptions(opts) && (opts.initOutput === false || opts.init_output === false);
}

/**
 * Copies `outs` into `out` (one array or a list) and returns what the caller gets. With
 * `keep` (`all_finite` with `init_output: false`), the new flag is combined with the one
 * already in `out`, as MXNet's kernel only ever clears it.
 */
function deliver(
  fn: string,
  outs: NDArray[],
  out: NDArray | readonly NDArray[] | undefined,
  keep = false,
) {
  if (out === undefined) return outs;
  const targets = out instanceof NDArray ? [out] : out;
  if (!Array.isArray(targets) || targets.length !== outs.length) {
    throw new ParamError(
      `${fn}: out expects ${outs.length === 1 ? "an NDArray" : `${outs.length} NDArrays`}, got ${
        describe(out)
      }`,
    );
  }
  outs.forEach((o, i) => (keep ? o.mul(targets[i]) : o).copyTo(targets[i]));
  return [...targets];
}

function updateFn(fn: string, op: string): OptimizerOpFn {
  const spec: FnSpec = { op };
  return (...raw) =>
    scope(() => {
      const { args, out } = takeOut(raw);
      return deliver(fn, callNd(fn, args, spec), out, keepsOutput(raw[raw.length - 1]))[0];
    });
}

function listFn<R>(
  fn: string,
  spec: ListSpec,
  pick: (outs: NDArray[]) => R,
): OptimizerListFn<R> {
  return (arrays, opts = {}) =>
    scope(() => {
      if (!Array.isArray(arrays) || arrays.some((a) => !(a instanceof NDArray))) {
        throw new ParamError(
          `${fn}: argument 1 expects a list of NDArrays, got ${describe(arrays)}`,
        );
      }
      const { out, ...params } = opts;
      params[spec.count] = listCount(fn, arrays.length, spec);
      const outs = applyOp(getOp(spec.op), arrays, params);
      return pick(deliver(fn, outs, out, keepsOutput(opts)));
    });
}

const U = UPDATE_FUNCTIONS;
const L = LIST_FUNCTIONS;

/** MXNet's `sgd_update(weight, grad)`: `w = (1 - lr*wd)*w - lr*clip(rescale_grad*grad)`. */
export const sgdUpdate: OptimizerOpFn = updateFn("sgdUpdate", U.sgdUpdate);
/** MXNet's `sgd_mom_update(weight, grad, mom)`: momentum SGD; `mom` is updated in place. */
export const sgdMomUpdate: OptimizerOpFn = updateFn("sgdMomUpdate", U.sgdMomUpdate);
/** MXNet's `nag_mom_update(weight, grad, mom)`: Nesterov momentum. */
export const nagMomUpdate: OptimizerOpFn = updateFn("nagMomUpdate", U.nagMomUpdate);
/** MXNet's `mp_sgd_update(weight, grad, weight32)`: SGD on the float32 master copy. */
export const mpSgdUpdate: OptimizerOpFn = updateFn("mpSgdUpdate", U.mpSgdUpdate);
/** MXNet's `mp_sgd_mom_update(weight, grad, mom, weight32)`. */
export const mpSgdMomUpdate: OptimizerOpFn = updateFn("mpSgdMomUpdate", U.mpSgdMomUpdate);
/** MXNet's `mp_nag_mom_update(weight, grad, mom, weight32)`. */
export const mpNagMomUpdate: OptimizerOpFn = updateFn("mpNagMomUpdate", U.mpNagMomUpdate);
/** MXNet's `signsgd_update(weight, grad)`: `w = (1 - lr*wd)*w - lr*sign(grad)`. */
export const signsgdUpdate: OptimizerOpFn = updateFn("signsgdUpdate", U.signsgdUpdate);
/** MXNet's `signum_update(weight, grad, mom)`: sign of the momentum. */
export const signumUpdate: OptimizerOpFn = updateFn("signumUpdate", U.signumUpdate);
/** MXNet's `adam_update(weight, grad, mean, var)` (bias correction folded into `lr`). */
export const adamUpdate: OptimizerOpFn = updateFn("adamUpdate", U.adamUpdate);
/** MXNet's `_adamw_update(weight, grad, mean, var, rescale_grad)`: decoupled weight decay. */
export const adamwUpdate: OptimizerOpFn = updateFn("adamwUpdate", U.adamwUpdate);
/** MXNet's `_mp_adamw_update(weight, grad, mean, var, weight32, rescale_grad)`. */
export const mpAdamwUpdate: OptimizerOpFn = updateFn("mpAdamwUpdate", U.mpAdamwUpdate);
/** MXNet's `lamb_update_phase1(weight, grad, mean, var)`: returns LAMB's direction `g`. */
export const lambUpdatePhase1: OptimizerOpFn = updateFn("lambUpdatePhase1", U.lambUpdatePhase1);
/** MXNet's `lamb_update_phase2(weight, g, r1, r2)`: the trust-ratio step. */
export const lambUpdatePhase2: OptimizerOpFn = updateFn("lambUpdatePhase2", U.lambUpdatePhase2);
/** MXNet's `mp_lamb_update_phase1(weight, grad, mean, var, weight32)`. */
export const mpLambUpdatePhase1: OptimizerOpFn = updateFn(
  "mpLambUpdatePhase1",
  U.mpLambUpdatePhase1,
);
/** MXNet's `mp_lamb_update_phase2(weight, g, r1, r2, weight32)`. */
export const mpLambUpdatePhase2: OptimizerOpFn = updateFn(
  "mpLambUpdatePhase2",
  U.mpLambUpdatePhase2,
);
/** MXNet's `rmsprop_update(weight, grad, n)`. */
export const rmspropUpdate: OptimizerOpFn = updateFn("rmspropUpdate", U.rmspropUpdate);
/** MXNet's `rmspropalex_update(weight, grad, n, g, delta)`: centered RMSProp. */
export const rmspropalexUpdate: OptimizerOpFn = updateFn("rmspropalexUpdate", U.rmspropalexUpdate);
/** MXNet's `ftrl_update(weight, grad, z, n)`. */
export const ftrlUpdate: OptimizerOpFn = updateFn("ftrlUpdate", U.ftrlUpdate);
/** MXNet's `ftml_update(weight, grad, d, v, z)`. */
export const ftmlUpdate: OptimizerOpFn = updateFn("ftmlUpdate", U.ftmlUpdate);
/** MXNet's `contrib.group_adagrad_update(weight, grad, history)`: one rate per row. */
export const groupAdagradUpdate: OptimizerOpFn = updateFn(
  "groupAdagradUpdate",
  U.groupAdagradUpdate,
);
/** MXNet's `all_finite(data)`: float32 `[1]`, 1 when every element is finite. */
export const allFinite: OptimizerOpFn = updateFn("allFinite", U.allFinite);
/** MXNet's `multi_lars(lrs, weights_sum_sq, grads_sum_sq, wds)`: LARS learning rates. */
export const multiLars: OptimizerOpFn = updateFn("multiLars", U.multiLars);

/** MXNet's `multi_sgd_update([w0, g0, w1, g1, ...], { lrs, wds })`: the new weights. */
export const multiSgdUpdate: OptimizerListFn<NDArray[]> = listFn(
  "multiSgdUpdate",
  L.multiSgdUpdate,
  (o) => o,
);
/** MXNet's `multi_sgd_mom_update([w0, g0, mom0, ...], { lrs, wds, momentum })`. */
export const multiSgdMomUpdate: OptimizerListFn<NDArray[]> = listFn(
  "multiSgdMomUpdate",
  L.multiSgdMomUpdate,
  (o) => o,
);
/** MXNet's `multi_mp_sgd_update([w0, g0, w32_0, ...], { lrs, wds })`. */
export const multiMpSgdUpdate: OptimizerListFn<NDArray[]> = listFn(
  "multiMpSgdUpdate",
  L.multiMpSgdUpdate,
  (o) => o,
);
/** MXNet's `multi_mp_sgd_mom_update([w0, g0, mom0, w32_0, ...], { lrs, wds, momentum })`. */
export const multiMpSgdMomUpdate: OptimizerListFn<NDArray[]> = listFn(
  "multiMpSgdMomUpdate",
  L.multiMpSgdMomUpdate,
  (o) => o,
);
/** MXNet's `multi_sum_sq(*arrays)`: float32 `[n]`, each array's sum of squares. */
export const multiSumSq: OptimizerListFn<NDArray> = listFn(
  "multiSumSq",
  L.multiSumSq,
  (o) => o[0],
);
/** MXNet's `multi_all_finite(*arrays)`: float32 `[1]`, 1 when all are finite. */
export const multiAllFinite: OptimizerListFn<NDArray> = listFn(
  "multiAllFinite",
  L.multiAllFinite,
  (o) => o[0],
);
/** MXNet's `reset_arrays(*arrays)`: sets each array to zero in place. */
export const resetArrays: OptimizerListFn<void> = listFn("resetArrays", L.resetArrays, () => {});
/**
 * MXNet's `preloaded_multi_sgd_update([w0, g0, ..., lrs, wds])`: multi SGD with the rates
 * as float32 arrays (e.g. from `multiLars`).
 */
export const preloadedMultiSgdUpdate: OptimizerListFn<NDArray[]> = listFn(
  "preloadedMultiSgdUpdate",
  L.preloadedMultiSgdUpdate,
  (o) => o,
);
/** MXNet's `preloaded_multi_sgd_mom_update([w0, g0, mom0, ..., lrs, wds], { momentum })`. */
export const preloadedMultiSgdMomUpdate: OptimizerListFn<NDArray[]> = listFn(
  "preloadedMultiSgdMomUpdate",
  L.preloadedMultiSgdMomUpdate,
  (o) => o,
);
/** MXNet's `preloaded_multi_mp_sgd_update([w0, g0, w32_0, ..., lrs, wds])`. */
export const preloadedMultiMpSgdUpdate: OptimizerListFn<NDArray[]> = listFn(
  "preloadedMultiMpSgdUpdate",
  L.preloadedMultiMpSgdUpdate,
  (o) => o,
);
/** MXNet's `preloaded_multi_mp_sgd_mom_update([w0, g0, mom0, w32_0, ..., lrs, wds])`. */
export const preloadedMultiMpSgdMomUpdate: OptimizerListFn<NDArray[]> = listFn(
  "preloadedMultiMpSgdMomUpdate",
  L.preloadedMultiMpSgdMomUpdate,
  (o) => o,
);
/**
 * MXNet's `_multi_adamw_update([w0, g0, mean0, var0, ..., rescale_grad], { lrs, wds, etas })`:
 * AdamW per weight; skipped when `rescale_grad` is not finite or is 0.
 */
export const multiAdamwUpdate: OptimizerListFn<NDArray[]> = listFn(
  "multiAdamwUpdate",
  L.multiAdamwUpdate,
  (o) => o,
);
/** MXNet's `_multi_mp_adamw_update([w0, g0, mean0, var0, w32_0, ..., rescale_grad], ...)`. */
export const multiMpAdamwUpdate: OptimizerListFn<NDArray[]> = listFn(
  "multiMpAdamwUpdate",
  L.multiMpAdamwUpdate,
  (o) => o,
);
/**
 * MXNet's `_multi_lamb_update([w0, g0, mean0, var0, ...], { learningRates, wds, stepCount })`:
 * LAMB per weight (both phases).
 */
export const multiLambUpdate: OptimizerListFn<NDArray[]> = listFn(
  "multiLambUpdate",
  L.multiLambUpdate,
  (o) => o,
);
/** MXNet's `_multi_mp_lamb_update([w0, g0, mean0, var0, w32_0, ...], ...)`. */
export const multiMpLambUpdate: OptimizerListFn<NDArray[]> = listFn(
  "multiMpLambUpdate",
  L.multiMpLambUpdate,
  (o) => o,
);
