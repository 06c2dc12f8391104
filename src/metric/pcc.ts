/**
 * PCC: the multiclass Matthews correlation of a confusion matrix (MXNet's `metric.PCC`).
 * @module
 */
import { ShapeError } from "../core/errors.ts";
import { formatShape } from "../core/shape.ts";
import {
  type Arrays,
  type HostArray,
  hostPairs,
  type MetricOptions,
  predictedClasses,
  SimpleMetric,
} from "./metric.ts";

/** A K x K confusion matrix, rows predicted class, columns true class; it grows with K. */
class Confusion {
  k = 2;
  counts: Float64Array = new Float64Array(4);

  /** Makes room for classes 0..k-1, keeping the counts. */
  grow(k: number): void {
    if (k <= this.k) return;
    const next = new Float64Array(k * k);
    for (let i = 0; i < this.k; i++) {
      for (let j = 0; j < this.k; j++) next[i * k + j] = this.counts[i * this.k + j];
    }
    this.k = k;
    this.counts = next;
  }

  add(pred: number, label: number): void {
    this.grow(Math.max(pred, label) + 1);
    this.counts[pred * this.k + label] += 1;
  }

  clear(): void {
    this.counts.fill(0);
  }

  /**
   * `sum_k (C_kk n - x_k y_k) / sqrt(sum_k x_k (n - x_k) * sum_k y_k (n - y_k))` with row
   * sums x, column sums y and total n; NaN when either variance term is zero, as MXNet.
   */
  correlation(): number {
    const k = this.k;
    const x = new Float64Array(k), y = new Float64Array(k);
    let n = 0, diag = 0;
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) {
        const c = this.counts[i * k + j];
        x[i] += c;
        y[j] += c;
        n += c;
      }
    }
    let covXX = 0, covYY = 0, covXY = 0;
    for (let i = 0; i < k; i++) {
      covXX += x[i] * (n - x[i]);
      covYY += y[i] * (n - y[i]);
      diag += this.counts[i * k + i];
    }
    if (covXX === 0 || covYY === 0) return NaN;
    covXY = diag * n;
    for (let i = 0; i < k; i++) covXY -= x[i] * y[i];
    return covXY / Math.sqrt(covXX * covYY);
  }
}

/** Integer class ids of one labels array (MXNet casts them to int32). */
function labelClasses(label: HostArray, who: string): number[] {
  return Array.from(label.v, (y) => {
    const c = Math.trunc(y);
    if (c < 0) throw new ShapeError(`${who}: labels must be class ids >= 0, got ${y}`);
    return c;
  });
}

/**
 * The multiclass equivalent of the Matthews correlation coefficient (MXNet's `PCC`),
 * computed from a K x K confusion matrix that grows with the largest class seen: for two
 * classes it equals MCC; with more, its minimum lies between -1 and 0 and its maximum is 1.
 * Predictions are class scores (argmax along axis 1) or class ids shaped like the labels.
 * Unlike F1/MCC's "macro" mode the value is that of all samples since the last
 * `resetLocal` (local) or `reset` (global), as MXNet's.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const pcc = new mx.metric.PCC();
 * await pcc.update([mx.nd.array([0, 1, 2, 2])], [mx.nd.array([0, 1, 2, 1])]);
 * console.log(pcc.get()[0]); // "pcc"
 * ```
 */
export class PCC extends SimpleMetric {
  /** Confusion counts since the last `resetLocal`. */
  private local: Confusion = new Confusion();
  /** Confusion counts since the last `reset`. */
  private global: Confusion = new Confusion();
  /** Updates since the last `resetLocal` (MXNet counts batches, not samples). */
  private localBatches = 0;
  /** Updates since the last `reset`. */
  private globalBatches = 0;

  /** Creates the metric (name "pcc"). */
  constructor(opts: MetricOptions = {}) {
    super("pcc", opts);
  }

  /** Adds every (prediction, label) pair of the batch to the confusion matrices. */
  async update(labels: Arrays, preds: Arrays): Promise<void> {
    for (const [label, pred] of await hostPairs(this.name, labels, preds)) {
      if (pred.v.length !== label.v.length && pred.shape.length !== 2) {
        throw new ShapeError(
          `${this.name}: predictions ${formatShape(pred.shape)} are neither class ids shaped ` +
            `like the labels ${formatShape(label.shape)} nor [batch, classes] scores`,
        );
      }
      const predicted = predictedClasses(label, pred, 1, this.name);
      const truth = labelClasses(label, this.name);
      for (let i = 0; i < truth.length; i++) {
        if (predicted[i] < 0) {
          throw new ShapeError(
            `${this.name}: predicted class ids must be >= 0, got ${predicted[i]}`,
          );
        }
        this.local.add(predicted[i], truth[i]);
        this.global.add(predicted[i], truth[i]);
      }
    }
    this.localBatches += 1;
    this.globalBatches += 1;
  }

  /** Clears both confusion matrices. */
  override reset(): void {
    super.reset();
    this.local.clear();
    this.global.clear();
    this.localBatches = 0;
    this.globalBatches = 0;
  }

  /** Starts a new local confusion matrix. */
  override resetLocal(): void {
    super.resetLocal();
    this.local.clear();
    this.localBatches = 0;
  }

  /** `["pcc", value]` of the local confusion matrix (NaN before any update). */
  override get(): [string, number] {
    return [this.name, this.localBatches === 0 ? NaN : this.local.correlation()];
  }

  /** `["pcc", value]` of every sample since `reset`. */
  override getGlobal(): [string, number] {
    return [this.name, this.globalBatches === 0 ? NaN : this.global.correlation()];
  }
}
