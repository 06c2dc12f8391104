/**
 * Learning-rate schedules (`mx.lr_scheduler`): called with the optimizer's update count,
 * they return the learning rate for that update, with MXNet's warm-up options.
 * @module
 */
import { ParamError } from "../core/errors.ts";
import { checkOptions, keysOf } from "../core/options.ts";

/** Options every scheduler shares. */
export interface LRSchedulerOptions {
  /** Learning rate after warm-up (the optimizer's `learningRate` replaces it when given). */
  baseLr?: number;
  /** Updates spent warming up. */
  warmupSteps?: number;
  /** Learning rate at update 0 of the warm-up. */
  warmupBeginLr?: number;
  /** "linear" ramps from warmupBeginLr to baseLr; "constant" holds warmupBeginLr. */
  warmupMode?: "linear" | "constant";
}

/**
 * Base of the schedules.
 * @example
 * ```ts
 * import { FactorScheduler } from "./lr_scheduler.ts";
 * const s = new FactorScheduler({ step: 2, factor: 0.5, baseLr: 1 });
 * console.log([1, 2, 3, 5].map((n) => s.call(n))); // [1, 1, 0.5, 0.25]
 * ```
 */
export abstract class LRScheduler {
  /** The current base learning rate. */
  baseLr: number;
  /** Warm-up length in updates. */
  readonly warmupSteps: number;
  /** Warm-up start. */
  readonly warmupBeginLr: number;
  /** Warm-up shape. */
  readonly warmupMode: "linear" | "constant";
  /** The final learning rate after warm-up (MXNet's `warmup_final_lr`). */
  warmupFinalLr: number;

  /**
   * The option names this schedule accepts (others throw a ParamError); a subclass with
   * options of its own lists them too.
   */
  static readonly optionNames: readonly string[] = keysOf<LRSchedulerOptions>({
    baseLr: true,
    warmupSteps: true,
    warmupBeginLr: true,
    warmupMode: true,
  });

  /** Reads the shared options. */
  constructor(opts: LRSchedulerOptions = {}) {
    checkOptions(new.target.name, opts, (new.target as typeof LRScheduler).optionNames);
    this.baseLr = opts.baseLr ?? 0.01;
    this.warmupSteps = opts.warmupSteps ?? 0;
    this.warmupBeginLr = opts.warmupBeginLr ?? 0;
    this.warmupMode = opts.warmupMode ?? "linear";
    this.warmupFinalLr = this.baseLr;
    if (this.warmupSteps < 0) throw new ParamError(`LRScheduler: warmupSteps must be >= 0`);
    if (this.warmupBeginLr > this.baseLr) {
      throw new ParamError(`LRScheduler: warmupBeginLr must not exceed baseLr`);
    }
    if (this.warmupMode !== "linear" && this.warmupMode !== "constant") {
      throw new ParamError(`LRScheduler: warmupMode must be "linear" or "constant"`);
    }
  }

  /** Called by the optimizer when its `learningRate` option sets the base. */
  setBaseLr(lr: number): void {
    this.baseLr = lr;
    this.warmupFinalLr = lr;
  }

  /** The learning rate during warm-up. */
  protected warmupLr(numUpdate: number): number {
    if (this.warmupMode === "constant") return this.warmupBeginLr;
    const increase = (this.warmupFinalLr - this.warmupBeginLr) * numUpdate / this.warmupSteps;
    return this.warmupBeginLr + increase;
  }

  /** The learning rate for update number `numUpdate` (MXNet's `__call__`). */
  abstract call(numUpdate: number): number;
}

/** `baseLr * factor^floor((n - 1) / step)`, never below `stopFactorLr`. */
export class FactorScheduler extends LRScheduler {
  /** FactorScheduler's options. */
  static override readonly optionNames: readonly string[] = [
    ...LRScheduler.optionNames,
    "step",
    "factor",
    "stopFactorLr",
  ];
  /** Updates between reductions. */
  readonly step: number;
  /** Multiplier per reduction. */
  readonly factor: number;
  /** Floor of the learning rate. */
  readonly stopFactorLr: number;
  #count = 0;

  /** Creates the schedule. */
  constructor(opts: LRSchedulerOptions & { step: number; factor?: number; stopFactorLr?: number }) {
    super(opts);
    if (!(opts.step >= 1)) throw new ParamError(`FactorScheduler: step must be >= 1`);
    this.step = opts.step;
    this.factor = opts.factor ?? 1;
    if (this.factor > 1) throw new ParamError(`FactorScheduler: factor must be <= 1`);
    this.stopFactorLr = opts.stopFactorLr ?? 1e-8;
  }

