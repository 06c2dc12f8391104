/**
 * `mx.mod.Module`: binds a Symbol to one or more contexts, initialises parameters,
 * runs forward/backward, updates with an optimizer (through a kvstore when there are
 * several devices), and drives training loops (`fit`), evaluation and prediction.
 * @module
 */
import { type Context, cpu } from "../core/context.ts";
import { MXNetError, ParamError, ShapeError } from "../core/errors.ts";
import { readFileChecked, writeFileAtomic } from "../core/files.ts";
import { checkOptions, keysOf } from "../core/options.ts";
import { formatShape, type Shape, shapeEqual } from "../core/shape.ts";
import { create as createInitializer, InitDesc, type Initializer } from "../initializer/mod.ts";
import { type DataBatch, DataDesc, type DataIter } from "../io/mod.ts";
import { create as createKV, type KVStore } from "../kvstore/mod.ts";
import { create as createMetric, type EvalMetric } from "../metric/mod.ts";
import { concat } from "../ndarray/ops.ts";
import type { NDArray } from "../ndarray/ndarray.ts";
import { scope } from "../ndarray/scope.ts";
import {
  create as createOptimizer,
  getUpdater,
  type Optimizer,
  type StatesFormat,
  type Updater,
} from "../optimizer/mod.ts";
import type { GradReq } from "../autograd/mod.ts";
import type { Executor } from "../symbol/executor.ts";
import type { Symbol } from "../symbol/symbol.ts";
import { loadCheckpoint, saveCheckpoint } from "../model/checkpoint.ts";

/** A data or label description: a DataDesc or `[name, shape]`. */
export type ShapeDesc = DataDesc | readonly [string, readonly number[]];

/** What batch-end callbacks receive. */
export interface BatchEndParam {
  /** Epoch number. */
  epoch: number;
  /** The batch just done, numbered from 0 in each epoch (as MXNet numbers it). */
  nbatch: number;
  /** The training metric so far. */
  evalMetric: EvalMetric;
}

/** Called after every batch (e.g. `mx.callback.Speedometer`). */
export type BatchEndCallback = (p: BatchEndParam) => void | Promise<void>;
/** Called after every epoch with the current parameters (e.g. `mx.callback.doCheckpoint`). */
export type EpochEndCallback = (
  epoch: number,
  symbol: Symbol,
  argParams: Record<string, NDArray>,
  auxParams: Record<string, NDArray>,
) => void | Promise<void>;

/** Options of `fit`. */
export interface FitOptions {
  /** Validation data, scored after every epoch. */
  evalData?: DataIter | null;
  /** Metric name, metric, or list (default "acc"). */
  evalMetric?: string | EvalMetric | readonly (string | EvalMetric)[];
  /** After each epoch. */
  epochEndCallback?: EpochEndCallback | readonly EpochEndCallback[];
  /** After each batch. */
  batchEndCallback?: BatchEndCallback | readonly BatchEndCallback[];
  /**
   * After scoring `evalData` each epoch, with the validation metric (MXNet's
   * `eval_end_callback`, e.g. `mx.callback.LogValidationMetricsCallback()`).
   */
  evalEndCallback?: BatchEndCallback | readonly BatchEndCallback[];
  /** After each batch of `evalData` (MXNet's `eval_batch_end_callback`). */
  evalBatchEndCallback?: BatchEndCallback | readonly BatchEndCallback[];
  /** "local", "device", a KVStore, or null for none. */
  kvstore?: string | KVStore | null;
  /** Optimizer name or instance (default "sgd"). */
  optimizer?: string | Optimizer;
  /** Optimizer options (default `{ learningRate: 0.01 }`). */
  optimizerParams?: Record<string, unknown>;
  /** Parameter initializer (default Uniform(0.01)). */
  initializer?: Initializer;
  /** Starting parameters. */
  argParams?: Record<string, NDArray>;
  /** Starting auxiliary states. */
  auxParams?: Record<string, NDArray>;
  /** Allow parameters missing from argParams (they are initialised). */
  allowMissing?: boolean;
  /** Re-initialise even if already initialised. */
  forceInit?: boolean;
  /** First epoch number. */
  beginEpoch?: number;
  /** Epochs to train (required). */
  numEpoch: number;
  /** Where progress lines go (default console.log; null for silence). */
  logger?: ((line: string) => void) | null;
}

