/**
 * Symbol: a graph of operators with MXNet's naming, composition, attributes and
 * shape/type inference. Operators come from the same registry NDArray uses.
 * @module
 */
import { type DType, dtypeFromFlag } from "../core/dtype.ts";
import { MXNetError, ParamError, ShapeError } from "../core/errors.ts";
import { checkOptions, describe, keysOf } from "../core/options.ts";
import { formatShape, type Shape, shapeEqual } from "../core/shape.ts";
import { ARITH_OPS, type ArithName } from "../ops/frontend.ts";
import { auxNamesOf, type OpDef } from "../ops/op_def.ts";
import type {
  ArgReduceOptions,
  ArgsortOptions,
  DotOptions,
  NormOptions,
  ReduceOptions,
  SoftmaxOptions,
  SortOptions,
  TopkOptions,
} from "../ops/signatures.ts";
import type { UnaryName } from "../ndarray/arith.ts";
import { paramsToAttrs, parseParams } from "../ops/params.ts";
import { getOp } from "../ops/registry.ts";
import type { Context } from "../core/context.ts";
import type { GradReq } from "../autograd/mod.ts";
import type { Initializer } from "../initializer/initializer.ts";
import { makeName, Node, type NodeEntry, topoOrder } from "./graph.ts";
import { type ArrayMap, bind, type BindOptions, type Executor, simpleBind } from "./executor.ts";
import { save, toJSON } from "./json.ts";
import { checkUserAttributes, hideLegacyKeys } from "./mxnet_params.ts";

/** Options of `Variable`. */
export interface VariableOptions {
  /** Known shape (`__shape__`). */
  shape?: readonly number[];
  /** Known dtype (`__dtype__`). */
  dtype?: DType;
  /** Learning-rate multiplier (`__lr_mult__`). */
  lrMult?: number;
  /** Weight-decay multiplier (`__wd_mult__`). */
  wdMult?: number;
  /**
   * Initializer (`__init__`): an Initializer (stored as its `dumps()`, MXNet's form), or
   * such a JSON string.
   */
  init?: string | Initializer;
  /** Other attributes, stored as given. */
  attr?: Record<string, string>;
}

/** Shapes by argument name, as `inferShape` results. */
export interface InferShapeResult {
  /** Shapes of `listArguments()`, in order. */
  argShapes: number[][];
  /** Shapes of `listOutputs()`. */
  outShapes: number[][];
  /** Shapes of `listAuxiliaryStates()`. */
  auxShapes: number[][];
}

/** Like InferShapeResult, with `undefined` where a shape could not be inferred. */
export interface PartialShapeResult {
  /** Shapes of `listArguments()`. */
  argShapes: (number[] | undefined)[];
  /** Shapes of `listOutputs()`. */
  outShapes: (number[] | undefined)[];
  /** Shapes of `listAuxiliaryStates()`. */
  auxShapes: (number[] | undefined)[];
}

/**
 * A symbolic graph with one or more outputs.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const net = mx.sym.Variable("data1").add(mx.sym.Variable("data2"));
 * console.log(net.listArguments()); // ["data1", "data2"]
 * ```
 */
export class Symbol {
  /** The output entries. */
  readonly outputs: readonly NodeEntry[];

  /**
   * Use mx.sym.Variable or operator constructors.
   * @ignore
   */
  constructor(outputs: readonly NodeEntry[]) {
    this.outputs = outputs;
  }

  /** The node name of a single-output symbol. */
  get name(): string | undefined {
    return this.outputs.length === 1 ? this.outputs[0].node.name : undefined;
  }

  /**
   * The one output entry; throws for groups.
   * @ignore
   */
  _entry(where: string): NodeEntry {
    if (this.outputs.length !== 1) {
      throw new MXNetError(
        `${where}: expected a symbol with one output, got ${this.outputs.length} (${
          this.listOutputs().join(", ")
        })`,
      );
    }
    return this.outputs[0];
  }

  /**
   * Nodes in dependency order.
   * @ignore
   */
  _nodes(): Node[] {
    return topoOrder(this.outputs);
  }

