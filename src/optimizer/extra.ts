/**
 * MXNet's remaining single-parameter optimizers: `FTML` (on `ftml_update`), `SGLD`
 * (Langevin dynamics: SGD plus Gaussian noise), `DCASGD` (delay-compensated asynchronous
 * SGD) and `Test` (MXNet's trivial optimizer for distributed tests: `w += rescale * g`).
 * SGLD and DCASGD have no MXNet operator; as in MXNet they are written with array ops.
 * @module
 */
import { keysOf } from "../core/options.ts";
import { zeros } from "../ndarray/creation.ts";
import type { NDArray } from "../ndarray/ndarray.ts";
import { normal } from "../ndarray/random.ts";
import { scope } from "../ndarray/scope.ts";
import { applyUpdateOp } from "./_update_op.ts";
import {
  Optimizer,
  type OptimizerOptions,
  type OptimizerState,
  type ParamKey,
} from "./optimizer.ts";

/** FTML's options. */
export interface FTMLOptions extends OptimizerOptions {
  /** Decay of the first moment (0.6; MXNet: "generally close to 0.5"). */
  beta1?: number;
  /** Decay of the second moment (0.999). */
  beta2?: number;
  /** Added to the denominator (1e-8). */
  epsilon?: number;
}

/**
 * FTML, Follow the Moving Leader (Zheng & Kwok 2017), MXNet's `ftml_update`:
 * `g = clip(rescale*grad + wd*w); v = b2*v + (1-b2)*g^2;
 * d_t = (1-b1^t)/lr * (sqrt(v/(1-b2^t)) + eps); z = b1*z + (1-b1)*g - (d_t - b1*d)*w;
 * w = -z/d_t`.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const opt = mx.optimizer.create("ftml", { learningRate: 0.1 });
 * const w = mx.nd.ones([2]);
 * opt.update(0, w, mx.nd.ones([2]), opt.createState(0, w));
 * console.log((await w.data())[0] < 1); // true
 * ```
 */
export class FTML extends Optimizer {
  /** FTML's options. */
  static override readonly optionNames: readonly string[] = [
    ...Optimizer.optionNames,
    ...keysOf<Omit<FTMLOptions, keyof OptimizerOptions>>({
      beta1: true,
      beta2: true,
      epsilon: true,
    }),
  ];
  /** First-moment decay. */
  beta1: number;
  /** Second-moment decay. */
  beta2: number;
  /** Denominator guard. */
  epsilon: number;
  /** Creates the optimizer. */
  constructor(opts: FTMLOptions = {}) {
    super(opts);
    this.beta1 = opts.beta1 ?? 0.6;
    this.beta2 = opts.beta2 ?? 0.999;
    this.epsilon = opts.epsilon ?? 1e-8;
  }
  /** `[d, v, z]`, zeros. */
  createState(_index: ParamKey, weight: NDArray): OptimizerState {
    return [weight.zerosLike(), weight.zerosLike(), weight.zerosLike()];
  }
  /** See the class docs. */
  update(index: ParamKey, weight: NDArray, grad: NDArray, state: OptimizerState): void {
    const t = this.updateCount(index);
    applyUpdateOp("ftml_update", [weight, grad, ...(state as NDArray[])], {
      lr: this.getLr(index),
      wd: this.getWd(index),
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      t,
      rescaleGrad: this.rescaleGrad,
      clipGrad: this.clipGradient ?? -1,
    }, weight);
  }
}

/**
 * SGLD, stochastic gradient Langevin dynamics: `g = clip(rescale*grad);
 * w += -lr/2 * (g + wd*w) + N(0, sqrt(lr))`, the noise drawn from `mx.random`'s stream.
 */
export class SGLD extends Optimizer {
  /** No state. */
  createState(_index: ParamKey, _weight: NDArray): OptimizerState {
    return null;
  }
  /** See the class docs. */
  update(index: ParamKey, weight: NDArray, grad: NDArray, _state: OptimizerState): void {
    this.updateCount(index);
    const lr = this.getLr(index), wd = this.getWd(index);
    scope(() => {
      const g = this.rescaled(grad);
      weight.addInPlace((wd === 0 ? g : g.add(weight.mul(wd))).mul(-lr / 2));
      const noise = normal(0, Math.sqrt(lr), weight.shape, {
        dtype: weight.dtype as "float32",
        ctx: weight.context,
      });
      weight.addInPlace(noise);
    });
  }
}

/** DCASGD's options. */
export interface DCASGDOptions extends OptimizerOptions {
  /** Momentum (0: none). */
  momentum?: number;
  /** Scale of the delay compensation (0.04). */
  lamda?: number;
}

/**
 * DCASGD, delay-compensated asynchronous SGD (Zheng et al. 2016): with `g = clip(rescale*grad)`
 * and the weight `prev` of the previous update,
 * `step = -lr * (g + wd*w + lamda * g^2 * (w - prev))`; `mom = momentum*mom + step` (or
 * `step` without momentum); `prev = w; w += mom`.
 */
export class DCASGD extends Optimizer {
  /** DCASGD's options. */
  static override readonly optionNames: readonly string[] = [
    ...Optimizer.optionNames,
    ...keysOf<Omit<DCASGDOptions, keyof OptimizerOptions>>({ momentum: true, lamda: true }),
  ];
  /** Momentum. */
  momentum: number;
  /** Delay-compensation scale. */
  lamda: number;
  /** Creates the optimizer. */
  constructor(opts: DCASGDOptions = {}) {
    super(opts);
    this.momentum = opts.momentum ?? 0;
    this.lamda = opts.lamda ?? 0.04;
  }
  /** `[momentum or null, copy of the weight]`. */
  createState(_index: ParamKey, weight: NDArray): OptimizerState {
    return [this.momentum === 0 ? null : weight.zerosLike(), weight.copy()];
  }
  /** See the class docs. */
  update(index: ParamKey, weight: NDArray, grad: NDArray, state: OptimizerState): void {
    this.updateCount(index);
    const lr = this.getLr(index), wd = this.getWd(index);
    const [mom, prev] = state as [NDArray | null, NDArray];
    scope(() => {
      const g = this.rescaled(grad);
      const compensation = g.mul(g).mul(weight.sub(prev)).mul(this.lamda);
      let direction = g.add(compensation);
      if (wd !== 0) direction = direction.add(weight.mul(wd));
      const step = direction.mul(-lr);
      prev.set(weight);
      if (mom === null) weight.addInPlace(step);
      else {
        mom.mulInPlace(this.momentum).addInPlace(step);
        weight.addInPlace(mom);
      }
    });
  }
}

/**
 * MXNet's `Test` optimizer, used by its distributed tests: `w += rescale * grad`, and the
 * state (float32 zeros at first) holds a copy of the new weight.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const opt = mx.optimizer.create("test", { rescaleGrad: 2 });
 * const w = mx.nd.ones([2]);
 * opt.update(0, w, mx.nd.ones([2]), opt.createState(0, w));
 * console.log(await w.data()); // Float32Array [3, 3]
 * ```
 */
export class Test extends Optimizer {
  /** Zeros shaped like the weight (float32, as MXNet's default dtype). */
  createState(_index: ParamKey, weight: NDArray): OptimizerState {
    return zeros(weight.shape, { ctx: weight.context });
  }
  /** See the class docs. */
  update(_index: ParamKey, weight: NDArray, grad: NDArray, state: OptimizerState): void {
    scope(() => {
      weight.addInPlace(grad.mul(this.rescaleGrad));
      (state as NDArray).set(weight);
    });
  }
}
