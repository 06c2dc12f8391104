/**
 * Executor: a Symbol bound to arrays. Forward runs every node through the same
 * operator registry and engine as NDArray; backward runs the registry's gradients over
 * the recorded forward pass and writes them into the gradient arrays.
 * @module
 */
import type { Context } from "../core/context.ts";
import type { DType } from "../core/dtype.ts";
import {
  ContextError,
  DisposedError,
  DTypeError,
  EngineError,
  MXNetError,
  ParamError,
  ShapeError,
  UnsupportedError,
} from "../core/errors.ts";
import { formatShape, shapeEqual } from "../core/shape.ts";
import { type GradReq, markVariables, record } from "../autograd/mod.ts";
import { sweep, writeGrads } from "../autograd/_graph.ts";
import { applyOp } from "../ndarray/apply.ts";
import { auxNamesOf } from "../ops/op_def.ts";
import { NDArray } from "../ndarray/ndarray.ts";
import { collectCreated, keep, scope } from "../ndarray/scope.ts";
import type { Node } from "./graph.ts";
import type { Symbol } from "./symbol.ts";

/** Arrays by argument name, or in `listArguments()` order. */
export type ArrayMap = Record<string, NDArray> | readonly NDArray[];

/** Options of `bind`. */
export interface BindOptions {
  /** Gradient buffers, by name or in argument order. */
  argsGrad?: ArrayMap;
  /** How each argument's gradient is written (default "write" where a buffer exists). */
  gradReq?: GradReq | Record<string, GradReq> | readonly GradReq[];
  /** Auxiliary state arrays, by name or in order. */
  auxStates?: ArrayMap;
}

function toRecord(names: readonly string[], m: ArrayMap | undefined, what: string) {
  if (!m) return {} as Record<string, NDArray>;
  if (!Array.isArray(m)) return { ...(m as Record<string, NDArray>) };
  if (m.length !== names.length) {
    throw new MXNetError(`bind: ${what} has ${m.length} arrays for ${names.length} names`);
  }
  return Object.fromEntries(names.map((n, i) => [n, (m as NDArray[])[i]]));
}

/**
 * Receives a node's array during forward (`Executor.setMonitorCallback`): the entry's
 * name (`fc1_output`, or `fc1_weight` for an input with `monitorAll`) and the array. The
 * array is an intermediate freed after the pass: read it, or compute from it, inside the
 * callback (and `keep` what must outlive the pass).
 */
export type MonitorCallback = (name: string, array: NDArray) => void;

/** The argument names an operator node's inputs have (`data`, `weight`, `moving_mean`). */
function inputNamesOf(n: Node): string[] {
  const op = n.op!;
  const names = typeof op.inputs === "function"
    ? op.inputs(n.params as Record<string, unknown>)
    : op.inputs;
  return [...names, ...auxNamesOf(op, n.params as Record<string, unknown>)];
}

/** The user-visible name of output `index` of operator node `n` (as `listOutputs`). */
function outputNameOf(n: Node, index: number): string {
  return n.numVisibleOutputs > 1 ? `${n.name}_output${index}` : `${n.name}_output`;
}

/** A bound symbol. */
export class Executor {
  /** The bound symbol. */
  readonly symbol: Symbol;
  /** The context it runs on. */
  readonly ctx: Context;
  /** Argument arrays by name. */
  readonly argDict: Record<string, NDArray>;
  /** Gradient arrays by argument name (arguments with gradReq "null" have none). */
  readonly gradDict: Record<string, NDArray>;
  /** Auxiliary state arrays by name. */
  readonly auxDict: Record<string, NDArray>;
  /** Gradient request per argument. */
  readonly gradReq: Record<string, GradReq>;
  #outputs: NDArray[] = [];
  #heads: NDArray[] = [];
  /** True between a `forward({ isTrain: true })` and its backward. */
  #recorded = false;
  #temps: NDArray[] = [];
  #monitor: { callback: MonitorCallback; monitorAll: boolean } | null = null;

