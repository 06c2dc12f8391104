/**
 * `mx.mod.BucketingModule`: one Module per bucket key (a sequence length, say), all
 * sharing the default bucket's parameters and optimizer (MXNet's `BucketingModule`).
 * Each batch's `bucketKey` picks (and on first sight binds) the bucket's module.
 * @module
 */
import { type Context, cpu } from "../core/context.ts";
import { MXNetError } from "../core/errors.ts";
import { checkOptions } from "../core/options.ts";
import type { DataBatch, DataDesc } from "../io/mod.ts";
import type { EvalMetric } from "../metric/mod.ts";
import type { Monitor } from "../monitor/mod.ts";
import type { NDArray } from "../ndarray/ndarray.ts";
import type { Symbol } from "../symbol/symbol.ts";
import {
  BaseModule,
  type BindOptions,
  type InitOptimizerOptions,
  type InitParamsOptions,
  type ShapeDesc,
} from "./base_module.ts";
import { Module } from "./module.ts";
import { BIND_OPTIONS } from "./_util.ts";

/**
 * What a symbol generator returns for a bucket key, as MXNet's `sym_gen`:
 * `[symbol, dataNames, labelNames]`.
 */
export type SymGenResult = readonly [Symbol, readonly string[], (readonly string[] | null)?];

/** Options of `new BucketingModule`. */
export interface BucketingModuleOptions {
  /** Builds the network of a bucket key. */
  symGen: (bucketKey: unknown) => SymGenResult;
  /** The bucket bound first; it owns the parameters the other buckets share. */
  defaultBucketKey: unknown;
  /** Devices; a batch is split across them. */
  context?: Context | readonly Context[];
  /** Parameters kept fixed (no gradient, no update). */
  fixedParamNames?: readonly string[];
  /** Arguments carrying state between batches (see `Module`'s `stateNames`). */
  stateNames?: readonly string[];
}

/**
 * Modules for inputs of several shapes, sharing one set of parameters.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * // The bucket key is the number of features summed before a shared 1x1 layer.
 * const symGen = (_key: unknown): mx.mod.SymGenResult => {
 *   const s = mx.sym.Variable("data").sum({ axis: 1, keepdims: true });
 *   return [mx.sym.FullyConnected(s, { numHidden: 1, noBias: true, name: "fc" }), ["data"], []];
 * };
 * const mod = new mx.mod.BucketingModule({ symGen, defaultBucketKey: 4 });
 * mod.bind({ dataShapes: [["data", [2, 4]]], forTraining: false });
 * mod.initParams({ initializer: new mx.init.One() });
 * mod.forward(new mx.io.DataBatch({ data: [mx.nd.ones([2, 3])], bucketKey: 3 }));
 * console.log(await mod.getOutputs()[0].array()); // [[3], [3]]
 * ```
 */
export class BucketingModule extends BaseModule {
  /** The default bucket's key. */
  readonly defaultBucketKey: unknown;
  readonly #symGen: (bucketKey: unknown) => SymGenResult;
  readonly #context: Context[];
  readonly #fixedParamNames: string[];
  readonly #stateNames: string[];
  #buckets = new Map<unknown, Module>();
  #current: Module | null = null;
  #currentKey: unknown = undefined;
  #bindOpts: BindOptions | null = null;
  #paramsInitialized = false;
  #optimizerInitialized = false;
  #monitor: Monitor | null = null;

  /** Creates the module; nothing is bound until `bind`. */
  constructor(opts: BucketingModuleOptions) {
    super();
    checkOptions("BucketingModule", opts, [
      "symGen",
      "defaultBucketKey",
      "context",
      "fixedParamNames",
      "stateNames",
    ]);
    if (opts.defaultBucketKey === undefined || opts.defaultBucketKey === null) {
      throw new MXNetError("BucketingModule: defaultBucketKey is required");
    }
    this.defaultBucketKey = opts.defaultBucketKey;
    this.#symGen = opts.symGen;
    this.#context = opts.context === undefined
      ? [cpu()]
      : Array.isArray(opts.context)
      ? [...opts.context]
      : [opts.context as Context];
    this.#fixedParamNames = [...(opts.fixedParamNames ?? [])];
    this.#stateNames = [...(opts.stateNames ?? [])];
  }

  /** The current bucket's key. */
  get bucketKey(): unknown {
    return this.#currentKey;
  }

