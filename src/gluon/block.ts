/**
 * `Block`: the base of every layer and model. Children and Parameters held in properties
 * are registered in declaration order (as Python's attribute assignment registers them);
 * `forward` is both what a subclass defines and what users call: the base wraps it so a
 * call runs the hooks (and, for hybridized blocks, the cached graph).
 * @module
 */
import type { Context } from "../core/context.ts";
import type { DType } from "../core/dtype.ts";
import { MXNetError, UnsupportedError } from "../core/errors.ts";
import { checkOptions } from "../core/options.ts";
import { load as loadArrays, save as saveArrays } from "../ndarray/io.ts";
import { NDArray } from "../ndarray/ndarray.ts";
import { makeName } from "../symbol/graph.ts";
import { inBlock, isTracing } from "./_calls.ts";
import { type InitLike, Parameter, untraced } from "./parameter.ts";
import { briefList, type InitializeOptions, ParameterDict } from "./parameter_dict.ts";

// deno-lint-ignore no-explicit-any
type Any = any;

/** A forward implementation as defined by a subclass. */
// deno-lint-ignore no-explicit-any
export type ForwardFn = (...args: any[]) => any;

/** Options every Block takes (MXNet's `prefix` and `params`). */
export interface BlockOptions {
  /** Name prefix of the block and its parameters (default: `<alias><counter>_`). */
  prefix?: string;
  /** Parameters to share: the block takes its parameters from this dict. */
  params?: ParameterDict | null;
}

/** Options of `loadParameters`. */
export interface LoadParametersOptions {
  /** Context(s) to create the parameters on. */
  ctx?: Context | readonly Context[];
  /** Leave parameters the file lacks untouched instead of failing. */
  allowMissing?: boolean;
  /** Skip arrays of the file no parameter matches instead of failing. */
  ignoreExtra?: boolean;
  /** Convert dtypes that differ (see dtypeSource). */
  castDtype?: boolean;
  /** With castDtype: keep the network's dtype ("current") or take the file's ("saved"). */
  dtypeSource?: "current" | "saved";
}

/** Removes a registered hook. */
export class HookHandle {
  readonly #remove: () => void;
  /** @internal */
  constructor(remove: () => void) {
    this.#remove = remove;
  }
  /** Unregisters the hook. */
  detach(): void {
    this.#remove();
  }
}

/** `(block, inputs)`, called before forward. */
export type ForwardPreHook = (block: Block, inputs: unknown[]) => void;
/** `(block, inputs, output)`, called after forward. */
export type ForwardHook = (block: Block, inputs: unknown[], output: unknown) => void;

interface Scope {
  block: Block;
  counter: Map<string, number>;
}
const scopes: Scope[] = [];

/** MXNet's `_BlockScope.create`: the prefix and parameter dict of a new block. */
function createNames(
  prefix: string | undefined,
  params: ParameterDict | null | undefined,
  hint: string,
): { prefix: string; params: ParameterDict } {
  const current = scopes.at(-1);
  if (!current) {
    const p = prefix ?? makeName(undefined, hint) + "_";
    return {
      prefix: p,
      params: params ? new ParameterDict(params.prefix, params) : new ParameterDict(p),
    };
  }
  let own = prefix;
  if (own === undefined) {
    const n = current.counter.get(hint) ?? 0;
    current.counter.set(hint, n + 1);
    own = `${hint}${n}_`;
  }
  const parent = current.block.params;
  return {
    prefix: current.block.prefix + own,
    params: params
      ? new ParameterDict(params.prefix, params)
      : new ParameterDict(parent.prefix + own, parent._shared),
  };
}

/** `runningMean` -> `running_mean`: structural names are Python's attribute names. */
export function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase());
}

/** Python's repr of a shape: `(2, 3)`, `(5,)`. */
export function pyShape(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
}

