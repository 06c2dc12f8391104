/**
 * The optimizer operators' front-end names, shared by `mx.nd` and `mx.sym`: the function
 * name (camelCase, as every `mx.nd` function) and the operator it applies.
 * @module
 */
import { ParamError } from "../../core/errors.ts";

/** Single-tensor operators: `f(weight, grad, ...states, options)`. */
export const UPDATE_FUNCTIONS = {
  sgdUpdate: "sgd_update",
  sgdMomUpdate: "sgd_mom_update",
  nagMomUpdate: "nag_mom_update",
  mpSgdUpdate: "mp_sgd_update",
  mpSgdMomUpdate: "mp_sgd_mom_update",
  mpNagMomUpdate: "mp_nag_mom_update",
  signsgdUpdate: "signsgd_update",
  signumUpdate: "signum_update",
  adamUpdate: "adam_update",
  adamwUpdate: "_adamw_update",
  mpAdamwUpdate: "_mp_adamw_update",
  lambUpdatePhase1: "lamb_update_phase1",
  lambUpdatePhase2: "lamb_update_phase2",
  mpLambUpdatePhase1: "mp_lamb_update_phase1",
  mpLambUpdatePhase2: "mp_lamb_update_phase2",
  rmspropUpdate: "rmsprop_update",
  rmspropalexUpdate: "rmspropalex_update",
  ftrlUpdate: "ftrl_update",
  ftmlUpdate: "ftml_update",
  groupAdagradUpdate: "_contrib_group_adagrad_update",
  allFinite: "all_finite",
  multiLars: "multi_lars",
} as const;

/** How a list function maps its list onto an operator. */
export interface ListSpec {
  /** The operator. */
  readonly op: string;
  /** Its count parameter (`numWeights`, `numArrays`). */
  readonly count: string;
  /** Arrays per counted item (weight, grad, mom, ...). */
  readonly group: number;
  /** Arrays after the groups (`lrs` and `wds`, or `rescale_grad`), not counted. */
  readonly trailing?: number;
}

function preloaded(op: string, group: number): ListSpec {
  return { op, count: "numWeights", group, trailing: 2 };
}

/**
 * List operators: `f([arrays...], options)`; the count parameter (`num_weights`,
 * `num_arrays`) is set from the list.
 */
export const LIST_FUNCTIONS: Readonly<Record<string, ListSpec>> = {
  multiSgdUpdate: { op: "multi_sgd_update", count: "numWeights", group: 2 },
  multiSgdMomUpdate: { op: "multi_sgd_mom_update", count: "numWeights", group: 3 },
  multiMpSgdUpdate: { op: "multi_mp_sgd_update", count: "numWeights", group: 3 },
  multiMpSgdMomUpdate: { op: "multi_mp_sgd_mom_update", count: "numWeights", group: 4 },
  multiSumSq: { op: "multi_sum_sq", count: "numArrays", group: 1 },
  multiAllFinite: { op: "multi_all_finite", count: "numArrays", group: 1 },
  resetArrays: { op: "reset_arrays", count: "numArrays", group: 1 },
  multiAdamwUpdate: { op: "_multi_adamw_update", count: "numWeights", group: 4, trailing: 1 },
  multiMpAdamwUpdate: { op: "_multi_mp_adamw_update", count: "numWeights", group: 5, trailing: 1 },
  multiLambUpdate: { op: "_multi_lamb_update", count: "numTensors", group: 4 },
  multiMpLambUpdate: { op: "_multi_mp_lamb_update", count: "numTensors", group: 5 },
  // The list is the weights' groups then `lrs` and `wds` (two trailing inputs).
  preloadedMultiSgdUpdate: preloaded("preloaded_multi_sgd_update", 2),
  preloadedMultiSgdMomUpdate: preloaded("preloaded_multi_sgd_mom_update", 3),
  preloadedMultiMpSgdUpdate: preloaded("preloaded_multi_mp_sgd_update", 3),
  preloadedMultiMpSgdMomUpdate: preloaded("preloaded_multi_mp_sgd_mom_update", 4),
};

/** The count parameter of a list call: the grouped arrays' number over the group size. */
export function listCount(fn: string, n: number, spec: ListSpec): number {
  const grouped = n - (spec.trailing ?? 0);
  if (grouped <= 0 || grouped % spec.group !== 0) {
    const tail = spec.trailing ? `, then ${spec.trailing} more` : "";
    throw new ParamError(
      `${fn}: expected a non-empty list of arrays in groups of ${spec.group}${tail}, got ${n}`,
    );
  }
  return grouped / spec.group;
}
