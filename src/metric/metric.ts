/**
 * Evaluation metrics (`mx.metric`): each `update(labels, preds)` reads a batch back
 * (async), accumulates a sum and a count, and `get()` returns `[name, sum / count]`.
 * Formulas and batch conventions follow MXNet 1.x's `metric.py`.
 * @module
 */
import { checkOptions, keysOf } from "../core/options.ts";
import { MXNetError, ShapeError } from "../core/errors.ts";
import { formatShape } from "../core/shape.ts";
import type { NDArray } from "../ndarray/ndarray.ts";

/** One array or a list (one per output). */
export type Arrays = NDArray | readonly NDArray[];

/** Host copy of an array: values as numbers and its shape. */
export interface HostArray {
  /** Row-major values. */
  readonly v: Float64Array;
  /** The shape. */
  readonly shape: readonly number[];
}

/** Reads an array back as float64 values with its shape. */
export async function host(a: NDArray): Promise<HostArray> {
  const data = await a.data();
  // int64 arrives as BigInt64Array and needs Number(); other typed arrays convert in one
  // native pass (Float64Array.from with a map function calls it per element).
  const v = data instanceof BigInt64Array
    ? Float64Array.from(data, Number)
    : new Float64Array(data as ArrayLike<number>);
  return { v, shape: a.shape };
}

/**
 * Pairs labels with predictions; their counts must agree (MXNet's check_label_shapes).
 * @ignore
 */
export async function hostPairs(
  who: string,
  labels: Arrays,
  preds: Arrays,
): Promise<[HostArray, HostArray][]> {
  const ls = Array.isArray(labels) ? labels : [labels as NDArray];
  const ps = Array.isArray(preds) ? preds : [preds as NDArray];
  if (ls.length !== ps.length) {
    throw new ShapeError(`${who}: ${ls.length} label arrays but ${ps.length} prediction arrays`);
  }
  return await Promise.all(ls.map(async (l, i) => [await host(l), await host(ps[i])]));
}

/** Options every metric takes. */
export interface MetricOptions {
  /** Metric name (shown by `get`). */
  name?: string;
  /** Output names `updateDict` picks from the predictions. */
  outputNames?: readonly string[] | null;
  /** Label names `updateDict` picks from the labels. */
  labelNames?: readonly string[] | null;
}

/**
 * A metric's configuration (MXNet's `get_config`): the class name under `metric`, the
 * common options and the metric's own (`axis`, `topK`, `average`, ...), in the camelCase
 * spelling of the TypeScript options; `mx.metric.create(config)` makes an equal metric.
 */
export interface MetricConfig {
  /** The class name (`"Accuracy"`), which `create` finds case-insensitively. */
  metric: string;
  /** The metric's name. */
  name: string;
  /** Output names for `updateDict`. */
  outputNames: readonly string[] | null;
  /** Label names for `updateDict`. */
  labelNames: readonly string[] | null;
  /** The metric's own options, and a composite's `metrics` (their configs). */
  [option: string]: unknown;
}

/** Base: accumulates `sumMetric` over `numInst`. */
export abstract class EvalMetric {
  /** The name. */
  readonly name: string;
  /** Output names for `updateDict`. */
  readonly outputNames: readonly string[] | null;
  /** Label names for `updateDict`. */
  readonly labelNames: readonly string[] | null;
  /** Accumulated metric. */
  sumMetric = 0;
  /** Accumulated count. */
  numInst = 0;

  /**
   * The option names this metric accepts (others throw a ParamError); a subclass with
   * options of its own lists them too:
   * `static override optionNames = [...EvalMetric.optionNames, "k"]`.
   */
  static readonly optionNames: readonly string[] = keysOf<MetricOptions>({
    name: true,
    outputNames: true,
    labelNames: true,
  });

  /** Sets the name and the names `updateDict` uses. */
  constructor(defaultName: string, opts: MetricOptions = {}) {
    checkOptions(new.target.name, opts, (new.target as typeof EvalMetric).optionNames);
    this.name = opts.name ?? defaultName;
    this.outputNames = opts.outputNames ?? null;
    this.labelNames = opts.labelNames ?? null;
  }

  /**
   * The configuration that recreates this metric through `mx.metric.create(config)`
   * (MXNet's `get_config`): the class name, the name, the output and label names and each
   * option of the class's `optionNames` the metric keeps as a property of that name.
   */
  getConfig(): MetricConfig {
    const cls = this.constructor as typeof EvalMetric;
    const config: MetricConfig = {
      metric: cls.name,
      name: this.name,
      outputNames: this.outputNames,
      labelNames: this.labelNames,
    };
    const self = this as unknown as Record<string, unknown>;
    for (const key of cls.optionNames) {
      if (!(key in config) && self[key] !== undefined) config[key] = self[key];
    }
    return config;
  }

