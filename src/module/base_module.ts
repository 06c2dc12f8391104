/**
 * `mx.mod.BaseModule`: what every module shares. A subclass binds executors, owns the
 * parameters and steps them (`bind`, `initParams`, `forward`, `backward`, `update`, ...);
 * the training loop `fit`, `score`, `predict` and `.params` files are written once here
 * in terms of those steps, as in MXNet's `base_module.py`.
 * @module
 */
import { FormatError, MXNetError, ParamError } from "../core/errors.ts";
import { checkOptions, keysOf } from "../core/options.ts";
import type { Initializer } from "../initializer/mod.ts";
import type { DataBatch, DataDesc, DataIter } from "../io/mod.ts";
import type { KVStore } from "../kvstore/mod.ts";
import { create as createMetric, type EvalMetric } from "../metric/mod.ts";
import type { Monitor } from "../monitor/mod.ts";
import { loadDict, save } from "../ndarray/io.ts";
import type { NDArray } from "../ndarray/ndarray.ts";
import { concat } from "../ndarray/ops.ts";
import { scope } from "../ndarray/scope.ts";
import type { Optimizer } from "../optimizer/mod.ts";
import type { GradReq } from "../autograd/mod.ts";
import type { Symbol } from "../symbol/symbol.ts";
import { asList } from "./_util.ts";

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
  /** A Monitor installed on the executors: `tic` before each batch, `tocPrint` after it. */
  monitor?: Monitor | null;
}

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
  monitor: true,
});
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

/** Options of `bind` (every module kind). */
export interface BindOptions {
  /** Input descriptors, typically `iter.provideData`. */
  dataShapes: readonly ShapeDesc[];
  /** Label descriptors, typically `iter.provideLabel`. */
  labelShapes?: readonly ShapeDesc[] | null;
  /** Allocate gradients (default true). */
  forTraining?: boolean;
  /** Compute gradients of the inputs too (composition of modules needs it). */
  inputsNeedGrad?: boolean;
  /** How gradients are written (default "write"). */
  gradReq?: GradReq;
  /** Bind again even if bound. */
  forceRebind?: boolean;
}

/** Options of `initParams`. */
export interface InitParamsOptions {
  /** Initializer for parameters not given (default Uniform(0.01)). */
  initializer?: Initializer;
  /** Starting parameters. */
  argParams?: Record<string, NDArray>;
  /** Starting auxiliary states. */
  auxParams?: Record<string, NDArray>;
  /** Parameters missing from argParams/auxParams are initialised instead of an error. */
  allowMissing?: boolean;
  /** Initialise again even if initialised. */
  forceInit?: boolean;
}

/** Options of `initOptimizer`. */
export interface InitOptimizerOptions {
  /** "local", "device", a KVStore, or null for none. */
  kvstore?: string | KVStore | null;
  /** Optimizer name or instance (default "sgd"). */
  optimizer?: string | Optimizer;
  /** Optimizer options (default `{ learningRate: 0.01 }`). */
  optimizerParams?: Record<string, unknown>;
  /** Install again even if installed. */
  forceInit?: boolean;
}

/**
 * The base of every module (`Module`, `SequentialModule`): the computation steps are
 * abstract, the loops over data iterators are shared.
 */
export abstract class BaseModule {
  /** The module's symbol (what epoch-end callbacks receive and checkpoints save). */
  abstract readonly symbol: Symbol;
  /** Input names. */
  abstract readonly dataNames: string[];
  /** Output names. */
  abstract readonly outputNames: string[];
  /** True once `bind` ran. */
  abstract readonly binded: boolean;
  /** Data descriptors the module was bound with. */
  abstract readonly dataShapes: DataDesc[];
  /** Label descriptors the module was bound with (empty when it takes none). */
  abstract readonly labelShapes: DataDesc[];
  /** `[name, shape]` of each output for the bound input shapes. */
  abstract readonly outputShapes: [string, number[]][];