const asList = <T>(x: T | readonly T[] | undefined): T[] =>
  x === undefined ? [] : Array.isArray(x) ? [...x] : [x as T];

const FIT_OPTIONS = keysOf<FitOptions>({
  evalData: true,
  evalMetric: true,
  epochEndCallback: true,
  batchEndCallback: true,
  evalEndCallback: true,
  evalBatchEndCallback: true,
  kvstore: true,
  optimizer: true,
  optimizerParams: true,
  initializer: true,
  argParams: true,
  auxParams: true,
  allowMissing: true,
  forceInit: true,
  beginEpoch: true,
  numEpoch: true,
  logger: true,
});
const MODULE_OPTIONS = ["symbol", "dataNames", "labelNames", "context", "fixedParamNames"];
const PREDICT_OPTIONS = ["numBatch", "reset"];

/** Options of `score`. */
export interface ScoreOptions {
  /** Stop after this many batches. */
  numBatch?: number;
  /** Reset `evalData` first (default true). */
  reset?: boolean;
  /** After each batch, with the metric so far (MXNet's `batch_end_callback`). */
  batchEndCallback?: BatchEndCallback | readonly BatchEndCallback[];
  /** Once at the end, with the number of batches scored (MXNet's `score_end_callback`). */
  scoreEndCallback?: BatchEndCallback | readonly BatchEndCallback[];
  /** The epoch the callbacks are told (default 0). */
  epoch?: number;
}
const SCORE_OPTIONS = keysOf<ScoreOptions>({
  numBatch: true,
  reset: true,
  batchEndCallback: true,
  scoreEndCallback: true,
  epoch: true,
});

function descOf(d: ShapeDesc): DataDesc {
  return d instanceof DataDesc ? d : new DataDesc(d[0], d[1]);
}

/** Splits `n` samples over `k` devices as evenly as possible. */
function splitSizes(n: number, k: number): number[] {
  return Array.from(
    { length: k },
    (_, i) => Math.floor((n * (i + 1)) / k) - Math.floor((n * i) / k),
  );
}

/**
 * A trainable module over a symbol.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const net = mx.sym.Variable("data").mul(mx.sym.Variable("fc_weight", { shape: [2] }));
 * const mod = new mx.mod.Module({ symbol: net, labelNames: [] });
 * mod.bind({ dataShapes: [["data", [2]]], forTraining: false });
 * mod.initParams({ initializer: new mx.init.One() });
 * console.log(mod.getParams().argParams.fc_weight.shape); // [2]
 * ```
 */
export class Module {
  /** The symbol. */
  readonly symbol: Symbol;
  /** Input names. */
  readonly dataNames: string[];
  /** Label names. */
  readonly labelNames: string[];
  /** Devices; a batch is split across them. */
  readonly contexts: Context[];
  /** Parameters kept fixed (no gradient, no update). */
  readonly fixedParamNames: string[];
  #execs: Executor[] = [];
  #dataShapes: DataDesc[] = [];
  #labelShapes: DataDesc[] = [];
  #forTraining = false;
  #paramsInitialized = false;
  #optimizer: Optimizer | null = null;
  #updater: Updater | null = null;
  #kv: KVStore | null = null;
  #pendingParams: { arg: Record<string, NDArray>; aux: Record<string, NDArray> } | null = null;

