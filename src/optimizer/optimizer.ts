/**
 * The Optimizer base: learning rate (fixed or scheduled), weight decay, per-parameter
 * multipliers, gradient rescaling and clipping, and the update counters MXNet keeps.
 * Subclasses implement `createState` and `update` with NDArray ops only, so every
 * update is an engine operation on the weight's device.
 * @module
 */
import { ParamError } from "../core/errors.ts";
import { checkOptions, keysOf } from "../core/options.ts";
import type { NDArray } from "../ndarray/ndarray.ts";
import { scope } from "../ndarray/scope.ts";
import type { LRScheduler } from "./lr_scheduler.ts";

/** A parameter's index in the optimizer: its position, or its name (string kvstore keys). */
export type ParamKey = number | string;

/** Per-parameter optimizer state: none, one array, or a (nested) list of arrays. */
export type OptimizerState = NDArray | null | readonly OptimizerState[];

/** What `sym` must offer for lr/wd multipliers from `__lr_mult__` / `__wd_mult__` attributes. */
export interface SymbolAttrSource {
  /** Argument names. */
  listArguments(): string[];
  /** Attributes per node name. */
  attrDict(): Record<string, Record<string, string>>;
}

/** Options of every optimizer. */
export interface OptimizerOptions {
  /** Learning rate (default 0.01, some optimizers differ). */
  learningRate?: number;
  /** Weight decay (L2) coefficient. */
  wd?: number;
  /** Multiplies every gradient first (e.g. 1 / batch size). */
  rescaleGrad?: number;
  /** Clips the rescaled gradient to [-c, c]; null or undefined: no clipping. */
  clipGradient?: number | null;
  /** Schedule for the learning rate. */
  lrScheduler?: LRScheduler | null;
  /** Parameter names by index, for multipliers given by name. */
  paramIdx2Name?: Record<ParamKey, string> | Map<ParamKey, string>;
  /** Symbol whose `__lr_mult__` / `__wd_mult__` attributes set multipliers. */
  sym?: SymbolAttrSource | null;
  /** Update count to start from (resuming training). */
  beginNumUpdate?: number;
  /** Accepted for MXNet compatibility; dense updates are always applied in full. */
  lazyUpdate?: boolean;
  /** Keep a float32 master copy of float16 weights and update that (MXNet's multi_precision). */
  multiPrecision?: boolean;
}

/** Counters saved with the optimizer states. */
export interface OptimizerCounters {
  /** Highest update count of any parameter. */
  numUpdate: number;
  /** Update count per parameter key. */
  indexUpdateCount: Record<string, number>;
  /** Optimizer-wide values some optimizers keep (Nadam's momentum schedule). */
  extra: Record<string, number>;
}

/** Base class; see the module docs. */
export abstract class Optimizer {
  /** Learning rate used when there is no scheduler. */
  lr: number;
  /** Weight decay. */
  wd: number;
  /** Gradient multiplier. */
  rescaleGrad: number;
  /** Gradient clip bound, or null. */
  clipGradient: number | null;
  /** Update float16 weights through a float32 master copy. */
  multiPrecision: boolean;
  /** Learning-rate schedule, or null. */
  lrScheduler: LRScheduler | null;
  /** Update count a parameter starts from. */
  beginNumUpdate: number;
  /** Highest update count so far. */
  numUpdate: number;
  /** Update counts per parameter (keys as strings). */
  readonly indexUpdateCount: Map<string, number> = new Map();
  /** Parameter names by index (keys as strings). */
  readonly idx2name: Map<string, string> = new Map();
  /** Learning-rate multipliers by index or name. */
  lrMult: Map<string, number> = new Map();
  /** Weight-decay multipliers by index or name. */
  wdMult: Map<string, number> = new Map();
  readonly #symInfo: { attrs: Record<string, Record<string, string>>; args: string[] } | null;

