/**
 * `HybridBlock` and `SymbolBlock`. A hybridized block runs a cached graph, built once per
 * input signature (shapes, dtypes, context, training mode): MXNet 1.x blocks
 * (`hybridForward(F, x, params)`) are built symbolically with `F = mx.sym`; blocks with a
 * plain `forward(x)` (MXNet 2.x) are traced from a real forward pass. Either graph is
 * replayed operator by operator through `applyOp`, so results and gradients equal the
 * imperative ones, and it is what `export` writes.
 * @module
 */
import { type Context, cpu, currentContext } from "../core/context.ts";
import { ContextError, MXNetError, UnsupportedError } from "../core/errors.ts";
import { checkOptions } from "../core/options.ts";
import { isTraining } from "../autograd/mod.ts";
import { setTracer } from "../ndarray/apply.ts";
import { save as saveArrays } from "../ndarray/io.ts";
import * as nd from "../ndarray/mod.ts";
import { NDArray } from "../ndarray/ndarray.ts";
import * as sym from "../symbol/mod.ts";
import { load as loadSymbol } from "../symbol/json.ts";
import { Group, Symbol, Variable } from "../symbol/symbol.ts";
import { asTrace, inBlock, isTracing } from "./_calls.ts";
import { hasSymbol } from "./_f.ts";
import { CachedGraph, flatten, type Fmt, inputNames, regroup, Trace } from "./_graph.ts";
import { Block, type BlockOptions, type ForwardFn } from "./block.ts";
import { DeferredInitializationError, type Parameter } from "./parameter.ts";
import { ParameterDict } from "./parameter_dict.ts";

// deno-lint-ignore no-explicit-any
type Any = any;

/** Options of `hybridize` (MXNet's keyword arguments; the memory flags are accepted). */
export interface HybridizeOptions {
  /** Turn hybridization on (default) or off. */
  active?: boolean;
  /** Accepted: arrays are pooled by the backends already. */
  staticAlloc?: boolean;
  /** Accepted: graphs are cached per input shape already. */
  staticShape?: boolean;
  /** Accepted for compatibility. */
  inlineLimit?: number;
  /** Accepted for compatibility. */
  forwardBulkSize?: number;
  /** Accepted for compatibility. */
  backwardBulkSize?: number;
  /** Subgraph backends are not supported: must be null/undefined. */
  backend?: string | null;
  /** Drop graphs built before (default true). */
  clear?: boolean;
}

const HYBRIDIZE_OPTIONS = [
  "active",
  "staticAlloc",
  "staticShape",
  "inlineLimit",
  "forwardBulkSize",
  "backwardBulkSize",
  "backend",
  "clear",
];

/** The `F` a 1.x `hybridForward` receives: `mx.nd` imperatively, `mx.sym` symbolically. */
export type F = typeof nd | typeof sym;

function arraysOf(leaves: readonly unknown[]): NDArray[] {
  return leaves.filter((l): l is NDArray => l instanceof NDArray);
}

function commonContext(arrays: readonly NDArray[], where: string): Context {
  const ctx = arrays[0]?.context ?? currentContext();
  for (const a of arrays) {
    if (!a.context.equals(ctx)) {
      throw new ContextError(
        `${where}: a hybridized block takes inputs on one context, got ${ctx} and ${a.context}`,
      );
    }
  }
  return ctx;
}

function fmtKey(f: Fmt): string {
  return f === "leaf" ? "." : `[${f.map(fmtKey).join(",")}]`;
}

/** What a graph is specialized for: the inputs' kinds, shapes, dtypes, context and mode. */
function signature(leaves: readonly unknown[], fmt: Fmt, withShapes: boolean): string {
  const parts = leaves.map((l) => {
    if (l instanceof NDArray) {
      const kind = `${l.constructor.name}:${l.dtype}:${l.context}`;
      return withShapes ? `${kind}:${l.shape.join("x")}` : kind;
    }
    if (l === null || l === undefined) return "none";
    return `v:${JSON.stringify(l)}`;
  });
  return `${fmtKey(fmt)}|${parts.join("|")}|${withShapes ? (isTraining() ? "train" : "pred") : ""}`;
}