  /** Creates a module; `context` may be a list for data parallelism. */
  constructor(opts: {
    symbol: Symbol;
    dataNames?: readonly string[];
    labelNames?: readonly string[];
    context?: Context | readonly Context[];
    fixedParamNames?: readonly string[];
  }) {
    checkOptions("Module", opts, MODULE_OPTIONS);
    this.symbol = opts.symbol;
    this.dataNames = [...(opts.dataNames ?? ["data"])];
    const args = opts.symbol.listArguments();
    this.labelNames = (opts.labelNames ?? ["softmax_label"]).filter((n) => args.includes(n));
    this.contexts = asList(opts.context ?? cpu());
    this.fixedParamNames = [...(opts.fixedParamNames ?? [])];
    for (const n of this.dataNames) {
      if (!args.includes(n)) {
        throw new MXNetError(
          `Module: data name ${n} is not an argument of the symbol (${args.join(", ")})`,
        );
      }
    }
  }

  /** Names of the learnable parameters (arguments that are not inputs). */
  get paramNames(): string[] {
    const inputs = new Set([...this.dataNames, ...this.labelNames]);
    return this.symbol.listArguments().filter((n) => !inputs.has(n));
  }

  /** Auxiliary state names. */
  get auxNames(): string[] {
    return this.symbol.listAuxiliaryStates();
  }

  /** True once `bind` ran. */
  get binded(): boolean {
    return this.#execs.length > 0;
  }

  /** Data descriptors the module was bound with. */
  get dataShapes(): DataDesc[] {
    return this.#dataShapes;
  }

  /** Label descriptors the module was bound with. */
  get labelShapes(): DataDesc[] {
    return this.#labelShapes;
  }

  /** Allocates executors for the given input shapes (batch split across contexts). */
  bind(opts: {
    dataShapes: readonly ShapeDesc[];
    labelShapes?: readonly ShapeDesc[] | null;
    forTraining?: boolean;
    inputsNeedGrad?: boolean;
    gradReq?: GradReq;
    forceRebind?: boolean;
  }): void {
    checkOptions("Module.bind", opts, [
      "dataShapes",
      "labelShapes",
      "forTraining",
      "inputsNeedGrad",
      "gradReq",
      "forceRebind",
    ]);
    if (this.binded && !opts.forceRebind) return;
    this.#disposeExecs();
    this.#dataShapes = opts.dataShapes.map(descOf);
    this.#labelShapes = (opts.labelShapes ?? []).map(descOf);
    this.#forTraining = opts.forTraining ?? true;
    const req = opts.gradReq ?? "write";
    const gradReq: Record<string, GradReq> = {};
    for (const n of this.symbol.listArguments()) {
      const isInput = this.dataNames.includes(n) || this.labelNames.includes(n);
      gradReq[n] = !this.#forTraining || this.fixedParamNames.includes(n)
        ? "null"
        : isInput
        ? (opts.inputsNeedGrad ? req : "null")
        : req;
    }
    const batch = this.#dataShapes[0]?.shape[0] ?? 1;
    const sizes = splitSizes(batch, this.contexts.length);
    this.#execs = this.contexts.map((ctx, i) => {
      const shapes: Record<string, Shape> = {};
      for (const d of [...this.#dataShapes, ...this.#labelShapes]) {
        shapes[d.name] = [sizes[i], ...d.shape.slice(1)];
      }
      const master = this.#execs[0];
      return this.symbol.simpleBind(ctx, shapes as Record<string, number[]>, { gradReq }) as
        & Executor
        & { _unused?: typeof master };
    });
    if (this.#pendingParams) {
      this.setParams(this.#pendingParams.arg, this.#pendingParams.aux);
      this.#pendingParams = null;
    }
  }

