/**
 * Regression metrics, averaged per batch as MXNet does: MAE, MSE, RMSE and
 * PearsonCorrelation.
 * @module
 */
import { ShapeError } from "../core/errors.ts";
import {
  type Arrays,
  type HostArray,
  hostPairs,
  type MetricOptions,
  SimpleMetric,
} from "./metric.ts";

/** Base of the regression metrics: one value per (label, prediction) pair, averaged. */
export abstract class PerBatchMetric extends SimpleMetric {
  /** The metric of one pair of equally sized arrays. */
  protected abstract batch(label: HostArray, pred: HostArray): number;
  /** Adds one value per pair. */
  async update(labels: Arrays, preds: Arrays): Promise<void> {
    for (const [label, pred] of await hostPairs(this.name, labels, preds)) {
      if (label.v.length !== pred.v.length) {
        throw new ShapeError(
          `${this.name}: labels have ${label.v.length} values, predictions ${pred.v.length}`,
        );
      }
      this.sumMetric += this.batch(label, pred);
      this.numInst += 1;
    }
  }
}

function meanOf(label: HostArray, pred: HostArray, f: (d: number) => number): number {
  let s = 0;
  for (let i = 0; i < label.v.length; i++) s += f(label.v[i] - pred.v[i]);
  return s / label.v.length;
}

/** Mean absolute error `mean(|label - pred|)`, averaged over batches. */
export class MAE extends PerBatchMetric {
  /** Creates the metric (name "mae"). */
  constructor(opts: MetricOptions = {}) {
    super("mae", opts);
  }
  /** See the class docs. */
  protected batch(label: HostArray, pred: HostArray): number {
    return meanOf(label, pred, Math.abs);
  }
}

/** Mean squared error `mean((label - pred)^2)`, averaged over batches. */
export class MSE extends PerBatchMetric {
  /** Creates the metric (name "mse"). */
  constructor(opts: MetricOptions = {}) {
    super("mse", opts);
  }
  /** See the class docs. */
  protected batch(label: HostArray, pred: HostArray): number {
    return meanOf(label, pred, (d) => d * d);
  }
}

/** Root mean squared error per batch `sqrt(mean((label - pred)^2))`, averaged over batches. */
export class RMSE extends PerBatchMetric {
  /** Creates the metric (name "rmse"). */
  constructor(opts: MetricOptions = {}) {
    super("rmse", opts);
  }
  /** See the class docs. */
  protected batch(label: HostArray, pred: HostArray): number {
    return Math.sqrt(meanOf(label, pred, (d) => d * d));
  }
}

/** Pearson correlation of labels and predictions per batch, averaged over batches. */
export class PearsonCorrelation extends PerBatchMetric {
  /** Creates the metric (name "pearsonr"). */
  constructor(opts: MetricOptions = {}) {
    super("pearsonr", opts);
  }
  /** See the class docs. */
  protected batch(label: HostArray, pred: HostArray): number {
    const n = label.v.length;
    let ml = 0, mp = 0;
    for (let i = 0; i < n; i++) (ml += label.v[i]), (mp += pred.v[i]);
    ml /= n;
    mp /= n;
    let sll = 0, spp = 0, slp = 0;
    for (let i = 0; i < n; i++) {
      const a = label.v[i] - ml, b = pred.v[i] - mp;
      sll += a * a;
      spp += b * b;
      slp += a * b;
    }
    return slp / Math.sqrt(sll * spp);
  }
}
