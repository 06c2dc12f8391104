/**
 * `gluon.Trainer`: applies an optimizer to a set of Parameters. `step(batchSize)` sums
 * the gradients of each parameter's copies (one per context, and across workers with a
 * distributed kvstore), divides them by the batch size (`rescaleGrad`) and updates every
 * copy, on the kvstore or locally, as MXNet 1.9 decides.
 * @module
 */
import type { Context } from "../core/context.ts";
import { MXNetError, ParamError, UnsupportedError } from "../core/errors.ts";
import { readFileChecked, writeFileAtomic } from "../core/files.ts";
import { checkOptions } from "../core/options.ts";
import { create as createKVStore, KVStore } from "../kvstore/kvstore.ts";
import type { NDArray } from "../ndarray/ndarray.ts";
import { collectCreated } from "../ndarray/scope.ts";
import { create as createOptimizer } from "../optimizer/mod.ts";
import { Optimizer } from "../optimizer/optimizer.ts";
import { forEachArray, getUpdater, type StatesFormat, type Updater } from "../optimizer/updater.ts";
import { Parameter } from "./parameter.ts";
import { ParameterDict } from "./parameter_dict.ts";

/** Options of `new Trainer(params, optimizer, optimizerParams, opts)`. */
export interface TrainerOptions {
  /**
   * Where gradients are summed: "device" (default), "local", "dist_sync", "dist_async",
   * "dist_device_sync", a KVStore, or null/"none" for no kvstore. One context and no
   * "dist" needs none.
   */
  kvstore?: string | KVStore | null;
  /** Gradient compression: not supported (must be null). */
  compressionParams?: Record<string, unknown> | null;
  /** Update on the kvstore (true) or on each context (false); default as MXNet decides. */
  updateOnKvstore?: boolean | null;
}

/** Options of `step` and `update`. */
export interface StepOptions {
  /** Skip parameters whose gradient no backward pass wrote since the last step. */
  ignoreStaleGrad?: boolean;
}

/** What the last write of `a` was (a fresh gradient has a newer one than the last step). */
function writeStamp(a: NDArray): unknown {
  return a._storage("Trainer").var.lastWrite;
}

function envUpdateOnKvstore(): boolean {
  try {
    return (Deno.env.get("MXNET_UPDATE_ON_KVSTORE") ?? "1") !== "0";
  } catch {
    return true;
  }
}

/**
 * Updates Parameters with an optimizer: `new Trainer(net.collectParams(), "sgd",
 * { learningRate: 0.1 })`, then `trainer.step(batchSize)` after each backward pass.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const net = new mx.gluon.nn.Dense(1, { inUnits: 2 });
 * net.initialize(new mx.init.One());
 * const trainer = new mx.gluon.Trainer(net.collectParams(), "sgd", { learningRate: 0.5 });
 * const l = mx.autograd.record(() => net.forward(mx.nd.ones([1, 2])));
 * l.backward();
 * trainer.step(1);
 * console.log(await net.weight.data().array()); // [[0.5, 0.5]]
 * ```
 */
export class Trainer {
  readonly #params: Parameter[];
  readonly #index = new Map<Parameter, number>();
  readonly #contexts: Context[];
  #optimizer: Optimizer;
  readonly #updaters: Updater[];
  /** `context:parameter` indices whose optimizer state exists where it is used. */
  readonly #stateMade = new Set<string>();
  readonly #scale: number;
  readonly #config: { kvstore: string | KVStore | null; updateOnKvstore: boolean | null };
  #kvReady = false;
  #kv: KVStore | null = null;
  #updateOnKv = false;
  #distributed = false;
  #toInit: Parameter[];
  readonly #stamps = new Map<NDArray, unknown>();