/**
 * A Block that can be hybridized: define `forward(x)` with NDArray operations (traced),
 * or MXNet 1.x's `hybridForward(F, x, params)`.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * class Scale extends mx.gluon.nn.HybridBlock {
 *   override hybridForward(F: typeof mx.nd, x: mx.NDArray) {
 *     return F.relu(x);
 *   }
 * }
 * const net = new Scale();
 * net.hybridize();
 * console.log(await net.forward(mx.nd.array([-1, 2])).array()); // [0, 2]
 * ```
 */
export class HybridBlock extends Block {
  #active = false;
  readonly #graphs = new Map<string, CachedGraph>();
  #last: CachedGraph | null = null;

  /** See Block. */
  constructor(opts: BlockOptions = {}, hint?: string) {
    super(opts, hint);
  }

  /** @internal Children of a HybridBlock must be HybridBlocks. */
  override _addChild(key: string, block: Block): void {
    if (!(block instanceof HybridBlock)) {
      throw new MXNetError(
        `${this.name}: children of a HybridBlock must be HybridBlocks, but ${key} is a ` +
          `${block.constructor.name}; use HybridSequential instead of Sequential`,
      );
    }
    super._addChild(key, block);
    this._clearCache();
  }

  /** @internal Drops the cached graphs. */
  _clearCache(): void {
    this.#graphs.clear();
    this.#last = null;
  }

  /** @internal True when hybridized. */
  _isActive(): boolean {
    return this.#active;
  }

  /** @internal The graph the last cached call used (what `export` writes). */
  _lastGraph(): CachedGraph | null {
    return this.#last;
  }

  /** @internal Sets the graph `export` writes (SymbolBlock's own). */
  _setLastGraph(g: CachedGraph): void {
    this.#last = g;
  }

  /**
   * Turns hybridization on (or off) here and in every HybridBlock below: `hybridize()`,
   * `hybridize({ staticAlloc: true, staticShape: true })`, `hybridize(false)`.
   */
  override hybridize(active: boolean | HybridizeOptions = true, opts: HybridizeOptions = {}): void {
    const o = typeof active === "boolean" ? { ...opts, active } : { ...active };
    checkOptions("hybridize", o, HYBRIDIZE_OPTIONS);
    if (o.backend !== undefined && o.backend !== null) {
      throw new UnsupportedError(`hybridize: subgraph backend ${o.backend} is not supported`);
    }
    this.#active = o.active ?? true;
    if (o.clear ?? true) this._clearCache();
    const { active: _, ...rest } = o;
    super.hybridize(this.#active, rest);
  }

  /** Casts the parameters and drops the cached graphs. */
  override cast(dtype: Parameters<Block["cast"]>[0]): void {
    this._clearCache();
    super.cast(dtype);
  }

  /** Frees the parameters and the cached graphs. */
  override dispose(): void {
    this._clearCache();
    super.dispose();
  }

  /** @internal Symbols build a graph; a hybridized block runs its cached graph. */
  override _runForward(impl: ForwardFn, args: unknown[]): unknown {
    if (!this.#active || hasSymbol(args) || isTracing()) return impl.apply(this, args);
    return this.#callCached(impl, args);
  }

  #callCached(impl: ForwardFn, args: unknown[]): unknown {
    const { leaves, fmt } = flatten(args);
    const arrays = arraysOf(leaves);
    if (arrays.length === 0) {
      throw new MXNetError(`${this.name}: a hybridized block needs at least one NDArray input`);
    }
    const ctx = commonContext(arrays, this.name);
    // 1.x blocks build a shape-independent graph symbolically; traced graphs hold the
    // shapes they were traced with.
    const symbolic = impl === HybridBlock.prototype.forward;
    const key = signature(leaves, fmt, !symbolic);
    let g = this.#graphs.get(key);
    if (!g) {
      if (!symbolic) {
        const traced = this.#trace(impl, args, arrays);
        this.#graphs.set(key, traced.graph);
        this.#last = traced.graph;
        return traced.out;
      }
      g = this.#buildSymbolic(impl, leaves, fmt, arrays.length);
      this.#graphs.set(key, g);
    }
    this.#last = g;
    g.inferParams(arrays);
    return regroup(g.run(arrays, ctx), g.outFormat);
  }

  /** Runs the forward pass once on real arrays, recording its operators. */
  #trace(impl: ForwardFn, args: unknown[], arrays: NDArray[]) {
    const names = inputNames(arrays.length);
    const t = new Trace(arrays, names);
    const prev = setTracer(t);
    let out: unknown;
    try {
      out = asTrace(() => inBlock(this, () => impl.apply(this, args)));
    } finally {
      setTracer(prev);
    }
    const f = flatten(out);
    const outs = f.leaves;
    if (!outs.every((o) => o instanceof NDArray)) {
      throw new MXNetError(
        `${this.name}: a hybridized forward must return NDArrays (or nested lists of them)`,
      );
    }
    const symbol = t.finish(outs as NDArray[]);
    const graph = new CachedGraph(symbol, names, t.params, t.constants, f.fmt);
    return { graph, out };
  }

