/**
 * Adam-family optimizers (Adam, Adamax, Nadam, LAMB) with MXNet's formulas.
 * @module
 */
import { keysOf } from "../core/options.ts";
import type { NDArray } from "../ndarray/ndarray.ts";
import { invoke } from "../ndarray/apply.ts";
import { scope } from "../ndarray/scope.ts";
import { applyUpdateOp, gradParams } from "./_update_op.ts";
import {
  Optimizer,
  type OptimizerOptions,
  type OptimizerState,
  type ParamKey,
} from "./optimizer.ts";

/** Options of the Adam family. */
export interface AdamOptions extends OptimizerOptions {
  /** Decay of the first moment (0.9). */
  beta1?: number;
  /** Decay of the second moment (0.999). */
  beta2?: number;
  /** Added to the denominator (1e-8; LAMB 1e-6). */
  epsilon?: number;
}

function moments(weight: NDArray): OptimizerState {
  return [weight.zerosLike(), weight.zerosLike()];
}

/** Updates `m` and `v` in place: `m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2`. */
function updateMoments(m: NDArray, v: NDArray, g: NDArray, b1: number, b2: number): void {
  m.mulInPlace(b1).addInPlace(g.mul(1 - b1));
  v.mulInPlace(b2).addInPlace(g.square().mul(1 - b2));
}

/**
 * Adam: `g = clip(rescale*grad + wd*w)`, moments as usual, then
 * `w -= lr * sqrt(1-b2^t)/(1-b1^t) * m / (sqrt(v) + eps)`. Default lr 0.001.
 */