  /**
   * Use `bind` / `simpleBind`.
   * @ignore
   */
  constructor(symbol: Symbol, ctx: Context, args: ArrayMap, opts: BindOptions = {}) {
    this.symbol = symbol;
    this.ctx = ctx;
    const argNames = symbol.listArguments();
    const auxNames = symbol.listAuxiliaryStates();
    this.argDict = toRecord(argNames, args, "args");
    this.gradDict = toRecord(argNames, opts.argsGrad, "argsGrad");
    this.auxDict = toRecord(auxNames, opts.auxStates, "auxStates");
    for (const n of argNames) {
      if (!this.argDict[n]) throw new MXNetError(`bind: no array given for argument ${n}`);
    }
    for (const n of auxNames) {
      if (!this.auxDict[n]) throw new MXNetError(`bind: no array given for auxiliary state ${n}`);
    }
    // A wrongly shaped parameter is reported now, by its name (fc_weight), as MXNet's bind
    // does, rather than by the operator's argument name at the first forward.
    const shapes: Record<string, readonly number[]> = {};
    for (const n of argNames) shapes[n] = this.argDict[n].shape;
    for (const n of auxNames) shapes[n] = this.auxDict[n].shape;
    try {
      symbol.inferShape(shapes);
    } catch (e) {
      if (e instanceof ShapeError) throw new ShapeError(`bind: ${e.message}`, { cause: e });
      throw e;
    }
    const req = opts.gradReq;
    this.gradReq = Object.fromEntries(argNames.map((n, i) => {
      const r = typeof req === "string"
        ? req
        : Array.isArray(req)
        ? req[i]
        : (req as Record<string, GradReq> | undefined)?.[n];
      return [n, this.gradDict[n] ? (r ?? "write") : "null"];
    }));
    for (const [n, r] of Object.entries(this.gradReq)) {
      if (r !== "null" && !this.gradDict[n]) {
        throw new MXNetError(`bind: gradReq of ${n} is ${r} but no gradient array was given`);
      }
    }
  }

  /** Output arrays of the last forward pass (the same arrays every time, as in MXNet). */
  get outputs(): NDArray[] {
    return this.#outputs;
  }