  /** Builds the graph with Symbols (`hybridForward(mx.sym, ...)`), as MXNet 1.x does. */
  #buildSymbolic(impl: ForwardFn, leaves: unknown[], fmt: Fmt, n: number): CachedGraph {
    const { symbol, names, outFmt } = this.#symbolOf(impl, leaves, fmt, n);
    return new CachedGraph(symbol, names, new Map(this.collectParams().items()), new Map(), outFmt);
  }

  #symbolOf(impl: ForwardFn, leaves: unknown[], fmt: Fmt, n: number) {
    const names = inputNames(n);
    let k = 0;
    const symLeaves = leaves.map((l) => (l instanceof NDArray ? Variable(names[k++]) : l));
    let out: unknown;
    try {
      out = impl.apply(this, regroup(symLeaves, fmt) as unknown[]);
    } catch (e) {
      if (!(e instanceof TypeError)) throw e;
      // Typically an NDArray-only method called on a Symbol by code below hybridForward.
      throw new MXNetError(
        `${this.name}: building the graph with Symbols (hybridForward with F = mx.sym) ` +
          `failed: ${e.message}. Blocks called from hybridForward must accept Symbols; ` +
          `define forward(x) instead to have the block traced from NDArrays`,
        { cause: e },
      );
    }
    const f = flatten(out);
    if (!f.leaves.every((o) => o instanceof Symbol)) {
      throw new MXNetError(`${this.name}: forward with Symbol inputs must return Symbols`);
    }
    const outs = f.leaves as Symbol[];
    return { symbol: outs.length === 1 ? outs[0] : Group(outs), names, outFmt: f.fmt };
  }

  /**
   * Infers the parameters' shapes from input arrays by building the graph symbolically
   * (MXNet's `infer_shape`).
   */
  inferShape(...args: unknown[]): void {
    const { leaves, fmt } = flatten(args);
    const arrays = arraysOf(leaves);
    const { symbol, names } = this.#symbolOf(this._forwardDef(), leaves, fmt, arrays.length);
    new CachedGraph(symbol, names, new Map(this.collectParams().items())).inferParams(arrays);
  }

  /**
   * The forward computation. By default (MXNet 1.x) it calls
   * `hybridForward(F, ...inputs, params)` with `F = mx.nd` and the parameters' data, or
   * `F = mx.sym` and their variables when the inputs are Symbols.
   */
  override forward(...args: Any[]): Any {
    const regs = this._regParams();
    if (hasSymbol(args)) {
      const vars = Object.fromEntries([...regs].map(([k, p]) => [k, p.var()]));
      return this.hybridForward(sym, ...args, vars);
    }
    const ctx = arraysOf(flatten(args).leaves)[0]?.context ?? currentContext();
    const read = () => Object.fromEntries([...regs].map(([k, p]) => [k, p.data(ctx)]));
    let params: Record<string, NDArray>;
    try {
      params = read();
    } catch (e) {
      if (!(e instanceof DeferredInitializationError)) throw e;
      this.inferShape(...args);
      params = read();
    }
    return this.hybridForward(nd, ...args, params);
  }

  /**
   * MXNet 1.x's definition: `hybridForward(F, x, ...moreInputs, params)`, with `F` the
   * `mx.nd` or `mx.sym` namespace and `params` this block's parameters by property name.
   */
  hybridForward(_F: Any, ..._args: Any[]): Any {
    throw new UnsupportedError(
      `${this.constructor.name}: define forward(x) or hybridForward(F, x, params)`,
    );
  }

  /**
   * Writes `path-symbol.json` and `path-NNNN.params` (`arg:`/`aux:` names), which
   * `mx.model.loadCheckpoint`, `mx.mod.Module` and `SymbolBlock.imports` read, as does
   * Apache MXNet. Needs one forward pass of the hybridized block first.
   */
  async export(path: string, epoch = 0): Promise<void> {
    const g = this.#last;
    if (!g) {
      throw new MXNetError(
        `export: call ${this.name}.hybridize() and run forward once before exporting`,
      );
    }
    await g.symbol.save(`${path}-symbol.json`);
    const aux = new Set(g.symbol.listAuxiliaryStates());
    const arrays: Record<string, NDArray> = {};
    try {
      for (const { name, param } of g.parameters) {
        arrays[`${aux.has(name) ? "aux" : "arg"}:${name}`] = param._reduce();
      }
      for (const [name, c] of g.constants) arrays[`arg:${name}`] = c.copyTo(cpu());
      await saveArrays(`${path}-${String(epoch).padStart(4, "0")}.params`, arrays);
    } finally {
      for (const a of Object.values(arrays)) a.dispose();
    }
  }
}

