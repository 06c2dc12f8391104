/**
 * `mx.mod.SequentialModule`: a chain of modules where each one's outputs are the next
 * one's data (MXNet's `SequentialModule`). Forward runs the chain in order, backward in
 * reverse, handing each module's input gradients to the one before it as output
 * gradients; labels go to the modules added with `takeLabels`.
 * @module
 */
import { MXNetError } from "../core/errors.ts";
import { checkOptions } from "../core/options.ts";
import { DataBatch, DataDesc } from "../io/mod.ts";
import type { EvalMetric } from "../metric/mod.ts";
import type { Monitor } from "../monitor/mod.ts";
import type { NDArray } from "../ndarray/ndarray.ts";
import type { Symbol } from "../symbol/symbol.ts";
import { BIND_OPTIONS, descOf } from "./_util.ts";
import {
  BaseModule,
  type BindOptions,
  type InitOptimizerOptions,
  type InitParamsOptions,
  type ShapeDesc,
} from "./base_module.ts";

/** How a module takes part in the chain (`add`'s options, MXNet's meta keys). */
export interface SequentialMeta {
  /** The module receives the batch's labels (any module of the chain may). */
  takeLabels?: boolean;
  /**
   * Rename the previous module's outputs to this module's data names when binding (else
   * the output names must already be the data names).
   */
  autoWiring?: boolean;
}

/**
 * Modules run one after the other.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const fc1 = mx.sym.FullyConnected(mx.sym.Variable("data"), { numHidden: 3, name: "fc1" });
 * const fc2 = mx.sym.FullyConnected(mx.sym.Variable("data"), { numHidden: 2, name: "fc2" });
 * const seq = new mx.mod.SequentialModule()
 *   .add(new mx.mod.Module({ symbol: fc1, labelNames: [] }))
 *   .add(new mx.mod.Module({ symbol: fc2, labelNames: [] }), { autoWiring: true });
 * seq.bind({ dataShapes: [["data", [4, 5]]], forTraining: false });
 * seq.initParams();
 * console.log(seq.outputShapes); // [["fc2_output", [4, 2]]]
 * ```
 */
export class SequentialModule extends BaseModule {
  #modules: BaseModule[] = [];
  #metas: SequentialMeta[] = [];
  #binded = false;
  #paramsInitialized = false;
  #optimizerInitialized = false;
  #labelShapes: DataDesc[] = [];

  /** The modules of the chain, in order. */
  get modules(): readonly BaseModule[] {
    return this.#modules;
  }

  /** Appends `module` to the chain and returns `this` (bind and initialise again after). */
  add(module: BaseModule, meta: SequentialMeta = {}): this {
    checkOptions("SequentialModule.add", meta, ["takeLabels", "autoWiring"]);
    this.#modules.push(module);
    this.#metas.push({ ...meta });
    this.#binded = false;
    this.#paramsInitialized = false;
    this.#optimizerInitialized = false;
    return this;
  }

  /**
   * The chain as one symbol: each module's data variables replaced by the previous
   * module's outputs (what epoch-end callbacks receive and checkpoints save).
   */
  get symbol(): Symbol {
    this.#requireModules("symbol");
    let sym = this.#modules[0].symbol;
    for (const mod of this.#modules.slice(1)) {
      const prev = sym;
      sym = mod.symbol.compose(
        Object.fromEntries(mod.dataNames.map((n, j) => [n, prev.get(j)])),
      );
    }
    return sym;
  }

  /** Data names of the first module. */
  get dataNames(): string[] {
    return this.#modules[0]?.dataNames ?? [];
  }

  /** Output names of the last module. */
  get outputNames(): string[] {
    return this.#modules.at(-1)?.outputNames ?? [];
  }

  /** True once `bind` ran. */
  get binded(): boolean {
    return this.#binded;
  }

  /** The first module's data descriptors. */
  get dataShapes(): DataDesc[] {
    this.requireBound("dataShapes");
    return this.#modules[0].dataShapes;
  }

  /** The label descriptors (empty when no module takes labels). */
  get labelShapes(): DataDesc[] {
    this.requireBound("labelShapes");
    return this.#labelShapes;
  }

  /** The last module's output shapes. */
  get outputShapes(): [string, number[]][] {
    this.requireBound("outputShapes");
    return this.#modules.at(-1)!.outputShapes;
  }

