/**
 * How an optimizer applies one of MXNet's update operators (src/ops/optimizer): the
 * weight is the operator's `out`, so it is updated in place, and the states are written
 * by the operator itself. The operator holds the one definition of each update rule.
 * @module
 */
import { invoke } from "../ndarray/apply.ts";
import type { NDArray } from "../ndarray/ndarray.ts";
import { scope } from "../ndarray/scope.ts";
import type { Optimizer } from "./optimizer.ts";

/**
 * Runs update operator `op` on `[weight, grad, ...states]` and writes the new weight into
 * `weight`; the operator's temporaries are freed at once.
 * @ignore
 */
export function applyUpdateOp(
  op: string,
  inputs: readonly NDArray[],
  params: Record<string, unknown>,
  weight: NDArray,
): void {
  scope(() => {
    invoke(op, inputs, params, { out: weight });
  });
}

/**
 * The gradient parameters every update operator takes, from the optimizer's settings:
 * `rescale_grad`, and `clip_gradient` as MXNet spells "no clipping" (-1).
 * @ignore
 */
export function gradParams(opt: Optimizer): { rescaleGrad: number; clipGradient: number } {
  return { rescaleGrad: opt.rescaleGrad, clipGradient: opt.clipGradient ?? -1 };
}
