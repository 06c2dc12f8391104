/**
 * `mx.model.FeedForward`: MXNet's original training API, built on Module. `fit` takes
 * arrays (NDArray, typed or nested) or a data iterator.
 * @module
 */
import { type Context, cpu } from "../core/context.ts";
import { MXNetError } from "../core/errors.ts";
import { checkOptions, keysOf } from "../core/options.ts";
import { create as createInitializer, type Initializer } from "../initializer/mod.ts";
import { type DataInput, type DataIter, NDArrayIter } from "../io/mod.ts";
import type { KVStore } from "../kvstore/mod.ts";
import type { EvalMetric } from "../metric/mod.ts";
import type { BatchEndCallback, EpochEndCallback } from "../module/base_module.ts";
import { Module } from "../module/module.ts";
import { NDArray } from "../ndarray/ndarray.ts";
import { type Optimizer, optionNames as optimizerOptionNames } from "../optimizer/mod.ts";
import type { Symbol } from "../symbol/symbol.ts";
import { loadCheckpoint, saveCheckpoint } from "./checkpoint.ts";

/** Constructor options (the seed's `FeedForward(ctx=..., symbol=..., num_epoch=...)`). */
export interface FeedForwardOptions {
  /** The network, ending in a loss layer. */
  symbol: Symbol;
  /** Device or devices (data parallel). */
  ctx?: Context | readonly Context[];
  /** Epochs to train. */
  numEpoch?: number;
  /** Optimizer name or instance ("sgd"). */
  optimizer?: string | Optimizer;
  /** Initializer (Uniform(0.01)). */
  initializer?: Initializer;
  /** Batch size when X is given as arrays (128). */
  numpyBatchSize?: number;
  /** Starting parameters. */
  argParams?: Record<string, NDArray>;
  /** Starting auxiliary states. */
  auxParams?: Record<string, NDArray>;
  /** First epoch number. */
  beginEpoch?: number;
  /** Learning rate and other optimizer options (`momentum`, `wd`, ...). */
  learningRate?: number;
  /** SGD momentum. */
  momentum?: number;
  /** Weight decay. */
  wd?: number;
  /** Other optimizer options. */
  [optimizerOption: string]: unknown;
}

/** Options of `fit`. */
export interface FeedForwardFitOptions {
  /** Inputs: arrays or an iterator (then `y` is unused). */
  X: DataInput | DataIter;
  /** Labels when X is arrays. */
  y?: DataInput | null;
  /** Validation data: an iterator or `[X, y]`. */
  evalData?: DataIter | readonly [DataInput, DataInput] | null;
  /** Metric ("acc"). */
  evalMetric?: string | EvalMetric;
  /** After every epoch. */
  epochEndCallback?: EpochEndCallback | readonly EpochEndCallback[];
  /** After every batch. */
  batchEndCallback?: BatchEndCallback | readonly BatchEndCallback[];
  /** "local", "device", "dist_sync", a KVStore, or null. */
  kvstore?: string | KVStore | null;
  /** Progress lines (console.log; null for silence). */
  logger?: ((line: string) => void) | null;
}

/** FeedForward's own options; any other key is an option of its optimizer. */
const OWN_OPTIONS = [
  "symbol",
  "ctx",
  "numEpoch",
  "optimizer",
  "initializer",
  "numpyBatchSize",
  "argParams",
  "auxParams",
  "beginEpoch",
];
/** Set by the Module that trains, not by the user. */
const MODULE_SETS = ["paramIdx2Name", "sym"];
const FIT_OPTIONS = keysOf<FeedForwardFitOptions>({
  X: true,
  y: true,
  evalData: true,
  evalMetric: true,
  epochEndCallback: true,
  batchEndCallback: true,
  kvstore: true,
  logger: true,
});

function isIter(x: unknown): x is DataIter {
  return typeof x === "object" && x !== null && "provideData" in x && "reset" in x;
}

/**
 * A model trained with `fit` and used with `predict`.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const X = mx.sym.Variable("data");
 * const Y = mx.sym.Variable("softmax_label");
 * const pre = mx.sym.FullyConnected({ data: X, numHidden: 1, name: "pre" });
 * const loss = mx.sym.LinearRegressionOutput({ data: pre, label: Y, name: "loss" });
 * const model = new mx.model.FeedForward({ ctx: mx.cpu(), symbol: loss, numEpoch: 2, learningRate: 0.01, numpyBatchSize: 4 });
 * await model.fit({ X: [[1], [2], [3], [4]], y: [2, 4, 6, 8], logger: null });
 * console.log((await model.predict([[1]])).shape); // [1, 1]
 * ```
 */