  /** See the class docs; parameter dicts are ordered by name, as MXNet does. */
  constructor(
    params: ParameterDict | readonly Parameter[] | Record<string, Parameter>,
    optimizer: string | Optimizer,
    optimizerParams: Record<string, unknown> | null = null,
    opts: TrainerOptions = {},
  ) {
    checkOptions("Trainer", opts, ["kvstore", "compressionParams", "updateOnKvstore"]);
    let list: Parameter[];
    if (params instanceof ParameterDict) {
      list = [...params.keys()].sort().map((k) => params.at(k));
    } else if (Array.isArray(params)) list = [...params];
    else if (params && typeof params === "object") {
      const rec = params as Record<string, Parameter>;
      list = Object.keys(rec).sort().map((k) => rec[k]);
    } else {
      throw new ParamError(`Trainer: params must be a ParameterDict or a list of Parameters`);
    }
    list.forEach((p, i) => {
      if (!(p instanceof Parameter)) {
        throw new ParamError(`Trainer: params[${i}] is not a Parameter`);
      }
      this.#index.set(p, i);
      p._trainer = this;
    });
    this.#params = list;
    if (opts.compressionParams) {
      throw new UnsupportedError("Trainer: gradient compression is not supported");
    }
    this.#contexts = this.#checkContexts();
    this.#optimizer = this.#makeOptimizer(optimizer, optimizerParams ?? {});
    this.#updaters = this.#contexts.map(() => getUpdater(this.#optimizer));
    this.#scale = this.#optimizer.rescaleGrad;
    this.#config = {
      kvstore: opts.kvstore === undefined ? "device" : opts.kvstore,
      updateOnKvstore: opts.updateOnKvstore ?? null,
    };
    this.#toInit = [...list];
    for (const p of list) {
      if (p.isInitialized && p.gradReq !== "null") {
        for (const g of p.listGrad()) this.#stamps.set(g, writeStamp(g));
      }
    }
  }

  #checkContexts(): Context[] {
    let ctx: Context[] | null = null;
    for (const p of this.#params) {
      let mine: Context[];
      try {
        mine = p.listCtx();
      } catch (e) {
        throw new MXNetError(
          `Trainer: parameter ${p.name} is not initialized; call initialize() on the network ` +
            `before creating the Trainer`,
          { cause: e },
        );
      }
      if (ctx && (ctx.length !== mine.length || !ctx.every((c, i) => c.equals(mine[i])))) {
        throw new MXNetError(
          `Trainer: all parameters must be on the same contexts, but ${p.name} is on [${
            mine.join(", ")
          }] while others are on [${ctx.join(", ")}]`,
        );
      }
      ctx = mine;
    }
    return ctx ?? [];
  }

  #makeOptimizer(optimizer: string | Optimizer, params: Record<string, unknown>): Optimizer {
    if (optimizer instanceof Optimizer) {
      if (Object.keys(params).length) {
        throw new ParamError(
          "Trainer: optimizerParams must be empty when the optimizer is an Optimizer instance",
        );
      }
      return optimizer;
    }
    if (typeof optimizer !== "string") {
      throw new ParamError("Trainer: optimizer must be a name or an Optimizer");
    }
    // The optimizer checks its options (an unknown key names the nearest known one).
    const opt = createOptimizer(optimizer, params);
    return opt;
  }

  /** The optimizer. */
  get optimizer(): Optimizer {
    return this.#optimizer;
  }

  /** The current learning rate. */
  get learningRate(): number {
    return this.#optimizer.learningRate;
  }

  /** Sets the learning rate. */
  setLearningRate(lr: number): void {
    this.#optimizer.setLearningRate(lr);
  }

  /** The kvstore in use (null: none), once the first step created it. */
  get kvstore(): KVStore | null {
    return this.#kv;
  }

  /** True when updates run on the kvstore, once the first step decided it. */
  get updateOnKvstore(): boolean {
    return this.#updateOnKv;
  }

  #applyMults(): void {
    const lr: Record<number, number> = {}, wd: Record<number, number> = {};
    this.#params.forEach((p, i) => {
      lr[i] = p.lrMult;
      wd[i] = p.wdMult;
    });
    this.#optimizer.setLrMult(lr);
    this.#optimizer.setWdMult(wd);
  }

  #initKVStore(): void {
    const cfg = this.#config;
    let kv: KVStore | null = null;
    let onKv = envUpdateOnKvstore();
    if (cfg.kvstore instanceof KVStore) kv = cfg.kvstore;
    else if (typeof cfg.kvstore === "string" && cfg.kvstore !== "none") {
      if (this.#contexts.length > 1 || cfg.kvstore.includes("dist")) {
        kv = createKVStore(cfg.kvstore);
        if (cfg.kvstore === "local") {
          // MXNet updates big models locally rather than on the CPU store.
          const biggest = Math.max(
            0,
            ...this.#params.filter((p) => p.shape).map((p) => p.shape!.reduce((a, b) => a * b, 1)),
          );
          if (biggest > 1024 * 1024 * 16) onKv = false;
        }
      }
    } else if (cfg.kvstore !== null && cfg.kvstore !== "none") {
      throw new ParamError("Trainer: kvstore must be a type name, a KVStore or null");
    }
    if (!kv) onKv = false;
    this.#distributed = kv !== null && kv.type.includes("dist");
    if (this.#distributed && kv!.type.includes("async")) {
      if (cfg.updateOnKvstore === false) {
        throw new ParamError(
          "Trainer: dist_async updates on the kvstore; set updateOnKvstore: true",
        );
      }
      onKv = true;
    }
    if (cfg.updateOnKvstore !== null) onKv = cfg.updateOnKvstore;
    if (kv && onKv) {
      this.#applyMults();
      kv.setOptimizer(this.#optimizer);
    }
    this.#kv = kv;
    this.#updateOnKv = kv !== null && onKv;
    this.#kvReady = true;
  }

  #initParams(): void {
    const later: Parameter[] = [];
    if (this.#kv) {
      for (const p of this.#toInit) {
        if (!p.isInitialized) {
          later.push(p);
          continue;
        }
        const arrays = p.listData();
        this.#kv.broadcast(this.#index.get(p)!, arrays[0], { out: arrays });
      }
    }
    this.#toInit = later;
  }

  /**
   * @internal A parameter's value was set: a kvstore holding the weights (updates on the
   * kvstore) is made anew at the next step, from the current values, as MXNet does.
   * @ignore
   */
  _onSetData(p: Parameter): void {
    if (!this.#kvReady || !this.#kv || !this.#updateOnKv || this.#toInit.includes(p)) return;
    if (this.#distributed) {
      throw new MXNetError(
        `Parameter ${p.name}: cannot set the value of a parameter trained with a distributed ` +
          `kvstore that updates on the servers`,
      );
    }
    this.#kv.dispose();
    this.#kv = null;
    this.#kvReady = false;
    this.#toInit = [...this.#params];
  }

  #ready(): void {
    // The kvstore is made at the first step, which usually runs inside the caller's
    // mx.nd.scope: its copies of the weights belong to the store (freed by its dispose), so
    // they are created outside every open scope.
    collectCreated(() => {
      if (!this.#kvReady) this.#initKVStore();
      if (this.#toInit.length) this.#initParams();
    });
  }

  #rescale(scale: number): void {
    if (this.#updateOnKv && this.#distributed && this.#kvReady) {
      if (this.#optimizer.rescaleGrad !== scale) {
        throw new MXNetError(
          "Trainer.step: the batch size changed since the first step; with a distributed " +
            "kvstore updating on the servers, the gradient scale cannot change",
        );
      }
    }
    this.#optimizer.rescaleGrad = scale;
  }

  /**
   * One update after `backward()`: sums gradients across contexts (and workers), scales
   * them by `1 / batchSize` and applies the optimizer.
   */
  step(batchSize: number, opts: StepOptions = {}): void {
    checkOptions("Trainer.step", opts, ["ignoreStaleGrad"]);
    this.#checkBatch(batchSize, "step");
    this.#rescale(this.#scale / batchSize);
    this.#ready();
    this.#allreduce();
    this.#update(opts.ignoreStaleGrad ?? false);
  }

  /** Sums each parameter's gradients across contexts/workers (then call `update`). */
  allreduceGrads(): void {
    this.#ready();
    this.#notOnKvstore("allreduceGrads");
    this.#allreduce();
  }

  /** Applies the optimizer to gradients already reduced with `allreduceGrads`. */
  update(batchSize: number, opts: StepOptions = {}): void {
    checkOptions("Trainer.update", opts, ["ignoreStaleGrad"]);
    this.#checkBatch(batchSize, "update");
    this.#ready();
    this.#notOnKvstore("update");
    this.#rescale(this.#scale / batchSize);
    this.#update(opts.ignoreStaleGrad ?? false);
  }

  #checkBatch(batchSize: number, where: string): void {
    if (!(typeof batchSize === "number" && batchSize > 0)) {
      throw new ParamError(
        `Trainer.${where}: batchSize must be a positive number, got ${batchSize}`,
      );
    }
  }

  #notOnKvstore(where: string): void {
    if (this.#kv && this.#updateOnKv) {
      throw new MXNetError(
        `Trainer.${where}: not available when parameters are updated on the kvstore; create ` +
          `the Trainer with { updateOnKvstore: false }`,
      );
    }
  }

  #allreduce(): void {
    const kv = this.#kv;
    if (!kv) return;
    this.#params.forEach((p, i) => {
      if (p.gradReq === "null") return;
      const grads = p.listGrad();
      if (this.#updateOnKv) kv.pushPull(i, grads, { out: p.listData() });
      else kv.pushPull(i, grads);
    });
  }

  #update(ignoreStale: boolean): void {
    this.#applyMults();
    this.#params.forEach((p, i) => {
      if (p.gradReq === "null") return;
      const grads = p.listGrad(), data = p.listData();
      const fresh = grads.map((g) => writeStamp(g) !== this.#stamps.get(g));
      if (!ignoreStale) {
        const j = fresh.indexOf(false);
        if (j >= 0) {
          throw new MXNetError(
            `Trainer.step: the gradient of parameter ${p.name} on ${data[j].context} has not ` +
              `been updated by backward since the last step. The model may use only some of ` +
              `its parameters in this iteration; if that is intended, call step with ` +
              `{ ignoreStaleGrad: true } to skip the parameters with stale gradients`,
          );
        }
      }
      if (!this.#updateOnKv) {
        data.forEach((w, j) => {
          if (fresh[j] || !ignoreStale) this.#updateOne(j, i, grads[j], w);
        });
      }
      for (const g of grads) this.#stamps.set(g, writeStamp(g));
    });
  }

  /**
   * Updates parameter `i` on context `j`. Its first update makes (or, after loadStates, moves)
   * the optimizer state, usually inside the caller's mx.nd.scope: the state belongs to the
   * updater, so that update runs outside every scope and frees only its temporaries.
   */
  #updateOne(j: number, i: number, grad: NDArray, w: NDArray): void {
    const u = this.#updaters[j], key = `${j}:${i}`;
    if (this.#stateMade.has(key)) return u(i, grad, w);
    const { created } = collectCreated(() => u(i, grad, w));
    const owned = new Set<NDArray>();
    forEachArray(u.states.get(String(i)) ?? null, (a) => owned.add(a));
    for (const a of created) if (!owned.has(a)) a.dispose();
    this.#stateMade.add(key);
  }

  /**
   * Writes the optimizer states (and update counters) to `fname`; `format: "mxnet"` writes
   * the pickle MXNet's `Trainer.load_states` reads (the states, without the counters).
   */
  async saveStates(fname: string, opts: { format?: StatesFormat } = {}): Promise<void> {
    checkOptions("Trainer.saveStates", opts, ["format"]);
    this.#ready();
    if (this.#updateOnKv) {
      if (this.#toInit.length) {
        throw new MXNetError(
          "Trainer.saveStates: some parameters are not initialized yet; run a forward pass first",
        );
      }
      await this.#kv!.saveOptimizerStates(fname, opts);
      return;
    }
    const bytes = await this.#updaters[0].getStates(opts);
    await writeFileAtomic(fname, bytes, "Trainer.saveStates");
  }

  /**
   * Reads states written by `saveStates`, or by MXNet's `Trainer.save_states` (a pickle;
   * the update counters of the optimizer pickled with them are restored).
   */
  async loadStates(fname: string): Promise<void> {
    this.#ready();
    if (this.#updateOnKv) {
      await this.#kv!.loadOptimizerStates(fname);
      this.#optimizer = this.#kv!.updater?.optimizer ?? this.#optimizer;
      return;
    }
    const bytes = await readFileChecked(fname, "Trainer.loadStates");
    for (const u of this.#updaters) u.setStates(bytes, fname);
    this.#stateMade.clear();
  }
}