  /** Variables used as auxiliary states (BatchNorm's moving statistics). */
  #auxVars(): Set<Node> {
    const aux = new Set<Node>();
    for (const n of this._nodes()) {
      n.inputs.forEach((e, i) => {
        if (i >= n.numArgs && e.node.isVariable) aux.add(e.node);
      });
    }
    return aux;
  }

  /** Argument names in MXNet's order (`data`, `fc1_weight`, `fc1_bias`, ...). */
  listArguments(): string[] {
    const aux = this.#auxVars();
    return this._nodes().filter((n) => n.isVariable && !aux.has(n)).map((n) => n.name);
  }

  /** Auxiliary state names (`bn_moving_mean`, ...). */
  listAuxiliaryStates(): string[] {
    const aux = this.#auxVars();
    return this._nodes().filter((n) => aux.has(n)).map((n) => n.name);
  }

  /** Every variable name: arguments and auxiliary states, in graph order. */
  listInputs(): string[] {
    return this._nodes().filter((n) => n.isVariable).map((n) => n.name);
  }

  /** Output names (`fc1_output`; variables by their own name). */
  listOutputs(): string[] {
    return this.outputs.map((e) => outputName(e));
  }

  /** Every output of every node, as one grouped symbol. */
  getInternals(): Symbol {
    const entries: NodeEntry[] = [];
    for (const n of this._nodes()) {
      for (let i = 0; i < n.numVisibleOutputs; i++) entries.push({ node: n, index: i });
    }
    return new Symbol(entries);
  }

  /** The inputs of this symbol's output node(s), or undefined for a variable. */
  getChildren(): Symbol | undefined {
    const entries = this.outputs.flatMap((e) => e.node.inputs);
    return entries.length ? new Symbol(entries) : undefined;
  }

  /** Output `i`, or the output named `name` (e.g. from `getInternals()`). */
  get(key: number | string): Symbol {
    if (typeof key === "number") {
      const e = this.outputs[key];
      if (!e) throw new MXNetError(`Symbol.get: index ${key} is out of range`);
      return new Symbol([e]);
    }
    const i = this.listOutputs().indexOf(key);
    if (i < 0) throw new MXNetError(`Symbol.get: no output named ${key}`);
    return new Symbol([this.outputs[i]]);
  }

  /** An attribute of the output node (`__lr_mult__`, `num_hidden`, ...). */
  attr(key: string): string | undefined {
    return this._entry("attr").node.attrs[key];
  }

  /** The output node's attributes. */
  listAttr(): Record<string, string> {
    return { ...this._entry("listAttr").node.attrs };
  }

  /** Attributes of every node, keyed by node name. */
  attrDict(): Record<string, Record<string, string>> {
    const out: Record<string, Record<string, string>> = {};
    for (const n of this._nodes()) if (Object.keys(n.attrs).length) out[n.name] = { ...n.attrs };
    return out;
  }

  /**
   * Sets attributes on the output node; on an operator node only its parameters and
   * hidden (`__x__`) attributes, as MXNet re-parses them.
   */
  setAttr(attrs: Record<string, string>): void {
    const node = this._entry("setAttr").node;
    if (node.op) checkUserAttributes(node.op, attrs, `setAttr on ${node.name}`);
    Object.assign(node.attrs, hideLegacyKeys(attrs));
  }

  /**
   * Infers every shape from the given input shapes; throws a ShapeError naming what
   * stays unknown or contradicts.
   */
  inferShape(shapes: Record<string, readonly number[]> = {}): InferShapeResult {
    const r = this.inferShapePartial(shapes);
    const unknown = [
      ...this.listArguments().filter((_, i) => !r.argShapes[i]),
      ...this.listAuxiliaryStates().filter((_, i) => !r.auxShapes[i]),
    ];
    if (unknown.length || r.outShapes.some((s) => !s)) {
      throw new ShapeError(
        `inferShape: cannot infer the shapes of ${unknown.join(", ") || "the outputs"}; ` +
          `give more input shapes`,
      );
    }
    return r as InferShapeResult;
  }

  /** Infers what it can; unknown shapes are `undefined`. */
  inferShapePartial(shapes: Record<string, readonly number[]> = {}): PartialShapeResult {
    const known = inferEntryShapes(this._nodes(), shapes);
    const shapeOf = (e: NodeEntry) => known.get(e.node)?.[e.index] as number[] | undefined;
    // One lookup table, not a search per argument: linear in the number of variables.
    const vars = variablesByName(known.keys());
    const varShape = (name: string) => shapeOf({ node: vars.get(name)!, index: 0 });
    return {
      argShapes: this.listArguments().map(varShape),
      outShapes: this.outputs.map(shapeOf),
      auxShapes: this.listAuxiliaryStates().map(varShape),
    };
  }

  /** Infers dtypes: given ones, `__dtype__` attributes, else each op's type rule. */
  inferType(types: Record<string, DType> = {}): {
    argTypes: DType[];
    outTypes: DType[];
    auxTypes: DType[];
  } {
    const nodes = this._nodes();
    const t = new Map<Node, DType[]>();
    for (const n of nodes) {
      if (n.isVariable) {
        const given = Object.hasOwn(types, n.name) ? types[n.name] : undefined;
        t.set(n, [given ?? dtypeAttr(n.attrs.__dtype__) ?? "float32"]);
        continue;
      }
      const ins = n.inputs.map((e) => t.get(e.node)![e.index]);
      const op = n.op!;
      const outs = op.inferType ? op.inferType(ins, n.params) : Array(n.numOutputs).fill(ins[0]);
      t.set(n, outs);
    }
    const vars = variablesByName(nodes);
    const byName = (name: string) => t.get(vars.get(name)!)![0];
    return {
      argTypes: this.listArguments().map(byName),
      outTypes: this.outputs.map((e) => t.get(e.node)![e.index]),
      auxTypes: this.listAuxiliaryStates().map(byName),
    };
  }

  /**
   * MXNet's `net(data=net2, name='compose')`: returns a copy of this graph with the
   * named variables replaced by the given symbols; with `name`, every other node of this
   * graph is renamed `name_<old>`.
   */
  compose(inputs: Record<string, Symbol>, opts: { name?: string } = {}): Symbol {
    checkOptions("compose", opts, ["name"]);
    const replace = new Map(Object.entries(inputs).map(([k, s]) => [k, s._entry("compose")]));
    const copies = new Map<Node, Node>();
    const mapEntry = (e: NodeEntry): NodeEntry => {
      if (e.node.isVariable && replace.has(e.node.name)) return replace.get(e.node.name)!;
      return { node: copies.get(e.node)!, index: e.index };
    };
    for (const n of this._nodes()) {
      if (n.isVariable && replace.has(n.name)) continue;
      const name = opts.name ? `${opts.name}_${n.name}` : n.name;
      copies.set(n, new Node(n.op, name, n.params, { ...n.attrs }, n.inputs.map(mapEntry)));
    }
    return new Symbol(this.outputs.map(mapEntry));
  }

  /** `this <op> other`: a broadcast operator for a symbol, the scalar form for a number. */
  #arith(name: ArithName, other: Symbol | number): Symbol {
    const [bcast, scalar, , hint] = ARITH_OPS[name];
    if (typeof other === "number") {
      return createSymbol(scalar, [this], { scalar: other }, { hint: scalar });
    }
    if (!(other instanceof Symbol)) {
      throw new ParamError(
        `Symbol.${name}: other expects a Symbol or a number, got ${describe(other)}`,
      );
    }
    return createSymbol(bcast, [this, other], {}, { hint });
  }

  /** This symbol through operator `op` with `params`. */
  #op(op: string, params: Record<string, unknown> = {}, more: readonly Symbol[] = []): Symbol {
    return createSymbol(op, [this, ...more], params);
  }

  // ---- The NDArray methods that make sense on a graph, with NDArray's signatures, so
  // code written against either runs when hybridized. ----

  /** `this + other` (MXNet's `_plus`). */
  add(other: Symbol | number): Symbol {
    return this.#arith("add", other);
  }
  /** `this - other`. */
  sub(other: Symbol | number): Symbol {
    return this.#arith("sub", other);
  }
  /** `this * other`. */
  mul(other: Symbol | number): Symbol {
    return this.#arith("mul", other);
  }
  /** `this / other`. */
  div(other: Symbol | number): Symbol {
    return this.#arith("div", other);
  }
  /** `this ** other`. */
  pow(other: Symbol | number): Symbol {
    return this.#arith("pow", other);
  }
  /** Elementwise maximum. */
  maximum(other: Symbol | number): Symbol {
    return this.#arith("maximum", other);
  }
  /** Elementwise minimum. */
  minimum(other: Symbol | number): Symbol {
    return this.#arith("minimum", other);
  }
  /** `this == other` as 0/1. */
  equal(other: Symbol | number): Symbol {
    return this.#arith("equal", other);
  }
  /** `this != other` as 0/1. */
  notEqual(other: Symbol | number): Symbol {
    return this.#arith("notEqual", other);
  }
  /** `this > other` as 0/1. */
  greater(other: Symbol | number): Symbol {
    return this.#arith("greater", other);
  }
  /** `this >= other` as 0/1. */
  greaterEqual(other: Symbol | number): Symbol {
    return this.#arith("greaterEqual", other);
  }
  /** `this < other` as 0/1. */
  lesser(other: Symbol | number): Symbol {
    return this.#arith("lesser", other);
  }
  /** `this <= other` as 0/1. */
  lesserEqual(other: Symbol | number): Symbol {
    return this.#arith("lesserEqual", other);
  }
  /** `-this`. */
  neg(): Symbol {
    return this.#op("negative");
  }
  /** `scalar - this`. */
  rsub(scalar: number): Symbol {
    return this.#op("_rminus_scalar", { scalar });
  }
  /** `scalar / this`. */
  rdiv(scalar: number): Symbol {
    return this.#op("_rdiv_scalar", { scalar });
  }
  /** Applies a unary operator by MXNet name (`"exp"`, `"relu"`, ...). */
  unary(name: UnaryName): Symbol {
    return this.#op(name);
  }
  /** `abs(this)`. */
  abs(): Symbol {
    return this.#op("abs");
  }
  /** `exp(this)`. */
  exp(): Symbol {
    return this.#op("exp");
  }
  /** `log(this)`. */
  log(): Symbol {
    return this.#op("log");
  }
  /** `sqrt(this)`. */
  sqrt(): Symbol {
    return this.#op("sqrt");
  }
  /** `this * this`. */
  square(): Symbol {
    return this.#op("square");
  }
  /** `max(this, 0)`. */
  relu(): Symbol {
    return this.#op("relu");
  }
  /** `1 / (1 + exp(-this))`. */
  sigmoid(): Symbol {
    return this.#op("sigmoid");
  }
  /** `tanh(this)`. */
  tanh(): Symbol {
    return this.#op("tanh");
  }
  /** Clips to [aMin, aMax]. */
  clip(aMin: number, aMax: number): Symbol {
    return this.#op("clip", { aMin, aMax });
  }
  /** Sum over `axis` (all axes by default). */
  sum(opts: ReduceOptions = {}): Symbol {
    return this.#op("sum", { ...opts });
  }
  /** Mean over `axis`. */
  mean(opts: ReduceOptions = {}): Symbol {
    return this.#op("mean", { ...opts });
  }
  /** Product over `axis`. */
  prod(opts: ReduceOptions = {}): Symbol {
    return this.#op("prod", { ...opts });
  }
  /** Maximum over `axis`. */
  max(opts: ReduceOptions = {}): Symbol {
    return this.#op("max", { ...opts });
  }
  /** Minimum over `axis`. */
  min(opts: ReduceOptions = {}): Symbol {
    return this.#op("min", { ...opts });
  }
  /** L2 norm over `axis`. */
  norm(opts: NormOptions = {}): Symbol {
    return this.#op("norm", { ...opts });
  }
  /** Index of the maximum along `axis` (float32, as MXNet). */
  argmax(opts: ArgReduceOptions = {}): Symbol {
    return this.#op("argmax", { ...opts });
  }
  /** Index of the minimum along `axis`. */
  argmin(opts: ArgReduceOptions = {}): Symbol {
    return this.#op("argmin", { ...opts });
  }
  /** Matrix product. */
  dot(other: Symbol, opts: DotOptions = {}): Symbol {
    return this.#op("dot", { ...opts }, [other]);
  }
  /** Reshape with MXNet's special codes (0, -1, -2, -3, -4). */
  reshape(shape: readonly number[], opts: { reverse?: boolean } = {}): Symbol {
    return this.#op("Reshape", { shape, ...opts });
  }
  /** Permutes axes (reverses them by default). */
  transpose(axes: readonly number[] = []): Symbol {
    return this.#op("transpose", { axes });
  }
  /** Swaps two axes. */
  swapaxes(dim1: number, dim2: number): Symbol {
    return this.#op("SwapAxis", { dim1, dim2 });
  }
  /** Inserts an axis of size 1. */
  expandDims(axis: number): Symbol {
    return this.#op("expand_dims", { axis });
  }
  /** Removes axes of size 1. */
  squeeze(axis?: number | number[]): Symbol {
    return this.#op("squeeze", { axis });
  }
  /** Collapses all axes but the first. */
  flatten(): Symbol {
    return this.#op("Flatten");
  }
  /** Broadcasts to `shape`. */
  broadcastTo(shape: readonly number[]): Symbol {
    return this.#op("broadcast_to", { shape });
  }
  /**
   * Broadcasts to the shape of `other`, or (#19) sets the size-1 axes `lhsAxes` to the sizes
   * of `other`'s axes `rhsAxes`.
   */
  broadcastLike(
    other: Symbol,
    opts: { lhsAxes?: number | readonly number[]; rhsAxes?: number | readonly number[] } = {},
  ): Symbol {
    checkOptions("broadcastLike", opts, ["lhsAxes", "rhsAxes"]);
    return this.#op("broadcast_like", { ...opts }, [other]);
  }
  // MXNet's fluent methods of the shape and indexing operators.
  /** Size-1 `axis` (or axes) broadcast to `size` (`broadcast_axes`). */
  broadcastAxes(axis: number | readonly number[], size: number | readonly number[]): Symbol {
    return this.#op("broadcast_axis", { axis, size });
  }
  /** The leading part with the sizes of `other` (on `axes`, or every axis). */
  sliceLike(other: Symbol, axes?: number | readonly number[]): Symbol {
    return this.#op("slice_like", { axes }, [other]);
  }
  /** The k-th diagonal (N-d) or a diagonal matrix (1-D). */
  diag(k = 0, opts: { axis1?: number; axis2?: number } = {}): Symbol {
    checkOptions("diag", opts, ["axis1", "axis2"]);
    return this.#op("diag", { k, ...opts });
  }
  /** Channel blocks moved into space (`depth_to_space`). */
  depthToSpace(blockSize: number): Symbol {
    return this.#op("depth_to_space", { blockSize });
  }
  /** Spatial blocks moved into channels (`space_to_depth`). */
  spaceToDepth(blockSize: number): Symbol {
    return this.#op("space_to_depth", { blockSize });
  }
  /** The shape as a 1-D int64 array. */
  shapeArray(): Symbol {
    return this.#op("shape_array", {});
  }
  /** The element count as a 1-element int64 array. */
  sizeArray(): Symbol {
    return this.#op("size_array", {});
  }
  /** Argmax over axis 1 (`argmax_channel`). */
  argmaxChannel(): Symbol {
    return this.#op("argmax_channel", {});
  }
  /** `this[begin:end:step]` per axis (null = whole axis). */
  slice(
    begin: readonly (number | null)[],
    end: readonly (number | null)[],
    step?: readonly (number | null)[],
  ): Symbol {
    return this.#op("slice", { begin, end, step });
  }
  /** Slice along one axis. */
  sliceAxis(axis: number, begin: number, end: number | null): Symbol {
    return this.#op("slice_axis", { axis, begin, end });
  }
  /** Repeats the whole array `reps` times per axis. */
  tile(reps: readonly number[]): Symbol {
    return this.#op("tile", { reps });
  }
  /** Repeats each element. */
  repeat(repeats: number, axis?: number): Symbol {
    return this.#op("repeat", { repeats, axis });
  }
  /** Reverses along axes. */
  flip(axis: number | readonly number[]): Symbol {
    return this.#op("reverse", { axis });
  }
  /** Gathers slices along `axis` at `indices`. */
  take(indices: Symbol, opts: { axis?: number; mode?: "clip" | "wrap" } = {}): Symbol {
    return this.#op("take", { ...opts }, [indices]);
  }
  /** Picks one element per position along `axis`. */
  pick(index: Symbol, opts: { axis?: number; keepdims?: boolean } = {}): Symbol {
    return this.#op("pick", { ...opts }, [index]);
  }
  /** One-hot encodes these indices. */
  oneHot(depth: number, opts: { onValue?: number; offValue?: number; dtype?: DType } = {}): Symbol {
    return this.#op("one_hot", { depth, ...opts });
  }
  /** Softmax along `axis` (last by default). */
  softmax(opts: SoftmaxOptions = {}): Symbol {
    return this.#op("softmax", { ...opts });
  }
  /** Log-softmax along `axis`. */
  logSoftmax(opts: SoftmaxOptions = {}): Symbol {
    return this.#op("log_softmax", { ...opts });
  }
  /** Sorted copy along `axis`. */
  sort(opts: SortOptions = {}): Symbol {
    return this.#op("sort", { ...opts });
  }
  /** Indices that sort along `axis`. */
  argsort(opts: ArgsortOptions = {}): Symbol {
    return this.#op("argsort", { ...opts });
  }
  /** Top-k values or indices along `axis` (MXNet's `ret_typ` as `retTyp`). */
  topk(opts: TopkOptions = {}): Symbol {
    return this.#op("topk", { ...opts });
  }
  /** Converted to `dtype` (`Cast`). */
  astype(dtype: DType): Symbol {
    return this.#op("Cast", { dtype });
  }
  /** Zeros of the same shape and dtype. */
  zerosLike(): Symbol {
    return this.#op("zeros_like");
  }
  /** Ones of the same shape and dtype. */
  onesLike(): Symbol {
    return this.#op("ones_like");
  }

  /** `this % other` with MXNet's mod (the divisor's sign; 0 where the divisor is 0). */
  mod(other: Symbol | number): Symbol {
    return this.#arith("mod", other);
  }
  /** Sum over `axis`, NaN counted as 0. */
  nansum(opts: ReduceOptions = {}): Symbol {
    return this.#op("nansum", { ...opts });
  }
  /** Product over `axis`, NaN counted as 1. */
  nanprod(opts: ReduceOptions = {}): Symbol {
    return this.#op("nanprod", { ...opts });
  }
  /** Softmax of `-this` along `axis`. */
  softmin(opts: SoftmaxOptions = {}): Symbol {
    return this.#op("softmin", { ...opts });
  }

  /** The graph in MXNet's JSON format (`tojson()`). */
  toJSON(): string {
    return toJSON(this);
  }

  /** Writes the graph as MXNet JSON to `path`. */
  save(path: string): Promise<void> {
    return save(this, path);
  }

  /**
   * Binds arrays to the arguments: `C.bind(mx.cpu(), { A: a, B: b })`.
   * @example
   * ```ts
   * import * as mx from "../../mod.ts";
   * const C = mx.sym.Variable("A").mul(mx.sym.Variable("B"));
   * const ex = C.bind(mx.cpu(), { A: mx.nd.ones([3]).mul(4), B: mx.nd.ones([3]).mul(2) });
   * ex.forward();
   * console.log(await ex.outputs[0].array()); // [8, 8, 8]
   * ```
   */
  bind(ctx: Context, args: ArrayMap, opts: BindOptions = {}): Executor {
    checkOptions("bind", opts, ["argsGrad", "gradReq", "auxStates"]);
    return bind(this, ctx, args, opts);
  }

  /** Allocates all arrays from input shapes and binds them (`simple_bind`). */
  simpleBind(
    ctx: Context,
    shapes: Record<string, readonly number[]>,
    opts: { gradReq?: GradReq | Record<string, GradReq>; typeDict?: Record<string, DType> } = {},
  ): Executor {
    checkOptions("simpleBind", opts, ["gradReq", "typeDict"]);
    return simpleBind(this, ctx, shapes, opts);
  }

  /** A short description. */
  toString(): string {
    return `<Symbol ${this.name ?? `group [${this.listOutputs().join(", ")}]`}>`;
  }
}