  /** Outputs by name. */
  get outputDict(): Record<string, NDArray> {
    const names = this.symbol.listOutputs();
    return Object.fromEntries(this.#outputs.map((o, i) => [names[i], o]));
  }

  /**
   * Runs the graph. `isTrain` records for backward and puts Dropout/BatchNorm in training
   * mode; other keys assign new input values (copied into the bound arrays).
   */
  forward(
    opts: { isTrain?: boolean } & Record<string, NDArray | boolean | undefined> = {},
  ): NDArray[] {
    const isTrain = opts.isTrain === true;
    for (const [k, v] of Object.entries(opts)) {
      if (k === "isTrain" || v === undefined) continue;
      const dst = this.argDict[k];
      if (!dst) throw new MXNetError(`forward: ${k} is not an argument of the symbol`);
      if (!shapeEqual(dst.shape, (v as NDArray).shape)) {
        throw new ShapeError(
          `forward: ${k} has shape ${formatShape((v as NDArray).shape)}, bound as ${
            formatShape(dst.shape)
          }`,
        );
      }
      (v as NDArray).copyTo(dst);
    }
    this.#release();
    let heads: NDArray[];
    if (isTrain) {
      // Training mode needs recording even without gradients: Dropout and BatchNorm
      // read the mode from the recorder.
      const names = Object.keys(this.gradReq).filter((n) => this.gradReq[n] !== "null");
      markVariables(
        names.map((n) => this.argDict[n]),
        names.map((n) => this.gradDict[n]),
        names.map((n) => this.gradReq[n]),
      );
      // The heads own the recorded graph; #release frees it with the intermediates.
      const { result, created } = collectCreated(() =>
        record(() => this.#run(), { trainMode: true })
      );
      this.#recorded = true;
      this.#temps = created;
      heads = result;
    } else {
      const { result, created } = collectCreated(() => this.#run());
      this.#temps = created;
      heads = result;
    }
    this.#heads = heads;
    if (this.#outputs.length === 0) {
      // Outputs live as long as the executor, whatever scope the first forward ran in.
      this.#outputs = heads.map((h) => keep(NDArray._alloc(h.shape, h.dtype, h.context)));
    }
    heads.forEach((h, i) => h.copyTo(this.#outputs[i]));
    if (!isTrain) this.#release();
    return this.#outputs;
  }

  /** Evaluates every node in order; returns the head arrays. */
  #run(): NDArray[] {
    const values = new Map<Node, NDArray[]>();
    for (const n of this.symbol._nodes()) {
      if (n.isVariable) {
        const v = this.argDict[n.name] ?? this.auxDict[n.name];
        if (!v) throw new MXNetError(`forward: variable ${n.name} is not bound`);
        values.set(n, [v]);
        continue;
      }
      const ins = n.inputs.map((e) => values.get(e.node)![e.index]);
      if (this.#monitor?.monitorAll) {
        const names = inputNamesOf(n);
        ins.forEach((a, i) => this.#monitor!.callback(`${n.name}_${names[i] ?? `input${i}`}`, a));
      }
      let outs: NDArray[];
      try {
        outs = applyOp(n.op!, ins, n.params as Record<string, unknown>, { ctx: this.ctx });
      } catch (e) {
        throw inNode(n, e);
      }
      values.set(n, outs);
      if (this.#monitor) {
        for (let i = 0; i < n.numVisibleOutputs; i++) {
          this.#monitor.callback(outputNameOf(n, i), outs[i]);
        }
      }
    }
    return this.symbol.outputs.map((e) => values.get(e.node)![e.index]);
  }

  /**
   * Calls `callback(name, array)` with every operator node's outputs during each forward
   * (MXNet's `set_monitor_callback`); with `monitorAll` each node's inputs first, named
   * `<node>_<argument>` (`fc1_weight`, `fc1_data`). `null` removes the callback.
   * `mx.monitor.Monitor` installs itself through this.
   */
  setMonitorCallback(callback: MonitorCallback | null, monitorAll = false): void {
    this.#monitor = callback ? { callback, monitorAll } : null;
  }

  /**
   * A readable listing of the graph: each variable with its bound shape, then each
   * operator node in execution order with its inputs, parameters and output shapes
   * (MXNet's `debug_str`, in mxts's own layout).
   */
  debugStr(): string {
    const nodes = this.symbol._nodes();
    const shapes = new Map<Node, string[]>();
    const lines = [
      "Symbol Outputs:",
      ...this.symbol.listOutputs().map((name, i) => `\toutput[${i}]=${name}`),
    ];
    const known: Record<string, readonly number[]> = {};
    for (const [k, v] of Object.entries({ ...this.argDict, ...this.auxDict })) known[k] = v.shape;
    const internals = this.symbol.getInternals();
    const inferred = internals.inferShape(known).outShapes;
    let k = 0;
    for (const n of nodes) {
      const count = n.isVariable ? 1 : n.numVisibleOutputs;
      shapes.set(n, inferred.slice(k, k + count).map((s) => formatShape(s)));
      k += count;
    }
    for (const n of nodes) {
      if (n.isVariable) {
        lines.push(`Variable:${n.name} ${shapes.get(n)![0]}`);
        continue;
      }
      const names = inputNamesOf(n);
      lines.push("--------------------", `Op:${n.op!.name}, Name=${n.name}`, "Inputs:");
      n.inputs.forEach((e, i) => {
        const src = e.node.isVariable ? e.node.name : outputNameOf(e.node, e.index);
        lines.push(
          `\targ[${i}]=${src} (${names[i] ?? `input${i}`}) ${shapes.get(e.node)![e.index]}`,
        );
      });
      const params = Object.entries(n.params ?? {});
      if (params.length) {
        lines.push("Attrs:", ...params.map(([key, v]) => `\t${key}=${JSON.stringify(v)}`));
      }
      lines.push(
        "Outputs:",
        ...shapes.get(n)!.map((s, i) => `\t${outputNameOf(n, i)} ${s}`),
      );
    }
    return lines.join("\n") + "\n";
  }

  /**
   * Back-propagates from the outputs of the last `forward({ isTrain: true })`.
   * `outGrads` default to ones (loss layers ignore them, as in MXNet).
   */
  backward(outGrads?: NDArray | readonly NDArray[]): void {
    if (!this.#recorded) {
      throw new MXNetError(
        "backward: call forward({ isTrain: true }) first (with gradient arrays bound)",
      );
    }
    const grads = outGrads instanceof NDArray ? [outGrads] : outGrads;
    // An output that depends on no argument with a gradient contributes nothing.
    const heads = this.#heads;
    scope(() =>
      writeGrads(sweep(heads, { where: "backward", headGrads: grads, allowConstants: true }))
    );
    this.#release();
  }

  /** Frees the arrays of the last pass (its intermediates and tape). */
  #release(): void {
    for (const t of this.#temps) t.dispose();
    this.#temps = [];
    this.#recorded = false;
    this.#heads = [];
  }

  /** Copies parameters into the bound arrays (`arg:`/`aux:` prefixes accepted). */
  copyParamsFrom(
    argParams: Record<string, NDArray>,
    auxParams: Record<string, NDArray> = {},
    allowExtra = false,
  ): void {
    const copy = (src: Record<string, NDArray>, dst: Record<string, NDArray>, what: string) => {
      for (const [k, v] of Object.entries(src)) {
        const name = k.replace(/^(arg|aux):/, "");
        if (dst[name] && !shapeEqual(v.shape, dst[name].shape)) {
          throw new ShapeError(
            `copyParamsFrom: ${what} ${name} has shape ${formatShape(v.shape)}, but the ` +
              `executor binds it as ${formatShape(dst[name].shape)}`,
          );
        }
        if (dst[name]) v.copyTo(dst[name]);
        else if (!allowExtra) {
          throw new MXNetError(`copyParamsFrom: ${what} ${name} is not in the executor`);
        }
      }
    };
    copy(argParams, this.argDict, "argument");
    copy(auxParams, this.auxDict, "auxiliary state");
  }

  /** A new executor for other input shapes, sharing parameter arrays whose shapes still fit. */
  reshape(shapes: Record<string, readonly number[]>): Executor {
    const ex = simpleBind(this.symbol, this.ctx, shapes, {
      gradReq: this.gradReq,
      shared: { ...this.argDict, ...this.auxDict },
    });
    return ex;
  }

  /** Frees every array the executor allocated. */
  dispose(): void {
    this.#release();
    for (const o of this.#outputs) o.dispose();
    this.#outputs = [];
  }
}

/** An error of graph node `n`'s operator, prefixed with the node's name (same class). */
function inNode(n: Node, e: unknown): unknown {
  if (!(e instanceof MXNetError) || e instanceof DisposedError || e instanceof EngineError) {
    return e;
  }
  const msg = `forward: node ${n.name}: ${e.message}`;
  const Class = [ShapeError, DTypeError, ParamError, ContextError, UnsupportedError]
    .find((c) => e instanceof c) ?? MXNetError;
  return new Class(msg, { cause: e });
}

/**
 * `symbol.bind(ctx, args, opts)`.
 * @ignore
 */
export function bind(
  symbol: Symbol,
  ctx: Context,
  args: ArrayMap,
  opts: BindOptions = {},
): Executor {
  return new Executor(symbol, ctx, args, opts);
}

/**
 * Allocates every argument, gradient and auxiliary array from the inferred shapes and
 * binds them (MXNet's `simple_bind`).
 * @ignore
 */
export function simpleBind(
  symbol: Symbol,
  ctx: Context,
  shapes: Record<string, readonly number[]>,
  opts: {
    gradReq?: GradReq | Record<string, GradReq>;
    typeDict?: Record<string, DType>;
    /** Existing arrays to reuse when their shapes match. */
    shared?: Record<string, NDArray>;
  } = {},
): Executor {
  const { argShapes, auxShapes } = symbol.inferShape(shapes);
  const { argTypes, auxTypes } = symbol.inferType(opts.typeDict ?? {});
  const argNames = symbol.listArguments(), auxNames = symbol.listAuxiliaryStates();
  const alloc = (name: string, shape: number[], dtype: DType) => {
    const s = opts.shared?.[name];
    if (s && shapeEqual(s.shape, shape)) return s;
    return keep(NDArray._alloc(shape, dtype, ctx).set(0));
  };
  const args = Object.fromEntries(argNames.map((n, i) => [n, alloc(n, argShapes[i], argTypes[i])]));
  const aux = Object.fromEntries(auxNames.map((n, i) => [n, alloc(n, auxShapes[i], auxTypes[i])]));
  const req = opts.gradReq ?? "write";
  const reqOf = (n: string) => (typeof req === "string" ? req : req[n] ?? "write");
  const grads = Object.fromEntries(
    argNames.flatMap((n, i) =>
      reqOf(n) === "null" ? [] : [[n, keep(NDArray._alloc(argShapes[i], argTypes[i], ctx).set(0))]]
    ),
  );
  return new Executor(symbol, ctx, args, {
    argsGrad: grads,
    gradReq: Object.fromEntries(argNames.map((n) => [n, reqOf(n)])),
    auxStates: aux,
  });
}