  /** The current bucket's module (the default bucket's right after `bind`). */
  get currentModule(): Module {
    if (!this.#current) throw new MXNetError("BucketingModule: call bind first");
    return this.#current;
  }

  /** The current bucket's symbol (the default bucket's before `bind`). */
  get symbol(): Symbol {
    return this.#current?.symbol ?? this.#generate(this.defaultBucketKey)[0];
  }

  /** The current bucket's data names. */
  get dataNames(): string[] {
    return this.#current?.dataNames ?? [...this.#generate(this.defaultBucketKey)[1]];
  }

  /** The current bucket's output names. */
  get outputNames(): string[] {
    return this.symbol.listOutputs();
  }

  /** True once `bind` ran. */
  get binded(): boolean {
    return this.#current !== null;
  }

  /** The current bucket's data descriptors. */
  get dataShapes(): DataDesc[] {
    return this.currentModule.dataShapes;
  }

  /** The current bucket's label descriptors. */
  get labelShapes(): DataDesc[] {
    return this.currentModule.labelShapes;
  }

  /** The current bucket's output shapes. */
  get outputShapes(): [string, number[]][] {
    return this.currentModule.outputShapes;
  }

  #generate(key: unknown): SymGenResult {
    const result = this.#symGen(key);
    if (!Array.isArray(result) || result.length < 2) {
      throw new MXNetError(
        `BucketingModule: symGen(${String(key)}) must return [symbol, dataNames, labelNames]`,
      );
    }
    return result;
  }

