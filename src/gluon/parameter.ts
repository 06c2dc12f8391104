/**
 * Gluon's `Parameter`: one weight held as one copy per context (with its gradient
 * buffer), created by an initializer when its shape is known, or later, at the first
 * forward pass, when the layer learns its input size (deferred initialization).
 * @module
 */
import { pause } from "../autograd/mod.ts";
import { type Context, cpu, currentContext } from "../core/context.ts";
import { asDType, type DType } from "../core/dtype.ts";
import { ContextError, DTypeError, MXNetError, ParamError, ShapeError } from "../core/errors.ts";
import { checkOptions } from "../core/options.ts";
import { formatShape } from "../core/shape.ts";
import { markVariables } from "../autograd/mod.ts";
import { setTracer } from "../ndarray/apply.ts";
import { array, zeros } from "../ndarray/creation.ts";
import type { ArrayLikeInput } from "../ndarray/input.ts";
import { NDArray } from "../ndarray/ndarray.ts";
import { keep } from "../ndarray/scope.ts";
import { create as createInit, Initializer, Uniform } from "../initializer/initializer.ts";
import { type Symbol, Variable } from "../symbol/symbol.ts";

/** How `backward` writes a parameter's gradient. */
export type GradReq = "write" | "add" | "null";

/** An initializer: an instance, or a name `mx.init.create` knows (`"zeros"`, `"xavier"`). */
export type InitLike = Initializer | string;

/**
 * Raised by `Parameter.data()` while initialization waits for the first forward pass
 * to tell the parameter its shape.
 */
export class DeferredInitializationError extends MXNetError {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "DeferredInitializationError";
  }
}

/** Options of `new Parameter(name, opts)` (MXNet's keyword arguments). */
export interface ParameterOptions {
  /** The shape; 0 marks a size known only at the first forward pass. */
  shape?: number | readonly number[] | null;
  /** Element type (default float32). */
  dtype?: DType;
  /** Gradient request (default "write"). */
  gradReq?: GradReq;
  /** Learning-rate multiplier (default 1). */
  lrMult?: number;
  /** Weight-decay multiplier (default 1). */
  wdMult?: number;
  /** This parameter's own initializer; the one given to `initialize` otherwise. */
  init?: InitLike | null;
  /** Allow an unknown shape at `initialize` (the layer fills it in at the first forward). */
  allowDeferredInit?: boolean;
  /** False: never has a gradient (gradReq stays "null"). */
  differentiable?: boolean;
  /** Storage type; only "default" (dense) is supported. */
  stype?: "default" | "row_sparse" | "csr";
  /** Gradient storage type: accepted, gradients are always dense here. */
  gradStype?: "default" | "row_sparse" | "csr";
}

const PARAMETER_OPTIONS = [
  "shape",
  "dtype",
  "gradReq",
  "lrMult",
  "wdMult",
  "init",
  "allowDeferredInit",
  "differentiable",
  "stype",
  "gradStype",
];

/** Options of `Parameter.initialize`. */
export interface ParameterInitOptions {
  /** One context or several (one copy each); default the current context. */
  ctx?: Context | readonly Context[];
  /** The initializer used when the parameter has none of its own (default Uniform). */
  defaultInit?: InitLike;
  /** Re-initialize even if already initialized. */
  forceReinit?: boolean;
}

interface Deferred {
  init: InitLike | null;
  ctx: Context[];
  defaultInit: InitLike;
  data: NDArray | null;
}

/** Which parameter owns a data array (the hybridize tracer turns it into a variable). */
const owners = new WeakMap<NDArray, Parameter>();

/** The parameter whose data `arr` is, if any. */
export function parameterOf(arr: NDArray): Parameter | undefined {
  return owners.get(arr);
}

/** Runs `fn` with autograd and the hybridize tracer off (initializers are not recorded). */
export function untraced<T>(fn: () => T): T {
  const prev = setTracer(null);
  try {
    return pause(fn);
  } finally {
    setTracer(prev);
  }
}

const isKnown = (s: readonly number[] | null): s is number[] => s !== null && s.every((d) => d > 0);

const ctxList = (ctx: Context | readonly Context[] | undefined): Context[] =>
  ctx === undefined ? [currentContext()] : ctx instanceof Array ? [...ctx] : [ctx as Context];

/**
 * A weight of a Block: one copy per context, with gradient buffers marked for autograd.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const w = new mx.gluon.Parameter("fc_weight", { shape: [2, 3], init: "ones" });
 * w.initialize();
 * console.log(await w.data().array()); // [[1, 1, 1], [1, 1, 1]]
 * ```
 */