  /**
   * Binds each module for the previous one's output shapes. Every module after the first
   * is bound with `inputsNeedGrad` when training, so gradients flow back through the chain.
   */
  bind(opts: BindOptions): void {
    checkOptions("SequentialModule.bind", opts, BIND_OPTIONS);
    if (this.#binded && !opts.forceRebind) return;
    this.#requireModules("bind");
    const forTraining = opts.forTraining ?? true;
    if (opts.inputsNeedGrad && !forTraining) {
      throw new MXNetError("SequentialModule.bind: inputsNeedGrad needs forTraining");
    }
    const labelShapes = (opts.labelShapes ?? []).map(descOf);
    let dataShapes: ShapeDesc[] = [...opts.dataShapes];
    let anyTakesLabels = false;
    this.#modules.forEach((mod, i) => {
      const meta = this.#metas[i];
      if (meta.takeLabels) anyTakesLabels = true;
      if (meta.autoWiring) {
        if (mod.dataNames.length !== dataShapes.length) {
          throw new MXNetError(
            `SequentialModule.bind: module ${i} takes ${mod.dataNames.length} inputs ` +
              `(${mod.dataNames.join(", ")}) but the previous module gives ${dataShapes.length}`,
          );
        }
        dataShapes = dataShapes.map((d, j) => [mod.dataNames[j], descOf(d).shape]);
      }
      mod.bind({
        dataShapes,
        labelShapes: meta.takeLabels ? labelShapes : null,
        forTraining,
        inputsNeedGrad: Boolean(opts.inputsNeedGrad || (forTraining && i > 0)),
        gradReq: opts.gradReq,
        forceRebind: opts.forceRebind,
      });
      dataShapes = mod.outputShapes;
    });
    this.#labelShapes = anyTakesLabels ? labelShapes : [];
    this.#binded = true;
  }

  /**
   * Initialises every module's parameters (each takes its own names from `argParams`);
   * the same parameter name in two modules is an error.
   */
  initParams(opts: InitParamsOptions = {}): void {
    if (this.#paramsInitialized && !opts.forceInit) return;
    this.requireBound("initParams");
    for (const mod of this.#modules) mod.initParams(opts);
    const owner = { arg: new Map<string, number>(), aux: new Map<string, number>() };
    this.#modules.forEach((mod, i) => {
      const { argParams, auxParams } = mod.getParams();
      for (const [kind, params] of [["arg", argParams], ["aux", auxParams]] as const) {
        for (const [name, value] of Object.entries(params)) {
          value.dispose();
          const first = owner[kind].get(name);
          if (first !== undefined) {
            throw new MXNetError(
              `SequentialModule.initParams: parameter ${name} of module ${i} is already ` +
                `used by module ${first}`,
            );
          }
          owner[kind].set(name, i);
        }
      }
    });
    this.#paramsInitialized = true;
  }

  /** Every module's parameters in one pair of records (copies on cpu). */
  getParams(): { argParams: Record<string, NDArray>; auxParams: Record<string, NDArray> } {
    this.#requireInitialized("getParams");
    const argParams: Record<string, NDArray> = {};
    const auxParams: Record<string, NDArray> = {};
    for (const mod of this.#modules) {
      const p = mod.getParams();
      Object.assign(argParams, p.argParams);
      Object.assign(auxParams, p.auxParams);
    }
    return { argParams, auxParams };
  }

  /** Installs the optimizer on every module. */
  initOptimizer(opts: InitOptimizerOptions = {}): void {
    this.#requireInitialized("initOptimizer");
    if (this.#optimizerInitialized && !opts.forceInit) return;
    for (const mod of this.#modules) mod.initOptimizer(opts);
    this.#optimizerInitialized = true;
  }

  /** Runs each module on the previous one's outputs. */
  forward(batch: DataBatch, opts: { isTrain?: boolean } = {}): void {
    checkOptions("SequentialModule.forward", opts, ["isTrain"]);
    this.#requireInitialized("forward");
    let current = batch;
    this.#modules.forEach((mod, i) => {
      mod.forward(current, opts);
      if (i + 1 === this.#modules.length) return;
      const data = mod.getOutputs();
      // The batch's labels, padding and key travel along; the data are the outputs.
      current = new DataBatch({
        data,
        label: batch.label,
        pad: batch.pad,
        index: batch.index,
        bucketKey: batch.bucketKey,
        provideData: mod.outputShapes.map(([n], j) => new DataDesc(n, data[j].shape)),
        provideLabel: batch.provideLabel,
      });
    });
  }

  /** Back-propagates from the last module to the first. */
  backward(outGrads?: readonly NDArray[]): void {
    this.#requireInitialized("backward");
    let grads = outGrads;
    for (let i = this.#modules.length - 1; i >= 0; i--) {
      this.#modules[i].backward(grads);
      if (i > 0) grads = this.#modules[i].getInputGrads();
    }
  }

  /** Updates every module's parameters. */
  update(): void {
    if (!this.#optimizerInitialized) {
      throw new MXNetError("SequentialModule.update: call initOptimizer first");
    }
    for (const mod of this.#modules) mod.update();
  }

  /** The last module's outputs. */
  getOutputs(): NDArray[] {
    this.#requireInitialized("getOutputs");
    return this.#modules.at(-1)!.getOutputs();
  }

  /** The first module's input gradients (bind with `inputsNeedGrad`). */
  getInputGrads(): NDArray[] {
    this.#requireInitialized("getInputGrads");
    return this.#modules[0].getInputGrads();
  }

  /** Updates `metric` from every module that takes labels. */
  async updateMetric(metric: EvalMetric, labels: readonly NDArray[]): Promise<void> {
    this.#requireInitialized("updateMetric");
    for (const [i, mod] of this.#modules.entries()) {
      if (this.#metas[i].takeLabels) await mod.updateMetric(metric, labels);
    }
  }

  /** Installs `mon` on every module's executors. */
  installMonitor(mon: Monitor): void {
    this.requireBound("installMonitor");
    for (const mod of this.#modules) mod.installMonitor(mon);
  }

  /** Frees every module of the chain. */
  dispose(): void {
    for (const mod of this.#modules) mod.dispose();
  }

  #requireModules(where: string): void {
    if (this.#modules.length === 0) {
      throw new MXNetError(`SequentialModule.${where}: the chain is empty; add modules first`);
    }
  }

  #requireInitialized(where: string): void {
    this.requireBound(where);
    if (!this.#paramsInitialized) {
      throw new MXNetError(`SequentialModule.${where}: call initParams first`);
    }
  }
}
