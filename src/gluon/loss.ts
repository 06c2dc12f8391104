/**
 * `mx.gluon.loss`: MXNet 1.9's loss blocks. Each returns one value per example (the
 * other axes averaged, or summed where MXNet sums), so `l.backward()` sums them.
 * `Loss` is the base users subclass with their own `forward`.
 * @module
 */
import { ParamError } from "../core/errors.ts";
import { checkOptions } from "../core/options.ts";
import {
  add,
  applyWeighting,
  div,
  equalS,
  greaterS,
  maximum,
  mean,
  mul,
  neg,
  op,
  reshape,
  reshapeLike,
  rsub,
  sub,
  sum,
  un,
  type Value,
} from "./_f.ts";
import type { BlockOptions } from "./block.ts";
import { HybridBlock } from "./hybrid_block.ts";

/** Options every loss takes. */
export interface LossOptions extends BlockOptions {
  /** Scalar weight multiplying the loss (null: none). */
  weight?: number | null;
  /** The axis of the examples (default 0). */
  batchAxis?: number;
}

const LOSS_KEYS = ["weight", "batchAxis", "prefix", "params"];

/**
 * The base of losses: keeps the scalar `weight` and the `batchAxis`. Subclasses define
 * `forward(pred, label, ...)`.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * class Abs extends mx.gluon.loss.Loss {
 *   override forward(pred: mx.NDArray, label: mx.NDArray): mx.NDArray {
 *     return pred.sub(label).abs().mean({ axis: this.batchAxis, exclude: true });
 *   }
 * }
 * console.log(await new Abs().forward(mx.nd.array([[1, 2]]), mx.nd.array([[0, 0]])).array());
 * // [1.5]
 * ```
 */
export class Loss extends HybridBlock {
  /** The scalar weight (null: none). */
  readonly lossWeight: number | null;
  /** The batch axis. */
  readonly batchAxis: number;
  /** MXNet's `Loss(weight, batch_axis)`. */
  constructor(weight: number | null = null, batchAxis = 0, opts: BlockOptions = {}, hint?: string) {
    super(opts, hint);
    this.lossWeight = weight;
    this.batchAxis = batchAxis;
  }

  /** Mean over every axis but the batch axis (MXNet's last step of most losses). */
  protected batchMean(loss: Value): Value {
    return mean(loss, { axis: this.batchAxis, exclude: true });
  }

  /** `Name(batch_axis=0, w=1)`, like MXNet's repr. */
  override toString(): string {
    return `${this.constructor.name}(batch_axis=${this.batchAxis}, w=${this.lossWeight ?? "None"})`;
  }
}

function base(
  where: string,
  opts: LossOptions,
  keys: readonly string[],
  defaultWeight: number | null = null,
): [number | null, number, BlockOptions] {
  checkOptions(where, opts, [...LOSS_KEYS, ...keys]);
  const w = opts.weight === undefined ? defaultWeight : opts.weight;
  if (w !== null && typeof w !== "number") {
    throw new ParamError(`${where}: weight must be a number or null, got ${typeof w}`);
  }
  return [w, opts.batchAxis ?? 0, { prefix: opts.prefix, params: opts.params }];
}

type Opt = Value | null | undefined;

/** `weight/2 * (label - pred)^2`, averaged per example. */
export class L2Loss extends Loss {
  /** Creates the loss (default weight 1). */
  constructor(opts: LossOptions = {}) {
    super(...base("L2Loss", opts, [], 1), "l2loss");
  }
  /** Per-example loss. */
  override forward<T extends Value>(pred: T, label: T, sampleWeight?: Opt): T {
    const loss = un("square", sub(reshapeLike(label, pred), pred));
    const w = this.lossWeight === null ? null : this.lossWeight / 2;
    return this.batchMean(applyWeighting(loss, w, sampleWeight)) as T;
  }
}

