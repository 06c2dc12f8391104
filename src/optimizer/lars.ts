/**
 * Large-batch optimizers with layer-wise rates: `LARS` (You et al. 2017) and `LBSGD`
 * (gradient accumulation with warm-up or LARS scaling), with MXNet's options. The
 * layer-wise rates are computed on the device (`multi_sum_sq`, `multi_lars`) and fed to
 * `preloaded_multi_sgd_update` as arrays, so no norm is read back per step.
 * @module
 */
import { ParamError } from "../core/errors.ts";
import { keysOf } from "../core/options.ts";
import { invoke } from "../ndarray/apply.ts";
import { array } from "../ndarray/creation.ts";
import type { NDArray } from "../ndarray/ndarray.ts";
import { scope } from "../ndarray/scope.ts";
import { applyUpdateOp, gradParams } from "./_update_op.ts";
import {
  Optimizer,
  type OptimizerOptions,
  type OptimizerState,
  type ParamKey,
} from "./optimizer.ts";

/** A one-element float32 array on `like`'s device. */
function scalarArray(v: number, like: NDArray): NDArray {
  return array([v], { dtype: "float32", ctx: like.context });
}

/** Momentum SGD (or plain SGD when `mom` is null) with the rate and decay as arrays. */
function preloadedSgd(
  opt: Optimizer,
  weight: NDArray,
  grad: NDArray,
  mom: NDArray | null,
  lr: NDArray,
  wd: NDArray,
  momentum: number,
): void {
  const p = { ...gradParams(opt), numWeights: 1 };
  if (mom === null) applyUpdateOp("preloaded_multi_sgd_update", [weight, grad, lr, wd], p, weight);
  else {
    applyUpdateOp("preloaded_multi_sgd_mom_update", [weight, grad, mom, lr, wd], {
      ...p,
      momentum,
    }, weight);
  }
}

/** LARS's options. */
export interface LARSOptions extends OptimizerOptions {
  /** Momentum (0: none). */
  momentum?: number;
  /** LARS coefficient (0.001). */
  eta?: number;
  /** Added to the rate's denominator (0). */
  eps?: number;
  /** Scale the momentum by the change of the scheduled rate (Goyal et al. 2017; true). */
  momentumCorrection?: boolean;
}

/**
 * LARS: momentum SGD whose rate per layer is
 * `lr * eta * |w| / (|rescale*g| + wd*|w| + eps)` (just `lr` when a norm is 0, and for
 * parameters named `*gamma`, `*beta`, `*bias`). As MXNet, only `*_weight` parameters get
 * weight decay, and with `momentumCorrection` the momentum is scaled by
 * `lr_now / lr_before` when a schedule changes the rate.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const opt = mx.optimizer.create("lars", { learningRate: 0.1, momentum: 0.9 });
 * const w = mx.nd.ones([4]);
 * opt.update(0, w, mx.nd.ones([4]), opt.createState(0, w));
 * console.log((await w.data())[0] < 1); // true
 * ```
 */
