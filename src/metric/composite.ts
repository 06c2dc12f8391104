/**
 * CustomMetric (a function of host arrays), CompositeEvalMetric (several metrics as
 * one) and `create` by name, list or function.
 * @module
 */
import { ParamError, UnsupportedError } from "../core/errors.ts";
import type { NDArray } from "../ndarray/ndarray.ts";
import { Accuracy, F1, MCC, TopKAccuracy } from "./classification.ts";
import {
  type Arrays,
  EvalMetric,
  type HostArray,
  hostPairs,
  type MetricConfig,
  type MetricOptions,
  SimpleMetric,
} from "./metric.ts";
import { PCC } from "./pcc.ts";
import { CrossEntropy, Loss, NegativeLogLikelihood, Perplexity } from "./probability.ts";
import { MAE, MSE, PearsonCorrelation, RMSE } from "./regression.ts";

/** `feval(label, pred)`: a value per batch, or `[sum, count]`. */
export type FEval = (label: HostArray, pred: HostArray) => number | [number, number];

/** A metric computed by a function of each (label, prediction) pair read back to the host. */
export class CustomMetric extends SimpleMetric {
  /** The function. */
  readonly feval: FEval;
  /**
   * Creates the metric, named as MXNet names it unless `name` is given: the function's
   * name, or "custom(<lambda>)" for an anonymous function (Python's lambdas).
   */
  constructor(feval: FEval, opts: MetricOptions = {}) {
    super(feval.name || "custom(<lambda>)", opts);
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
  /** Throws: a function cannot be written into a configuration (as in MXNet). */
  override getConfig(): MetricConfig {
    throw new UnsupportedError(`${this.name}: CustomMetric cannot be serialized by getConfig`);
  }
}

/** Several metrics updated together; `get` returns lists of names and values. */
export class CompositeEvalMetric extends EvalMetric {
  /** The metrics. */
  readonly metrics: EvalMetric[];
  /** Creates the composite (name "composite") of metrics, names or configurations. */
  constructor(metrics: readonly MetricSpec[] = [], opts: MetricOptions = {}) {
    super("composite", opts);
    this.metrics = metrics.map((m) => create(m));
  }
  /** Adds a metric. */
  add(metric: MetricSpec): void {
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
  /** The composite's configuration with its metrics' configurations under `metrics`. */
  override getConfig(): MetricConfig {
    return { ...super.getConfig(), metrics: this.metrics.map((m) => m.getConfig()) };
  }
}

/** What `create` accepts for one metric: a name, a configuration, a metric or a function. */
export type MetricSpec = string | EvalMetric | FEval | MetricConfig;

/** A metric class `create` can make by name: constructed from its options object. */
// deno-lint-ignore no-explicit-any
export type MetricClass = abstract new (opts?: any) => EvalMetric;

// deno-lint-ignore no-explicit-any
type Factory = (opts: any) => EvalMetric;

function compositeFromOptions(o: Record<string, unknown> = {}): EvalMetric {
  const { metrics, ...rest } = o;
  return new CompositeEvalMetric((metrics ?? []) as MetricSpec[], rest);
}

/**
 * Metrics by lower-case name: each class under its class name (as MXNet's `@register`)
 * and MXNet's aliases (`@alias`), plus the hyphenated spellings older scripts use.
 */
const REGISTRY = new Map<string, Factory>([
  ["acc", (o) => new Accuracy(o)],
  ["accuracy", (o) => new Accuracy(o)],
  ["topkaccuracy", (o) => new TopKAccuracy(o)],
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
  ["pcc", (o) => new PCC(o)],
  ["loss", (o) => new Loss(o)],
  ["compositeevalmetric", compositeFromOptions],
  ["composite", compositeFromOptions],
]);

/** Adds `klass` to the registry under `name`, warning when it replaces an entry. */
function registerAs(klass: MetricClass, name: string, who: string): void {
  if (!(klass?.prototype instanceof EvalMetric)) {
    throw new ParamError(
      `metric.${who}: expects a subclass of EvalMetric, got ${klass?.name ?? typeof klass}`,
    );
  }
  const key = name.toLowerCase();
  if (REGISTRY.has(key)) {
    console.warn(`metric.${who}: ${klass.name} registered as ${key} replaces the earlier ${key}`);
  }
  const make = klass as unknown as new (opts?: unknown) => EvalMetric;
  REGISTRY.set(key, (o) => new make(o));
}

/**
 * Registers a metric class so `create` makes it by its class name, case-insensitively
 * (MXNet's `mx.metric.register`); `name` registers it under another name. Usable as a
 * call or as a class decorator (`@mx.metric.register class MyMetric extends ...`).
 * The class is constructed with the options object `create` is given.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * class HalfAccuracy extends mx.metric.Accuracy {}
 * mx.metric.register(HalfAccuracy);
 * console.log(mx.metric.create("halfaccuracy") instanceof HalfAccuracy); // true
 * ```
 */
export function register<T extends MetricClass>(
  klass: T,
  name?: string | ClassDecoratorContext,
): T {
  registerAs(klass, typeof name === "string" ? name : klass?.name, "register");
  return klass;
}

/**
 * Registers a metric class under further names (MXNet's `@mx.metric.alias("a", "b")`):
 * returns a function, usable as a class decorator, that registers the class it is given.
 */
export function alias(
  ...names: string[]
): <T extends MetricClass>(klass: T, context?: ClassDecoratorContext) => T {
  return (klass) => {
    for (const n of names) registerAs(klass, n, "alias");
    return klass;
  };
}

/** MXNet's snake_case option names (from its configs and JSON strings) in camelCase. */
function camelKeys(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(o).map(([k, v]) => [k.replace(/_([a-z])/g, (_, c) => c.toUpperCase()), v]),
  );
}

/** A configuration's metric and options, from an object or MXNet's JSON string forms. */
function fromConfig(config: Record<string, unknown>): EvalMetric {
  const { metric, ...opts } = camelKeys(config);
  if (typeof metric !== "string") {
    throw new ParamError(
      `metric.create: a configuration needs the metric's name under "metric", got ${
        JSON.stringify(metric)
      }`,
    );
  }
  return create(metric, opts);
}

/**
 * A metric by name (`"acc"`, `"ce"`, `"top_k_accuracy"`, a class name, one added by
 * `register`/`alias`), a configuration (`getConfig`'s object, or MXNet's JSON strings
 * `'["acc", {...}]'` / `'{"metric": "acc", ...}'`), a list (composite), a function
 * (CustomMetric), or a metric passed through.
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
  metric: MetricSpec | readonly MetricSpec[],
  opts: Record<string, unknown> = {},
): EvalMetric {
  if (metric instanceof EvalMetric) return metric;
  if (typeof metric === "function") return new CustomMetric(metric, opts);
  if (Array.isArray(metric)) return new CompositeEvalMetric(metric.map((m) => create(m, opts)));
  if (typeof metric === "object" && metric !== null) {
    return fromConfig(metric as Record<string, unknown>);
  }
  if (typeof metric !== "string") {
    throw new ParamError(
      `metric.create: expects a name, a configuration, a metric, a function or a list, got ${typeof metric}`,
    );
  }
  // MXNet's string forms of a configuration: '["acc", {"axis": 1}]' and '{"metric": "acc"}'.
  const text = metric.trim();
  if (text.startsWith("[")) {
    const [name, kwargs = {}] = JSON.parse(text) as [string, Record<string, unknown>?];
    return create(name, { ...camelKeys(kwargs), ...opts });
  }
  if (text.startsWith("{")) return fromConfig(JSON.parse(text));
  const make = REGISTRY.get(metric.toLowerCase());
  if (!make) {
    throw new ParamError(
      `metric.create: unknown metric ${JSON.stringify(metric)}; known: ${
        [...REGISTRY.keys()].join(", ")
      }`,
    );
  }
  return make(opts);
}