export class Adam extends Optimizer {
  /** Adam's options. */
  static override readonly optionNames: readonly string[] = [
    ...Optimizer.optionNames,
    ...keysOf<Omit<AdamOptions, keyof OptimizerOptions>>({
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
  constructor(opts: AdamOptions = {}) {
    super(opts, 0.001, true);
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.epsilon = opts.epsilon ?? 1e-8;
  }
  /** `[mean, var]`, zeros. */
  createState(_index: ParamKey, weight: NDArray): OptimizerState {
    return moments(weight);
  }
  /** See the class docs. */
  update(index: ParamKey, weight: NDArray, grad: NDArray, state: OptimizerState): void {
    const t = this.updateCount(index);
    const wd = this.getWd(index);
    const lr = this.getLr(index) * Math.sqrt(1 - this.beta2 ** t) / (1 - this.beta1 ** t);
    const [m, v] = state as NDArray[];
    applyUpdateOp("adam_update", [weight, grad, m, v], {
      lr,
      wd,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      ...gradParams(this),
    }, weight);
  }
}

/**
 * Adamax (Adam with the infinity norm): `m = b1*m + (1-b1)*g; u = max(b2*u, |g|);
 * w -= lr/(1-b1^t) * m / u`. Default lr 0.002.
 */
export class Adamax extends Optimizer {
  /** Adamax's options. */
  static override readonly optionNames: readonly string[] = [
    ...Optimizer.optionNames,
    ...keysOf<Omit<AdamOptions, keyof OptimizerOptions | "epsilon">>({ beta1: true, beta2: true }),
  ];
  /** First-moment decay. */
  beta1: number;
  /** Infinity-norm decay. */
  beta2: number;
  /** Creates the optimizer. */
  constructor(opts: Omit<AdamOptions, "epsilon"> = {}) {
    super(opts, 0.002, true);
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
  }
  /** `[m, u]`, zeros. */
  createState(_index: ParamKey, weight: NDArray): OptimizerState {
    return moments(weight);
  }
  /** See the class docs. */
  update(index: ParamKey, weight: NDArray, grad: NDArray, state: OptimizerState): void {
    const t = this.updateCount(index);
    const lr = this.getLr(index) / (1 - this.beta1 ** t), wd = this.getWd(index);
    const [m, u] = state as NDArray[];
    scope(() => {
      const g = this.rescaledWithWd(grad, weight, wd);
      m.mulInPlace(this.beta1).addInPlace(g.mul(1 - this.beta1));
      u.set(u.mul(this.beta2).maximum(g.abs()));
      weight.subInPlace(m.div(u).mul(lr));
    });
  }
}

/**
 * Nadam (Adam with Nesterov momentum, Dozat 2016), MXNet's formulation with
 * `momentum_t = b1*(1 - 0.5*0.96^(t*scheduleDecay))` and an optimizer-wide running
 * product `mSchedule` of the momenta. Default lr 0.001.
 */
export class Nadam extends Optimizer {
  /** Nadam's options. */
  static override readonly optionNames: readonly string[] = [
    ...Adam.optionNames,
    "scheduleDecay",
  ];
  /** First-moment decay. */
  beta1: number;
  /** Second-moment decay. */
  beta2: number;
  /** Denominator guard. */
  epsilon: number;
  /** Momentum schedule decay. */
  scheduleDecay: number;
  /** Running product of the momenta (shared by all parameters, as MXNet). */
  mSchedule = 1;
  /** Creates the optimizer. */
  constructor(opts: AdamOptions & { scheduleDecay?: number } = {}) {
    super(opts, 0.001, true);
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.epsilon = opts.epsilon ?? 1e-8;
    this.scheduleDecay = opts.scheduleDecay ?? 0.004;
  }
  /** `[m, v]`, zeros. */
  createState(_index: ParamKey, weight: NDArray): OptimizerState {
    return moments(weight);
  }
  /** See the class docs. */
  update(index: ParamKey, weight: NDArray, grad: NDArray, state: OptimizerState): void {
    const t = this.updateCount(index);
    const lr = this.getLr(index), wd = this.getWd(index);
    const b1 = this.beta1, b2 = this.beta2;
    const momT = b1 * (1 - 0.5 * 0.96 ** (t * this.scheduleDecay));
    const momT1 = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * this.scheduleDecay));
    this.mSchedule *= momT;
    const mScheduleNext = this.mSchedule * momT1;
    const [m, v] = state as NDArray[];
    scope(() => {
      const g = this.rescaledWithWd(grad, weight, wd);
      updateMoments(m, v, g, b1, b2);
      const gPrime = g.mul((1 - momT) / (1 - this.mSchedule));
      const mBar = gPrime.add(m.mul(momT1 / (1 - mScheduleNext)));
      const vPrime = v.div(1 - b2 ** t);
      weight.subInPlace(mBar.div(vPrime.sqrt().add(this.epsilon)).mul(lr));
    });
  }
  /** Saves `mSchedule` with the states. */
  protected override extraState(): Record<string, number> {
    return { mSchedule: this.mSchedule };
  }
  /** Restores `mSchedule`. */
  protected override setExtraState(extra: Record<string, number>): void {
    this.mSchedule = extra.mSchedule ?? 1;
  }
}

/** LAMB's options. */
export interface LAMBOptions extends AdamOptions {
  /** Lower bound of the weight norm in the trust ratio. */
  lowerBound?: number | null;
  /** Upper bound of the weight norm in the trust ratio. */
  upperBound?: number | null;
  /** Divide the moments by `1 - beta^t` (default true). */
  biasCorrection?: boolean;
}

/**
 * LAMB (layer-wise adaptive moments, You et al. 2019), MXNet's `lamb_update_phase1/2`:
 * `r = m_hat/(sqrt(v_hat)+eps) + wd*w; ratio = |w|/|r|` (1 when either norm is 0, the
 * weight norm clipped to the bounds); `w -= lr * ratio * r`. Default lr 0.001.
 */
export class LAMB extends Optimizer {
  /** LAMB's options. */
  static override readonly optionNames: readonly string[] = [
    ...Adam.optionNames,
    ...keysOf<Omit<LAMBOptions, keyof AdamOptions>>({
      lowerBound: true,
      upperBound: true,
      biasCorrection: true,
    }),
  ];
  /** First-moment decay. */
  beta1: number;
  /** Second-moment decay. */
  beta2: number;
  /** Denominator guard. */
  epsilon: number;
  /** Weight-norm lower bound. */
  lowerBound: number | null;
  /** Weight-norm upper bound. */
  upperBound: number | null;
  /** Bias correction on. */
  biasCorrection: boolean;
  /** Creates the optimizer. */
  constructor(opts: LAMBOptions = {}) {
    super(opts, 0.001, true);
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.epsilon = opts.epsilon ?? 1e-6;
    this.lowerBound = opts.lowerBound ?? null;
    this.upperBound = opts.upperBound ?? null;
    this.biasCorrection = opts.biasCorrection ?? true;
  }
  /** `[mean, var]`, zeros. */
  createState(_index: ParamKey, weight: NDArray): OptimizerState {
    return moments(weight);
  }
  /** See the class docs. */
  update(index: ParamKey, weight: NDArray, grad: NDArray, state: OptimizerState): void {
    const t = this.updateCount(index);
    const lr = this.getLr(index), wd = this.getWd(index);
    const [m, v] = state as NDArray[];
    scope(() => {
      const [g] = invoke("lamb_update_phase1", [weight, grad, m, v], {
        beta1: this.beta1,
        beta2: this.beta2,
        epsilon: this.epsilon,
        t,
        biasCorrection: this.biasCorrection,
        wd,
        ...gradParams(this),
      });
      // The trust ratio's norms stay on the device: no readback per step.
      applyUpdateOp("lamb_update_phase2", [weight, g, weight.norm(), g.norm()], {
        lr,
        lowerBound: this.lowerBound ?? -1,
        upperBound: this.upperBound ?? -1,
      }, weight);
    });
  }
}