  /** Adds one batch: labels and predictions, paired in order. */
  abstract update(labels: Arrays, preds: Arrays): Promise<void>;

  /** Updates from dicts of outputs and labels, picking `outputNames` / `labelNames`. */
  async updateDict(labels: Record<string, NDArray>, preds: Record<string, NDArray>): Promise<void> {
    const pick = (d: Record<string, NDArray>, names: readonly string[] | null, what: string) =>
      names === null ? Object.values(d) : names.map((n) => {
        if (!(n in d)) throw new MXNetError(`${this.name}: no ${what} named ${JSON.stringify(n)}`);
        return d[n];
      });
    await this.update(
      pick(labels, this.labelNames, "label"),
      pick(preds, this.outputNames, "output"),
    );
  }

  /** Sum of the batches before the last `resetLocal` (with `sumMetric`: MXNet's global). */
  protected earlierSum = 0;
  /** Count of the batches before the last `resetLocal`. */
  protected earlierNum = 0;

  /** Clears the accumulators, local and global. */
  reset(): void {
    this.sumMetric = 0;
    this.numInst = 0;
    this.earlierSum = 0;
    this.earlierNum = 0;
  }

  /**
   * Starts a new local interval (MXNet's `reset_local`): `get` then covers the batches
   * from here on, `getGlobal` still every batch since `reset` (Speedometer with
   * `autoReset` logs per interval; `fit` logs the epoch's global value).
   */
  resetLocal(): void {
    this.earlierSum += this.sumMetric;
    this.earlierNum += this.numInst;
    this.sumMetric = 0;
    this.numInst = 0;
  }

  /** The metric's value of an accumulated sum and count (NaN for no instance). */
  protected value(sum: number, num: number): number {
    return num === 0 ? NaN : sum / num;
  }

  /** `[name, value]` since the last `resetLocal` (NaN before any update); a composite gives lists. */
  get(): [string | string[], number | number[]] {
    return [this.name, this.value(this.sumMetric, this.numInst)];
  }

  /** `[name, value]` since the last `reset`, local intervals included (MXNet's `get_global`). */
  getGlobal(): [string | string[], number | number[]] {
    return [
      this.name,
      this.value(this.earlierSum + this.sumMetric, this.earlierNum + this.numInst),
    ];
  }

  /** `[[name, value], ...]`. */
  getNameValue(): [string, number][] {
    return pairsOf(this.get());
  }

  /** `[[name, value], ...]` of `getGlobal`. */
  getGlobalNameValue(): [string, number][] {
    return pairsOf(this.getGlobal());
  }

  /** `"name=value"` pairs. */
  toString(): string {
    return `EvalMetric: ${JSON.stringify(Object.fromEntries(this.getNameValue()))}`;
  }
}

function pairsOf([n, v]: [string | string[], number | number[]]): [string, number][] {
  if (Array.isArray(n)) return n.map((x, i) => [x, (v as number[])[i]]);
  return [[n, v as number]];
}

/** A metric whose `get` is one `[name, value]`. */
export abstract class SimpleMetric extends EvalMetric {
  /** `[name, value]`. */
  override get(): [string, number] {
    return super.get() as [string, number];
  }
  /** `[name, value]` since the last `reset`. */
  override getGlobal(): [string, number] {
    return super.getGlobal() as [string, number];
  }
}

/**
 * Class predictions of a batch: `pred` as is when shaped like `label`, else the argmax
 * along `axis` (class scores).
 * @ignore
 */
export function predictedClasses(
  label: HostArray,
  pred: HostArray,
  axis: number,
  who: string,
): number[] {
  if (pred.v.length === label.v.length) return Array.from(pred.v, Math.trunc);
  const ax = axis < 0 ? axis + pred.shape.length : axis;
  const n = pred.shape[ax];
  const outer = pred.shape.slice(0, ax).reduce((a, b) => a * b, 1);
  const inner = pred.shape.slice(ax + 1).reduce((a, b) => a * b, 1);
  if (outer * inner !== label.v.length) {
    throw new ShapeError(
      `${who}: predictions ${formatShape(pred.shape)} do not match labels ${
        formatShape(label.shape)
      }`,
    );
  }
  const out: number[] = new Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let best = 0;
      const at = (j: number) => pred.v[(o * n + j) * inner + i];
      for (let j = 1; j < n; j++) if (at(j) > at(best)) best = j;
      out[o * inner + i] = best;
    }
  }
  return out;
}
