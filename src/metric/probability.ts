/**
 * Metrics on predicted probabilities and losses: CrossEntropy, NegativeLogLikelihood,
 * Perplexity and Loss.
 * @module
 */
import { ShapeError } from "../core/errors.ts";
import {
  type Arrays,
  EvalMetric,
  host,
  type HostArray,
  hostPairs,
  type MetricOptions,
  SimpleMetric,
} from "./metric.ts";

/** The probability each row gives its label: `pred[i, label[i]]`. */
function picked(label: HostArray, pred: HostArray, who: string): number[] {
  const rows = label.v.length;
  if (rows === 0 || pred.v.length % rows !== 0 || pred.shape[0] !== rows) {
    throw new ShapeError(
      `${who}: ${rows} labels do not match predictions of shape [${pred.shape.join(",")}]`,
    );
  }
  const n = pred.v.length / rows;
  return Array.from(label.v, (y, i) => {
    const k = Math.trunc(y);
    if (k < 0 || k >= n) throw new ShapeError(`${who}: label ${y} is outside 0..${n - 1}`);
    return pred.v[i * n + k];
  });
}

/** `sum(-log(pred[i, label[i]] + eps)) / samples`. */
export class CrossEntropy extends SimpleMetric {
  /** CrossEntropy's (and NegativeLogLikelihood's) options. */
  static override readonly optionNames: readonly string[] = [...EvalMetric.optionNames, "eps"];
  /** Added inside the log (1e-12). */
  readonly eps: number;
  /** Creates the metric (name "cross-entropy"). */
  constructor(opts: MetricOptions & { eps?: number } = {}, defaultName = "cross-entropy") {
    super(defaultName, opts);
    this.eps = opts.eps ?? 1e-12;
  }
  /** Adds `-log p` of every sample. */
  async update(labels: Arrays, preds: Arrays): Promise<void> {
    for (const [label, pred] of await hostPairs(this.name, labels, preds)) {
      for (const p of picked(label, pred, this.name)) this.sumMetric -= Math.log(p + this.eps);
      this.numInst += label.v.length;
    }
  }
}

/** Same formula as CrossEntropy, named "nll-loss". */
export class NegativeLogLikelihood extends CrossEntropy {
  /** Creates the metric. */
  constructor(opts: MetricOptions & { eps?: number } = {}) {
    super(opts, "nll-loss");
  }
}

/**
 * `exp(sum(-log max(1e-10, p)) / count)` over all tokens, skipping labels equal to
 * `ignoreLabel`; `axis` is the class axis of the predictions (last by default).
 */
export class Perplexity extends SimpleMetric {
  /** Perplexity's options. */
  static override readonly optionNames: readonly string[] = [
    ...EvalMetric.optionNames,
    "ignoreLabel",
    "axis",
  ];
  /** Label value to skip, or null. */
  readonly ignoreLabel: number | null;
  /** Class axis. */
  readonly axis: number;
  /** Creates the metric (name "perplexity"). */
  constructor(opts: MetricOptions & { ignoreLabel?: number | null; axis?: number } = {}) {
    super("perplexity", opts);
    this.ignoreLabel = opts.ignoreLabel ?? null;
    this.axis = opts.axis ?? -1;
  }
  /** Adds the negative log-probabilities of the labels. */
  async update(labels: Arrays, preds: Arrays): Promise<void> {
    for (const [label, pred] of await hostPairs(this.name, labels, preds)) {
      const ax = this.axis < 0 ? this.axis + pred.shape.length : this.axis;
      const n = pred.shape[ax];
      const inner = pred.shape.slice(ax + 1).reduce((a, b) => a * b, 1);
      if (pred.v.length / n !== label.v.length) {
        throw new ShapeError(
          `${this.name}: ${label.v.length} labels do not match predictions of shape [${pred.shape}]`,
        );
      }
      label.v.forEach((y, idx) => {
        if (this.ignoreLabel !== null && y === this.ignoreLabel) return;
        const o = Math.floor(idx / inner), i = idx % inner;
        const p = pred.v[(o * n + Math.trunc(y)) * inner + i];
        this.sumMetric -= Math.log(Math.max(1e-10, p));
        this.numInst += 1;
      });
    }
  }
  /** `exp(mean negative log-likelihood)`. */
  protected override value(sum: number, num: number): number {
    return num === 0 ? NaN : Math.exp(sum / num);
  }
}

/** Mean of the loss values the network outputs (labels are ignored). */
export class Loss extends SimpleMetric {
  /** Creates the metric (name "loss"). */
  constructor(opts: MetricOptions = {}) {
    super("loss", opts);
  }
  /** Adds the sum and count of each prediction array. */
  async update(_labels: Arrays, preds: Arrays): Promise<void> {
    for (const p of Array.isArray(preds) ? preds : [preds]) {
      const h = await host(p);
      for (const x of h.v) this.sumMetric += x;
      this.numInst += h.v.length;
    }
  }
}