/** The longest common prefix of names (MXNet strips it for structural names). */
function commonPrefix(names: readonly string[]): string {
  if (names.length === 0) return "";
  let p = names[0];
  for (const n of names) {
    let i = 0;
    while (i < p.length && i < n.length && p[i] === n[i]) i++;
    p = p.slice(0, i);
  }
  return p;
}

/** Options of `SymbolBlock.imports`. */
export interface ImportsOptions {
  /** Context(s) to load the parameters on. */
  ctx?: Context | readonly Context[];
  /** Leave parameters the file lacks uninitialized instead of failing. */
  allowMissing?: boolean;
  /** Skip arrays of the file that are not in the graph instead of failing. */
  ignoreExtra?: boolean;
}

/**
 * A Block made from a Symbol: its arguments other than the inputs become parameters
 * (MXNet's `SymbolBlock`).
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const data = mx.sym.Variable("data");
 * const out = mx.sym.FullyConnected({ data, numHidden: 3, name: "fc" });
 * const net = new mx.gluon.SymbolBlock(out, data);
 * net.initialize();
 * console.log(net.forward(mx.nd.ones([2, 5])).shape); // [2, 3]
 * ```
 */
export class SymbolBlock extends HybridBlock {
  readonly #symbol: Symbol;
  readonly #inputs: string[];
  readonly #graph: CachedGraph;
  readonly #outFmt: Fmt;

