/**
 * `mx.mod.Module`: binds a Symbol to one or more contexts, initialises parameters,
 * runs forward/backward, updates with an optimizer (through a kvstore when there are
 * several devices), and drives training loops (`fit`), evaluation and prediction.
 * @module
 */
import { type Context, cpu } from "../core/context.ts";
import { MXNetError, ShapeError } from "../core/errors.ts";
import { readFileChecked, writeFileAtomic } from "../core/files.ts";
import { checkOptions } from "../core/options.ts";
import { formatShape, type Shape, shapeEqual } from "../core/shape.ts";
import { create as createInitializer, InitDesc } from "../initializer/mod.ts";
import type { DataBatch, DataDesc, DataIter } from "../io/mod.ts";
import { create as createKV, type KVStore } from "../kvstore/mod.ts";
import type { EvalMetric } from "../metric/mod.ts";
import type { Monitor } from "../monitor/mod.ts";
import { concat } from "../ndarray/ops.ts";
import type { NDArray } from "../ndarray/ndarray.ts";
import { keep, scope } from "../ndarray/scope.ts";
import {
  create as createOptimizer,
  getUpdater,
  type Optimizer,
  type StatesFormat,
  type Updater,
} from "../optimizer/mod.ts";
import type { GradReq } from "../autograd/mod.ts";
import { type Executor, simpleBind } from "../symbol/executor.ts";
import {
  BaseModule,
  type BindOptions,
  type FitOptions,
  type InitOptimizerOptions,
  type InitParamsOptions,
  type ShapeDesc,
} from "./base_module.ts";
import { asList, BIND_OPTIONS, descOf } from "./_util.ts";
import type { Symbol } from "../symbol/symbol.ts";
import { loadCheckpoint, saveCheckpoint } from "../model/checkpoint.ts";

const MODULE_OPTIONS = [
  "symbol",
  "dataNames",
  "labelNames",
  "stateNames",
  "context",
  "fixedParamNames",
];

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
export class Module extends BaseModule {
  /** The symbol. */
  readonly symbol: Symbol;
  /** Input names. */
  readonly dataNames: string[];
  /** Label names. */
  readonly labelNames: string[];
  /**
   * Arguments that carry state between batches (an RNN's hidden state): not fed from the
   * batch, not learned; read and written with `getStates`/`setStates`.
   */
  readonly stateNames: string[];
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
  /** True when the optimizer is another module's (`borrowOptimizer`): it frees it, not us. */
  #borrowedOptimizer = false;
  #monitor: Monitor | null = null;
  /** Parameter arrays owned by the module this one was bound sharing (`sharedModule`). */
  #sharedArrays = new Set<NDArray>();

  /** Creates a module; `context` may be a list for data parallelism. */
  constructor(opts: {
    symbol: Symbol;
    dataNames?: readonly string[];
    labelNames?: readonly string[];
    stateNames?: readonly string[];
    context?: Context | readonly Context[];
    fixedParamNames?: readonly string[];
  }) {
    super();
    checkOptions("Module", opts, MODULE_OPTIONS);
    this.symbol = opts.symbol;
    this.dataNames = [...(opts.dataNames ?? ["data"])];
    const args = opts.symbol.listArguments();
    this.labelNames = (opts.labelNames ?? ["softmax_label"]).filter((n) => args.includes(n));
    this.contexts = asList(opts.context ?? cpu());
    this.fixedParamNames = [...(opts.fixedParamNames ?? [])];
    this.stateNames = [...(opts.stateNames ?? [])];
    for (const [what, names] of [["data", this.dataNames], ["state", this.stateNames]] as const) {
      for (const n of names) {
        if (!args.includes(n)) {
          throw new MXNetError(
            `Module: ${what} name ${n} is not an argument of the symbol (${args.join(", ")})`,
          );
        }
      }
    }
  }

  /** Output names of the symbol (`fc1_output`). */
  get outputNames(): string[] {
    return this.symbol.listOutputs();
  }

