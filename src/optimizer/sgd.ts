/**
 * Momentum-family optimizers: SGD, NAG and Signum, with MXNet's kernel formulas
 * (`sgd_update`, `sgd_mom_update`, `nag_mom_update`, `signsgd_update`, `signum_update`).
 * @module
 */
import { keysOf } from "../core/options.ts";
import type { NDArray } from "../ndarray/ndarray.ts";
import { applyUpdateOp, gradParams } from "./_update_op.ts";
import {
  Optimizer,
  type OptimizerOptions,
  type OptimizerState,
  type ParamKey,
} from "./optimizer.ts";

/** Options of SGD, NAG and Signum. */
export interface MomentumOptions extends OptimizerOptions {
  /** Momentum (0: plain SGD, no state). */
  momentum?: number;
}

/**
 * Stochastic gradient descent:
 * `mom = momentum*mom - lr*wd*w - lr*clip(rescale*g); w += mom`
 * (without momentum: `w = (1 - lr*wd)*w - lr*clip(rescale*g)`).
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * import { SGD } from "./sgd.ts";
 * const w = mx.nd.ones([2]), g = mx.nd.ones([2]);
 * const opt = new SGD({ learningRate: 0.1 });
 * opt.update(0, w, g, opt.createState(0, w));
 * console.log(await w.data()); // Float32Array [0.9, 0.9]
 * ```
 */
export class SGD extends Optimizer {
  /** SGD's options. */
  static override readonly optionNames: readonly string[] = [
    ...Optimizer.optionNames,
    ...keysOf<Omit<MomentumOptions, keyof OptimizerOptions>>({ momentum: true }),
  ];
  /** Momentum. */
  momentum: number;
  /** Creates the optimizer. */
  constructor(opts: MomentumOptions = {}) {
    super(opts);
    this.momentum = opts.momentum ?? 0;
  }
  /** Momentum buffer, or null without momentum. */
  createState(_index: ParamKey, weight: NDArray): OptimizerState {
    return this.momentum === 0 ? null : weight.zerosLike();
  }
  /** See the class docs. */
  update(index: ParamKey, weight: NDArray, grad: NDArray, state: OptimizerState): void {
    this.updateCount(index);
    const p = { lr: this.getLr(index), wd: this.getWd(index), ...gradParams(this) };
    if (state === null) applyUpdateOp("sgd_update", [weight, grad], p, weight);
    else {
      applyUpdateOp("sgd_mom_update", [weight, grad, state as NDArray], {
        ...p,
        momentum: this.momentum,
      }, weight);
    }
  }
  /**
   * With `multiPrecision` and a float16 weight, MXNet's `mp_sgd_update` /
   * `mp_sgd_mom_update`: the float32 master copy and momentum are updated and the weight
   * gets the master copy's value, in one operator.
   */
  override updateMultiPrecision(
    index: ParamKey,
    weight: NDArray,
    grad: NDArray,
    state: OptimizerState,
  ): void {
    if (!(this.multiPrecision && weight.dtype === "float16")) {
      return this.update(index, weight, grad, state);
    }
    const [master, mom] = state as [NDArray, NDArray | null];
    this.updateCount(index);
    const p = { lr: this.getLr(index), wd: this.getWd(index), ...gradParams(this) };
    if (mom === null) applyUpdateOp("mp_sgd_update", [weight, grad, master], p, weight);
    else {
      applyUpdateOp(this.mpMomentumOp, [weight, grad, mom, master], {
        ...p,
        momentum: this.momentum,
      }, weight);
    }
  }
  /** The mixed-precision momentum operator (NAG's differs). */
  protected get mpMomentumOp(): string {
    return "mp_sgd_mom_update";
  }
}

/**
 * Nesterov accelerated gradient, MXNet's `nag_mom_update`: with
 * `G = clip(rescale*grad) + wd*w`, `mom = momentum*mom - lr*G; w += momentum*mom - lr*G`.
 */
export class NAG extends SGD {
  /** See the class docs. */
  override update(index: ParamKey, weight: NDArray, grad: NDArray, state: OptimizerState): void {
    if (state === null) return super.update(index, weight, grad, state);
    this.updateCount(index);
    applyUpdateOp("nag_mom_update", [weight, grad, state as NDArray], {
      lr: this.getLr(index),
      wd: this.getWd(index),
      momentum: this.momentum,
      ...gradParams(this),
    }, weight);
  }
  /** NAG's mixed-precision operator, `mp_nag_mom_update`. */
  protected override get mpMomentumOp(): string {
    return "mp_nag_mom_update";
  }
}

/** Signum's options. */
export interface SignumOptions extends MomentumOptions {
  /** Decoupled weight decay applied as `w *= 1 - lr*wdLh`. */
  wdLh?: number;
}

/**
 * Signum (signSGD with momentum):
 * `mom = momentum*mom - (1-momentum)*(wd*w + clip(rescale*g)); w = (1 - lr*wdLh)*w + lr*sign(mom)`;
 * without momentum (MXNet's `signsgd_update`, where wd is decoupled)
 * `w = (1 - lr*(wd + wdLh))*w - lr*sign(g)`.
 */
export class Signum extends Optimizer {
  /** Signum's options. */
  static override readonly optionNames: readonly string[] = [
    ...Optimizer.optionNames,
    ...keysOf<Omit<SignumOptions, keyof OptimizerOptions>>({ momentum: true, wdLh: true }),
  ];
  /** Momentum (default 0.9). */
  momentum: number;
  /** Decoupled weight decay. */
  wdLh: number;
  /** Creates the optimizer. */
  constructor(opts: SignumOptions = {}) {
    super(opts, 0.01, true); // MXNet's Signum(learning_rate=0.01) passes its default on
    this.momentum = opts.momentum ?? 0.9;
    this.wdLh = opts.wdLh ?? 0;
  }
  /** Momentum buffer, or null without momentum. */
  createState(_index: ParamKey, weight: NDArray): OptimizerState {
    return this.momentum === 0 ? null : weight.zerosLike();
  }
  /** See the class docs. */
  update(index: ParamKey, weight: NDArray, grad: NDArray, state: OptimizerState): void {
    this.updateCount(index);
    const lr = this.getLr(index), wd = this.getWd(index);
    if (state === null) {
      // signsgd_update has no wd_lh: both decays act on the weight alike.
      applyUpdateOp("signsgd_update", [weight, grad], {
        lr,
        wd: wd + this.wdLh,
        ...gradParams(this),
      }, weight);
      return;
    }
    applyUpdateOp("signum_update", [weight, grad, state as NDArray], {
      lr,
      wd,
      momentum: this.momentum,
      wdLh: this.wdLh,
      ...gradParams(this),
    }, weight);
  }
}
