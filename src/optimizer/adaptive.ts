/**
 * Per-coordinate adaptive optimizers: AdaGrad, RMSProp (plain and centered), AdaDelta
 * and FTRL, with MXNet's formulas.
 * @module
 */
import { keysOf } from "../core/options.ts";
import type { NDArray } from "../ndarray/ndarray.ts";
import { scope } from "../ndarray/scope.ts";
import { applyUpdateOp, gradParams } from "./_update_op.ts";
import {
  Optimizer,
  type OptimizerOptions,
  type OptimizerState,
  type ParamKey,
} from "./optimizer.ts";

/**
 * AdaGrad: `g = clip(rescale*grad); h += g^2; w -= lr * (g / sqrt(h + eps) + wd*w)`.
 */
export class AdaGrad extends Optimizer {
  /** AdaGrad's options. */
  static override readonly optionNames: readonly string[] = [...Optimizer.optionNames, "eps"];
  /** Stability constant inside the root (MXNet's `eps`, 1e-7). */
  eps: number;
  /** Creates the optimizer. */
  constructor(opts: OptimizerOptions & { eps?: number } = {}) {
    super(opts);
    this.eps = opts.eps ?? 1e-7;
  }
  /** The squared-gradient history, zeros. */
  createState(_index: ParamKey, weight: NDArray): OptimizerState {
    return weight.zerosLike();
  }
  /** See the class docs. */
  update(index: ParamKey, weight: NDArray, grad: NDArray, state: OptimizerState): void {
    this.updateCount(index);
    const lr = this.getLr(index), wd = this.getWd(index);
    const h = state as NDArray;
    scope(() => {
      const g = this.rescaled(grad);
      h.addInPlace(g.square());
      let step = g.div(h.add(this.eps).sqrt());
      if (wd !== 0) step = step.add(weight.mul(wd));
      weight.subInPlace(step.mul(lr));
    });
  }
}

/** RMSProp's options. */
export interface RMSPropOptions extends OptimizerOptions {
  /** Decay of the squared-gradient average (0.9). */
  gamma1?: number;
  /** Momentum of the centered variant (0.9). */
  gamma2?: number;
  /** Added inside the root (1e-8). */
  epsilon?: number;
  /** Graves' centered variant (subtracts the squared mean gradient). */
  centered?: boolean;
  /** Clips weights to [-c, c] after each update. */
  clipWeights?: number | null;
}

/**
 * RMSProp. Plain (Tieleman & Hinton): `g = clip(rescale*grad + wd*w);
 * n = (1-g1)*g^2 + g1*n; w -= lr * g / sqrt(n + eps)`. Centered (Graves 2013):
 * also `gm = (1-g1)*g + g1*gm; d = g2*d - lr * g / sqrt(n - gm^2 + eps); w += d`.
 * Default lr 0.001.
 */
export class RMSProp extends Optimizer {
  /** RMSProp's options. */
  static override readonly optionNames: readonly string[] = [
    ...Optimizer.optionNames,
    ...keysOf<Omit<RMSPropOptions, keyof OptimizerOptions>>({
      gamma1: true,
      gamma2: true,
      epsilon: true,
      centered: true,
      clipWeights: true,
    }),
  ];
  /** Squared-gradient decay. */
  gamma1: number;
  /** Centered momentum. */
  gamma2: number;
  /** Denominator guard. */
  epsilon: number;
  /** Centered variant. */
  centered: boolean;
  /** Weight clip bound, or null. */
  clipWeights: number | null;
  /** Creates the optimizer. */
  constructor(opts: RMSPropOptions = {}) {
    super(opts, 0.001, true);
    this.gamma1 = opts.gamma1 ?? 0.9;
    this.gamma2 = opts.gamma2 ?? 0.9;
    this.epsilon = opts.epsilon ?? 1e-8;
    this.centered = opts.centered ?? false;
    this.clipWeights = opts.clipWeights ?? null;
  }
  /** `n`, or `[n, gm, delta]` when centered; zeros. */
  createState(_index: ParamKey, weight: NDArray): OptimizerState {
    if (!this.centered) return weight.zerosLike();
    return [weight.zerosLike(), weight.zerosLike(), weight.zerosLike()];
  }
  /** See the class docs. */
  update(index: ParamKey, weight: NDArray, grad: NDArray, state: OptimizerState): void {
    this.updateCount(index);
    const p = {
      lr: this.getLr(index),
      wd: this.getWd(index),
      gamma1: this.gamma1,
      epsilon: this.epsilon,
      clipWeights: this.clipWeights ?? -1,
      ...gradParams(this),
    };
    if (!this.centered) {
      applyUpdateOp("rmsprop_update", [weight, grad, state as NDArray], p, weight);
    } else {
      applyUpdateOp("rmspropalex_update", [weight, grad, ...(state as NDArray[])], {
        ...p,
        gamma2: this.gamma2,
      }, weight);
    }
  }
}