  /** Names of the learnable parameters (arguments that are not inputs). */
  get paramNames(): string[] {
    const inputs = new Set([...this.dataNames, ...this.labelNames, ...this.stateNames]);
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

  /**
   * `[name, shape]` of each output for the bound input shapes (the whole batch, across
   * devices), as MXNet's `output_shapes`.
   */
  get outputShapes(): [string, number[]][] {
    this.requireBound("outputShapes");
    const shapes: Record<string, readonly number[]> = {};
    for (const d of [...this.#dataShapes, ...this.#labelShapes]) shapes[d.name] = d.shape;
    const { outShapes } = this.symbol.inferShape(shapes);
    return this.outputNames.map((n, i) => [n, [...outShapes[i]]]);
  }

  /**
   * Allocates executors for the given input shapes (batch split across contexts). With
   * `sharedModule` (a bound module with the same parameters, as `BucketingModule` binds
   * its buckets) the parameters and auxiliary states are that module's arrays, already
   * initialised, and its optimizer is borrowed once it has one.
   */
  bind(opts: BindOptions & { sharedModule?: Module | null }): void {
    checkOptions("Module.bind", opts, [...BIND_OPTIONS, "sharedModule"]);
    if (this.binded && !opts.forceRebind) return;
    this.#disposeExecs();
    const shared = opts.sharedModule ?? null;
    if (shared && (!shared.binded || shared.contexts.length !== this.contexts.length)) {
      throw new MXNetError(
        "Module.bind: sharedModule must be bound, on as many contexts as this module",
      );
    }
    this.#dataShapes = opts.dataShapes.map(descOf);
    this.#labelShapes = (opts.labelShapes ?? []).map(descOf);
    this.#forTraining = opts.forTraining ?? true;
    const req = opts.gradReq ?? "write";
    const gradReq: Record<string, GradReq> = {};
    for (const n of this.symbol.listArguments()) {
      const isInput = this.dataNames.includes(n) || this.labelNames.includes(n);
      // States are inputs carried between batches: MXNet binds them without gradient.
      gradReq[n] = !this.#forTraining || this.fixedParamNames.includes(n) ||
          this.stateNames.includes(n)
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
      const from = shared ? shared.#execs[i] : undefined;
      const sharedArrays = from
        ? Object.fromEntries([
          ...this.paramNames.map((n) => [n, from.argDict[n]] as const),
          ...this.auxNames.map((n) => [n, from.auxDict[n]] as const),
        ].filter(([, a]) => a !== undefined))
        : undefined;
      return simpleBind(this.symbol, ctx, shapes as Record<string, number[]>, {
        gradReq,
        shared: sharedArrays,
      });
    });
    this.#sharedArrays.clear();
    if (shared) {
      // Every array of the shared module stays its own, whatever happens below.
      for (const ex of shared.#execs) {
        for (const arr of [...Object.values(ex.argDict), ...Object.values(ex.auxDict)]) {
          this.#sharedArrays.add(arr);
        }
      }
      const first = this.#execs[0], other = shared.#execs[0];
      for (
        const [names, mine, theirs] of [
          [this.paramNames, first.argDict, other.argDict],
          [this.auxNames, first.auxDict, other.auxDict],
        ] as const
      ) {
        for (const n of names) {
          if (mine[n] === theirs[n]) continue;
          this.#disposeExecs();
          throw new ShapeError(
            `Module.bind: parameter ${n} is ${
              theirs[n] ? `${formatShape(theirs[n].shape)} in the shared module but ` : "not in " +
                "the shared module; "
            }this module needs ${formatShape(mine[n].shape)}`,
          );
        }
      }
      this.#paramsInitialized = shared.#paramsInitialized;
      if (shared.#optimizer) this.borrowOptimizer(shared);
    }
    if (this.#pendingParams) {
      const { arg, aux } = this.#pendingParams;
      this.#pendingParams = null;
      try {
        this.setParams(arg, aux);
      } finally {
        for (const a of [...Object.values(arg), ...Object.values(aux)]) a.dispose();
      }
    }
  }

  /**
   * Re-binds for new input shapes (another batch size or sequence length), keeping the
   * parameters, their optimizer states and an installed monitor (MXNet's `reshape`).
   */
  reshape(dataShapes: readonly ShapeDesc[], labelShapes?: readonly ShapeDesc[] | null): void {
    this.requireBound("reshape");
    const data = dataShapes.map(descOf);
    const labels = (labelShapes ?? []).map(descOf);
    for (
      const [what, descs, names] of [
        ["data", data, this.dataNames],
        ["label", labels, this.labelNames],
      ] as const
    ) {
      const given = descs.map((d) => d.name);
      if (descs.length && given.join() !== names.join()) {
        throw new MXNetError(
          `Module.reshape: ${what} shapes name ${given.join(", ")}, but the module's ${what} ` +
            `names are ${names.join(", ")}`,
        );
      }
    }
    this.#dataShapes = data;
    this.#labelShapes = labels;
    const sizes = splitSizes(data[0]?.shape[0] ?? 1, this.contexts.length);
    this.#replaceExecs((i) => {
      const shapes: Record<string, number[]> = {};
      for (const d of [...data, ...labels]) shapes[d.name] = [sizes[i], ...d.shape.slice(1)];
      return shapes;
    });
  }

  /**
   * Initialises parameters: copies from `argParams`/`auxParams` where given, else runs
   * the initializer (dispatching on the name suffix as MXNet does).
   */
  initParams(opts: InitParamsOptions = {}): void {
    checkOptions("Module.initParams", opts, [
      "initializer",
      "argParams",
      "auxParams",
      "allowMissing",
      "forceInit",
    ]);
    if (this.#paramsInitialized && !opts.forceInit) return;
    this.requireBound("initParams");
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
  override setParams(
    argParams: Record<string, NDArray>,
    auxParams: Record<string, NDArray> = {},
    allowMissing = false,
  ): void {
    if (!this.binded) {
      // Copies, as MXNet keeps its own: the caller may free (or change) its arrays.
      const copy = (r: Record<string, NDArray>) =>
        Object.fromEntries(Object.entries(r).map(([k, v]) => [k, keep(v.copyTo(cpu()))]));
      this.#disposePending();
      this.#pendingParams = { arg: copy(argParams), aux: copy(auxParams) };
      return;
    }
    this.initParams({ argParams, auxParams, allowMissing, forceInit: true });
  }

  /** Copies of the current parameters, on cpu. */
  getParams(): { argParams: Record<string, NDArray>; auxParams: Record<string, NDArray> } {
    this.requireBound("getParams");
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
  initOptimizer(opts: InitOptimizerOptions = {}): void {
    checkOptions("Module.initOptimizer", opts, [
      "kvstore",
      "optimizer",
      "optimizerParams",
      "forceInit",
    ]);
    if (this.#optimizer && !opts.forceInit) return;
    this.requireBound("initOptimizer");
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
    // Re-initialising frees the states this module owned (a kvstore given again is kept).
    if (!this.#borrowedOptimizer) {
      this.#updater?.dispose();
      if (this.#kv !== kv) this.#kv?.dispose();
    }
    this.#borrowedOptimizer = false;
    this.#updater = null;
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

  /**
   * Uses `shared`'s optimizer, updater states and kvstore instead of an own one (MXNet's
   * `borrow_optimizer`, which bucketing uses): both modules then step the same states.
   * The parameter names must be the same, in the same order, as the states are kept by
   * parameter index.
   */
  borrowOptimizer(shared: Module): void {
    if (!shared.#optimizer) {
      throw new MXNetError("Module.borrowOptimizer: the shared module has no optimizer yet");
    }
    if (shared.paramNames.join() !== this.paramNames.join()) {
      throw new MXNetError(
        `Module.borrowOptimizer: the shared module's parameters (${shared.paramNames.join(", ")})` +
          ` differ from this module's (${this.paramNames.join(", ")})`,
      );
    }
    if (!this.#borrowedOptimizer) {
      this.#updater?.dispose();
      this.#kv?.dispose();
    }
    this.#optimizer = shared.#optimizer;
    this.#updater = shared.#updater;
    this.#kv = shared.#kv;
    this.#borrowedOptimizer = true;
  }

  /** Runs forward on a batch (split across devices). */
  forward(batch: DataBatch, opts: { isTrain?: boolean } = {}): void {
    checkOptions("Module.forward", opts, ["isTrain"]);
    this.requireBound("forward");
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
    this.#replaceExecs((i) => {
      const shapes: Record<string, number[]> = {};
      for (const [n, a] of inputs) shapes[n] = [sizes[i], ...a.shape.slice(1)];
      for (const d of [...this.#dataShapes, ...this.#labelShapes]) {
        shapes[d.name] ??= [sizes[i], ...d.shape.slice(1)];
      }
      return shapes;
    });
  }

  /**
   * Replaces each executor by one bound for `shapesOf(deviceIndex)`, sharing the arrays
   * whose shapes still fit (the parameters) and freeing the rest.
   */
  #replaceExecs(shapesOf: (i: number) => Record<string, number[]>): void {
    this.#execs = this.#execs.map((ex, i) => {
      const next = ex.reshape(shapesOf(i));
      this.#monitor?.uninstall(ex);
      if (this.#monitor) this.#monitor.install(next);
      // Input arrays of the old executor are not shared; free them with its outputs.
      for (const n of [...this.dataNames, ...this.labelNames, ...this.stateNames]) {
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

  /**
   * Trains for `opts.numEpoch` epochs: binds, initialises and installs the optimizer as
   * needed, then forward/backward/update per batch (BaseModule's loop; restated here so
   * the reference page of Module shows it).
   */
  override fit(trainData: DataIter, opts: FitOptions): Promise<void> {
    return super.fit(trainData, opts);
  }

  /** Back-propagates on every device. */
  backward(outGrads?: readonly NDArray[]): void {
    this.requireBound("backward");
    for (const ex of this.#execs) ex.backward(outGrads);
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
    this.requireBound("getOutputs");
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

  /**
   * The state arrays (`stateNames`), merged across devices along the batch axis (on one
   * device: the bound arrays themselves), as MXNet's `get_states`.
   */
  getStates(): NDArray[] {
    this.requireBound("getStates");
    if (this.#execs.length === 1) return this.stateNames.map((n) => this.#execs[0].argDict[n]);
    return this.stateNames.map((n) =>
      concat(this.#execs.map((ex) => ex.argDict[n].asInContext(this.contexts[0])), { dim: 0 })
    );
  }

  /**
   * Sets the states: `states` holds one whole-batch array per state name (split across
   * devices as data is), or `value` one number for every state element (MXNet's
   * `set_states(states=None, value=None)`; exactly one of them).
   */
  setStates(opts: { states?: readonly NDArray[]; value?: number }): void {
    checkOptions("Module.setStates", opts, ["states", "value"]);
    this.requireBound("setStates");
    if ((opts.states === undefined) === (opts.value === undefined)) {
      throw new MXNetError("Module.setStates: give exactly one of states and value");
    }
    if (opts.value !== undefined) {
      for (const ex of this.#execs) for (const n of this.stateNames) ex.argDict[n].set(opts.value);
      return;
    }
    const states = opts.states!;
    if (states.length !== this.stateNames.length) {
      throw new MXNetError(
        `Module.setStates: ${states.length} arrays for ${this.stateNames.length} states ` +
          `(${this.stateNames.join(", ")})`,
      );
    }
    this.stateNames.forEach((n, k) => {
      const total = this.#execs.reduce((s, ex) => s + ex.argDict[n].shape[0], 0);
      let start = 0;
      for (const ex of this.#execs) {
        const dst = ex.argDict[n];
        const src = states[k];
        if (src.shape[0] !== total || !shapeEqual(src.shape.slice(1), dst.shape.slice(1))) {
          throw new ShapeError(
            `Module.setStates: state ${n} has shape ${formatShape(src.shape)}, bound as ` +
              `${formatShape([total, ...dst.shape.slice(1)])}`,
          );
        }
        scope(() => {
          const part = this.#execs.length === 1
            ? src
            : src.sliceAxis(0, start, start + dst.shape[0]);
          part.copyTo(dst);
        });
        start += dst.shape[0];
      }
    });
  }

  /**
   * Installs `mon` on every executor (kept across `reshape`); `mon.tic()` before a batch
   * and `mon.toc()` after it collect the statistics.
   */
  installMonitor(mon: Monitor): void {
    this.requireBound("installMonitor");
    if (this.#monitor) { for (const ex of this.#execs) this.#monitor.uninstall(ex); }
    this.#monitor = mon;
    for (const ex of this.#execs) mon.install(ex);
  }

  /** Updates `metric` with the labels and the last outputs. */
  async updateMetric(metric: EvalMetric, labels: readonly NDArray[]): Promise<void> {
    const outs = this.getOutputs();
    await metric.update([...labels], outs);
    if (this.#execs.length > 1) { for (const o of outs) o.dispose(); }
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
    this.#disposePending();
    if (!this.#borrowedOptimizer) {
      this.#updater?.dispose();
      this.#kv?.dispose();
    }
  }

  #disposePending(): void {
    const p = this.#pendingParams;
    if (p) { for (const a of [...Object.values(p.arg), ...Object.values(p.aux)]) a.dispose(); }
    this.#pendingParams = null;
  }

  #disposeExecs(): void {
    const seen = new Set<NDArray>();
    for (const ex of this.#execs) {
      this.#monitor?.uninstall(ex);
      ex.dispose();
      for (
        const a of [
          ...Object.values(ex.argDict),
          ...Object.values(ex.gradDict),
          ...Object.values(ex.auxDict),
        ]
      ) {
        if (!seen.has(a) && !this.#sharedArrays.has(a)) a.dispose();
        seen.add(a);
      }
    }
    this.#execs = [];
  }
}