/**
 * The base of layers and models. Subclasses hold children and Parameters in properties
 * and define `forward`; users call `forward` too (it runs hooks around the definition).
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const { nn } = mx.gluon;
 * class MLP extends nn.Block {
 *   hidden = new nn.Dense(4, { activation: "relu" });
 *   out = new nn.Dense(2);
 *   override forward(x: mx.NDArray): mx.NDArray {
 *     return this.out.forward(this.hidden.forward(x));
 *   }
 * }
 * const net = new MLP();
 * net.initialize();
 * console.log(net.forward(mx.nd.ones([3, 5])).shape); // [3, 2]
 * ```
 */
export class Block {
  readonly #prefix: string;
  readonly #name: string;
  #params: ParameterDict;
  readonly #alias: string;
  readonly #impl: ForwardFn;
  readonly #children = new Map<string, Block>();
  readonly #reg = new Map<string, Parameter>();
  /** Property keys whose child/parameter was found by scanning (not registerChild). */
  readonly #scanned = new Set<string>();
  readonly #preHooks = new Map<number, ForwardPreHook>();
  readonly #hooks = new Map<number, ForwardHook>();
  #hookId = 0;
  readonly #scope: Scope;

  /**
   * Creates the block. `hint` is the name a subclass gives its automatic prefix
   * (default: the class name in lower case, as MXNet's `_alias`).
   */
  constructor(opts: BlockOptions = {}, hint?: string) {
    checkOptions(new.target.name, opts, ["prefix", "params"]);
    this.#alias = hint ?? new.target.name.toLowerCase();
    const { prefix, params } = createNames(opts.prefix, opts.params, this.#alias);
    this.#prefix = prefix;
    this.#name = prefix.endsWith("_") ? prefix.slice(0, -1) : prefix;
    this.#params = params;
    this.#scope = { block: this, counter: new Map() };
    // Calls go through the hooks (and the cached graph); `forward` on the prototype
    // chain is the subclass's definition.
    const impl = this.forward as ForwardFn;
    this.#impl = impl;
    Object.defineProperty(this, "forward", {
      value: (...args: unknown[]) => this._callForward(impl, args),
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }

  /** The prefix (`dense0_`). */
  get prefix(): string {
    return this.#prefix;
  }

  /** The prefix without the trailing underscore (`dense0`). */
  get name(): string {
    return this.#name;
  }

  /** This block's own parameters (not its children's). */
  get params(): ParameterDict {
    this._sync();
    return this.#params;
  }

  /** @internal The subclass's forward definition (what a call runs). */
  _forwardDef(): ForwardFn {
    return this.#impl;
  }

  /** @internal Replaces the parameter dict (SymbolBlock's unprefixed shared dict). */
  _setParamDict(d: ParameterDict): void {
    this.#params = d;
  }

  /** @internal Registers `p` under property-like `key` (its structural name). */
  _registerParam(key: string, p: Parameter): void {
    this.#addParam(key, p);
  }

  /** MXNet's `_alias`: the base of automatic prefixes. */
  _alias(): string {
    return this.#alias;
  }

  /**
   * Runs `fn` with this block's name scope: blocks created inside get prefixes under
   * this one's (`mlp0_dense0_`), as Python's `with self.name_scope():`.
   */
  nameScope<T>(fn: () => T): T {
    scopes.push(this.#scope);
    try {
      return fn();
    } finally {
      scopes.splice(scopes.lastIndexOf(this.#scope), 1);
    }
  }

  /**
   * @internal Registers the children and Parameters found in own properties, in
   * declaration order (class fields are assigned after the base constructor ran, so
   * this runs whenever they are needed).
   */
  _sync(): void {
    const self = this as unknown as Record<string, unknown>;
    for (const key of Object.keys(this)) {
      const v = self[key];
      if (v instanceof Block) {
        if (this.#children.get(key) !== v) {
          this.#scanned.add(key);
          this._addChild(key, v);
        }
      } else if (v instanceof Parameter) {
        if (this.#reg.get(key) !== v) {
          this.#scanned.add(key);
          this.#addParam(key, v);
        }
      } else if (this.#scanned.has(key)) {
        // The property no longer holds a block or parameter (e.g. set to null).
        this.#children.delete(key);
        this.#reg.delete(key);
        this.#scanned.delete(key);
      }
    }
  }

  #addParam(key: string, p: Parameter): void {
    if (!p._named) {
      p.name = this.#params.prefix + p.name;
      p._named = true;
    }
    const clash = this.#params.has(p.name) && this.#params.at(p.name) !== p;
    if (clash) {
      throw new MXNetError(
        `${this.#name}: property ${key} holds parameter ${p.name}, but another parameter of ` +
          `this block has that name`,
      );
    }
    this.#params._add(p);
    this.#reg.set(key, p);
  }

  /** @internal Adds a child under `key` (subclasses check its type). */
  _addChild(key: string, block: Block): void {
    this.#children.set(key, block);
  }

  /**
   * Registers `block` as a child under `name` (default: its position). Blocks held in
   * properties are registered automatically.
   */
  registerChild(block: Block, name?: string): void {
    this._sync();
    this._addChild(name ?? String(this.#children.size), block);
  }

  /** @internal The children by key, in registration order. */
  _childMap(): ReadonlyMap<string, Block> {
    this._sync();
    return this.#children;
  }

  /** @internal The parameters held in properties, by property name. */
  _regParams(): ReadonlyMap<string, Parameter> {
    this._sync();
    return this.#reg;
  }

  /**
   * This block's and its children's parameters, by full name; `select` is a regular
   * expression matched from the start of each name (`".*weight|.*bias"`).
   */
  collectParams(select?: string): ParameterDict {
    this._sync();
    const ret = new ParameterDict(this.#params.prefix);
    const re = select ? new RegExp(`^(?:${select})`) : null;
    ret.update([...this.#params.items()].filter(([n]) => !re || re.test(n)));
    for (const c of this.#children.values()) ret.update(c.collectParams(select));
    return ret;
  }

  /** @internal Parameters by structural name (`hidden.weight`, `0.bias`). */
  _collectParamsWithPrefix(prefix = ""): Map<string, Parameter> {
    this._sync();
    const p = prefix ? prefix + "." : "";
    const ret = new Map<string, Parameter>();
    for (const [k, v] of this.#reg) ret.set(p + snakeCase(k), v);
    for (const [name, child] of this.#children) {
      for (const [k, v] of child._collectParamsWithPrefix(p + snakeCase(name))) ret.set(k, v);
    }
    return ret;
  }

  /**
   * Initializes every parameter (own initializers first, else `init`, default Uniform);
   * shapes not known yet are initialized at the first forward pass.
   */
  initialize(init?: InitLike, opts: InitializeOptions = {}): void {
    this.collectParams().initialize(init, opts);
  }

  /**
   * Saves the parameters under their structural names (`0.weight`, `hidden.bias`) in
   * MXNet's `.params` format, which Apache MXNet's `load_parameters` reads.
   */
  async saveParameters(filename: string, opts: { deduplicate?: boolean } = {}): Promise<void> {
    checkOptions("saveParameters", opts, ["deduplicate"]);
    let params = this._collectParamsWithPrefix();
    if (opts.deduplicate) {
      const last = new Map<Parameter, string>();
      for (const [k, v] of params) last.set(v, k);
      params = new Map([...last].map(([v, k]) => [k, v]));
    }
    const arrays: Record<string, NDArray> = {};
    for (const [k, p] of params) arrays[k] = p._reduce();
    try {
      await saveArrays(filename, arrays);
    } finally {
      for (const a of Object.values(arrays)) a.dispose();
    }
  }

  /**
   * Loads parameters saved by `saveParameters` (here or by Apache MXNet). Missing,
   * extra and mis-shaped parameters are errors that name them.
   */
  async loadParameters(filename: string, opts: LoadParametersOptions = {}): Promise<void> {
    checkOptions("loadParameters", opts, [
      "ctx",
      "allowMissing",
      "ignoreExtra",
      "castDtype",
      "dtypeSource",
    ]);
    const loaded = await loadArrays(filename);
    if (Array.isArray(loaded)) {
      for (const a of loaded) a.dispose();
      throw new MXNetError(
        `loadParameters: ${filename} holds unnamed arrays; a parameter file names each one`,
      );
    }
    try {
      this.#loadDict(loaded, filename, opts);
    } finally {
      for (const a of Object.values(loaded)) a.dispose();
    }
  }

  #loadDict(loaded: Record<string, NDArray>, filename: string, opts: LoadParametersOptions) {
    const params = this._collectParamsWithPrefix();
    const names = Object.keys(loaded);
    if (names.length === 0 && params.size === 0) return;
    if (!names.some((n) => n.includes("."))) {
      // A file of full names (ParameterDict.save or export): match by name.
      this.collectParams().loadDict(loaded, {
        ...opts,
        restorePrefix: this.#prefix,
        source: filename,
      });
      return;
    }
    if (!opts.allowMissing) {
      const namesOf = new Map<Parameter, string[]>();
      for (const [k, p] of params) namesOf.set(p, [...(namesOf.get(p) ?? []), k]);
      const missing = [...params].filter(([, p]) => !namesOf.get(p)!.some((k) => k in loaded));
      if (missing.length) {
        throw new MXNetError(
          `loadParameters: parameter(s) ${
            briefList(missing.map(([k]) => k))
          } missing in file ${filename}, which holds ${
            briefList(names)
          }; set allowMissing: true to leave them as they are`,
        );
      }
    }
    for (const name of names) {
      const p = params.get(name);
      if (!p) {
        if (opts.ignoreExtra) continue;
        throw new MXNetError(
          `loadParameters: parameter ${name} from file ${filename} is not in the network, ` +
            `whose parameters are ${briefList(params.keys())}; set ignoreExtra: true to skip it`,
        );
      }
      untraced(() =>
        p._loadInit(loaded[name], opts.ctx, {
          castDtype: opts.castDtype,
          dtypeSource: opts.dtypeSource,
          source: `file ${filename} (as ${name})`,
        })
      );
    }
  }

  /** Registers `hook(block, inputs)` to run before each forward. */
  registerForwardPreHook(hook: ForwardPreHook): HookHandle {
    const id = this.#hookId++;
    this.#preHooks.set(id, hook);
    return new HookHandle(() => this.#preHooks.delete(id));
  }

  /** Registers `hook(block, inputs, output)` to run after each forward. */
  registerForwardHook(hook: ForwardHook): HookHandle {
    const id = this.#hookId++;
    this.#hooks.set(id, hook);
    return new HookHandle(() => this.#hooks.delete(id));
  }

  /** Calls `fn` on every descendant, children first, then on this block. */
  apply(fn: (block: Block) => void): this {
    for (const c of this._childMap().values()) c.apply(fn);
    fn(this);
    return this;
  }

  /** Casts every parameter to `dtype`. */
  cast(dtype: DType): void {
    for (const c of this._childMap().values()) c.cast(dtype);
    for (const p of this.params.values()) p.cast(dtype);
  }

  /** Sets every gradient to 0. */
  zeroGrad(): void {
    this.collectParams().zeroGrad();
  }

  /** Moves every parameter to `ctx`. */
  resetCtx(ctx: Context | readonly Context[]): void {
    this.collectParams().resetCtx(ctx);
  }

  /**
   * Turns hybridization on or off in the HybridBlocks below (a plain Block has no graph
   * of its own).
   */
  hybridize(
    active: boolean | Record<string, unknown> = true,
    opts: Record<string, unknown> = {},
  ): void {
    for (const c of this._childMap().values()) c.hybridize(active, opts);
  }

  /**
   * The forward computation; subclasses define it. Calling it runs the pre-hooks, this
   * definition (or the cached graph of a hybridized block), then the hooks.
   */
  forward(..._args: Any[]): Any {
    throw new UnsupportedError(
      `${this.constructor.name}: forward is not defined; subclasses define forward(x)`,
    );
  }

  /** @internal A call of `forward`: hooks around `_runForward`. */
  _callForward(impl: ForwardFn, args: unknown[]): unknown {
    for (const h of this.#preHooks.values()) h(this, args);
    const out = isTracing()
      ? inBlock(this, () => this._runForward(impl, args))
      : this._runForward(impl, args);
    for (const h of this.#hooks.values()) h(this, args, out);
    return out;
  }

  /** @internal True for Sequential-like containers, which `summary` does not list. */
  _isContainer(): boolean {
    return false;
  }

  /** @internal Runs the forward definition (HybridBlock adds the cached graph). */
  _runForward(impl: ForwardFn, args: unknown[]): unknown {
    return impl.apply(this, args);
  }

  /**
   * Prints a table of the layers run by `forward(...inputs)`: output shapes and
   * parameter counts, like MXNet's `summary`. The block must not be hybridized.
   */
  summary(...inputs: unknown[]): void {
    const rows: { name: string; shape: string; n: number; trainable: number; shared: number }[] =
      [];
    const seen = new Set<Parameter>();
    const handles: HookHandle[] = [];
    const shapeStr = (v: unknown): string => {
      const flat: string[] = [];
      const walk = (x: unknown) => {
        if (x instanceof NDArray) flat.push(pyShape(x.shape));
        else if (Array.isArray(x)) x.forEach(walk);
        else flat.push(String(x));
      };
      walk(v);
      return flat.length === 1 && !Array.isArray(v) ? flat[0] : flat.join(", ");
    };
    rows.push({ name: "Input", shape: shapeStr(inputs), n: 0, trainable: 0, shared: 0 });
    this.apply((b) => {
      if ((b as unknown as { _isActive?: () => boolean })._isActive?.()) {
        throw new MXNetError(`summary: ${b.name} must not be hybridized to print a summary`);
      }
      if (b._isContainer()) return;
      handles.push(b.registerForwardHook((blk, _in, out) => {
        const row = {
          name: `${blk.constructor.name}-${rows.length}`,
          shape: shapeStr(out),
          n: 0,
          trainable: 0,
          shared: 0,
        };
        for (const p of blk.params.values()) {
          const size = p.data().size;
          row.n += size;
          if (p.gradReq !== "null") row.trainable += size;
          if (seen.has(p)) row.shared += size;
          else seen.add(p);
        }
        rows.push(row);
      }));
    });
    try {
      this.forward(...inputs);
      const line = (a: string, b: string, c: string) =>
        `${a.padStart(20)}  ${b.padStart(42)} ${c.padStart(15)}`;
      const out = ["-".repeat(80), line("Layer (type)", "Output Shape", "Param #"), "=".repeat(80)];
      let total = 0, trainable = 0, shared = 0;
      for (const r of rows) {
        out.push(line(r.name, r.shape, String(r.n)));
        total += r.n;
        trainable += r.trainable;
        shared += r.shared;
      }
      out.push(
        "=".repeat(80),
        "Parameters in forward computation graph, duplicate included",
        `   Total params: ${total}`,
        `   Trainable params: ${trainable}`,
        `   Non-trainable params: ${total - trainable}`,
        `Shared params in forward computation graph: ${shared}`,
        `Unique parameters in model: ${total - shared}`,
        "-".repeat(80),
      );
      console.log(out.join("\n"));
    } finally {
      for (const h of handles) h.detach();
    }
  }

  /** Frees every parameter's arrays (and cached graphs). */
  dispose(): void {
    for (const c of this._childMap().values()) c.dispose();
    for (const p of this.params.values()) p.dispose();
  }

  /** MXNet's repr: the class and its children. */
  toString(): string {
    const kids = [...this._childMap()].map(([k, b]) => `  (${k}): ${indent(String(b), 2)}`);
    return kids.length
      ? `${this.constructor.name}(\n${kids.join("\n")}\n)`
      : `${this.constructor.name}()`;
  }
}

/** Indents every line after the first by `n` spaces. */
export function indent(s: string, n: number): string {
  return s.split("\n").join("\n" + " ".repeat(n));
}