  /** See LRScheduler.call. */
  call(numUpdate: number): number {
    if (numUpdate < this.warmupSteps) return this.warmupLr(numUpdate);
    // Stateful like MXNet's: the count only moves forward.
    while (numUpdate > this.#count + this.step) {
      this.#count += this.step;
      this.baseLr = Math.max(this.baseLr * this.factor, this.stopFactorLr);
    }
    return this.baseLr;
  }
}

/** Multiplies by `factor` each time the update count passes one of `step`. */
export class MultiFactorScheduler extends LRScheduler {
  /** MultiFactorScheduler's options. */
  static override readonly optionNames: readonly string[] = [
    ...LRScheduler.optionNames,
    "step",
    "factor",
  ];
  /** Increasing update counts. */
  readonly step: readonly number[];
  /** Multiplier per passed step. */
  readonly factor: number;
  #cur = 0;

  /** Creates the schedule. */
  constructor(opts: LRSchedulerOptions & { step: readonly number[]; factor?: number }) {
    super(opts);
    opts.step.forEach((s, i) => {
      if (s < 1 || (i > 0 && s <= opts.step[i - 1])) {
        throw new ParamError(`MultiFactorScheduler: step must be increasing and >= 1`);
      }
    });
    this.step = [...opts.step];
    this.factor = opts.factor ?? 1;
    if (this.factor > 1) throw new ParamError(`MultiFactorScheduler: factor must be <= 1`);
  }

  /** See LRScheduler.call. */
  call(numUpdate: number): number {
    if (numUpdate < this.warmupSteps) return this.warmupLr(numUpdate);
    while (this.#cur < this.step.length && numUpdate > this.step[this.#cur]) {
      this.#cur++;
      this.baseLr *= this.factor;
    }
    return this.baseLr;
  }
}

/** Shared by Poly and Cosine: a curve from the original base to `finalLr` at `maxUpdate`. */
export abstract class CurveScheduler extends LRScheduler {
  /** The curves' options. */
  static override readonly optionNames: readonly string[] = [
    ...LRScheduler.optionNames,
    "maxUpdate",
    "finalLr",
  ];
  /** Last update of the curve. */
  readonly maxUpdate: number;
  /** Learning rate from `maxUpdate` on. */
  readonly finalLr: number;
  /** The base the curve starts from. */
  baseLrOrig: number;

  /** Reads the curve's options; `who` names the schedule in errors. */
  constructor(opts: LRSchedulerOptions & { maxUpdate: number; finalLr?: number }, who: string) {
    super(opts);
    if (!(opts.maxUpdate >= 1)) throw new ParamError(`${who}: maxUpdate must be >= 1`);
    this.maxUpdate = opts.maxUpdate;
    this.finalLr = opts.finalLr ?? 0;
    this.baseLrOrig = this.baseLr;
    if (this.maxUpdate - this.warmupSteps < 1) {
      throw new ParamError(`${who}: maxUpdate must exceed warmupSteps`);
    }
  }

  /** Sets the base the curve starts from. */
  override setBaseLr(lr: number): void {
    super.setBaseLr(lr);
    this.baseLrOrig = lr;
  }

  /** Fraction of the curve still ahead, in [0, 1]. */
  protected abstract shape(progress: number): number;

  /** See LRScheduler.call. */
  call(numUpdate: number): number {
    if (numUpdate < this.warmupSteps) return this.warmupLr(numUpdate);
    if (numUpdate <= this.maxUpdate) {
      const progress = (numUpdate - this.warmupSteps) / (this.maxUpdate - this.warmupSteps);
      this.baseLr = this.finalLr + (this.baseLrOrig - this.finalLr) * this.shape(progress);
    }
    return this.baseLr;
  }
}

/** `final + (base - final) * (1 - progress)^pwr`. */
export class PolyScheduler extends CurveScheduler {
  /** PolyScheduler's options. */
  static override readonly optionNames: readonly string[] = [...CurveScheduler.optionNames, "pwr"];
  /** The power. */
  readonly pwr: number;
  /** Creates the schedule. */
  constructor(
    opts: LRSchedulerOptions & { maxUpdate: number; pwr?: number; finalLr?: number },
  ) {
    super(opts, "PolyScheduler");
    this.pwr = opts.pwr ?? 2;
  }
  /** `(1 - progress)^pwr`. */
  protected shape(progress: number): number {
    return Math.pow(1 - progress, this.pwr);
  }
}

/** `final + (base - final) * (1 + cos(pi * progress)) / 2`. */
export class CosineScheduler extends CurveScheduler {
  /** Creates the schedule. */
  constructor(opts: LRSchedulerOptions & { maxUpdate: number; finalLr?: number }) {
    super(opts, "CosineScheduler");
  }
  /** `(1 + cos(pi * progress)) / 2`. */
  protected shape(progress: number): number {
    return (1 + Math.cos(Math.PI * progress)) / 2;
  }
}