/** `|label - pred|`, averaged per example. */
export class L1Loss extends Loss {
  /** Creates the loss. */
  constructor(opts: LossOptions = {}) {
    super(...base("L1Loss", opts, []), "l1loss");
  }
  /** Per-example loss. */
  override forward<T extends Value>(pred: T, label: T, sampleWeight?: Opt): T {
    const loss = un("abs", sub(reshapeLike(label, pred), pred));
    return this.batchMean(applyWeighting(loss, this.lossWeight, sampleWeight)) as T;
  }
}

/** `log(1 + exp(-|x|))`. */
const softrelu = (x: Value) => op("Activation", [x], { actType: "softrelu" });

/**
 * Binary cross-entropy on logits (default, computed stably) or on probabilities
 * (`fromSigmoid`); `posWeight` scales the positive term.
 */
export class SigmoidBinaryCrossEntropyLoss extends Loss {
  readonly #fromSigmoid: boolean;
  /** Creates the loss. */
  constructor(opts: LossOptions & { fromSigmoid?: boolean } = {}) {
    super(
      ...base("SigmoidBinaryCrossEntropyLoss", opts, ["fromSigmoid"]),
      "sigmoidbinarycrossentropyloss",
    );
    this.#fromSigmoid = opts.fromSigmoid ?? false;
  }
  /** Per-example loss (MXNet 1.9's argument order: sample weight, then positive weight). */
  override forward<T extends Value>(pred: T, label: T, sampleWeight?: Opt, posWeight?: Opt): T {
    const z = reshapeLike(label, pred);
    let loss: Value;
    if (!this.#fromSigmoid) {
      if (posWeight === undefined || posWeight === null) {
        // max(x, 0) - x * z + log(1 + exp(-|x|))
        loss = add(sub(un("relu", pred), mul(pred, z)), softrelu(neg(un("abs", pred))));
      } else {
        // x - x * z + (1 + z * (pw - 1)) * (log(1 + exp(-|x|)) + max(-x, 0))
        const logWeight = add(mul(sub(posWeight, 1), z), 1);
        const tail = add(softrelu(neg(un("abs", pred))), un("relu", neg(pred)));
        loss = add(sub(pred, mul(pred, z)), mul(logWeight, tail));
      }
    } else {
      const eps = 1e-12;
      let pos = mul(un("log", add(pred, eps)), z);
      if (posWeight !== undefined && posWeight !== null) pos = mul(pos, posWeight);
      const negTerm = mul(un("log", add(rsub(1, pred), eps)), rsub(1, z));
      loss = neg(add(pos, negTerm));
    }
    return this.batchMean(applyWeighting(loss, this.lossWeight, sampleWeight)) as T;
  }
}
/** Alias of SigmoidBinaryCrossEntropyLoss. */
export const SigmoidBCELoss = SigmoidBinaryCrossEntropyLoss;

/** Options of SoftmaxCrossEntropyLoss. */
export interface SoftmaxCrossEntropyOptions extends LossOptions {
  /** The class axis (default -1). */
  axis?: number;
  /** Labels are class indices (default) rather than distributions. */
  sparseLabel?: boolean;
  /** `pred` is already log-probabilities. */
  fromLogits?: boolean;
}