  /** Wraps `outputs` (one Symbol or several); `inputs` are the variables fed by forward. */
  constructor(
    outputs: Symbol | readonly Symbol[],
    inputs: Symbol | readonly Symbol[],
    opts: { params?: ParameterDict | null } = {},
  ) {
    super({ prefix: "" });
    checkOptions("SymbolBlock", opts, ["params"]);
    this._setParamDict(new ParameterDict("", opts.params ?? null));
    const ins = inputs instanceof Symbol ? [inputs] : [...inputs];
    for (const s of ins) {
      if (s.outputs.length !== 1 || !s.outputs[0].node.isVariable) {
        throw new MXNetError(`SymbolBlock: input ${s} must be a variable`);
      }
    }
    this.#inputs = ins.map((s) => s.name!);
    const f = flatten(outputs instanceof Symbol ? outputs : [...outputs]);
    const outs = f.leaves as Symbol[];
    this.#outFmt = outputs instanceof Symbol ? "leaf" : f.fmt;
    this.#symbol = outs.length === 1 ? outs[0] : Group(outs);
    const argNames = this.#symbol.listArguments().filter((n) => !this.#inputs.includes(n));
    const auxNames = this.#symbol.listAuxiliaryStates().filter((n) => !this.#inputs.includes(n));
    const own = this.params;
    const made: Parameter[] = [
      ...argNames.map((n) => own.get(n, { allowDeferredInit: true })),
      ...auxNames.map((n) => own.get(n, { gradReq: "null", allowDeferredInit: true })),
    ];
    const strip = commonPrefix(made.map((p) => p.name)).length;
    for (const p of made) this._registerParam(p.name.slice(strip), p);
    this.#graph = new CachedGraph(
      this.#symbol,
      this.#inputs,
      new Map(made.map((p) => [p.name, p])),
      new Map(),
      this.#outFmt,
    );
    this._setLastGraph(this.#graph);
  }

  /**
   * Loads a graph and its parameters saved by `HybridBlock.export` or
   * `mx.model.saveCheckpoint` (here or by Apache MXNet).
   */
  static async imports(
    symbolFile: string,
    inputNames: string | readonly string[],
    paramFile?: string | null,
    opts: ImportsOptions = {},
  ): Promise<SymbolBlock> {
    checkOptions("SymbolBlock.imports", opts, ["ctx", "allowMissing", "ignoreExtra"]);
    const symbol = await loadSymbol(symbolFile);
    const names = typeof inputNames === "string" ? [inputNames] : [...inputNames];
    const ret = new SymbolBlock(symbol, names.map((n) => Variable(n)));
    if (paramFile) {
      await ret.collectParams().load(paramFile, {
        ctx: opts.ctx,
        allowMissing: opts.allowMissing,
        ignoreExtra: opts.ignoreExtra,
        castDtype: true,
        dtypeSource: "saved",
      });
    }
    return ret;
  }

  /** @internal The graph always runs (there is nothing to trace). */
  override _runForward(impl: ForwardFn, args: unknown[]): unknown {
    return impl.apply(this, args);
  }

  /** Runs the graph on arrays, or composes it with Symbols. */
  override forward(...args: Any[]): Any {
    const { leaves } = flatten(args);
    if (hasSymbol(args)) {
      const given = Object.fromEntries(this.#inputs.map((n, i) => [n, leaves[i] as Symbol]));
      const out = this.#symbol.compose(given);
      return this.#outFmt === "leaf"
        ? out
        : regroup(out.outputs.map((e) => new Symbol([e])), this.#outFmt);
    }
    const arrays = arraysOf(leaves);
    if (arrays.length !== this.#inputs.length) {
      throw new MXNetError(
        `SymbolBlock: expected ${this.#inputs.length} input(s) (${
          this.#inputs.join(", ")
        }), got ${arrays.length}`,
      );
    }
    const ctx = commonContext(arrays, "SymbolBlock");
    this.#graph.inferParams(arrays);
    return regroup(this.#graph.run(arrays, ctx), this.#outFmt);
  }

  /** The wrapped graph. */
  get symbol(): Symbol {
    return this.#symbol;
  }

  /** `SymbolBlock(<graph> : inputs -> outputs)`. */
  override toString(): string {
    return `SymbolBlock(\n${this.#symbol} : ${this.#inputs.length} -> ${this.#symbol.listOutputs().length}\n)`;
  }
}