/** The user-visible name of an output entry. */
function outputName(e: NodeEntry): string {
  if (e.node.isVariable) return e.node.name;
  const own = e.node.op?.outputNames?.(e.node.params)[e.index];
  if (own !== undefined) return `${e.node.name}_${own}`;
  return e.node.numVisibleOutputs > 1 ? `${e.node.name}_output${e.index}` : `${e.node.name}_output`;
}

/** The first variable of each name, as `nodes.find` would give it. */
function variablesByName(nodes: Iterable<Node>): Map<string, Node> {
  const vars = new Map<string, Node>();
  for (const n of nodes) if (n.isVariable && !vars.has(n.name)) vars.set(n.name, n);
  return vars;
}

/**
 * Shapes of every entry of `nodes` (a topological order), by node and output index, from
 * given shapes, `__shape__` and each op's rules. Every node is a key, in order, with the
 * shapes known so far. Each pass is linear in the graph's size.
 */
function inferEntryShapes(
  nodes: readonly Node[],
  given: Record<string, readonly number[]>,
): Map<Node, (Shape | undefined)[]> {
  const known = new Map<Node, (Shape | undefined)[]>(nodes.map((n) => [n, []]));
  const get = (e: NodeEntry) => known.get(e.node)![e.index];
  const set = (e: NodeEntry, s: Shape, by: Node) => {
    const shapes = known.get(e.node)!;
    const prev = shapes[e.index];
    if (prev && !shapeEqual(prev, s)) {
      throw new ShapeError(
        `inferShape: ${by.name} (${by.op?.name ?? "variable"}) needs ${outputName(e)} to have ` +
          `shape ${formatShape(s)}, but it has ${formatShape(prev)}`,
      );
    }
    if (!prev) {
      shapes[e.index] = s;
      return true;
    }
    return false;
  };
  for (const n of nodes) {
    if (!n.isVariable) continue;
    // hasOwn: a variable named "constructor" must not find Object's.
    const s = (Object.hasOwn(given, n.name) ? given[n.name] : undefined) ??
      parseShapeAttr(n.attrs.__shape__);
    if (s) set({ node: n, index: 0 }, [...s], n);
  }
  // Forward and backward passes until nothing changes (weights get shapes from data).
  for (let pass = 0; pass <= nodes.length; pass++) {
    let changed = false;
    for (const n of nodes) {
      if (n.isVariable) continue;
      const op = n.op!;
      let ins = n.inputs.map(get);
      if (ins.some((s) => !s) && op.inferInputShapes) {
        const filled = op.inferInputShapes(ins, n.params);
        filled.forEach((s, i) => {
          if (s && !ins[i] && set(n.inputs[i], s, n)) changed = true;
        });
        ins = n.inputs.map(get);
      }
      if (ins.every((s) => s)) {
        let outs: Shape[];
        try {
          outs = op.inferShape(ins as Shape[], n.params);
        } catch (e) {
          if (e instanceof ShapeError) {
            const culprit = misshapenVariable(n, ins as Shape[]);
            throw new ShapeError(
              `inferShape: node ${n.name} (${op.name}): ${
                culprit ? culprit + "; " : ""
              }${e.message}`,
              { cause: e },
            );
          }
          throw e;
        }
        outs.forEach((s, i) => {
          if (set({ node: n, index: i }, s, n)) changed = true;
        });
      }
    }
    if (!changed) break;
  }
  return known;
}