/**
 * AdaDelta (Zeiler 2012; no learning rate, as MXNet): `g = clip(rescale*grad);
 * accG = rho*accG + (1-rho)*g^2; d = sqrt(accD + eps)/sqrt(accG + eps) * g;
 * accD = rho*accD + (1-rho)*d^2; w -= d + wd*w`.
 */
export class AdaDelta extends Optimizer {
  /** AdaDelta's options. */
  static override readonly optionNames: readonly string[] = [
    ...Optimizer.optionNames,
    "rho",
    "epsilon",
  ];
  /** Decay (0.9). */
  rho: number;
  /** Stability constant (1e-5). */
  epsilon: number;
  /** Creates the optimizer. */
  constructor(opts: OptimizerOptions & { rho?: number; epsilon?: number } = {}) {
    super(opts, 1.0);
    this.rho = opts.rho ?? 0.9;
    this.epsilon = opts.epsilon ?? 1e-5;
  }
  /** `[accG, accDelta]`, zeros. */
  createState(_index: ParamKey, weight: NDArray): OptimizerState {
    return [weight.zerosLike(), weight.zerosLike()];
  }
  /** See the class docs. */
  update(index: ParamKey, weight: NDArray, grad: NDArray, state: OptimizerState): void {
    this.updateCount(index);
    const wd = this.getWd(index), rho = this.rho, eps = this.epsilon;
    const [accG, accD] = state as NDArray[];
    scope(() => {
      const g = this.rescaled(grad);
      accG.mulInPlace(rho).addInPlace(g.square().mul(1 - rho));
      const d = accD.add(eps).sqrt().div(accG.add(eps).sqrt()).mul(g);
      accD.mulInPlace(rho).addInPlace(d.square().mul(1 - rho));
      weight.subInPlace(wd === 0 ? d : d.add(weight.mul(wd)));
    });
  }
}

/** FTRL's options. */
export interface FtrlOptions extends OptimizerOptions {
  /** L1 strength (0.01). */
  lamda1?: number;
  /** Denominator offset (1). */
  beta?: number;
}

/**
 * FTRL-Proximal (McMahan et al. 2013), MXNet's `ftrl_update`: `g = clip(rescale*grad);
 * z += g - (sqrt(n + g^2) - sqrt(n)) * w / lr; n += g^2;
 * w = (sign(z)*lamda1 - z) / ((beta + sqrt(n))/lr + wd) * (|z| > lamda1)`. Default lr 0.1.
 */
export class Ftrl extends Optimizer {
  /** FTRL's options. */
  static override readonly optionNames: readonly string[] = [
    ...Optimizer.optionNames,
    ...keysOf<Omit<FtrlOptions, keyof OptimizerOptions>>({ lamda1: true, beta: true }),
  ];
  /** L1 strength. */
  lamda1: number;
  /** Denominator offset. */
  beta: number;
  /** Creates the optimizer. */
  constructor(opts: FtrlOptions = {}) {
    super(opts, 0.1);
    this.lamda1 = opts.lamda1 ?? 0.01;
    this.beta = opts.beta ?? 1;
  }
  /** `[z, n]`, zeros. */
  createState(_index: ParamKey, weight: NDArray): OptimizerState {
    return [weight.zerosLike(), weight.zerosLike()];
  }
  /** See the class docs. */
  update(index: ParamKey, weight: NDArray, grad: NDArray, state: OptimizerState): void {
    this.updateCount(index);
    const [z, n] = state as NDArray[];
    applyUpdateOp("ftrl_update", [weight, grad, z, n], {
      lr: this.getLr(index),
      wd: this.getWd(index),
      lamda1: this.lamda1,
      beta: this.beta,
      ...gradParams(this),
    }, weight);
  }
}
