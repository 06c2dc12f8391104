/**
 * Momentum-family optimizers: SGD, NAG and Signum, with MXNet's kernel formulas
 * (`sgd_update`, `sgd_mom_update`, `nag_mom_update`, `signsgd_update`, `signum_update`).
 * @module
 */
import { keysOf } from "../core/options.ts";
import { invoke } from "../ndarray/apply.ts";
import type { NDArray } from "../ndarray/ndarray.ts";
import { scope } from "../ndarray/scope.ts";
import {
  Optimizer,
  type OptimizerOptions,
  type OptimizerState,
  type ParamKey,
} from "./optimizer.ts";

/** `out = alpha * a + beta * b` in one pass. */
function axpby(a: NDArray, b: NDArray, alpha: number, beta: number, out: NDArray): void {
  invoke("_axpby", [a, b], { alpha, beta }, { out });
}

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
    const lr = this.getLr(index), wd = this.getWd(index);
    scope(() => {
      // One fused pass per term (`_axpby`): without clipping the rescale folds into the
      // step size; with it, the clipped gradient is formed first.
      const clipped = this.clipGradient !== null;
      const g = clipped ? this.rescaled(grad) : grad;
      const step = clipped ? lr : lr * this.rescaleGrad;
      if (state === null) {
        axpby(weight, g, 1 - lr * wd, -step, weight);
        return;
      }
      const mom = state as NDArray;
      axpby(mom, g, this.momentum, -step, mom);
      if (wd !== 0) axpby(mom, weight, 1, -lr * wd, mom);
      weight.addInPlace(mom);
    });
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
    const lr = this.getLr(index), wd = this.getWd(index);
    scope(() => {
      const mom = state as NDArray;
      const step = (wd === 0 ? this.rescaled(grad) : this.rescaled(grad).add(weight.mul(wd))).mul(
        lr,
      );
      mom.mulInPlace(this.momentum).subInPlace(step);
      weight.addInPlace(mom.mul(this.momentum).sub(step));
    });
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
    scope(() => {
      if (state === null) {
        if (wd + this.wdLh !== 0) weight.mulInPlace(1 - lr * (wd + this.wdLh));
        weight.subInPlace(grad.unary("sign").mul(lr));
        return;
      }
      const g = wd === 0 ? this.rescaled(grad) : this.rescaled(grad).add(weight.mul(wd));
      const mom = state as NDArray;
      mom.mulInPlace(this.momentum).subInPlace(g.mul(1 - this.momentum));
      if (this.wdLh !== 0) weight.mulInPlace(1 - lr * this.wdLh);
      weight.addInPlace(mom.unary("sign").mul(lr));
    });
  }
}
