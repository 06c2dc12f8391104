/**
 * Normalization layers: BatchNorm (running statistics), LayerNorm, InstanceNorm and
 * GroupNorm, with MXNet 1.9's parameters and defaults.
 * @module
 */
import type { DType } from "../../core/dtype.ts";
import { ParamError, ShapeError } from "../../core/errors.ts";
import { formatShape, normalizeAxis } from "../../core/shape.ts";
import type { NDArray } from "../../ndarray/ndarray.ts";
import { add, div, isSymbol, mean, mul, op, reshape, reshapeLike, sub, type Value } from "../_f.ts";
import type { BlockOptions } from "../block.ts";
import { HybridBlock } from "../hybrid_block.ts";
import type { InitLike, Parameter } from "../parameter.ts";
import { inferParamShape, layerOptions, read } from "./_layer.ts";

/** Options shared by the normalization layers. */
export interface NormOptions extends BlockOptions {
  /** Small constant added to the variance (default 1e-5). */
  epsilon?: number;
  /** Learn an offset `beta` (default true). */
  center?: boolean;
  /** Learn a scale `gamma` (default true; InstanceNorm: false). */
  scale?: boolean;
  /** Initializer of beta (default "zeros"). */
  betaInitializer?: InitLike;
  /** Initializer of gamma (default "ones"). */
  gammaInitializer?: InitLike;
  /** Channel count; 0 (default) infers it at the first forward pass. */
  inChannels?: number;
}

const NORM_KEYS = [
  "epsilon",
  "center",
  "scale",
  "betaInitializer",
  "gammaInitializer",
  "inChannels",
];

function affineParams(b: HybridBlock, opts: NormOptions, scaleDefault: boolean, n: number) {
  const scale = opts.scale ?? scaleDefault, center = opts.center ?? true;
  return {
    gamma: b.params.get("gamma", {
      gradReq: scale ? "write" : "null",
      shape: [n],
      init: opts.gammaInitializer ?? "ones",
      allowDeferredInit: true,
      differentiable: scale,
    }),
    beta: b.params.get("beta", {
      gradReq: center ? "write" : "null",
      shape: [n],
      init: opts.betaInitializer ?? "zeros",
      allowDeferredInit: true,
      differentiable: center,
    }),
  };
}

/** Options of BatchNorm. */
export interface BatchNormOptions extends NormOptions {
  /** The channel axis (default 1). */
  axis?: number;
  /** Momentum of the running statistics (default 0.9). */
  momentum?: number;
  /** Always normalize with the running statistics (default false). */
  useGlobalStats?: boolean;
  /** Initializer of the running mean (default "zeros"). */
  runningMeanInitializer?: InitLike;
  /** Initializer of the running variance (default "ones"). */
  runningVarianceInitializer?: InitLike;
}

/**
 * Batch normalization: batch statistics while training (updating the running mean and
 * variance), running statistics otherwise.
 */
