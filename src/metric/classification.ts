/**
 * Classification metrics: Accuracy, TopKAccuracy, and the binary F1 and MCC.
 * @module
 */
import { MXNetError, ShapeError } from "../core/errors.ts";
import {
  type Arrays,
  EvalMetric,
  hostPairs,
  type MetricOptions,
  predictedClasses,
  SimpleMetric,
} from "./metric.ts";

/** Fraction of samples whose predicted class (argmax along `axis`) equals the label. */
export class Accuracy extends SimpleMetric {
  /** Accuracy's options. */
  static override readonly optionNames: readonly string[] = [...EvalMetric.optionNames, "axis"];
  /** Class axis of the predictions (1). */
  readonly axis: number;
  /** Creates the metric (name "accuracy"). */
  constructor(opts: MetricOptions & { axis?: number } = {}) {
    super("accuracy", opts);
    this.axis = opts.axis ?? 1;
  }
  /** Counts correct predictions. */
  async update(labels: Arrays, preds: Arrays): Promise<void> {
    for (const [label, pred] of await hostPairs(this.name, labels, preds)) {
      const cls = predictedClasses(label, pred, this.axis, this.name);
      for (let i = 0; i < cls.length; i++) if (cls[i] === Math.trunc(label.v[i])) this.sumMetric++;
      this.numInst += cls.length;
    }
  }
}

/** Fraction of samples whose label is among the `topK` highest scores. */
export class TopKAccuracy extends SimpleMetric {
  /** TopKAccuracy's options. */
  static override readonly optionNames: readonly string[] = [...EvalMetric.optionNames, "topK"];
  /** How many top classes count. */
  readonly topK: number;
  /** Creates the metric (name "top_k_accuracy_<k>"). */
  constructor(opts: MetricOptions & { topK?: number } = {}) {
    const k = opts.topK ?? 1;
    super(`top_k_accuracy_${k}`, opts);
    if (!(k >= 1)) throw new MXNetError(`TopKAccuracy: topK must be >= 1, got ${k}`);
    this.topK = k;
  }
  /** Counts labels within the top k. */
  async update(labels: Arrays, preds: Arrays): Promise<void> {
    for (const [label, pred] of await hostPairs(this.name, labels, preds)) {
      if (pred.shape.length > 2) {
        throw new ShapeError(`${this.name}: predictions must be 1-D or 2-D`);
      }
      const n = pred.shape.length === 2 ? pred.shape[1] : 1;
      const rows = pred.v.length / n;
      if (rows !== label.v.length) {
        throw new ShapeError(`${this.name}: ${rows} predictions but ${label.v.length} labels`);
      }
      for (let r = 0; r < rows; r++) {
        const y = Math.trunc(label.v[r]);
        if (n === 1) {
          if (Math.trunc(pred.v[r]) === y) this.sumMetric++;
          continue;
        }
        // The label is in the top k when fewer than k scores beat it (ties go to the lower index, as argsort's stable order).
        const s = pred.v[r * n + y];
        let better = 0;
        for (let j = 0; j < n; j++) {
          const o = pred.v[r * n + j];
          if (o > s || (o === s && j > y)) better++;
        }
        if (better < this.topK) this.sumMetric++;
      }
      this.numInst += rows;
    }
  }
}