  /**
   * Initialises parameters: copies from `argParams`/`auxParams` where given, else runs
   * the initializer (dispatching on the name suffix as MXNet does).
   */
  initParams(opts: {
    initializer?: Initializer;
    argParams?: Record<string, NDArray>;
    auxParams?: Record<string, NDArray>;
    allowMissing?: boolean;
    forceInit?: boolean;
  } = {}): void {
    checkOptions("Module.initParams", opts, [
      "initializer",
      "argParams",
      "auxParams",
      "allowMissing",
      "forceInit",
    ]);
    if (this.#paramsInitialized && !opts.forceInit) return;
    this.#requireBound("initParams");
    const init = opts.initializer ?? createInitializer("uniform", { scale: 0.01 });
    const attrs = this.symbol.attrDict();
    const first = this.#execs[0];
    const fill = (name: string, arr: NDArray, given: Record<string, NDArray> | undefined) => {
      const src = given?.[name];
      if (src && !shapeEqual(src.shape, arr.shape)) {
        throw new ShapeError(
          `initParams: parameter ${name} has shape ${formatShape(src.shape)}, but the symbol ` +
            `needs ${formatShape(arr.shape)} for the bound input shapes (${
              this.#dataShapes.map((d) => `${d.name} ${formatShape(d.shape)}`).join(", ")
            })`,
        );
      }
      if (src) src.copyTo(arr);
      else if (given && !opts.allowMissing) {
        throw new MXNetError(`initParams: ${name} is missing from the given parameters`);
      } else init.init(new InitDesc(name, attrs[name] ?? {}), arr);
    };
    for (const n of this.paramNames) fill(n, first.argDict[n], opts.argParams);
    for (const n of this.auxNames) fill(n, first.auxDict[n], opts.auxParams);
    this.#broadcastParams();
    this.#paramsInitialized = true;
  }

  /** Copies device 0's parameters to the other devices. */
  #broadcastParams(): void {
    const [first, ...rest] = this.#execs;
    for (const ex of rest) {
      for (const n of this.paramNames) first.argDict[n].copyTo(ex.argDict[n]);
      for (const n of this.auxNames) first.auxDict[n].copyTo(ex.auxDict[n]);
    }
  }

  /** Sets parameters (`arg:`/`aux:` prefixes accepted); before bind they wait for it. */
  setParams(
    argParams: Record<string, NDArray>,
    auxParams: Record<string, NDArray> = {},
    allowMissing = false,
  ): void {
    if (!this.binded) {
      this.#pendingParams = { arg: argParams, aux: auxParams };
      return;
    }
    this.initParams({ argParams, auxParams, allowMissing, forceInit: true });
  }

  /** Copies of the current parameters, on cpu. */
  getParams(): { argParams: Record<string, NDArray>; auxParams: Record<string, NDArray> } {
    this.#requireBound("getParams");
    const first = this.#execs[0];
    const copy = (a: NDArray) => a.copyTo(cpu());
    return {
      argParams: Object.fromEntries(this.paramNames.map((n) => [n, copy(first.argDict[n])])),
      auxParams: Object.fromEntries(this.auxNames.map((n) => [n, copy(first.auxDict[n])])),
    };
  }

