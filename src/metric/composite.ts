/**
 * CustomMetric (a function of host arrays), CompositeEvalMetric (several metrics as
 * one) and `create` by name, list or function.
 * @module
 */
import { ParamError } from "../core/errors.ts";
import type { NDArray } from "../ndarray/ndarray.ts";
import { Accuracy, F1, MCC, TopKAccuracy } from "./classification.ts";
import {
  type Arrays,
  EvalMetric,
  type HostArray,
  hostPairs,
  type MetricOptions,
  SimpleMetric,
} from "./metric.ts";
import { CrossEntropy, Loss, NegativeLogLikelihood, Perplexity } from "./probability.ts";
import { MAE, MSE, PearsonCorrelation, RMSE } from "./regression.ts";

/** `feval(label, pred)`: a value per batch, or `[sum, count]`. */
export type FEval = (label: HostArray, pred: HostArray) => number | [number, number];

/** A metric computed by a function of each (label, prediction) pair read back to the host. */
export class CustomMetric extends SimpleMetric {
  /** The function. */
  readonly feval: FEval;
  /** Creates the metric (name "custom(<function name>)" unless given). */
  constructor(feval: FEval, opts: MetricOptions = {}) {
    super(`custom(${feval.name || "<lambda>"})`, opts);
    this.feval = feval;
  }
  /** Adds `feval` of every pair. */
  async update(labels: Arrays, preds: Arrays): Promise<void> {
    for (const [label, pred] of await hostPairs(this.name, labels, preds)) {
      const r = this.feval(label, pred);
      if (Array.isArray(r)) {
        this.sumMetric += r[0];
        this.numInst += r[1];
      } else {
        this.sumMetric += r;
        this.numInst += 1;
      }
    }
  }
}

/** Several metrics updated together; `get` returns lists of names and values. */
export class CompositeEvalMetric extends EvalMetric {
  /** The metrics. */
  readonly metrics: EvalMetric[];
  /** Creates the composite (name "composite"). */
  constructor(metrics: readonly EvalMetric[] = [], opts: MetricOptions = {}) {
    super("composite", opts);
    this.metrics = [...metrics];
  }
  /** Adds a metric. */
  add(metric: EvalMetric | string | FEval): void {
    this.metrics.push(create(metric));
  }
  /** The metric at `index`. */
  getMetric(index: number): EvalMetric {
    const m = this.metrics[index];
    if (!m) {
      throw new ParamError(
        `CompositeEvalMetric: no metric at index ${index} (${this.metrics.length} metrics)`,
      );
    }
    return m;
  }
  /** Updates every metric. */
  async update(labels: Arrays, preds: Arrays): Promise<void> {
    for (const m of this.metrics) await m.update(labels, preds);
  }
  /** Updates every metric from dicts. */
  override async updateDict(
    labels: Record<string, NDArray>,
    preds: Record<string, NDArray>,
  ): Promise<void> {
    for (const m of this.metrics) await m.updateDict(labels, preds);
  }
  /** Resets every metric. */
  override reset(): void {
    for (const m of this.metrics ?? []) m.reset();
  }
  /** Starts a new local interval in every metric. */
  override resetLocal(): void {
    for (const m of this.metrics) m.resetLocal();
  }
  /** `[names, values]`. */
  override get(): [string[], number[]] {
    const pairs = this.metrics.flatMap((m) => m.getNameValue());
    return [pairs.map((p) => p[0]), pairs.map((p) => p[1])];
  }
  /** `[names, values]` since the last `reset`. */
  override getGlobal(): [string[], number[]] {
    const pairs = this.metrics.flatMap((m) => m.getGlobalNameValue());
    return [pairs.map((p) => p[0]), pairs.map((p) => p[1])];
  }
}

// deno-lint-ignore no-explicit-any
const REGISTRY = new Map<string, (opts: any) => EvalMetric>([
  ["acc", (o) => new Accuracy(o)],
  ["accuracy", (o) => new Accuracy(o)],
  ["top_k_accuracy", (o) => new TopKAccuracy(o)],
  ["top_k_acc", (o) => new TopKAccuracy(o)],
  ["f1", (o) => new F1(o)],
  ["mcc", (o) => new MCC(o)],
  ["mae", (o) => new MAE(o)],
  ["mse", (o) => new MSE(o)],
  ["rmse", (o) => new RMSE(o)],
  ["ce", (o) => new CrossEntropy(o)],
  ["cross-entropy", (o) => new CrossEntropy(o)],
  ["crossentropy", (o) => new CrossEntropy(o)],
  ["nll_loss", (o) => new NegativeLogLikelihood(o)],
  ["nll-loss", (o) => new NegativeLogLikelihood(o)],
  ["negativeloglikelihood", (o) => new NegativeLogLikelihood(o)],
  ["perplexity", (o) => new Perplexity(o)],
  ["pearsonr", (o) => new PearsonCorrelation(o)],
  ["pearsoncorrelation", (o) => new PearsonCorrelation(o)],
  ["loss", (o) => new Loss(o)],
]);

/**
 * A metric by name (`"acc"`, `"ce"`, `"top_k_accuracy"`, ...), a list (composite), a
 * function (CustomMetric), or a metric passed through.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * import { create } from "./composite.ts";
 * const m = create("acc");
 * await m.update([mx.nd.array([1, 0])], [mx.nd.array([[0.2, 0.8], [0.1, 0.9]])]);
 * console.log(m.get()); // ["accuracy", 0.5]
 * ```
 */
export function create(
  metric: string | EvalMetric | FEval | readonly (string | EvalMetric | FEval)[],
  opts: Record<string, unknown> = {},
): EvalMetric {
  if (metric instanceof EvalMetric) return metric;
  if (typeof metric === "function") return new CustomMetric(metric, opts);
  if (Array.isArray(metric)) return new CompositeEvalMetric(metric.map((m) => create(m, opts)));
  const make = REGISTRY.get((metric as string).toLowerCase());
  if (!make) {
    throw new ParamError(
      `metric.create: unknown metric ${JSON.stringify(metric)}; known: ${
        [...REGISTRY.keys()].join(", ")
      }`,
    );
  }
  return make(opts);
}