export class LARS extends Optimizer {
  /** LARS's options. */
  static override readonly optionNames: readonly string[] = [
    ...Optimizer.optionNames,
    ...keysOf<Omit<LARSOptions, keyof OptimizerOptions>>({
      momentum: true,
      eta: true,
      eps: true,
      momentumCorrection: true,
    }),
  ];
  /** Momentum. */
  momentum: number;
  /** LARS coefficient. */
  eta: number;
  /** Denominator guard. */
  eps: number;
  /** Momentum correction on. */
  momentumCorrection: boolean;
  /** The base rate at the previous update (MXNet's `last_lr`). */
  lastLr: number | null = null;
  /** The base rate at this update (MXNet's `cur_lr`). */
  curLr: number | null = null;
  /** Creates the optimizer. */
  constructor(opts: LARSOptions = {}) {
    super(opts);
    this.momentum = opts.momentum ?? 0;
    this.eta = opts.eta ?? 0.001;
    this.eps = opts.eps ?? 0;
    this.momentumCorrection = opts.momentumCorrection ?? true;
  }
  /**
   * Weight-decay multipliers, as MXNet's LARS: parameters whose name does not end in
   * `_weight` get none unless set here.
   */
  override setWdMult(mult: Record<ParamKey, number>): void {
    super.setWdMult(mult);
    // The base already exempts names ending in neither `_weight` nor `_gamma`.
    for (const n of this.idx2name.values()) {
      if (n.endsWith("_gamma") && !this.wdMult.has(n)) this.wdMult.set(n, 0);
    }
  }
  /** Momentum buffer, or null without momentum. */
  createState(_index: ParamKey, weight: NDArray): OptimizerState {
    return this.momentum === 0 ? null : weight.zerosLike();
  }
  /** See the class docs. */
  update(index: ParamKey, weight: NDArray, grad: NDArray, state: OptimizerState): void {
    this.updateCount(index);
    // MXNet's _get_lrs: remember the base rate before and now, for the momentum correction.
    if (this.curLr !== null) this.lastLr = this.curLr;
    this.curLr = this.learningRate;
    if (this.lastLr === null) this.lastLr = this.curLr;
    const lr = this.getLr(index), wd = this.getWd(index);
    const momentum = this.momentumCorrection && this.lastLr !== 0
      ? this.momentum * (this.curLr / this.lastLr)
      : this.momentum;
    const name = this.idx2name.get(String(index)) ?? String(index);
    const layerwise = !/(gamma|beta|bias)$/.test(name);
    scope(() => {
      let lrs = scalarArray(lr, weight);
      const wds = scalarArray(wd, weight);
      if (layerwise) {
        const [wss] = invoke("multi_sum_sq", [weight], { numArrays: 1 });
        const [gss] = invoke("multi_sum_sq", [grad], { numArrays: 1 });
        [lrs] = invoke("multi_lars", [lrs, wss, gss, wds], {
          eta: this.eta,
          eps: this.eps,
          rescaleGrad: this.rescaleGrad,
        });
      }
      preloadedSgd(this, weight, grad, state as NDArray | null, lrs, wds, momentum);
    });
  }
}

/** LBSGD's warm-up strategies. */
export type LBSGDWarmup = "linear" | "power2" | "sqrt" | "lars";

/** LBSGD's options. */
export interface LBSGDOptions extends OptimizerOptions {
  /** Momentum (0: none). */
  momentum?: number;
  /** How the rate multiplier grows to `batchScale` ("linear"), or "lars" (layer-wise). */
  warmupStrategy?: LBSGDWarmup;
  /** Epochs of warm-up (5). */
  warmupEpochs?: number;
  /** Gradients accumulated per update, and the final rate multiplier (1). */
  batchScale?: number;
  /** Updates per epoch, for the warm-up length (32). */
  updatesPerEpoch?: number;
  /** The epoch training starts at (0). */
  beginEpoch?: number;
  /** Total epochs (60; accepted as MXNet's, unused there too). */
  numEpochs?: number;
}

const WARMUPS: readonly LBSGDWarmup[] = ["linear", "power2", "sqrt", "lars"];

/**
 * LBSGD, large-batch SGD: gradients are summed over `batchScale` calls per parameter and
 * their mean applied by (momentum) SGD with the rate times a warm-up multiplier growing
 * from 1 to `batchScale` over `warmupEpochs * updatesPerEpoch` updates ("linear",
 * "power2", "sqrt"), or times a LARS ratio `clip(sqrt(|w|^2 / (|g|^2 + wd*|w|^2)),
 * 0.01, 100)` ("lars"). Calls between applied updates leave the weight unchanged.
 * MXNet keeps a reference to the first gradient array of each macro-batch, which the next
 * backward pass overwrites; here it is copied. `dispose()` frees pending sums.
 */