  /**
   * Sets up the optimizer. With several devices (or an explicit kvstore) gradients are
   * summed and weights updated on the kvstore, as MXNet's `update_on_kvstore`.
   */
  initOptimizer(opts: {
    kvstore?: string | KVStore | null;
    optimizer?: string | Optimizer;
    optimizerParams?: Record<string, unknown>;
    forceInit?: boolean;
  } = {}): void {
    checkOptions("Module.initOptimizer", opts, [
      "kvstore",
      "optimizer",
      "optimizerParams",
      "forceInit",
    ]);
    if (this.#optimizer && !opts.forceInit) return;
    this.#requireBound("initOptimizer");
    const names = this.paramNames;
    const kvOpt = opts.kvstore === undefined ? "local" : opts.kvstore;
    // One device and a local store need no kvstore, as in MXNet's _create_kvstore.
    const kv = kvOpt === null
      ? null
      : typeof kvOpt === "string"
      ? (this.contexts.length > 1 || kvOpt !== "local" ? createKV(kvOpt) : null)
      : kvOpt;
    // As MXNet: with a synchronous distributed store the gradient is summed over every
    // worker's batch, so the default rescale divides by the global batch.
    let batch = this.#dataShapes[0]?.shape[0] ?? 1;
    if (kv && kv.type.startsWith("dist") && kv.type.includes("sync")) batch *= kv.numWorkers;
    const params: Record<string, unknown> = { learningRate: 0.01, ...(opts.optimizerParams ?? {}) };
    if (params.rescaleGrad === undefined) params.rescaleGrad = 1 / batch;
    const idx2name = Object.fromEntries(names.map((n, i) => [i, n]));
    const optimizer = typeof opts.optimizer === "object"
      ? opts.optimizer
      : createOptimizer(opts.optimizer ?? "sgd", {
        ...params,
        paramIdx2Name: idx2name,
        sym: this.symbol,
      });
    this.#optimizer = optimizer;
    this.#kv = kv;
    if (kv) {
      const first = this.#execs[0];
      names.forEach((n, i) => kv.init(i, first.argDict[n]));
      kv.setOptimizer(optimizer);
      // A distributed init keeps worker 0's values: every device starts from the store's.
      names.forEach((n, i) => kv.pull(i, { out: this.#execs.map((ex) => ex.argDict[n]) }));
    } else {
      this.#updater = getUpdater(optimizer);
      // States are created now, outside any mx.nd.scope that would free them per batch.
      const first = this.#execs[0];
      names.forEach((n, i) => this.#updater!.initState(i, first.argDict[n]));
    }
  }

  /** The optimizer, once initialised. */
  get optimizer(): Optimizer | null {
    return this.#optimizer;
  }

  /** Runs forward on a batch (split across devices). */
  forward(batch: DataBatch, opts: { isTrain?: boolean } = {}): void {
    checkOptions("Module.forward", opts, ["isTrain"]);
    this.#requireBound("forward");
    const isTrain = opts.isTrain ?? this.#forTraining;
    const inputs: [string, NDArray][] = [
      ...this.dataNames.map((n, i) => [n, batch.data[i]] as [string, NDArray]),
      ...(isTrain || batch.label.length
        ? this.labelNames.map((n, i) => [n, batch.label[i]] as [string, NDArray])
        : []),
    ].filter(([, a]) => a !== undefined);
    const total = inputs[0]?.[1].shape[0] ?? 0;
    const bound = this.#execs.reduce((s, ex) => s + ex.argDict[this.dataNames[0]].shape[0], 0);
    if (total !== bound) this.#reshapeFor(total, inputs);
    const sizes = this.#execs.map((ex) => ex.argDict[this.dataNames[0]].shape[0]);
    let start = 0;
    this.#execs.forEach((ex, i) => {
      const end = start + sizes[i];
      scope(() => {
        const feed: Record<string, NDArray> = {};
        for (const [n, a] of inputs) {
          const part = this.#execs.length === 1 ? a : a.sliceAxis(0, start, end);
          feed[n] = part.asInContext(ex.ctx);
        }
        ex.forward({ isTrain, ...feed });
      });
      start = end;
    });
  }

  /** Rebinds executors for another batch size, keeping the parameters. */
  #reshapeFor(total: number, inputs: [string, NDArray][]): void {
    const sizes = splitSizes(total, this.contexts.length);
    this.#execs = this.#execs.map((ex, i) => {
      const shapes: Record<string, number[]> = {};
      for (const [n, a] of inputs) shapes[n] = [sizes[i], ...a.shape.slice(1)];
      for (const d of [...this.#dataShapes, ...this.#labelShapes]) {
        shapes[d.name] ??= [sizes[i], ...d.shape.slice(1)];
      }
      const next = ex.reshape(shapes);
      // Input arrays of the old executor are not shared; free them with its outputs.
      for (const n of [...this.dataNames, ...this.labelNames]) {
        if (ex.argDict[n] && next.argDict[n] !== ex.argDict[n]) ex.argDict[n].dispose();
        if (ex.gradDict[n] && next.gradDict[n] !== ex.gradDict[n]) ex.gradDict[n].dispose();
      }
      for (const n of this.paramNames) {
        if (ex.gradDict[n] && next.gradDict[n] !== ex.gradDict[n]) ex.gradDict[n].dispose();
      }
      ex.dispose();
      return next;
    });
  }

  /** Back-propagates on every device. */
  backward(outGrads?: readonly NDArray[]): void {
    this.#requireBound("backward");
    for (const ex of this.#execs) ex.backward(outGrads);
  }

  /** forward({ isTrain: true }) then backward. */
  forwardBackward(batch: DataBatch): void {
    this.forward(batch, { isTrain: true });
    this.backward();
  }

  /** Applies the optimizer to every parameter with the gradients of the last backward. */
  update(): void {
    if (!this.#optimizer) throw new MXNetError("update: call initOptimizer first");
    const names = this.paramNames.filter((n) => this.#execs[0].gradReq[n] !== "null");
    const all = this.paramNames;
    if (this.#kv) {
      for (const n of names) {
        const i = all.indexOf(n);
        this.#kv.push(i, this.#execs.map((ex) => ex.gradDict[n]));
        this.#kv.pull(i, { out: this.#execs.map((ex) => ex.argDict[n]) });
      }
    } else {
      const ex = this.#execs[0];
      for (const n of names) this.#updater!(all.indexOf(n), ex.gradDict[n], ex.argDict[n]);
    }
  }

  /** Outputs of the last forward, merged across devices along the batch axis. */
  getOutputs(): NDArray[] {
    this.#requireBound("getOutputs");
    if (this.#execs.length === 1) return this.#execs[0].outputs;
    const n = this.#execs[0].outputs.length;
    return Array.from(
      { length: n },
      (_, i) =>
        concat(this.#execs.map((ex) => ex.outputs[i].asInContext(this.contexts[0])), { dim: 0 }),
    );
  }

  /** Gradients of the inputs (bind with `inputsNeedGrad`). */
  getInputGrads(): NDArray[] {
    return this.dataNames.map((n) => this.#execs[0].gradDict[n]);
  }

  /** Updates `metric` with the labels and the last outputs. */
  async updateMetric(metric: EvalMetric, labels: readonly NDArray[]): Promise<void> {
    const outs = this.getOutputs();
    await metric.update([...labels], outs);
    if (this.#execs.length > 1) { for (const o of outs) o.dispose(); }
  }

  /** Trains for `numEpoch` epochs. */
  async fit(trainData: DataIter, opts: FitOptions): Promise<void> {
    checkOptions("Module.fit", opts, FIT_OPTIONS);
    if (typeof opts?.numEpoch !== "number") {
      throw new ParamError(`Module.fit: numEpoch (the number of epochs) is required`);
    }
    const log = opts.logger === undefined ? console.log : opts.logger;
    this.bind({
      dataShapes: trainData.provideData,
      labelShapes: trainData.provideLabel,
      forTraining: true,
    });
    this.initParams({
      initializer: opts.initializer,
      argParams: opts.argParams,
      auxParams: opts.auxParams,
      allowMissing: opts.allowMissing,
      forceInit: opts.forceInit,
    });
    this.initOptimizer({
      kvstore: opts.kvstore,
      optimizer: opts.optimizer,
      optimizerParams: opts.optimizerParams,
    });
    const metric = createMetric((opts.evalMetric ?? "acc") as string);
    for (let epoch = opts.beginEpoch ?? 0; epoch < opts.numEpoch; epoch++) {
      const tic = performance.now();
      metric.reset();
      let nbatch = 0;
      for (let batch = await trainData.next(); batch; batch = await trainData.next()) {
        const b = batch;
        await scope(async () => {
          this.forwardBackward(b);
          this.update();
          await this.updateMetric(metric, b.label);
        });
        b.dispose();
        // MXNet numbers the batches of an epoch from 0 in its callbacks.
        for (const cb of asList(opts.batchEndCallback)) {
          await cb({ epoch, nbatch, evalMetric: metric });
        }
        nbatch++;
      }
      // The whole epoch's value, whatever local intervals a Speedometer started (MXNet).
      for (const [n, v] of metric.getGlobalNameValue()) log?.(`Epoch[${epoch}] Train-${n}=${v}`);
      log?.(`Epoch[${epoch}] Time cost=${((performance.now() - tic) / 1000).toFixed(3)}`);
      const cbs = asList(opts.epochEndCallback);
      if (cbs.length) {
        const { argParams, auxParams } = this.getParams();
        for (const cb of cbs) await cb(epoch, this.symbol, argParams, auxParams);
        for (const a of [...Object.values(argParams), ...Object.values(auxParams)]) a.dispose();
      }
      if (opts.evalData) {
        const res = await this.score(opts.evalData, metric, {
          batchEndCallback: opts.evalBatchEndCallback,
          scoreEndCallback: opts.evalEndCallback,
          epoch,
        });
        for (const [n, v] of res) log?.(`Epoch[${epoch}] Validation-${n}=${v}`);
      }
      trainData.reset();
    }
  }

  /** Runs `evalData` through the model and returns the metric's `[name, value]` pairs. */
  async score(
    evalData: DataIter,
    evalMetric: string | EvalMetric = "acc",
    opts: ScoreOptions = {},
  ): Promise<[string, number][]> {
    checkOptions("Module.score", opts, SCORE_OPTIONS);
    const epoch = opts.epoch ?? 0;
    this.#requireBound("score");
    if (opts.reset ?? true) evalData.reset();
    const metric = createMetric(evalMetric);
    metric.reset();
    let n = 0;
    for (let batch = await evalData.next(); batch; batch = await evalData.next()) {
      const b = batch;
      await scope(async () => {
        this.forward(b, { isTrain: false });
        const outs = this.getOutputs();
        const keep = b.pad ? outs.map((o) => o.sliceAxis(0, 0, o.shape[0] - b.pad)) : outs;
        const labels = b.pad ? b.label.map((l) => l.sliceAxis(0, 0, l.shape[0] - b.pad)) : b.label;
        await metric.update(labels, keep);
      });
      b.dispose();
      for (const cb of asList(opts.batchEndCallback)) {
        await cb({ epoch, nbatch: n, evalMetric: metric });
      }
      n++;
      if (opts.numBatch !== undefined && n >= opts.numBatch) break;
    }
    for (const cb of asList(opts.scoreEndCallback)) {
      await cb({ epoch, nbatch: n, evalMetric: metric });
    }
    return metric.getGlobalNameValue();
  }

  /** Yields `[outputs, batchIndex, batch]` for each batch (outputs without padding). */
  async *iterPredict(
    evalData: DataIter,
    opts: { numBatch?: number; reset?: boolean } = {},
  ): AsyncGenerator<[NDArray[], number, DataBatch]> {
    checkOptions("Module.iterPredict", opts, PREDICT_OPTIONS);
    this.#requireBound("iterPredict");
    if (opts.reset ?? true) evalData.reset();
    let n = 0;
    for (let batch = await evalData.next(); batch; batch = await evalData.next()) {
      this.forward(batch, { isTrain: false });
      const outs = this.getOutputs().map((o) => o.sliceAxis(0, 0, o.shape[0] - batch!.pad));
      yield [outs, n, batch];
      if (opts.numBatch !== undefined && ++n >= opts.numBatch) break;
    }
  }

  /** Predictions for all of `evalData`, concatenated along the batch axis. */
  async predict(
    evalData: DataIter,
    opts: { numBatch?: number; reset?: boolean } = {},
  ): Promise<NDArray[]> {
    checkOptions("Module.predict", opts, PREDICT_OPTIONS);
    const parts: NDArray[][] = [];
    for await (const [outs, , batch] of this.iterPredict(evalData, opts)) {
      parts.push(outs);
      batch.dispose();
    }
    if (parts.length === 0) return [];
    return parts[0].map((_, i) => {
      const cols = parts.map((p) => p[i]);
      const out = cols.length === 1 ? cols[0] : concat(cols, { dim: 0 });
      if (cols.length > 1) { for (const c of cols) c.dispose(); }
      return out;
    });
  }

  /** Saves `prefix-symbol.json`, `prefix-NNNN.params` (and `.states` when asked). */
  async saveCheckpoint(prefix: string, epoch: number, saveOptimizerStates = false): Promise<void> {
    const { argParams, auxParams } = this.getParams();
    try {
      await saveCheckpoint(prefix, epoch, this.symbol, argParams, auxParams);
    } finally {
      for (const a of [...Object.values(argParams), ...Object.values(auxParams)]) a.dispose();
    }
    if (saveOptimizerStates) {
      await this.saveOptimizerStates(`${prefix}-${String(epoch).padStart(4, "0")}.states`);
    }
  }

  /**
   * Writes the optimizer states: mxts's format (with the update counters), or with
   * `format: "mxnet"` the pickle MXNet's `load_optimizer_states` reads.
   */
  async saveOptimizerStates(path: string, opts: { format?: StatesFormat } = {}): Promise<void> {
    checkOptions("saveOptimizerStates", opts, ["format"]);
    if (this.#kv) return this.#kv.saveOptimizerStates(path, opts);
    if (!this.#updater) throw new MXNetError("saveOptimizerStates: call initOptimizer first");
    await writeFileAtomic(path, await this.#updater.getStates(opts), "saveOptimizerStates");
  }

  /**
   * Reads optimizer states written by `saveOptimizerStates`, or by MXNet's
   * `save_optimizer_states` (a pickle; states keyed by parameter index or name).
   */
  async loadOptimizerStates(path: string): Promise<void> {
    // MXNet keys states by parameter index, or by name when they lived on a kvstore.
    const names = this.paramNames;
    const keyOf = (k: string) => (names.includes(k) ? String(names.indexOf(k)) : k);
    if (this.#kv) return this.#kv.loadOptimizerStates(path, keyOf);
    if (!this.#updater) throw new MXNetError("loadOptimizerStates: call initOptimizer first");
    this.#updater.setStates(await readFileChecked(path, "loadOptimizerStates"), path, keyOf);
  }

  /** A module with the symbol and parameters of a checkpoint (bind, then use). */
  static async load(
    prefix: string,
    epoch: number,
    opts: { context?: Context | readonly Context[]; dataNames?: string[]; labelNames?: string[] } =
      {},
  ): Promise<Module> {
    checkOptions("Module.load", opts, ["context", "dataNames", "labelNames"]);
    const { symbol, argParams, auxParams } = await loadCheckpoint(prefix, epoch);
    const mod = new Module({ symbol, ...opts });
    mod.setParams(argParams, auxParams);
    return mod;
  }

  /** Frees executors, optimizer states and the kvstore. */
  dispose(): void {
    this.#disposeExecs();
    this.#updater?.dispose();
    this.#kv?.dispose();
  }

  #disposeExecs(): void {
    const seen = new Set<NDArray>();
    for (const ex of this.#execs) {
      ex.dispose();
      for (
        const a of [
          ...Object.values(ex.argDict),
          ...Object.values(ex.gradDict),
          ...Object.values(ex.auxDict),
        ]
      ) {
        if (!seen.has(a)) a.dispose();
        seen.add(a);
      }
    }
    this.#execs = [];
  }

  #requireBound(where: string): void {
    if (!this.binded) throw new MXNetError(`${where}: call bind first`);
  }
}