export class Parameter {
  /** The name (a Block prefixes it with its own prefix when it registers the parameter). */
  name: string;
  /** Learning-rate multiplier. */
  lrMult: number;
  /** Weight-decay multiplier. */
  wdMult: number;
  /** Own initializer, or null for the one given to `initialize`. */
  init: InitLike | null;
  /**
   * @internal Set once a Block or ParameterDict has given the name its prefix.
   * @ignore
   */
  _named = false;
  /**
   * @internal The Trainer this parameter belongs to.
   * @ignore
   */
  _trainer: unknown = null;
  #shape: number[] | null;
  #dtype: DType;
  #gradReq: GradReq = "write";
  readonly #differentiable: boolean;
  readonly #allowDeferredInit: boolean;
  #data: NDArray[] | null = null;
  #grad: NDArray[] | null = null;
  #ctx: Context[] | null = null;
  #deferred: Deferred | null = null;
  #var: Symbol | null = null;

  /** Creates a parameter (not yet holding data: call `initialize`). */
  constructor(name: string, opts: ParameterOptions = {}) {
    checkOptions(`Parameter ${name}`, opts, PARAMETER_OPTIONS);
    if (typeof name !== "string") {
      throw new ParamError(`Parameter: name must be a string, got ${typeof name}`);
    }
    this.name = name;
    const s = opts.shape;
    this.#shape = s === undefined || s === null ? null : typeof s === "number" ? [s] : [...s];
    this.#dtype = asDType(opts.dtype ?? "float32", `Parameter ${name}: dtype`);
    this.lrMult = opts.lrMult ?? 1;
    this.wdMult = opts.wdMult ?? 1;
    this.init = opts.init ?? null;
    this.#differentiable = opts.differentiable ?? true;
    this.#allowDeferredInit = opts.allowDeferredInit ?? false;
    if ((opts.stype ?? "default") !== "default") {
      throw new ParamError(
        `Parameter ${name}: stype ${opts.stype} is not supported; parameters are dense`,
      );
    }
    this.gradReq = opts.gradReq ?? "write";
  }

  /** `Parameter name (shape=[2, 3], dtype=float32)`. */
  toString(): string {
    const s = this.#shape;
    const shape = !s ? "None" : s.length === 1 ? `(${s[0]},)` : `(${s.join(", ")})`;
    return `Parameter ${this.name} (shape=${shape}, dtype=${this.#dtype})`;
  }