/** `-log softmax(pred)[label]` (or `-sum(label * log softmax(pred))`), averaged per example. */
export class SoftmaxCrossEntropyLoss extends Loss {
  readonly #axis: number;
  readonly #sparse: boolean;
  readonly #fromLogits: boolean;
  /** Creates the loss. */
  constructor(opts: SoftmaxCrossEntropyOptions = {}) {
    super(
      ...base("SoftmaxCrossEntropyLoss", opts, ["axis", "sparseLabel", "fromLogits"]),
      "softmaxcrossentropyloss",
    );
    this.#axis = opts.axis ?? -1;
    this.#sparse = opts.sparseLabel ?? true;
    this.#fromLogits = opts.fromLogits ?? false;
  }
  /** Per-example loss. */
  override forward<T extends Value>(pred: T, label: T, sampleWeight?: Opt): T {
    const logp = this.#fromLogits ? pred : op("log_softmax", [pred], { axis: this.#axis });
    const loss = this.#sparse
      ? neg(op("pick", [logp, label], { axis: this.#axis, keepdims: true }))
      : neg(sum(mul(logp, reshapeLike(label, logp)), { axis: this.#axis, keepdims: true }));
    return this.batchMean(applyWeighting(loss, this.lossWeight, sampleWeight)) as T;
  }
}
/** Alias of SoftmaxCrossEntropyLoss. */
export const SoftmaxCELoss = SoftmaxCrossEntropyLoss;

/** `label * (log(label) - pred)`, summed per example (MXNet 1.9). */
export class KLDivLoss extends Loss {
  readonly #fromLogits: boolean;
  readonly #axis: number;
  /** Creates the loss (`fromLogits` default true: `pred` holds log-probabilities). */
  constructor(opts: LossOptions & { fromLogits?: boolean; axis?: number } = {}) {
    super(...base("KLDivLoss", opts, ["fromLogits", "axis"]), "kldivloss");
    this.#fromLogits = opts.fromLogits ?? true;
    this.#axis = opts.axis ?? -1;
  }
  /** Per-example loss. */
  override forward<T extends Value>(pred: T, label: T, sampleWeight?: Opt): T {
    const logp = this.#fromLogits ? pred : op("log_softmax", [pred], { axis: this.#axis });
    const loss = mul(label, sub(un("log", add(label, 1e-12)), logp));
    return sum(applyWeighting(loss, this.lossWeight, sampleWeight), {
      axis: this.batchAxis,
      exclude: true,
    }) as T;
  }
}

/** Smooth L1: quadratic below `rho`, linear above, averaged per example. */
export class HuberLoss extends Loss {
  readonly #rho: number;
  /** Creates the loss (default rho 1). */
  constructor(opts: LossOptions & { rho?: number } = {}) {
    super(...base("HuberLoss", opts, ["rho"]), "huberloss");
    this.#rho = opts.rho ?? 1;
  }
  /** Per-example loss. */
  override forward<T extends Value>(pred: T, label: T, sampleWeight?: Opt): T {
    const rho = this.#rho;
    const err = un("abs", sub(reshapeLike(label, pred), pred));
    const loss = op("where", [
      greaterS(err, rho),
      sub(err, 0.5 * rho),
      mul(un("square", err), 0.5 / rho),
    ]);
    return this.batchMean(applyWeighting(loss, this.lossWeight, sampleWeight)) as T;
  }
}

/** `max(0, margin - pred * label)` for labels ±1, averaged per example. */
export class HingeLoss extends Loss {
  readonly #margin: number;
  /** Creates the loss (default margin 1). */
  constructor(opts: LossOptions & { margin?: number } = {}) {
    super(...base("HingeLoss", opts, ["margin"]), "hingeloss");
    this.#margin = opts.margin ?? 1;
  }
  /** Per-example loss. */
  override forward<T extends Value>(pred: T, label: T, sampleWeight?: Opt): T {
    const loss = un("relu", rsub(this.#margin, mul(pred, reshapeLike(label, pred))));
    return this.batchMean(applyWeighting(loss, this.lossWeight, sampleWeight)) as T;
  }
}

/** `max(0, margin - pred * label)^2`, averaged per example. */
export class SquaredHingeLoss extends Loss {
  readonly #margin: number;
  /** Creates the loss (default margin 1). */
  constructor(opts: LossOptions & { margin?: number } = {}) {
    super(...base("SquaredHingeLoss", opts, ["margin"]), "squaredhingeloss");
    this.#margin = opts.margin ?? 1;
  }
  /** Per-example loss. */
  override forward<T extends Value>(pred: T, label: T, sampleWeight?: Opt): T {
    const h = un("relu", rsub(this.#margin, mul(pred, reshapeLike(label, pred))));
    return this.batchMean(applyWeighting(un("square", h), this.lossWeight, sampleWeight)) as T;
  }
}

/** `log(1 + exp(-pred * label))` for labels ±1 ("signed") or 0/1 ("binary"). */
export class LogisticLoss extends Loss {
  readonly #format: "signed" | "binary";
  /** Creates the loss. */
  constructor(opts: LossOptions & { labelFormat?: "signed" | "binary" } = {}) {
    super(...base("LogisticLoss", opts, ["labelFormat"]), "logisticloss");
    const f = opts.labelFormat ?? "signed";
    if (f !== "signed" && f !== "binary") {
      throw new ParamError(`LogisticLoss: labelFormat must be "signed" or "binary", got ${f}`);
    }
    this.#format = f;
  }
  /** Per-example loss. */
  override forward<T extends Value>(pred: T, label: T, sampleWeight?: Opt): T {
    let z = reshapeLike(label, pred);
    if (this.#format === "signed") z = div(add(z, 1), 2);
    const loss = add(sub(un("relu", pred), mul(pred, z)), softrelu(neg(un("abs", pred))));
    return this.batchMean(applyWeighting(loss, this.lossWeight, sampleWeight)) as T;
  }
}

/** `max(|pos - pred|² - |neg - pred|² + margin, 0)` per example. */
export class TripletLoss extends Loss {
  readonly #margin: number;
  /** Creates the loss (default margin 1). */
  constructor(opts: LossOptions & { margin?: number } = {}) {
    super(...base("TripletLoss", opts, ["margin"]), "tripletloss");
    this.#margin = opts.margin ?? 1;
  }
  /** Per-example loss. */
  override forward<T extends Value>(pred: T, positive: T, negative: T): T {
    const p = reshapeLike(positive, pred), n = reshapeLike(negative, pred);
    const d = sub(un("square", sub(p, pred)), un("square", sub(n, pred)));
    const loss = un("relu", add(sum(d, { axis: this.batchAxis, exclude: true }), this.#margin));
    return applyWeighting(loss, this.lossWeight, null) as T;
  }
}

/** Negative log-likelihood of a Poisson target, averaged over everything. */
export class PoissonNLLLoss extends Loss {
  readonly #fromLogits: boolean;
  readonly #full: boolean;
  /** Creates the loss (`fromLogits` default true: `pred` is log(rate)). */
  constructor(opts: LossOptions & { fromLogits?: boolean; computeFull?: boolean } = {}) {
    super(...base("PoissonNLLLoss", opts, ["fromLogits", "computeFull"]), "poissonnllloss");
    this.#fromLogits = opts.fromLogits ?? true;
    this.#full = opts.computeFull ?? false;
  }
  /** The mean loss, shape [1]. */
  override forward<T extends Value>(pred: T, target: T, sampleWeight?: Opt, epsilon = 1e-8): T {
    const t = reshapeLike(target, pred);
    let loss = this.#fromLogits
      ? sub(un("exp", pred), mul(t, pred))
      : sub(pred, mul(t, un("log", add(pred, epsilon))));
    if (this.#full) {
      // Stirling: t log t - t + 0.5 log(2 pi t), for t > 1. MXNet multiplies by (t > 1),
      // which gives NaN for t = 0 (0 * log 0); selecting avoids that.
      const stirling = add(sub(mul(t, un("log", t)), t), mul(un("log", mul(t, 2 * Math.PI)), 0.5));
      loss = add(loss, op("where", [greaterS(t, 1), stirling, mul(t, 0)]));
    }
    return mean(applyWeighting(loss, this.lossWeight, sampleWeight)) as T;
  }
}

/**
 * `1 - cos(x1, x2)` for label 1, `max(0, cos(x1, x2) - margin)` for label -1; shape
 * [batch, 1] as MXNet returns it.
 */
export class CosineEmbeddingLoss extends Loss {
  readonly #margin: number;
  /** Creates the loss (default margin 0). */
  constructor(opts: LossOptions & { margin?: number } = {}) {
    super(...base("CosineEmbeddingLoss", opts, ["margin"]), "cosineembeddingloss");
    this.#margin = opts.margin ?? 0;
  }
  /** Per-example loss, shape [batch, 1]. */
  override forward<T extends Value>(input1: T, input2: T, label: T, sampleWeight?: Opt): T {
    const x = reshapeLike(input1, input2), y = input2;
    const l = reshape(label, [-1, 1]);
    const col = (v: Value) => reshape(v, [-1, 1]);
    const xNorm = col(op("norm", [x], { axis: -1 }));
    const yNorm = col(op("norm", [y], { axis: -1 }));
    const dot = col(sum(mul(x, y), { axis: -1 }));
    const cos = div(dot, maximum(mul(xNorm, yNorm), 1e-12));
    const a = mul(rsub(1, cos), equalS(l, 1));
    const b = maximum(mul(equalS(l, -1), sub(cos, this.#margin)), 0);
    return applyWeighting(add(a, b), this.lossWeight, sampleWeight) as T;
  }
}

/** Options of `CTCLoss`. */
export interface CTCLossOptions extends LossOptions {
  /** Layout of `pred`: "NTC" (default) or "TNC". */
  layout?: "NTC" | "TNC";
  /** Layout of `label`: "NT" (default) or "TN". */
  labelLayout?: "NT" | "TN";
}

/**
 * Connectionist temporal classification loss (MXNet's `gluon.loss.CTCLoss`): `pred` holds
 * unnormalised scores over the alphabet with the blank as the LAST class, `label` the
 * target sequences padded with -1 (or 0 where `labelLengths` is given); one loss per
 * sequence. Runs the `CTCLoss` operator.
 */
export class CTCLoss extends Loss {
  readonly #layout: "NTC" | "TNC";
  /** Creates the loss. */
  constructor(opts: CTCLossOptions = {}) {
    const layout = opts.layout ?? "NTC", labelLayout = opts.labelLayout ?? "NT";
    if (layout !== "NTC" && layout !== "TNC") {
      throw new ParamError(`CTCLoss: layout must be "NTC" or "TNC", got ${JSON.stringify(layout)}`);
    }
    if (labelLayout !== "NT" && labelLayout !== "TN") {
      throw new ParamError(
        `CTCLoss: labelLayout must be "NT" or "TN", got ${JSON.stringify(labelLayout)}`,
      );
    }
    // MXNet derives the batch axis from the label layout.
    const { layout: _l, labelLayout: _ll, ...rest } = opts;
    checkOptions("CTCLoss", opts, [...LOSS_KEYS, "layout", "labelLayout"]);
    super(
      ...base("CTCLoss", { ...rest, batchAxis: labelLayout.indexOf("N") }, []),
      "ctcloss",
    );
    this.#layout = layout;
  }
  /**
   * Per-sequence loss, shape [batch]: `predLengths` / `labelLengths` (int arrays [batch])
   * bound each sequence when given.
   */
  override forward<T extends Value>(
    pred: T,
    label: T,
    predLengths?: Opt,
    labelLengths?: Opt,
    sampleWeight?: Opt,
  ): T {
    const p = this.#layout === "NTC" ? op("SwapAxis", [pred], { dim1: 0, dim2: 1 }) : pred;
    const l = this.batchAxis === 1 ? op("SwapAxis", [label], { dim1: 0, dim2: 1 }) : label;
    const inputs: Value[] = [p, l];
    const useData = predLengths !== undefined && predLengths !== null;
    const useLabel = labelLengths !== undefined && labelLengths !== null;
    if (useData) inputs.push(predLengths);
    if (useLabel) inputs.push(labelLengths);
    const loss = op("CTCLoss", inputs, {
      useDataLengths: useData,
      useLabelLengths: useLabel,
      blankLabel: "last",
    });
    return applyWeighting(loss, this.lossWeight, sampleWeight) as T;
  }
}
