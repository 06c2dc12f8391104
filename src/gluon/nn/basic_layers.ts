/**
 * Containers and basic layers (MXNet's gluon/nn/basic_layers.py): Sequential,
 * HybridSequential, Dense, Dropout, Embedding, Flatten, Lambda, HybridLambda, Identity,
 * Concatenate and HybridConcatenate.
 * @module
 */
import type { DType } from "../../core/dtype.ts";
import { MXNetError, ParamError, ShapeError } from "../../core/errors.ts";
import { formatShape, sizeOf } from "../../core/shape.ts";
import * as nd from "../../ndarray/mod.ts";
import type { NDArray } from "../../ndarray/ndarray.ts";
import * as sym from "../../symbol/mod.ts";
import { isSymbol, op, type Value } from "../_f.ts";
import { Block, type BlockOptions, indent } from "../block.ts";
import { HybridBlock } from "../hybrid_block.ts";
import type { InitLike, Parameter } from "../parameter.ts";
import { Activation, type ActType } from "./activations.ts";
import { layerOptions, read } from "./_layer.ts";

// deno-lint-ignore no-explicit-any
type Any = any;

/** Chains children: x -> child0 -> child1 -> ...; a list output feeds the next child's inputs. */
function chain(children: Iterable<Block>, x: unknown, args: unknown[]): unknown {
  let rest = args;
  for (const b of children) {
    x = b.forward(x, ...rest);
    rest = [];
    if (Array.isArray(x)) {
      rest = x.slice(1);
      x = x[0];
    }
  }
  return x;
}

function listing(name: string, children: ReadonlyMap<string, Block>): string {
  const kids = [...children].map(([k, b]) => `  (${k}): ${indent(String(b), 2)}`);
  return `${name}(\n${kids.join("\n")}\n)`;
}

/**
 * Stacks blocks: `net.add(a, b)`, then `net.forward(x)` runs them in order.
 * @example
 * ```ts
 * import * as mx from "../../../mod.ts";
 * const { nn } = mx.gluon;
 * const net = new nn.Sequential();
 * net.add(new nn.Dense(4, { activation: "relu" }), new nn.Dense(2));
 * net.initialize();
 * console.log(net.forward(mx.nd.ones([3, 5])).shape, net.length); // [3, 2] 2
 * ```
 */
export class Sequential extends Block {
  /** @internal Not listed by `summary`. */
  override _isContainer(): boolean {
    return true;
  }
  /** Creates an empty container. */
  constructor(opts: BlockOptions = {}) {
    super(layerOptions("Sequential", opts, []), "sequential");
  }
  /** Appends blocks. */
  add(...blocks: Block[]): this {
    for (const b of blocks) this.registerChild(b);
    return this;
  }
  /** Runs the children in order. */
  override forward<T extends NDArray>(x: T, ...args: unknown[]): T {
    return chain(this._childMap().values(), x, args) as T;
  }
  /** The child at `i` (negative counts from the end), Python's `net[i]`. */
  at(i: number): Any {
    return at(this, i);
  }
  /** Number of children (`len(net)`). */
  get length(): number {
    return this._childMap().size;
  }
  /** Lists the children. */
  override toString(): string {
    return listing("Sequential", this._childMap());
  }
}

function at(b: Block, i: number): Block {
  const kids = [...b._childMap().values()];
  const k = i < 0 ? kids.length + i : i;
  if (!Number.isInteger(k) || k < 0 || k >= kids.length) {
    throw new MXNetError(`${b.name}: index ${i} is out of range for ${kids.length} children`);
  }
  return kids[k];
}

/** Sequential for HybridBlocks: hybridizes as one graph. */
export class HybridSequential extends HybridBlock {
  /** @internal Not listed by `summary`. */
  override _isContainer(): boolean {
    return true;
  }
  /** Creates an empty container. */
  constructor(opts: BlockOptions = {}) {
    super(layerOptions("HybridSequential", opts, []), "hybridsequential");
  }
  /** Appends blocks (HybridBlocks). */
  add(...blocks: HybridBlock[]): this {
    for (const b of blocks) this.registerChild(b);
    return this;
  }
  /** Runs the children in order. */
  override forward<T extends Value>(x: T, ...args: unknown[]): T {
    return chain(this._childMap().values(), x, args) as T;
  }
  /** The child at `i` (negative counts from the end). */
  at(i: number): Any {
    return at(this, i);
  }
  /** Number of children. */
  get length(): number {
    return this._childMap().size;
  }
  /** Lists the children. */
  override toString(): string {
    return listing("HybridSequential", this._childMap());
  }
}