  /** How backward writes the gradient; "null" frees the gradient buffers. */
  get gradReq(): GradReq {
    return this.#gradReq;
  }
  set gradReq(req: GradReq) {
    if (req !== "write" && req !== "add" && req !== "null") {
      throw new ParamError(
        `Parameter ${this.name}: gradReq must be "write", "add" or "null", got ${
          JSON.stringify(req)
        }`,
      );
    }
    if (!this.#differentiable) req = "null";
    if (this.#gradReq === req) return;
    this.#gradReq = req;
    if (!this.#data) return;
    if (req === "null") {
      // Fresh handles on the same memory: autograd no longer tracks them.
      for (const g of this.#grad ?? []) g.dispose();
      this.#grad = null;
      this.#setData(this.#data.map((d) => d._view(d.shape)), true);
    } else this.#initGrad();
  }

  /** The shape (0 where still unknown), or null when never given. */
  get shape(): number[] | null {
    return this.#shape ? [...this.#shape] : null;
  }
  set shape(s: readonly number[] | null) {
    if (s === null) return;
    if (this.#shape === null) {
      this.#shape = [...s];
      return;
    }
    const cur = this.#shape;
    if (cur.length !== s.length || !s.every((d, i) => cur[i] === 0 || cur[i] === d || d === 0)) {
      throw new ShapeError(
        `Parameter ${this.name}: shape ${formatShape(s)} is incompatible with its shape ${
          formatShape(cur)
        } (0 marks an unknown size)`,
      );
    }
    this.#shape = cur.map((d, i) => (d === 0 ? s[i] : d));
    this.#var = null;
  }

  /** The element type; setting it casts the data (like `cast`). */
  get dtype(): DType {
    return this.#dtype;
  }
  set dtype(d: DType) {
    this.cast(d);
  }

  /** True once the data exists (not merely deferred). */
  get isInitialized(): boolean {
    return this.#data !== null;
  }

  /**
   * Creates the data on each context with `init` (or the parameter's own initializer, or
   * `defaultInit`). With an unknown shape and `allowDeferredInit`, waits for the first
   * forward pass.
   */
  initialize(init?: InitLike | null, opts: ParameterInitOptions = {}): void {
    checkOptions("Parameter.initialize", opts, ["ctx", "defaultInit", "forceReinit"]);
    if (this.#data && !opts.forceReinit) {
      console.warn(
        `Parameter ${this.name} is already initialized, ignoring. Set forceReinit: true to ` +
          `re-initialize.`,
      );
      return;
    }
    this.#disposeArrays();
    const ctx = ctxList(opts.ctx);
    if (ctx.length === 0) throw new ContextError(`Parameter ${this.name}: ctx list is empty`);
    const chosen = init ?? this.init;
    const defaultInit = opts.defaultInit ?? new Uniform();
    this.#deferred = { init: chosen, ctx, defaultInit, data: null };
    if (!isKnown(this.#shape)) {
      if (this.#allowDeferredInit) return;
      this.#deferred = null;
      throw new ShapeError(
        `Parameter ${this.name}: cannot initialize with shape ${
          this.#shape ? formatShape(this.#shape) : "None"
        }; give its full shape`,
      );
    }
    this._finishDeferredInit();
  }

  /**
   * @internal Creates the data once the shape is known (no-op unless deferred).
   * @ignore
   */
  _finishDeferredInit(): void {
    const d = this.#deferred;
    if (!d) return;
    if (!isKnown(this.#shape)) {
      throw new ShapeError(
        `Parameter ${this.name}: cannot initialize with shape ${
          this.#shape ? formatShape(this.#shape) : "None"
        }; give the input size (inUnits, inChannels) when creating the layer`,
      );
    }
    this.#deferred = null;
    const shape = this.#shape;
    untraced(() => {
      let data = d.data;
      if (!data) {
        data = zeros(shape, { dtype: this.#dtype, ctx: cpu() });
        // As MXNet's Gluon: the parameter's own initializer, else the block's default, runs
        // its weight rule whatever the name (no name patterns: a `crf_transitions` is filled
        // as a weight; layers give their biases and gammas their own initializers).
        createInit(d.init ?? d.defaultInit).initWeight(this.name, data);
      }
      this.#initImpl(data, d.ctx);
      data.dispose();
    });
  }

  #initImpl(data: NDArray, ctx: readonly Context[]): void {
    this.#ctx = [...ctx];
    const src = data.dtype === this.#dtype ? data : data.astype(this.#dtype);
    const copies = ctx.map((c) => keep(src.copyTo(c)));
    if (src !== data) src.dispose();
    this.#setData(copies, false);
    this.#initGrad();
  }

  #setData(arrays: NDArray[], disposeOld: boolean): void {
    if (disposeOld) { for (const a of this.#data ?? []) a.dispose(); }
    for (const a of arrays) {
      keep(a);
      owners.set(a, this);
    }
    this.#data = arrays;
  }

  #initGrad(): void {
    for (const g of this.#grad ?? []) g.dispose();
    this.#grad = null;
    if (this.#gradReq === "null" || !this.#data) return;
    const data = this.#data;
    this.#grad = untraced(() =>
      data.map((d) => keep(NDArray._alloc(d.shape, d.dtype, d.context).set(0)))
    );
    markVariables(data, this.#grad, data.map(() => this.#gradReq));
  }

  #disposeArrays(): void {
    for (const a of this.#data ?? []) a.dispose();
    for (const a of this.#grad ?? []) a.dispose();
    this.#data = this.#grad = this.#ctx = null;
  }

  /** Frees the data and gradient arrays (the parameter must be initialized again). */
  dispose(): void {
    this.#disposeArrays();
    this.#deferred = null;
  }

  #checkAndGet(arrays: NDArray[] | null, ctx: Context | undefined, what: string): NDArray {
    if (arrays) {
      if (ctx === undefined) {
        if (arrays.length === 1) return arrays[0];
        ctx = currentContext();
      }
      const i = this.#ctx!.findIndex((c) => c.equals(ctx!));
      if (i >= 0) return arrays[i];
      throw new ContextError(
        `Parameter ${this.name} was not initialized on context ${ctx}; it was only ` +
          `initialized on [${this.#ctx!.join(", ")}]`,
      );
    }
    if (this.#deferred) {
      throw new DeferredInitializationError(
        `Parameter ${this.name} has not been initialized yet because initialization was ` +
          `deferred: its shape ${
            formatShape(this.#shape ?? [])
          } is known only after the first forward ` +
          `pass. Run a forward pass first (net.forward(x)), or give the input size (inUnits, ` +
          `inChannels) when creating the layer, before reading ${what}`,
      );
    }
    throw new MXNetError(
      `Parameter ${this.name} has not been initialized: call initialize() on the network ` +
        `(net.initialize(), or net.collectParams().initialize()) before reading ${what} or ` +
        `running forward`,
    );
  }

  /** The copy on `ctx` (the only copy, or the current context's, when omitted). */
  data(ctx?: Context): NDArray {
    if (!this.#data && this.#deferred && isKnown(this.#shape)) this._finishDeferredInit();
    return this.#checkAndGet(this.#data, ctx, "its data");
  }

  /** Every copy, in context order. */
  listData(): NDArray[] {
    if (!this.#data && this.#deferred && isKnown(this.#shape)) this._finishDeferredInit();
    this.#checkAndGet(this.#data, cpu(), "its data");
    return [...this.#data!];
  }

  /** The gradient buffer on `ctx`. */
  grad(ctx?: Context): NDArray {
    if (this.#data && !this.#grad) {
      throw new MXNetError(
        `Parameter ${this.name}: there is no gradient because gradReq is "null"`,
      );
    }
    return this.#checkAndGet(this.#grad, ctx, "its gradient");
  }

  /** Every gradient buffer, in context order. */
  listGrad(): NDArray[] {
    if (this.#data && !this.#grad) {
      throw new MXNetError(
        `Parameter ${this.name}: there is no gradient because gradReq is "null"`,
      );
    }
    this.#checkAndGet(this.#grad, cpu(), "its gradient");
    return [...this.#grad!];
  }

  /** The contexts holding a copy (or that will, once deferred initialization ends). */
  listCtx(): Context[] {
    if (this.#ctx) return [...this.#ctx];
    if (this.#deferred) return [...this.#deferred.ctx];
    throw new MXNetError(`Parameter ${this.name} has not been initialized`);
  }

  /** Sets the gradient buffers to 0 (nothing to do without gradients). */
  zeroGrad(): void {
    for (const g of this.#grad ?? []) g.set(0);
  }

  /** Assigns the value on every context (before deferred initialization: kept for it). */
  setData(data: NDArray | number | ArrayLikeInput): void {
    if (data instanceof NDArray) this.shape = data.shape;
    if (!this.#data) {
      if (!this.#deferred) {
        throw new MXNetError(`Parameter ${this.name} has not been initialized`);
      }
      const value = untraced(() =>
        data instanceof NDArray
          ? data.copyTo(cpu())
          : array(data as ArrayLikeInput, { dtype: this.#dtype, ctx: cpu() })
      );
      this.shape = value.shape;
      this.#deferred.data?.dispose();
      this.#deferred.data = keep(value);
      return;
    }
    // A Trainer updating on its kvstore keeps its own copy: it must take the new value.
    (this._trainer as { _onSetData?(p: Parameter): void } | null)?._onSetData?.(this);
    untraced(() => {
      for (const a of this.#data!) {
        if (!(data instanceof NDArray) || data.context.equals(a.context)) a.set(data);
        else {
          const moved = data.copyTo(a.context);
          a.set(moved);
          moved.dispose();
        }
      }
    });
  }

  /** Moves the copies to other contexts (one copy each). */
  resetCtx(ctx: Context | readonly Context[]): void {
    const list = ctxList(ctx);
    if (this.#data) {
      const value = this._reduce();
      untraced(() => {
        for (const g of this.#grad ?? []) g.dispose();
        for (const a of this.#data!) a.dispose();
        this.#grad = this.#data = null;
        this.#initImpl(value, list);
      });
      value.dispose();
    } else if (this.#deferred) this.#deferred.ctx = list;
    else {
      throw new MXNetError(
        `Parameter ${this.name}: cannot reset the context before initialization`,
      );
    }
  }

  /** Converts data and gradients to `dtype`. */
  cast(dtype: DType): void {
    const d = asDType(dtype, `Parameter ${this.name}: cast`);
    this.#dtype = d;
    this.#var = null;
    if (!this.#data) return;
    untraced(() => {
      this.#setData(this.#data!.map((a) => a.astype(d)), true);
      this.#initGrad();
    });
  }

  /**
   * A new array on cpu(0) holding the average of the copies (what is saved).
   * @ignore
   */
  _reduce(): NDArray {
    const data = this.listData();
    return untraced(() => {
      const out = data[0].copyTo(cpu());
      if (data.length === 1) return out;
      for (const a of data.slice(1)) {
        const c = a.copyTo(cpu());
        out.addInPlace(c);
        c.dispose();
      }
      return out.divInPlace(data.length);
    });
  }

  /**
   * @internal Loads saved `data`: checks the shape (filling unknown sizes) and dtype,
   * then initializes or assigns it.
   * @ignore
   */
  _loadInit(
    data: NDArray,
    ctx: Context | readonly Context[] | undefined,
    opts: { castDtype?: boolean; dtypeSource?: "current" | "saved"; source?: string } = {},
  ): void {
    const from = opts.source ?? "the saved parameters";
    if (this.#shape) {
      const cur = this.#shape;
      if (cur.length !== data.ndim || !cur.every((d, i) => d === 0 || d === data.shape[i])) {
        throw new ShapeError(
          `Parameter ${this.name}: shape mismatch loading ${from}: the network expects ${
            formatShape(cur)
          } but the file holds ${formatShape(data.shape)}`,
        );
      }
    }
    this.#shape = [...data.shape];
    let value = data;
    if (data.dtype !== this.#dtype) {
      if (!opts.castDtype) {
        throw new DTypeError(
          `Parameter ${this.name}: dtype mismatch loading ${from}: the network expects ${this.#dtype} ` +
            `but the file holds ${data.dtype}; load with castDtype: true to convert`,
        );
      }
      if (opts.dtypeSource === "saved") this.cast(data.dtype);
      else value = untraced(() => data.astype(this.#dtype));
    }
    const list = ctx === undefined ? undefined : ctxList(ctx);
    if (!this.#data) {
      const target = this.#deferred?.ctx ?? list ?? [cpu()];
      if (this.#deferred && list && !sameContexts(list, this.#deferred.ctx)) {
        throw new ContextError(
          `Parameter ${this.name}: cannot load on [${list.join(", ")}]: it was initialized ` +
            `on [${this.#deferred.ctx.join(", ")}]`,
        );
      }
      this.#deferred = null;
      untraced(() => this.#initImpl(value, target));
    } else {
      if (list && !sameContexts(list, this.#ctx!)) {
        throw new ContextError(
          `Parameter ${this.name}: cannot load on [${list.join(", ")}]: it was initialized ` +
            `on [${this.#ctx!.join(", ")}]`,
        );
      }
      this.setData(value);
    }
    if (value !== data) value.dispose();
  }

  /** A Symbol variable for this parameter (its name, shape and multipliers). */
  var(): Symbol {
    this.#var ??= Variable(this.name, {
      // A partly unknown shape is left to inference (0 is not a size there).
      shape: isKnown(this.#shape) ? this.#shape : undefined,
      dtype: this.#dtype,
      lrMult: this.lrMult,
      wdMult: this.wdMult,
      init: this.init === null
        ? undefined
        : typeof this.init === "string"
        ? this.init
        : this.init.dumps(),
    });
    return this.#var;
  }
}

function sameContexts(a: readonly Context[], b: readonly Context[]): boolean {
  return a.length === b.length && a.every((c) => b.some((d) => d.equals(c)));
}

/**
 * A parameter that keeps a fixed value: no gradient, ignored by the Trainer; `setData`
 * still changes it.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const c = new mx.gluon.Constant("c", [[1, 2], [3, 4]]);
 * c.initialize();
 * console.log(await c.data().array()); // [[1, 2], [3, 4]]
 * ```
 */
export class Constant extends Parameter {
  /** The value. */
  readonly value: NDArray;
  /** Creates the constant from an array or host values. */
  constructor(name: string, value: NDArray | ArrayLikeInput) {
    const v = value instanceof NDArray ? value : array(value as ArrayLikeInput);
    keep(v);
    super(name, { gradReq: "null", shape: v.shape, dtype: v.dtype, init: new CopyInit(v) });
    this.value = v;
  }

  /** Always "null"; other values are ignored with a warning, as in MXNet. */
  override get gradReq(): GradReq {
    return "null";
  }
  override set gradReq(req: GradReq) {
    if (req !== "null") {
      console.warn(`Constant ${this.name} does not support gradReq ${req}; it stays "null"`);
    }
    super.gradReq = "null";
  }

  /** `Constant name (shape=..., dtype=...)`. */
  override toString(): string {
    return super.toString().replace(/^Parameter/, "Constant");
  }
}

class CopyInit extends Initializer {
  constructor(readonly value: NDArray) {
    super({});
  }
  get kind(): string {
    return "constant";
  }
  initWeight(_name: string, arr: NDArray): void {
    arr.set(this.value);
  }
}