export class LBSGD extends Optimizer {
  /** LBSGD's options. */
  static override readonly optionNames: readonly string[] = [
    ...Optimizer.optionNames,
    ...keysOf<Omit<LBSGDOptions, keyof OptimizerOptions>>({
      momentum: true,
      warmupStrategy: true,
      warmupEpochs: true,
      batchScale: true,
      updatesPerEpoch: true,
      beginEpoch: true,
      numEpochs: true,
    }),
  ];
  /** Momentum. */
  momentum: number;
  /** Warm-up strategy. */
  warmupStrategy: LBSGDWarmup;
  /** Warm-up epochs. */
  warmupEpochs: number;
  /** Gradients per applied update. */
  batchScale: number;
  /** Updates per epoch. */
  updatesPerEpoch: number;
  /** Total epochs. */
  numEpochs: number;
  /** The accumulation count each parameter starts from (`beginEpoch * updatesPerEpoch`). */
  readonly initUpdates: number;
  readonly #sums = new Map<string, { sum: NDArray | null; count: number }>();
  /** Creates the optimizer. */
  constructor(opts: LBSGDOptions = {}) {
    super(opts);
    this.momentum = opts.momentum ?? 0;
    this.warmupStrategy = opts.warmupStrategy ?? "linear";
    if (!WARMUPS.includes(this.warmupStrategy)) {
      throw new ParamError(
        `LBSGD: warmupStrategy must be one of ${WARMUPS.join(", ")}, got ${
          JSON.stringify(this.warmupStrategy)
        }`,
      );
    }
    this.warmupEpochs = opts.warmupEpochs ?? 5;
    this.batchScale = opts.batchScale ?? 1;
    if (!(Number.isInteger(this.batchScale) && this.batchScale >= 1)) {
      throw new ParamError(`LBSGD: batchScale must be an integer >= 1, got ${this.batchScale}`);
    }
    this.updatesPerEpoch = opts.updatesPerEpoch ?? 32;
    this.numEpochs = opts.numEpochs ?? 60;
    this.initUpdates = (opts.beginEpoch ?? 0) * this.updatesPerEpoch;
  }
  /** Momentum buffer, or null without momentum. */
  createState(_index: ParamKey, weight: NDArray): OptimizerState {
    return this.momentum === 0 ? null : weight.zerosLike();
  }
  /** The warm-up rate multiplier after `n` accumulated gradients (MXNet's `_get_lbmult`). */
  warmupMultiplier(n: number): number {
    const warm = this.warmupEpochs * this.updatesPerEpoch, top = this.batchScale;
    if (n >= warm) return top;
    if (warm <= 1) return 1;
    switch (this.warmupStrategy) {
      case "linear":
        return 1 + (top - 1) * n / warm;
      case "power2":
        return 1 + (top - 1) * (n * n) / (warm * warm);
      case "sqrt":
        return 1 + (top - 1) * Math.sqrt(n / warm);
      default:
        return 1;
    }
  }
  /** See the class docs. */
  update(index: ParamKey, weight: NDArray, grad: NDArray, state: OptimizerState): void {
    // As MXNet, the rate is read before the count moves.
    const lr = this.getLr(index), wd = this.getWd(index);
    this.updateCount(index);
    const k = String(index);
    const acc = this.#sums.get(k) ?? { sum: null, count: this.initUpdates };
    acc.count += 1;
    if (acc.count % this.batchScale !== 0) {
      // Kept past this call: made outside any scope, freed when the macro-batch applies.
      if (acc.sum === null) acc.sum = grad.copy();
      else acc.sum.addInPlace(grad);
      this.#sums.set(k, acc);
      return;
    }
    const mom = state as NDArray | null;
    scope(() => {
      const total = acc.sum === null ? grad : acc.sum.add(grad);
      const g = this.batchScale === 1 ? total : total.div(this.batchScale);
      if (this.warmupStrategy === "lars") {
        const w2 = weight.square().sum(), g2 = g.square().sum();
        const ratio = w2.div(g2.add(w2.mul(wd)).add(1e-18)).sqrt().clip(0.01, 100);
        const lrs = ratio.astype("float32").reshape([1]).mul(lr);
        preloadedSgd(this, weight, g, mom, lrs, scalarArray(wd, weight), this.momentum);
      } else {
        const p = { lr: lr * this.warmupMultiplier(acc.count), wd, ...gradParams(this) };
        if (mom === null) applyUpdateOp("sgd_update", [weight, g], p, weight);
        else {
          applyUpdateOp("sgd_mom_update", [weight, g, mom], {
            ...p,
            momentum: this.momentum,
          }, weight);
        }
      }
    });
    acc.sum?.dispose();
    acc.sum = null;
    this.#sums.set(k, acc);
  }
  /** Frees the gradient sums of unfinished macro-batches. */
  dispose(): void {
    for (const acc of this.#sums.values()) {
      acc.sum?.dispose();
      acc.sum = null;
    }
  }
}