/**
 * When a node's shapes contradict, the variable to blame (a parameter such as `fc_weight`
 * with a wrong shape), found by deriving the other inputs' shapes from the first one:
 * `argument fc_weight has shape [2,5], expected [2,3] from data [4,3]`.
 */
function misshapenVariable(n: Node, ins: readonly Shape[]): string | undefined {
  const op = n.op!;
  if (!op.inferInputShapes || ins.length < 2) return undefined;
  let derived: (Shape | undefined)[];
  try {
    derived = op.inferInputShapes([ins[0], ...ins.slice(1).map(() => undefined)], n.params);
  } catch {
    return undefined;
  }
  const names = [
    ...(typeof op.inputs === "function" ? op.inputs(n.params) : op.inputs),
    ...auxNamesOf(op, n.params),
  ];
  for (let i = 1; i < ins.length; i++) {
    const want = derived[i], v = n.inputs[i].node;
    if (want && v.isVariable && !shapeEqual(want, ins[i])) {
      return `argument ${v.name} has shape ${formatShape(ins[i])}, expected ${
        formatShape(want)
      } from ${names[0]} ${formatShape(ins[0])}`;
    }
  }
  return undefined;
}

/** A `__dtype__` attribute: a name, or MXNet's numeric type flag ("0" is float32). */
function dtypeAttr(v: string | undefined): DType | undefined {
  if (v === undefined) return undefined;
  return /^\d+$/.test(v) ? dtypeFromFlag(Number(v)) : v as DType;
}