/** Options of Dense. */
export interface DenseOptions extends BlockOptions {
  /** Activation applied to the output (none by default). */
  activation?: ActType | null;
  /** Add a bias (default true). */
  useBias?: boolean;
  /** Collapse all input axes but the first (default true); false: act on the last axis. */
  flatten?: boolean;
  /** Parameter dtype (default float32). */
  dtype?: DType;
  /** Initializer of the weight (default: the one given to `initialize`). */
  weightInitializer?: InitLike | null;
  /** Initializer of the bias (default "zeros"). */
  biasInitializer?: InitLike;
  /** Input size; 0 (default) infers it at the first forward pass. */
  inUnits?: number;
}

/**
 * `activation(dot(x, weightᵀ) + bias)`: `new nn.Dense(256, { activation: "relu" })`.
 * @example
 * ```ts
 * import * as mx from "../../../mod.ts";
 * const d = new mx.gluon.nn.Dense(3, { inUnits: 2 });
 * d.initialize(new mx.init.One());
 * console.log(await d.forward(mx.nd.ones([1, 2])).array()); // [[2, 2, 2]]
 * ```
 */
export class Dense extends HybridBlock {
  /** Weight, shape [units, inUnits]. */
  readonly weight: Parameter;
  /** Bias, shape [units], or null. */
  readonly bias: Parameter | null;
  /** The activation layer, or null. */
  readonly act: Activation | null;
  readonly #units: number;
  readonly #flatten: boolean;

  /** Creates the layer. */
  constructor(units: number, opts: DenseOptions = {}) {
    const bo = layerOptions("Dense", opts, [
      "activation",
      "useBias",
      "flatten",
      "dtype",
      "weightInitializer",
      "biasInitializer",
      "inUnits",
    ]);
    if (!(Number.isInteger(units) && units > 0)) {
      throw new ParamError(`Dense: units must be a positive integer, got ${units}`);
    }
    super(bo, "dense");
    this.#units = units;
    this.#flatten = opts.flatten ?? true;
    const dtype = opts.dtype ?? "float32";
    this.weight = this.params.get("weight", {
      shape: [units, opts.inUnits ?? 0],
      init: opts.weightInitializer ?? null,
      dtype,
      allowDeferredInit: true,
    });
    this.bias = (opts.useBias ?? true)
      ? this.params.get("bias", {
        shape: [units],
        init: opts.biasInitializer ?? "zeros",
        dtype,
        allowDeferredInit: true,
      })
      : null;
    const act = opts.activation;
    this.act = act ? this.nameScope(() => new Activation(act, { prefix: `${act}_` })) : null;
  }