  #makeModule(key: unknown): Module {
    const [symbol, dataNames, labelNames] = this.#generate(key);
    return new Module({
      symbol,
      dataNames,
      labelNames: labelNames ?? [],
      context: this.#context,
      fixedParamNames: this.#fixedParamNames,
      stateNames: this.#stateNames,
    });
  }

  /** Binds the default bucket's module; other buckets are bound as batches ask for them. */
  bind(opts: BindOptions): void {
    checkOptions("BucketingModule.bind", opts, BIND_OPTIONS);
    if (this.binded && !opts.forceRebind) return;
    // A rebind keeps the parameters: copy them out before the modules go.
    const saved = this.#paramsInitialized ? this.getParams() : null;
    this.#disposeBuckets();
    const module = this.#makeModule(this.defaultBucketKey);
    module.bind({ ...opts, forceRebind: false });
    this.#bindOpts = { ...opts, forceRebind: false };
    this.#buckets.set(this.defaultBucketKey, module);
    this.#current = module;
    this.#currentKey = this.defaultBucketKey;
    if (this.#monitor) module.installMonitor(this.#monitor);
    if (saved) {
      try {
        module.setParams(saved.argParams, saved.auxParams);
      } finally {
        for (const a of [...Object.values(saved.argParams), ...Object.values(saved.auxParams)]) {
          a.dispose();
        }
      }
    }
  }

  /**
   * Makes `bucketKey`'s module current, creating and binding it on first use with the
   * default bucket's parameters and optimizer (MXNet's `switch_bucket`).
   */
  switchBucket(
    bucketKey: unknown,
    dataShapes: readonly ShapeDesc[] | null,
    labelShapes?: readonly ShapeDesc[] | null,
  ): void {
    if (!this.binded) throw new MXNetError("BucketingModule.switchBucket: call bind first");
    let module = this.#buckets.get(bucketKey);
    if (!module) {
      if (!dataShapes) {
        throw new MXNetError(
          `BucketingModule.switchBucket: bucket ${String(bucketKey)} is new; give its data shapes`,
        );
      }
      module = this.#makeModule(bucketKey);
      module.bind({
        ...this.#bindOpts!,
        dataShapes,
        labelShapes: labelShapes ?? null,
        sharedModule: this.#buckets.get(this.defaultBucketKey)!,
      });
      if (this.#monitor) module.installMonitor(this.#monitor);
      this.#buckets.set(bucketKey, module);
    }
    this.#current = module;
    this.#currentKey = bucketKey;
  }

  /** Initialises the (shared) parameters through the current module. */
  initParams(opts: InitParamsOptions = {}): void {
    if (this.#paramsInitialized && !opts.forceInit) return;
    this.requireBound("initParams");
    this.currentModule.initParams(opts);
    this.#paramsInitialized = true;
  }

  /** Copies of the (shared) parameters, on cpu. */
  getParams(): { argParams: Record<string, NDArray>; auxParams: Record<string, NDArray> } {
    this.#requireInitialized("getParams");
    return this.currentModule.getParams();
  }

  /** Installs the optimizer on the current module; every other bucket borrows it. */
  initOptimizer(opts: InitOptimizerOptions = {}): void {
    this.#requireInitialized("initOptimizer");
    if (this.#optimizerInitialized && !opts.forceInit) return;
    const current = this.currentModule;
    current.initOptimizer(opts);
    for (const m of this.#buckets.values()) if (m !== current) m.borrowOptimizer(current);
    this.#optimizerInitialized = true;
  }

  /** Binds the batch's bucket (then returns to the current one), as MXNet's `prepare`. */
  override prepare(batch: DataBatch): void {
    this.#requireInitialized("prepare");
    const original = this.#currentKey;
    this.switchBucket(this.#keyOf(batch), batch.provideData, batch.provideLabel);
    this.currentModule.prepare(batch);
    this.switchBucket(original, null);
  }

  /** Switches to the batch's bucket (`batch.bucketKey`, default: the default bucket) and runs it. */
  forward(batch: DataBatch, opts: { isTrain?: boolean } = {}): void {
    this.#requireInitialized("forward");
    this.switchBucket(this.#keyOf(batch), this.#shapesOf(batch), batch.provideLabel);
    this.currentModule.forward(batch, opts);
  }

  #keyOf(batch: DataBatch): unknown {
    return batch.bucketKey ?? this.defaultBucketKey;
  }

  /** The batch's data descriptors, or its arrays' shapes under the bucket's data names. */
  #shapesOf(batch: DataBatch): readonly ShapeDesc[] {
    if (batch.provideData) return batch.provideData;
    const names = this.#buckets.get(this.#keyOf(batch))?.dataNames ??
      this.#generate(this.#keyOf(batch))[1];
    return names.map((n, i) => [n, batch.data[i].shape] as const);
  }

  /** Back-propagates through the current bucket. */
  backward(outGrads?: readonly NDArray[]): void {
    this.#requireInitialized("backward");
    this.currentModule.backward(outGrads);
  }

  /** Updates the shared parameters with the current bucket's gradients. */
  update(): void {
    if (!this.#optimizerInitialized) {
      throw new MXNetError("BucketingModule.update: call initOptimizer first");
    }
    this.currentModule.update();
  }

  /** The current bucket's outputs. */
  getOutputs(): NDArray[] {
    this.#requireInitialized("getOutputs");
    return this.currentModule.getOutputs();
  }

  /** The current bucket's input gradients. */
  getInputGrads(): NDArray[] {
    this.#requireInitialized("getInputGrads");
    return this.currentModule.getInputGrads();
  }

  /** The current bucket's states. */
  getStates(): NDArray[] {
    this.#requireInitialized("getStates");
    return this.currentModule.getStates();
  }

  /** Sets the current bucket's states. */
  setStates(opts: { states?: readonly NDArray[]; value?: number }): void {
    this.#requireInitialized("setStates");
    this.currentModule.setStates(opts);
  }

  /** Updates `metric` from the current bucket's outputs. */
  updateMetric(metric: EvalMetric, labels: readonly NDArray[]): Promise<void> {
    return this.currentModule.updateMetric(metric, labels);
  }

  /** Installs `mon` on every bucket's executors, present and future. */
  installMonitor(mon: Monitor): void {
    this.requireBound("installMonitor");
    this.#monitor = mon;
    for (const m of this.#buckets.values()) m.installMonitor(mon);
  }

  /** Frees every bucket (the default one, which owns the parameters, last). */
  dispose(): void {
    this.#disposeBuckets();
  }

  #disposeBuckets(): void {
    const owner = this.#buckets.get(this.defaultBucketKey);
    for (const m of this.#buckets.values()) if (m !== owner) m.dispose();
    owner?.dispose();
    this.#buckets.clear();
    this.#current = null;
    this.#currentKey = undefined;
    this.#optimizerInitialized = false;
  }

  #requireInitialized(where: string): void {
    this.requireBound(where);
    if (!this.#paramsInitialized) {
      throw new MXNetError(`BucketingModule.${where}: call initParams first`);
    }
  }
}