/** Confusion counts of a binary classifier (MXNet's _BinaryClassificationMetrics). */
class BinaryStats {
  tp = 0;
  fp = 0;
  fn = 0;
  tn = 0;
  add(labels: Arrays, preds: Arrays, who: string): Promise<void> {
    return hostPairs(who, labels, preds).then((pairs) => {
      for (const [label, pred] of pairs) {
        const cls = predictedClasses(label, pred, 1, who);
        for (let i = 0; i < cls.length; i++) {
          const y = label.v[i];
          if (y !== 0 && y !== 1) {
            throw new MXNetError(
              `${who} currently only supports binary classification (labels 0/1), got ${y}`,
            );
          }
          const p = cls[i] === 1;
          if (p && y === 1) this.tp++;
          else if (p) this.fp++;
          else if (y === 1) this.fn++;
          else this.tn++;
        }
      }
    });
  }
  merge(o: BinaryStats): void {
    this.tp += o.tp;
    this.fp += o.fp;
    this.fn += o.fn;
    this.tn += o.tn;
  }
  get total(): number {
    return this.tp + this.fp + this.fn + this.tn;
  }
  get fscore(): number {
    const p = this.tp + this.fp > 0 ? this.tp / (this.tp + this.fp) : 0;
    const r = this.tp + this.fn > 0 ? this.tp / (this.tp + this.fn) : 0;
    return p + r > 0 ? 2 * p * r / (p + r) : 0;
  }
  get mcc(): number {
    const { tp, fp, fn, tn } = this;
    // Zero terms are left out of the denominator, as MXNet does.
    const denom = [tp + fp, tp + fn, tn + fp, tn + fn].filter((t) => t !== 0).reduce(
      (a, b) => a * b,
      1,
    );
    return (tp * tn - fp * fn) / Math.sqrt(denom);
  }
  reset(): void {
    this.tp =
      this.fp =
      this.fn =
      this.tn =
        0;
  }
}

/** Averaging of the binary metrics: per batch ("macro") or over all samples ("micro"). */
export type Average = "macro" | "micro";

/** Base of F1 and MCC: confusion counts per batch (macro) or overall (micro). */
export abstract class BinaryMetric extends SimpleMetric {
  /** F1's and MCC's options. */
  static override readonly optionNames: readonly string[] = [
    ...EvalMetric.optionNames,
    "average",
  ];
  /** Averaging mode. */
  readonly average: Average;
  /** Micro averaging: the confusion counts of the local interval. */
  protected readonly stats: BinaryStats = new BinaryStats();
  /** Micro averaging: the counts since `reset`, local intervals included. */
  protected readonly globalStats: BinaryStats = new BinaryStats();
  /** Sets the name and the averaging ("macro" by default). */
  constructor(name: string, opts: MetricOptions & { average?: Average }) {
    super(name, opts);
    this.average = opts.average ?? "macro";
  }
  /** The score of confusion counts `stats`. */
  protected abstract score(stats: BinaryStats): number;
  /** Adds a batch of binary labels and class scores. */
  async update(labels: Arrays, preds: Arrays): Promise<void> {
    const batch = new BinaryStats();
    await batch.add(labels, preds, this.name);
    if (this.average === "macro") {
      this.sumMetric += this.score(batch);
      this.numInst += 1;
    } else {
      this.stats.merge(batch);
      this.globalStats.merge(batch);
      this.sumMetric = this.score(this.stats) * this.stats.total;
      this.numInst = this.stats.total;
    }
  }
  /** Clears sums and counts. */
  override reset(): void {
    super.reset();
    this.stats.reset();
    this.globalStats.reset();
  }
  /** Starts a new local interval; micro averaging starts new counts. */
  override resetLocal(): void {
    super.resetLocal();
    this.stats.reset();
  }
  /** `[name, score]` since `reset`: micro averaging scores all counts together, as MXNet. */
  override getGlobal(): [string, number] {
    if (this.average === "macro") return super.getGlobal();
    const g = this.globalStats;
    return [this.name, g.total === 0 ? NaN : this.score(g)];
  }
}

/** Binary F1 `2PR/(P+R)` of class 1 (predictions: scores for classes 0 and 1). */
export class F1 extends BinaryMetric {
  /** Creates the metric (name "f1"). */
  constructor(opts: MetricOptions & { average?: Average } = {}) {
    super("f1", opts);
  }
  /** F1 of the counts. */
  protected score(stats: BinaryStats): number {
    return stats.fscore;
  }
}

/** Matthews correlation `(tp*tn - fp*fn) / sqrt((tp+fp)(tp+fn)(tn+fp)(tn+fn))`. */
export class MCC extends BinaryMetric {
  /** Creates the metric (name "mcc"). */
  constructor(opts: MetricOptions & { average?: Average } = {}) {
    super("mcc", opts);
  }
  /** MCC of the counts. */
  protected score(stats: BinaryStats): number {
    return stats.mcc;
  }
}