function parseShapeAttr(v: string | undefined): number[] | undefined {
  if (!v) return undefined;
  const body = v.replace(/[()[\]\s]/g, "");
  const shape = body === "" ? [] : body.split(",").filter((s) => s !== "").map(Number);
  // MXNet writes 0 for sizes not known yet (Gluon's deferred `(128, 0)`): left to inference.
  return shape.includes(0) ? undefined : shape;
}

const VARIABLE_OPTIONS = keysOf<VariableOptions>({
  shape: true,
  dtype: true,
  lrMult: true,
  wdMult: true,
  init: true,
  attr: true,
});

/**
 * A variable (an input of the graph).
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * console.log(mx.sym.Variable("data").listArguments()); // ["data"]
 * ```
 */
export function Variable(name: string, opts: VariableOptions = {}): Symbol {
  checkOptions("Variable", opts, VARIABLE_OPTIONS);
  const attrs: Record<string, string> = { ...(opts.attr ?? {}) };
  if (opts.shape) {
    attrs.__shape__ = `(${opts.shape.join(", ")}${opts.shape.length === 1 ? "," : ""})`;
  }
  if (opts.dtype) attrs.__dtype__ = opts.dtype;
  if (opts.lrMult !== undefined) attrs.__lr_mult__ = String(opts.lrMult);
  if (opts.wdMult !== undefined) attrs.__wd_mult__ = String(opts.wdMult);
  if (opts.init !== undefined) {
    attrs.__init__ = typeof opts.init === "string" ? opts.init : opts.init.dumps();
  }
  // As in MXNet, variables keep their exact name: prefixes apply to operators only.
  return new Symbol([{ node: new Node(null, name, {}, attrs, []), index: 0 }]);
}