export class BatchNorm extends HybridBlock {
  /** Scale, one per channel. */
  readonly gamma: Parameter;
  /** Offset, one per channel. */
  readonly beta: Parameter;
  /** Running mean (updated while training). */
  readonly runningMean: Parameter;
  /** Running variance (updated while training). */
  readonly runningVar: Parameter;
  readonly #kw: Record<string, unknown>;
  /** Creates the layer. */
  constructor(opts: BatchNormOptions = {}) {
    super(
      layerOptions("BatchNorm", opts, [
        ...NORM_KEYS,
        "axis",
        "momentum",
        "useGlobalStats",
        "runningMeanInitializer",
        "runningVarianceInitializer",
      ]),
      "batchnorm",
    );
    const c = opts.inChannels ?? 0;
    this.#kw = {
      axis: opts.axis ?? 1,
      eps: opts.epsilon ?? 1e-5,
      momentum: opts.momentum ?? 0.9,
      fixGamma: !(opts.scale ?? true),
      useGlobalStats: opts.useGlobalStats ?? false,
    };
    const { gamma, beta } = affineParams(this, opts, true, c);
    this.gamma = gamma;
    this.beta = beta;
    this.runningMean = this.params.get("running_mean", {
      gradReq: "null",
      shape: [c],
      init: opts.runningMeanInitializer ?? "zeros",
      allowDeferredInit: true,
      differentiable: false,
    });
    this.runningVar = this.params.get("running_var", {
      gradReq: "null",
      shape: [c],
      init: opts.runningVarianceInitializer ?? "ones",
      allowDeferredInit: true,
      differentiable: false,
    });
  }
  /** Normalizes over every axis but `axis`. */
  override forward<T extends Value>(x: T): T {
    if (!isSymbol(x)) {
      const xs = (x as NDArray).shape;
      const a = normalizeAxis(this.#kw.axis as number, xs.length, `BatchNorm (${this.name}): axis`);
      for (const p of [this.gamma, this.beta, this.runningMean, this.runningVar]) {
        inferParamShape(`BatchNorm (${this.name})`, p, [xs[a]], `${xs[a]} channels (axis ${a})`);
      }
    }
    const ins = [
      x,
      ...[this.gamma, this.beta, this.runningMean, this.runningVar].map((p) => read(p, x)),
    ];
    return op("BatchNorm", ins, this.#kw, { node: this.prefix + "fwd" }) as T;
  }
  /** float16 keeps float32 statistics, as MXNet. */
  override cast(dtype: DType): void {
    super.cast(dtype === "float16" ? "float32" : dtype);
  }
  /** `BatchNorm(axis=1, eps=1e-05, momentum=0.9, fix_gamma=False, ..., in_channels=C)`. */
  override toString(): string {
    const k = this.#kw;
    return `BatchNorm(axis=${k.axis}, eps=${k.eps}, momentum=${k.momentum}, fix_gamma=${
      k.fixGamma ? "True" : "False"
    }, use_global_stats=${k.useGlobalStats ? "True" : "False"}, in_channels=${
      this.gamma.shape![0] || "None"
    })`;
  }
}

/** Layer normalization over `axis` (default the last). */
export class LayerNorm extends HybridBlock {
  /** Scale. */
  readonly gamma: Parameter;
  /** Offset. */
  readonly beta: Parameter;
  readonly #axis: number;
  readonly #eps: number;
  /** Creates the layer. */
  constructor(opts: NormOptions & { axis?: number } = {}) {
    super(layerOptions("LayerNorm", opts, [...NORM_KEYS, "axis"]), "layernorm");
    this.#axis = opts.axis ?? -1;
    this.#eps = opts.epsilon ?? 1e-5;
    const { gamma, beta } = affineParams(this, opts, true, opts.inChannels ?? 0);
    this.gamma = gamma;
    this.beta = beta;
  }
  /** `(x - mean) / sqrt(var + eps) * gamma + beta` along `axis`. */
  override forward<T extends Value>(x: T): T {
    if (!isSymbol(x)) {
      const xs = (x as NDArray).shape;
      const a = normalizeAxis(this.#axis, xs.length, `LayerNorm (${this.name}): axis`);
      for (const p of [this.gamma, this.beta]) {
        inferParamShape(`LayerNorm (${this.name})`, p, [xs[a]], `size ${xs[a]} on axis ${a}`);
      }
    }
    return op("LayerNorm", [x, read(this.gamma, x), read(this.beta, x)], {
      axis: this.#axis,
      eps: this.#eps,
    }, { node: this.prefix + "fwd" }) as T;
  }
}

/** Instance normalization: per sample and channel, over the spatial axes. */
export class InstanceNorm extends HybridBlock {
  /** Scale (not learned by default, as MXNet). */
  readonly gamma: Parameter;
  /** Offset. */
  readonly beta: Parameter;
  readonly #axis: number;
  readonly #eps: number;
  /** Creates the layer (`scale` defaults to false, as MXNet). */
  constructor(opts: NormOptions & { axis?: number } = {}) {
    super(layerOptions("InstanceNorm", opts, [...NORM_KEYS, "axis"]), "instancenorm");
    this.#axis = opts.axis ?? 1;
    this.#eps = opts.epsilon ?? 1e-5;
    const { gamma, beta } = affineParams(this, opts, false, opts.inChannels ?? 0);
    this.gamma = gamma;
    this.beta = beta;
  }
  /** Normalizes each (sample, channel) over the remaining axes. */
  override forward<T extends Value>(x: T): T {
    if (!isSymbol(x)) {
      const xs = (x as NDArray).shape;
      if (xs.length < 3) {
        throw new ShapeError(
          `InstanceNorm (${this.name}): expected input [batch, channel, ...spatial], got ${
            formatShape(xs)
          }`,
        );
      }
      const a = normalizeAxis(this.#axis, xs.length, `InstanceNorm (${this.name}): axis`);
      for (const p of [this.gamma, this.beta]) {
        inferParamShape(`InstanceNorm (${this.name})`, p, [xs[a]], `${xs[a]} channels`);
      }
    }
    const node = { node: this.prefix + "fwd" };
    const g = read(this.gamma, x), b = read(this.beta, x);
    if (this.#axis === 1) return op("InstanceNorm", [x, g, b], { eps: this.#eps }, node) as T;
    const swap = (v: Value) => op("SwapAxis", [v], { dim1: 1, dim2: this.#axis });
    return swap(op("InstanceNorm", [swap(x), g, b], { eps: this.#eps }, node)) as T;
  }
}

/**
 * Group normalization: channels split into `numGroups` groups normalized together, with
 * one gamma and beta per group (MXNet 1.9's parameter shapes).
 */
export class GroupNorm extends HybridBlock {
  /** Scale, one per group. */
  readonly gamma: Parameter;
  /** Offset, one per group. */
  readonly beta: Parameter;
  readonly #groups: number;
  readonly #eps: number;
  /** Creates the layer. */
  constructor(opts: NormOptions & { numGroups?: number } = {}) {
    super(layerOptions("GroupNorm", opts, [...NORM_KEYS, "numGroups"]), "groupnorm");
    this.#groups = opts.numGroups ?? 1;
    if (!(Number.isInteger(this.#groups) && this.#groups > 0)) {
      throw new ParamError(`GroupNorm: numGroups must be a positive integer, got ${this.#groups}`);
    }
    this.#eps = opts.epsilon ?? 1e-5;
    const { gamma, beta } = affineParams(this, opts, true, this.#groups);
    this.gamma = gamma;
    this.beta = beta;
  }
  /** `(x - mean) / sqrt(var + eps)` per (sample, group), then the group's gamma and beta. */
  override forward<T extends Value>(x: T): T {
    const g = this.#groups;
    if (!isSymbol(x)) {
      const xs = (x as NDArray).shape;
      if (xs.length < 2 || xs[1] % g !== 0) {
        throw new ShapeError(
          `GroupNorm (${this.name}): input ${formatShape(xs)} must be [batch, channel, ...] ` +
            `with channels divisible by numGroups ${g}`,
        );
      }
    }
    const grouped = reshape(x, [0, g, -1]);
    const mu = mean(grouped, { axis: 2, keepdims: true });
    const centered = sub(grouped, mu);
    const variance = mean(op("square", [centered]), { axis: 2, keepdims: true });
    const xhat = div(centered, op("sqrt", [add(variance, this.#eps)]));
    const perGroup = (p: Parameter) => reshape(read(p, x), [1, g, 1]);
    const y = add(mul(xhat, perGroup(this.gamma)), perGroup(this.beta));
    return reshapeLike(y, x) as T;
  }
}