  /** The output: `[batch, units]` (flatten) or the input shape with the last axis `units`. */
  override forward<T extends Value>(x: T): T {
    if (!isSymbol(x)) this.#checkInput(x as NDArray);
    const inputs = [x, read(this.weight, x)];
    if (this.bias) inputs.push(read(this.bias, x));
    let y = op(
      "FullyConnected",
      inputs,
      { numHidden: this.#units, noBias: !this.bias, flatten: this.#flatten },
      { node: this.prefix + "fwd" },
    );
    if (this.act) y = this.act.forward(y);
    return y as T;
  }

  #checkInput(x: NDArray): void {
    const where = `Dense (${this.name})`;
    if (x.ndim === 0 || (!this.#flatten && x.ndim < 1)) {
      throw new ShapeError(`${where}: the input must have at least one axis, got a scalar`);
    }
    const inUnits = this.#flatten ? sizeOf(x.shape.slice(1)) : x.shape[x.ndim - 1];
    const w = this.weight.shape!;
    if (w[1] === 0) {
      this.weight.shape = [this.#units, inUnits];
      return;
    }
    if (w[1] !== inUnits) {
      throw new ShapeError(
        `${where}: input of shape ${formatShape(x.shape)} has ${inUnits} features (${
          this.#flatten ? "all axes after the first, flattened" : "its last axis"
        }), but the layer takes ${w[1]} (weight ${formatShape(w)})`,
      );
    }
  }

  /** `Dense(inUnits -> units, activation)`, like MXNet's repr. */
  override toString(): string {
    const w = this.weight.shape!;
    return `Dense(${w[1] || "None"} -> ${w[0]}, ${this.act ? String(this.act) : "linear"})`;
  }
}

/**
 * Zeroes a fraction `rate` of the inputs while training (scaling the rest by
 * 1/(1-rate)); identity otherwise.
 */
export class Dropout extends HybridBlock {
  /** The fraction dropped. */
  readonly rate: number;
  readonly #axes: number[];
  /** Creates the layer; `axes` share one mask along those axes. */
  constructor(rate: number, opts: BlockOptions & { axes?: readonly number[] } = {}) {
    super(layerOptions("Dropout", opts, ["axes"]), "dropout");
    if (!(rate >= 0 && rate <= 1)) {
      throw new ParamError(`Dropout: rate must be in [0, 1], got ${rate}`);
    }
    this.rate = rate;
    this.#axes = [...(opts.axes ?? [])];
  }
  /** Dropout while training (inside `autograd.record()`), identity otherwise. */
  override forward<T extends Value>(x: T): T {
    if (this.rate === 0) return x;
    return op("Dropout", [x], { p: this.rate, axes: this.#axes }, {
      node: this.prefix + "fwd",
    }) as T;
  }
  /** `Dropout(p = 0.5, axes=())`. */
  override toString(): string {
    return `Dropout(p = ${this.rate}, axes=(${this.#axes.join(", ")}))`;
  }
}

/** Options of Embedding. */
export interface EmbeddingOptions extends BlockOptions {
  /** Parameter dtype (default float32). */
  dtype?: DType;
  /** Initializer of the table. */
  weightInitializer?: InitLike | null;
  /** Accepted: gradients of the table are dense here. */
  sparseGrad?: boolean;
}

/** Rows of a learned table picked by integer indices: `[..., outputDim]`. */
export class Embedding extends HybridBlock {
  /** The table, shape [inputDim, outputDim]. */
  readonly weight: Parameter;
  readonly #kw: { inputDim: number; outputDim: number; dtype: DType; sparseGrad: boolean };
  /** Creates the layer. */
  constructor(inputDim: number, outputDim: number, opts: EmbeddingOptions = {}) {
    super(
      layerOptions("Embedding", opts, ["dtype", "weightInitializer", "sparseGrad"]),
      "embedding",
    );
    const dtype = opts.dtype ?? "float32";
    this.#kw = { inputDim, outputDim, dtype, sparseGrad: opts.sparseGrad ?? false };
    this.weight = this.params.get("weight", {
      shape: [inputDim, outputDim],
      init: opts.weightInitializer ?? null,
      dtype,
      allowDeferredInit: true,
    });
  }
  /** The rows of the table at `x`. */
  override forward<T extends Value>(x: T): T {
    return op("Embedding", [x, read(this.weight, x)], { ...this.#kw }, {
      node: this.prefix + "fwd",
    }) as T;
  }
  /** `Embedding(V -> D, float32)`. */
  override toString(): string {
    return `Embedding(${this.#kw.inputDim} -> ${this.#kw.outputDim}, ${this.#kw.dtype})`;
  }
}

/** Collapses every axis but the first: `[N, ...] -> [N, prod(...)]`. */
export class Flatten extends HybridBlock {
  /** Creates the layer. */
  constructor(opts: BlockOptions = {}) {
    super(layerOptions("Flatten", opts, []), "flatten");
  }
  /** `x.reshape([N, -1])`. */
  override forward<T extends Value>(x: T): T {
    return op("Flatten", [x]) as T;
  }
  /** `Flatten`. */
  override toString(): string {
    return "Flatten";
  }
}

/** Returns its input. */
export class Identity extends HybridBlock {
  /** Creates the layer. */
  constructor(opts: BlockOptions = {}) {
    super(layerOptions("Identity", opts, []), "identity");
  }
  /** `x`. */
  override forward<T extends Value>(x: T): T {
    return x;
  }
}

/** A function as a Block: `new nn.Lambda((x) => x.relu())` or an `mx.nd` function name. */
export class Lambda extends Block {
  readonly #fn: (...args: Any[]) => Any;
  readonly #name: string;
  /** Creates the block. */
  constructor(fn: string | ((...args: Any[]) => Any), opts: BlockOptions = {}) {
    super(layerOptions("Lambda", opts, []), "lambda");
    if (typeof fn === "string") {
      const f = (nd as Record<string, unknown>)[fn];
      if (typeof f !== "function") {
        throw new ParamError(`Lambda: ${fn} is not a function of mx.nd`);
      }
      this.#fn = f as (...args: Any[]) => Any;
      this.#name = fn;
    } else {
      this.#fn = fn;
      this.#name = fn.name || "function";
    }
  }
  /** Applies the function. */
  override forward(...args: Any[]): Any {
    return this.#fn(...args);
  }
  /** `Lambda(name)`. */
  override toString(): string {
    return `Lambda(${this.#name})`;
  }
}

/**
 * A function of `(F, x, ...)` as a HybridBlock: `new nn.HybridLambda((F, x) => F.relu(x))`
 * or the name of a function both `mx.nd` and `mx.sym` have.
 */
export class HybridLambda extends HybridBlock {
  readonly #fn: (F: Any, ...args: Any[]) => Any;
  readonly #name: string;
  /** Creates the block. */
  constructor(fn: string | ((F: Any, ...args: Any[]) => Any), opts: BlockOptions = {}) {
    super(layerOptions("HybridLambda", opts, []), "hybridlambda");
    if (typeof fn === "string") {
      const inNd = typeof (nd as Record<string, unknown>)[fn] === "function";
      const inSym = typeof (sym as Record<string, unknown>)[fn] === "function";
      if (!inNd || !inSym) {
        throw new ParamError(`HybridLambda: ${fn} is not a function of both mx.nd and mx.sym`);
      }
      this.#fn = (F: Any, ...args: Any[]) => F[fn](...args);
      this.#name = fn;
    } else {
      this.#fn = fn;
      this.#name = fn.name || "function";
    }
  }
  /** Calls the function with `F` and the inputs (the params record is dropped). */
  override hybridForward(F: Any, ...args: Any[]): Any {
    return this.#fn(F, ...args.slice(0, -1));
  }
  /** `HybridLambda(name)`. */
  override toString(): string {
    return `HybridLambda(${this.#name})`;
  }
}

function concatOut(outs: Value[], axis: number): Value {
  return op("Concat", outs, { numArgs: outs.length, dim: axis });
}

/** Runs every child on the same input and concatenates the outputs along `axis`. */
export class Concatenate extends Sequential {
  readonly #axis: number;
  /** Creates an empty container (default axis -1). */
  constructor(axis = -1, opts: BlockOptions = {}) {
    super(opts);
    this.#axis = axis;
  }
  /** `concat([child(x) for child], axis)`. */
  override forward<T extends NDArray>(x: T): T {
    const outs = [...this._childMap().values()].map((b) => b.forward(x) as Value);
    return concatOut(outs, this.#axis) as T;
  }
}

/** Concatenate for HybridBlocks. */
export class HybridConcatenate extends HybridSequential {
  readonly #axis: number;
  /** Creates an empty container (default axis -1). */
  constructor(axis = -1, opts: BlockOptions = {}) {
    super(opts);
    this.#axis = axis;
  }
  /** `concat([child(x) for child], axis)`. */
  override forward<T extends Value>(x: T): T {
    const outs = [...this._childMap().values()].map((b) => b.forward(x) as Value);
    return concatOut(outs, this.#axis) as T;
  }
}