  /**
   * The option names this optimizer accepts: an unknown option (a typo, Python's
   * `learning_rate`) throws a ParamError naming the nearest one. A subclass with options
   * of its own lists them too: `static override optionNames = [...SGD.optionNames, "foo"]`.
   */
  static readonly optionNames: readonly string[] = keysOf<OptimizerOptions>({
    learningRate: true,
    wd: true,
    rescaleGrad: true,
    clipGradient: true,
    lrScheduler: true,
    paramIdx2Name: true,
    sym: true,
    beginNumUpdate: true,
    lazyUpdate: true,
    multiPrecision: true,
  });

  /**
   * Reads the shared options; `defaultLr` is the optimizer's own default rate. As in
   * MXNet, a given `learningRate` becomes the `lrScheduler`'s base rate, and so does the
   * default of an optimizer whose MXNet signature declares one (`Adam(learning_rate=0.001)`,
   * `defaultLrSetsSchedule`); the others (SGD, NAG, AdaGrad, ...) keep the schedule's own.
   */
  constructor(opts: OptimizerOptions = {}, defaultLr = 0.01, defaultLrSetsSchedule = false) {
    checkOptions(new.target.name, opts, (new.target as typeof Optimizer).optionNames);
    this.lr = opts.learningRate ?? defaultLr;
    this.wd = opts.wd ?? 0;
    this.rescaleGrad = opts.rescaleGrad ?? 1;
    this.clipGradient = opts.clipGradient ?? null;
    this.multiPrecision = opts.multiPrecision ?? false;
    if (this.clipGradient !== null && !(this.clipGradient >= 0)) {
      throw new ParamError(`${this.name}: clipGradient must be >= 0, got ${this.clipGradient}`);
    }
    this.lrScheduler = opts.lrScheduler ?? null;
    if (this.lrScheduler && (opts.learningRate !== undefined || defaultLrSetsSchedule)) {
      this.lrScheduler.setBaseLr(this.lr);
    }
    this.beginNumUpdate = opts.beginNumUpdate ?? 0;
    this.numUpdate = this.beginNumUpdate;
    const names = opts.paramIdx2Name;
    if (names) {
      const entries = names instanceof Map ? [...names] : Object.entries(names);
      for (const [k, v] of entries) this.idx2name.set(String(k), v);
    }
    this.#symInfo = opts.sym
      ? { attrs: opts.sym.attrDict(), args: opts.sym.listArguments() }
      : null;
    this.setLrMult({});
    this.setWdMult({});
  }

  /** Lower-case registry name. */
  get name(): string {
    return this.constructor.name;
  }

  /** Makes the state for parameter `index` (zeros shaped like `weight`, or null). */
  abstract createState(index: ParamKey, weight: NDArray): OptimizerState;

  /** Updates `weight` in place from `grad` and `state` (engine operations; returns at once). */
  abstract update(index: ParamKey, weight: NDArray, grad: NDArray, state: OptimizerState): void;