export class FeedForward {
  /** The network. */
  readonly symbol: Symbol;
  /** Devices. */
  readonly ctx: Context[];
  /** Epochs `fit` trains. */
  numEpoch: number;
  /** Batch size for array inputs. */
  readonly numpyBatchSize: number;
  /** Trained parameters (after `fit` or `load`). */
  argParams: Record<string, NDArray> | null;
  /** Trained auxiliary states. */
  auxParams: Record<string, NDArray> | null;
  readonly #optimizer: string | Optimizer;
  readonly #initializer: Initializer;
  readonly #optimizerParams: Record<string, unknown>;
  readonly #beginEpoch: number;
  #module: Module | null = null;

  /** Creates the model; nothing is allocated until `fit` or `predict`. */
  constructor(opts: FeedForwardOptions) {
    // As MXNet's **kwargs, other keys go to the optimizer: check them against its options
    // now (an optimizer instance takes none), so a typo fails here and not silently.
    const forOptimizer = typeof opts?.optimizer === "object"
      ? []
      : optimizerOptionNames(opts?.optimizer ?? "sgd").filter((k) => !MODULE_SETS.includes(k));
    checkOptions("FeedForward", opts, [...OWN_OPTIONS, ...forOptimizer]);
    this.symbol = opts.symbol;
    const ctx = opts.ctx ?? cpu();
    this.ctx = Array.isArray(ctx) ? [...ctx] : [ctx as Context];
    this.numEpoch = opts.numEpoch ?? 1;
    this.numpyBatchSize = opts.numpyBatchSize ?? 128;
    this.argParams = opts.argParams ?? null;
    this.auxParams = opts.auxParams ?? null;
    this.#optimizer = opts.optimizer ?? "sgd";
    this.#initializer = opts.initializer ?? createInitializer("uniform", { scale: 0.01 });
    this.#beginEpoch = opts.beginEpoch ?? 0;
    this.#optimizerParams = Object.fromEntries(
      Object.entries(opts).filter(([k, v]) => !OWN_OPTIONS.includes(k) && v !== undefined),
    );
  }

  #labelName(): string {
    const args = this.symbol.listArguments();
    return args.find((a) => a.endsWith("label")) ?? "softmax_label";
  }

  #iter(X: DataInput | DataIter, y: DataInput | null | undefined, isTrain: boolean): DataIter {
    if (isIter(X)) return X;
    const n = X instanceof NDArray
      ? X.shape[0]
      : Array.isArray(X) || ArrayBuffer.isView(X)
      ? (X as ArrayLike<unknown>).length
      : this.numpyBatchSize;
    return new NDArrayIter({
      data: X,
      label: y ?? null,
      batchSize: Math.max(1, Math.min(n, this.numpyBatchSize)),
      shuffle: isTrain,
      lastBatchHandle: isTrain ? "roll_over" : "pad",
      labelName: this.#labelName(),
    });
  }

  /** Trains on X/y (or an iterator) for `numEpoch` epochs. */
  async fit(opts: FeedForwardFitOptions): Promise<void> {
    checkOptions("FeedForward.fit", opts, FIT_OPTIONS);
    const train = this.#iter(opts.X, opts.y, true);
    const evalData = opts.evalData
      ? (isIter(opts.evalData)
        ? opts.evalData
        : this.#iter(opts.evalData[0] as DataInput, opts.evalData[1] as DataInput, false))
      : null;
    const labelNames = train.provideLabel.map((d) => d.name);
    const mod = new Module({
      symbol: this.symbol,
      dataNames: train.provideData.map((d) => d.name),
      labelNames,
      context: this.ctx,
    });
    this.#module?.dispose();
    this.#module = mod;
    await mod.fit(train, {
      evalData,
      evalMetric: opts.evalMetric ?? "acc",
      epochEndCallback: opts.epochEndCallback,
      batchEndCallback: opts.batchEndCallback,
      kvstore: opts.kvstore === undefined ? "local" : opts.kvstore,
      optimizer: this.#optimizer,
      optimizerParams: this.#optimizerParams,
      initializer: this.#initializer,
      argParams: this.argParams ?? undefined,
      auxParams: this.auxParams ?? undefined,
      allowMissing: true,
      beginEpoch: this.#beginEpoch,
      numEpoch: this.numEpoch,
      logger: opts.logger,
    });
    const { argParams, auxParams } = mod.getParams();
    this.argParams = argParams;
    this.auxParams = auxParams;
    // Iterators made here from arrays hold copies (and a roll_over remainder): free them.
    if (train !== opts.X) (train as NDArrayIter).dispose();
    if (evalData && evalData !== opts.evalData) (evalData as NDArrayIter).dispose();
  }

  /** A module bound for inference on `data`'s shapes, with the trained parameters. */
  #inferenceModule(data: DataIter): Module {
    if (!this.argParams) {
      throw new MXNetError("predict: the model has no parameters; fit or load first");
    }
    const labelNames = this.symbol.listArguments().filter((a) => a.endsWith("label"));
    const mod = new Module({
      symbol: this.symbol,
      dataNames: data.provideData.map((d) => d.name),
      labelNames,
      context: this.ctx,
    });
    mod.bind({ dataShapes: data.provideData, labelShapes: null, forTraining: false });
    mod.initParams({
      argParams: this.argParams,
      auxParams: this.auxParams ?? {},
      allowMissing: true,
    });
    return mod;
  }

  /** Outputs for X (the first output when the network has one). */
  async predict(X: DataInput | DataIter, opts: { numBatch?: number } = {}): Promise<NDArray> {
    checkOptions("FeedForward.predict", opts, ["numBatch"]);
    const data = this.#iter(X, null, false);
    const mod = this.#inferenceModule(data);
    try {
      const outs = await mod.predict(data, { numBatch: opts.numBatch });
      for (const o of outs.slice(1)) o.dispose();
      return outs[0];
    } finally {
      mod.dispose();
      if (data !== X) (data as NDArrayIter).dispose();
    }
  }

  /** The metric's value on X/y (or an iterator with labels). */
  async score(
    X: DataInput | DataIter,
    y?: DataInput | null,
    evalMetric: string | EvalMetric = "acc",
  ): Promise<number> {
    const data = this.#iter(X, y, false);
    const labelNames = data.provideLabel.map((d) => d.name);
    const mod = new Module({
      symbol: this.symbol,
      dataNames: data.provideData.map((d) => d.name),
      labelNames,
      context: this.ctx,
    });
    try {
      mod.bind({
        dataShapes: data.provideData,
        labelShapes: data.provideLabel,
        forTraining: false,
      });
      mod.initParams({
        argParams: this.argParams ?? {},
        auxParams: this.auxParams ?? {},
        allowMissing: true,
      });
      const res = await mod.score(data, evalMetric);
      return res[0][1];
    } finally {
      mod.dispose();
      if (data !== X) (data as NDArrayIter).dispose();
    }
  }

  /** Saves `prefix-symbol.json` and `prefix-NNNN.params` (epoch defaults to numEpoch). */
  async save(prefix: string, epoch = this.numEpoch): Promise<void> {
    if (!this.argParams) throw new MXNetError("save: the model has no parameters; fit first");
    await saveCheckpoint(prefix, epoch, this.symbol, this.argParams, this.auxParams ?? {});
  }

  /** Loads a checkpoint into a FeedForward. */
  static async load(
    prefix: string,
    epoch: number,
    opts: Omit<FeedForwardOptions, "symbol"> = {},
  ): Promise<FeedForward> {
    const { symbol, argParams, auxParams } = await loadCheckpoint(prefix, epoch);
    return new FeedForward({ ...opts, symbol, argParams, auxParams, beginEpoch: epoch });
  }

  /** Creates a model and fits it at once (`FeedForward.create(symbol=net, X=data, kvstore=kv, ...)`). */
  static async create(
    opts: FeedForwardOptions & Omit<FeedForwardFitOptions, "X"> & { X: DataInput | DataIter },
  ): Promise<FeedForward> {
    const part = (fit: boolean) =>
      Object.fromEntries(Object.entries(opts).filter(([k]) => FIT_OPTIONS.includes(k) === fit));
    const model = new FeedForward(part(false) as unknown as FeedForwardOptions);
    await model.fit(part(true) as unknown as FeedForwardFitOptions);
    return model;
  }

  /** Frees the parameters and the training module. */
  dispose(): void {
    this.#module?.dispose();
    for (
      const a of [...Object.values(this.argParams ?? {}), ...Object.values(this.auxParams ?? {})]
    ) {
      a.dispose();
    }
  }
}