  /** Allocates executors for the given input shapes. */
  abstract bind(opts: BindOptions): void;
  /** Initialises (or copies in) the parameters. */
  abstract initParams(opts?: InitParamsOptions): void;
  /** Sets the parameters: `initParams` with `forceInit` (MXNet's `BaseModule.set_params`). */
  setParams(
    argParams: Record<string, NDArray>,
    auxParams: Record<string, NDArray> = {},
    allowMissing = false,
  ): void {
    this.initParams({ argParams, auxParams, allowMissing, forceInit: true });
  }
  /** Copies of the current parameters, on cpu. */
  abstract getParams(): {
    argParams: Record<string, NDArray>;
    auxParams: Record<string, NDArray>;
  };
  /** Installs the optimizer. */
  abstract initOptimizer(opts?: InitOptimizerOptions): void;
  /** Runs forward on a batch. */
  abstract forward(batch: DataBatch, opts?: { isTrain?: boolean }): void;
  /** Back-propagates (from `outGrads` when the outputs are not losses). */
  abstract backward(outGrads?: readonly NDArray[]): void;
  /** Applies the optimizer with the gradients of the last backward. */
  abstract update(): void;
  /** Outputs of the last forward. */
  abstract getOutputs(): NDArray[];
  /** Gradients of the inputs (bind with `inputsNeedGrad`). */
  abstract getInputGrads(): NDArray[];
  /** Updates `metric` with the labels and the last outputs. */
  abstract updateMetric(metric: EvalMetric, labels: readonly NDArray[]): Promise<void>;
  /** Installs a Monitor on every executor. */
  abstract installMonitor(mon: Monitor): void;
  /** Frees the executors and optimizer states. */
  abstract dispose(): void;

  /**
   * Prepares for a batch before `forward`. MXNet pulls sparse rows here; dense modules
   * need nothing, so this only checks the module is bound.
   */
  prepare(_batch: DataBatch): void {
    this.requireBound("prepare");
  }

  /** Throws when `bind` has not run. */
  protected requireBound(where: string): void {
    if (!this.binded) throw new MXNetError(`${this.constructor.name}.${where}: call bind first`);
  }

  /**
   * Saves the parameters as MXNet's `save_params`: one `.params` file with `arg:` and
   * `aux:` prefixed names (what `loadParams` and MXNet's `Module.load_params` read).
   */
  async saveParams(fname: string): Promise<void> {
    const { argParams, auxParams } = this.getParams();
    try {
      await save(fname, {
        ...Object.fromEntries(Object.entries(argParams).map(([k, v]) => [`arg:${k}`, v])),
        ...Object.fromEntries(Object.entries(auxParams).map(([k, v]) => [`aux:${k}`, v])),
      });
    } finally {
      for (const a of [...Object.values(argParams), ...Object.values(auxParams)]) a.dispose();
    }
  }

  /**
   * Loads a `.params` file with `arg:`/`aux:` prefixed names (MXNet's `load_params`) and
   * sets the parameters; a name without either prefix is a FormatError.
   */
  async loadParams(fname: string): Promise<void> {
    const saved = await loadDict(fname);
    const argParams: Record<string, NDArray> = {};
    const auxParams: Record<string, NDArray> = {};
    try {
      for (const [key, value] of Object.entries(saved)) {
        const [kind, ...rest] = key.split(":");
        const name = rest.join(":");
        if (kind === "arg" && name) argParams[name] = value;
        else if (kind === "aux" && name) auxParams[name] = value;
        else {
          throw new FormatError(
            `loadParams: ${fname} holds ${key}, not a name prefixed arg: or aux: ` +
              `(a parameter file written by save_params / saveParams)`,
            -1,
          );
        }
      }
      this.setParams(argParams, auxParams);
    } finally {
      for (const a of Object.values(saved)) a.dispose();
    }
  }

  /** forward({ isTrain: true }) then backward. */
  forwardBackward(batch: DataBatch): void {
    this.forward(batch, { isTrain: true });
    this.backward();
  }

  /** Trains for `numEpoch` epochs. */
  async fit(trainData: DataIter, opts: FitOptions): Promise<void> {
    checkOptions(`${this.constructor.name}.fit`, opts, FIT_OPTIONS);
    if (typeof opts?.numEpoch !== "number") {
      throw new ParamError(
        `${this.constructor.name}.fit: numEpoch (the number of epochs) is required`,
      );
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
    if (opts.monitor) this.installMonitor(opts.monitor);
    const metric = createMetric((opts.evalMetric ?? "acc") as string);
    for (let epoch = opts.beginEpoch ?? 0; epoch < opts.numEpoch; epoch++) {
      const tic = performance.now();
      metric.reset();
      let nbatch = 0;
      for (let batch = await trainData.next(); batch; batch = await trainData.next()) {
        const b = batch;
        opts.monitor?.tic();
        await scope(async () => {
          this.forwardBackward(b);
          this.update();
          await this.updateMetric(metric, b.label);
        });
        await opts.monitor?.tocPrint(log ?? (() => {}));
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
    checkOptions(`${this.constructor.name}.score`, opts, SCORE_OPTIONS);
    const epoch = opts.epoch ?? 0;
    this.requireBound("score");
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
    checkOptions(`${this.constructor.name}.iterPredict`, opts, PREDICT_OPTIONS);
    this.requireBound("iterPredict");
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
    checkOptions(`${this.constructor.name}.predict`, opts, PREDICT_OPTIONS);
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
}