/** Groups symbols into one with all their outputs (MXNet's `Group`). */
export function Group(symbols: readonly Symbol[]): Symbol {
  return new Symbol(symbols.flatMap((s) => s.outputs));
}

/** Options every operator constructor takes besides its parameters. */
export interface NodeOptions {
  /** Node name (automatic `opname0` when omitted). */
  name?: string;
  /** Extra attributes for the node. */
  attr?: Record<string, string>;
  /** Name hint for automatic naming (default: the op name in lower case). */
  hint?: string;
}

/**
 * Applies an operator to symbols. `inputs` is positional or keyed by argument name;
 * missing arguments become variables named `<name>_<arg>` (`fc1_weight`).
 */
export function createSymbol(
  opName: string,
  inputs: readonly Symbol[] | Record<string, Symbol | undefined>,
  rawParams: Record<string, unknown>,
  opts: NodeOptions = {},
): Symbol {
  const op: OpDef = getOp(opName);
  const p = parseParams(op, rawParams);
  const argNames = [
    ...(typeof op.inputs === "function" ? op.inputs(p) : op.inputs),
    ...auxNamesOf(op, p),
  ];
  const name = makeName(opts.name, opts.hint ?? op.name.toLowerCase());
  if (opts.attr) checkUserAttributes(op, opts.attr, "attr option");
  const attrs = { ...paramsToAttrs(op, rawParams), ...hideLegacyKeys(opts.attr ?? {}) };
  // Inputs may be keyed in camelCase (movingMean) or MXNet's spelling (moving_mean).
  const snake = (k: string) => k.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase());
  // A Set: variadic operators (Concat of 100k inputs) must not check names quadratically.
  const argSet = new Set(argNames);
  const given = Array.isArray(inputs) ? new Map(inputs.map((s, i) => [argNames[i], s])) : new Map(
    Object.entries(inputs).filter(([, s]) => s).map(([k, s]) => [
      argSet.has(k) ? k : snake(k),
      s,
    ]),
  );
  if (Array.isArray(inputs) && inputs.length > argNames.length) {
    throw new MXNetError(`${op.name}: takes ${argNames.length} inputs, got ${inputs.length}`);
  }
  for (const k of given.keys()) {
    if (!argSet.has(k)) {
      throw new MXNetError(`${op.name}: unknown input ${k}; its inputs are ${argNames.join(", ")}`);
    }
  }
  const entries = argNames.map((arg) => {
    const s = given.get(arg);
    if (s) return s._entry(`${op.name}: input ${arg}`);
    // MXNet copies all the operator's attributes onto the variables it creates for it,
    // hidden ones included: `attr: { lr_mult: "0.01" }` on a layer sets its weight's.
    const varAttrs: Record<string, string> = { ...attrs };
    Object.assign(varAttrs, op.inputVarAttrs?.(arg, p));
    return { node: new Node(null, `${name}_${arg}`, {}, varAttrs, []), index: 0 };
  });
  const node = new Node(op, name, p, attrs, entries);
  const visible = node.numVisibleOutputs;
  return new Symbol(Array.from({ length: visible }, (_, i) => ({ node, index: i })));
}
