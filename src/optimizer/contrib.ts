/**
 * `mx.optimizer.contrib`: MXNet's contrib optimizers. `GroupAdaGrad`: AdaGrad with one
 * learning rate per row of a 2-D parameter (embeddings), on
 * `_contrib_group_adagrad_update`.
 * @module
 */
import { ParamError } from "../core/errors.ts";
import { zeros } from "../ndarray/creation.ts";
import type { NDArray } from "../ndarray/ndarray.ts";
import { applyUpdateOp } from "./_update_op.ts";
import {
  Optimizer,
  type OptimizerOptions,
  type OptimizerState,
  type ParamKey,
} from "./optimizer.ts";

/** GroupAdaGrad's options. */
export interface GroupAdaGradOptions extends OptimizerOptions {
  /** Added to the history inside the root (1e-5). */
  eps?: number;
}

/**
 * Group AdaGrad: `g = clip(rescale*grad); history += mean(g^2, axis=1, keepdims);
 * w -= lr * g / sqrt(history + eps)`, with `history` of shape `[rows, 1]`. As MXNet, weight
 * decay is not supported (a non-zero `wd` throws).
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const opt = mx.optimizer.create("groupadagrad", { learningRate: 0.1 });
 * const w = mx.nd.ones([2, 3]);
 * opt.update(0, w, mx.nd.ones([2, 3]), opt.createState(0, w));
 * console.log((await w.data())[0] < 1); // true
 * ```
 */
export class GroupAdaGrad extends Optimizer {
  /** GroupAdaGrad's options. */
  static override readonly optionNames: readonly string[] = [...Optimizer.optionNames, "eps"];
  /** Stability constant. */
  eps: number;
  /** Creates the optimizer. */
  constructor(opts: GroupAdaGradOptions = {}) {
    super(opts);
    this.eps = opts.eps ?? 1e-5;
  }
  /** The per-row history `[rows, 1]`, zeros. */
  createState(_index: ParamKey, weight: NDArray): OptimizerState {
    if (weight.ndim !== 2) {
      throw new ParamError(
        `GroupAdaGrad: weights must be 2-D (one rate per row), got shape [${weight.shape}]`,
      );
    }
    return zeros([weight.shape[0], 1], { dtype: weight.dtype, ctx: weight.context });
  }
  /** See the class docs. */
  update(index: ParamKey, weight: NDArray, grad: NDArray, state: OptimizerState): void {
    this.updateCount(index);
    const wd = this.getWd(index);
    if (wd !== 0) {
      throw new ParamError(`GroupAdaGrad: weight decay is not supported, got wd = ${wd}`);
    }
    applyUpdateOp("_contrib_group_adagrad_update", [weight, grad, state as NDArray], {
      lr: this.getLr(index),
      epsilon: this.eps,
      rescaleGrad: this.rescaleGrad,
      clipGradient: this.clipGradient ?? -1,
    }, weight);
  }
}