  /**
   * The state for `index`; with `multiPrecision` and a float16 weight it is
   * `[float32 copy of the weight, state of that copy]`.
   */
  createStateMultiPrecision(index: ParamKey, weight: NDArray): OptimizerState {
    if (!this.#isMixed(weight)) return this.createState(index, weight);
    const master = weight.astype("float32");
    return [master, this.createState(index, master)];
  }

  /** `update`, through the float32 copy when the state came from a mixed-precision weight. */
  updateMultiPrecision(
    index: ParamKey,
    weight: NDArray,
    grad: NDArray,
    state: OptimizerState,
  ): void {
    if (!this.#isMixed(weight)) return this.update(index, weight, grad, state);
    const [master, inner] = state as [NDArray, OptimizerState];
    scope(() => {
      this.update(index, master, grad.astype("float32"), inner);
      master.astype(weight.dtype).copyTo(weight);
    });
  }

  #isMixed(weight: NDArray): boolean {
    return this.multiPrecision && weight.dtype === "float16";
  }

  /** The learning rate now (the schedule's value at the current update count). */
  get learningRate(): number {
    return this.lrScheduler ? this.lrScheduler.call(this.numUpdate) : this.lr;
  }

  /** Sets the learning rate; with a schedule, change the schedule instead. */
  setLearningRate(lr: number): void {
    if (this.lrScheduler) {
      throw new ParamError(
        `${this.name}: setLearningRate with an lrScheduler in use; change the scheduler instead`,
      );
    }
    this.lr = lr;
  }

  /** Sets learning-rate multipliers by index or name; `__lr_mult__` attributes come first. */
  setLrMult(mult: Record<ParamKey, number>): void {
    this.lrMult = new Map();
    this.#fromSymbol("__lr_mult__", this.lrMult);
    for (const [k, v] of Object.entries(mult)) this.lrMult.set(k, v);
  }

  /**
   * Sets weight-decay multipliers. As MXNet: parameters whose name does not end in
   * `_weight` or `_gamma` (biases, betas) get no weight decay unless set here.
   */
  setWdMult(mult: Record<ParamKey, number>): void {
    this.wdMult = new Map();
    for (const n of this.idx2name.values()) {
      if (!(n.endsWith("_weight") || n.endsWith("_gamma"))) this.wdMult.set(n, 0);
    }
    this.#fromSymbol("__wd_mult__", this.wdMult);
    for (const [k, v] of Object.entries(mult)) this.wdMult.set(k, v);
  }

  #fromSymbol(attr: string, into: Map<string, number>): void {
    if (!this.#symInfo) return;
    for (const name of this.#symInfo.args) {
      const v = this.#symInfo.attrs[name]?.[attr];
      if (v !== undefined) into.set(name, Number(v));
    }
  }

  /** Counts one update of `index` (MXNet's `_update_count`). */
  protected updateCount(index: ParamKey): number {
    const k = String(index);
    const n = (this.indexUpdateCount.get(k) ?? this.beginNumUpdate) + 1;
    this.indexUpdateCount.set(k, n);
    this.numUpdate = Math.max(n, this.numUpdate);
    return n;
  }

  #mult(index: ParamKey, table: Map<string, number>): number {
    const k = String(index);
    if (table.has(k)) return table.get(k)!;
    const name = this.idx2name.get(k);
    return name !== undefined ? table.get(name) ?? 1 : 1;
  }

  /** Learning rate for `index`: schedule or fixed, times its multiplier. */
  protected getLr(index: ParamKey): number {
    return this.learningRate * this.#mult(index, this.lrMult);
  }

  /** Weight decay for `index`, times its multiplier. */
  protected getWd(index: ParamKey): number {
    return this.wd * this.#mult(index, this.wdMult);
  }

  /** `clip(rescaleGrad * grad)`: a new array. */
  protected rescaled(grad: NDArray): NDArray {
    const g = grad.mul(this.rescaleGrad);
    return this.clipGradient === null ? g : g.clip(-this.clipGradient, this.clipGradient);
  }

  /** `clip(rescaleGrad * grad + wd * weight)`: the form Adam-like kernels use. */
  protected rescaledWithWd(grad: NDArray, weight: NDArray, wd: number): NDArray {
    const g = wd === 0
      ? grad.mul(this.rescaleGrad)
      : grad.mul(this.rescaleGrad).add(weight.mul(wd));
    return this.clipGradient === null ? g : g.clip(-this.clipGradient, this.clipGradient);
  }

  /** The counters, for saving with the states. */
  counters(): OptimizerCounters {
    return {
      numUpdate: this.numUpdate,
      indexUpdateCount: Object.fromEntries(this.indexUpdateCount),
      extra: this.extraState(),
    };
  }

  /** Restores saved counters. */
  restoreCounters(c: OptimizerCounters): void {
    this.numUpdate = c.numUpdate;
    this.indexUpdateCount.clear();
    for (const [k, v] of Object.entries(c.indexUpdateCount)) this.indexUpdateCount.set(k, v);
    this.setExtraState(c.extra ?? {});
  }

  /** Optimizer-wide numbers beyond the counters (none by default). */
  protected extraState(): Record<string, number> {
    return {};
  }

  /** Restores what `extraState` returned. */
  protected setExtraState(_extra: Record<string, number>): void {}
}
