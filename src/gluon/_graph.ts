/**
 * Hybridization's graph side: `Trace` turns the operators a forward pass applies to real
 * NDArrays (reported by the deferred-compute hook of src/ndarray/apply.ts) into a Symbol;
 * `CachedGraph` replays a Symbol through `applyOp`, so autograd records it exactly as an
 * imperative pass (same operators, same results, same gradients).
 * @module
 */
import type { Context } from "../core/context.ts";
import { MXNetError, ShapeError } from "../core/errors.ts";
import { applyOp, type OpTracer } from "../ndarray/apply.ts";
import type { NDArray } from "../ndarray/ndarray.ts";
import { keep } from "../ndarray/scope.ts";
import type { OpDef, Params } from "../ops/op_def.ts";
import { paramsToAttrs, parseParams } from "../ops/params.ts";
import { Node, type NodeEntry } from "../symbol/graph.ts";
import { Symbol, Variable } from "../symbol/symbol.ts";
import { currentPrefix, takeName } from "./_calls.ts";
import { type Parameter, parameterOf } from "./parameter.ts";

/** The structure of nested arguments: a leaf, or a list of structures. */
export type Fmt = "leaf" | Fmt[];

/** Flattens nested arrays of values into leaves (MXNet's `_flatten`). */
export function flatten(v: unknown): { leaves: unknown[]; fmt: Fmt } {
  if (!Array.isArray(v)) return { leaves: [v], fmt: "leaf" };
  const leaves: unknown[] = [];
  const fmt: Fmt[] = [];
  for (const x of v) {
    const f = flatten(x);
    leaves.push(...f.leaves);
    fmt.push(f.fmt);
  }
  return { leaves, fmt };
}

/** Rebuilds the nesting `fmt` from leaves (MXNet's `_regroup`). */
export function regroup<T>(leaves: readonly T[], fmt: Fmt): unknown {
  let at = 0;
  const go = (f: Fmt): unknown => (f === "leaf" ? leaves[at++] : f.map(go));
  return go(fmt);
}

/** Input variable names: `data` for one input, `data0`, `data1`, ... for several. */
export function inputNames(n: number): string[] {
  return n === 1 ? ["data"] : Array.from({ length: n }, (_, i) => `data${i}`);
}

/** A parameter's variable node (its name, shape and multipliers, as MXNet exports). */
function paramEntry(p: Parameter): NodeEntry {
  return Variable(p.name, {
    shape: p.shape ?? undefined,
    lrMult: p.lrMult,
    wdMult: p.wdMult,
  }).outputs[0];
}

/**
 * Records the top-level operators of one forward pass into a graph. Arrays it meets
 * that no recorded operator produced are the pass's inputs, parameters' data, or
 * constants (kept by the graph and fed to it on every replay).
 */
export class Trace implements OpTracer {
  readonly #produced = new Map<NDArray, NodeEntry>();
  /** Other handles on produced storage (a front end's view of the same array). */
  readonly #byStorage = new Map<unknown, { x: NDArray; e: NodeEntry }[]>();
  readonly #params = new Map<Parameter, NodeEntry>();
  readonly #consts = new Map<NDArray, NodeEntry>();
  readonly #used = new Set<string>();
  readonly #counters = new Map<string, number>();
  /** Parameters met, by variable name. */
  readonly params: Map<string, Parameter> = new Map();
  /** Captured constants, by variable name. */
  readonly constants: Map<string, NDArray> = new Map();

  /** A trace whose inputs are `inputs`, bound to variables `names`. */
  constructor(inputs: readonly NDArray[], readonly names: readonly string[]) {
    inputs.forEach((x, i) => {
      this.#used.add(names[i]);
      this.#set(x, Variable(names[i]).outputs[0]);
    });
  }

  #set(x: NDArray, e: NodeEntry): void {
    this.#produced.set(x, e);
    const s = x._storage("hybridize");
    const list = this.#byStorage.get(s) ?? [];
    list.push({ x, e });
    this.#byStorage.set(s, list);
  }

  #unique(name: string): string {
    let n = name;
    for (let i = 1; this.#used.has(n); i++) n = `${name}${i}`;
    this.#used.add(n);
    return n;
  }

  #autoName(hint: string): string {
    const prefix = currentPrefix();
    const key = prefix + hint;
    const i = this.#counters.get(key) ?? 0;
    this.#counters.set(key, i + 1);
    return this.#unique(`${key}${i}`);
  }

  /** The graph entry holding the value of `x`. */
  entry(x: NDArray): NodeEntry {
    const e = this.#produced.get(x);
    if (e) return e;
    // The latest value written to that memory (in-place operators record new entries).
    const same = this.#byStorage.get(x._storage("hybridize"))?.findLast((c) =>
      c.x.dtype === x.dtype && c.x.shape.length === x.shape.length &&
      c.x.shape.every((d, i) => d === x.shape[i])
    );
    if (same) return same.e;
    const p = parameterOf(x);
    if (p) {
      let pe = this.#params.get(p);
      if (!pe) {
        if (this.#used.has(p.name) && this.params.get(p.name) !== p) {
          throw new MXNetError(
            `hybridize: two different parameters are named ${p.name}; give the blocks ` +
              `distinct prefixes`,
          );
        }
        this.#used.add(p.name);
        pe = paramEntry(p);
        this.#params.set(p, pe);
        this.params.set(p.name, p);
      }
      return pe;
    }
    let ce = this.#consts.get(x);
    if (!ce) {
      const name = this.#unique(`${currentPrefix()}const`);
      ce = Variable(name).outputs[0];
      this.#consts.set(x, ce);
      this.constants.set(name, keep(x));
    }
    return ce;
  }

  /** OpTracer: one top-level operator application. */
  record(
    def: OpDef,
    inputs: readonly NDArray[],
    outputs: readonly NDArray[],
    params: Record<string, unknown>,
  ): void {
    const entries = inputs.map((x) => this.entry(x));
    const asked = takeName();
    const name = asked ? this.#unique(asked) : this.#autoName(def.name.toLowerCase());
    const node = new Node(def, name, parseParams(def, params), paramsToAttrs(def, params), entries);
    outputs.forEach((o, i) => this.#set(o, { node, index: i }));
  }

  /** The graph whose outputs are `outputs`. */
  finish(outputs: readonly NDArray[]): Symbol {
    return new Symbol(outputs.map((o) => this.entry(o)));
  }
}

type Step =
  | { kind: "input"; index: number }
  | { kind: "param"; param: Parameter }
  | { kind: "const"; value: NDArray }
  | { kind: "op"; op: OpDef; params: Params; inputs: [number, number][] };

/**
 * A Symbol compiled for replay: each node once, in order, through `applyOp`. Variables
 * are the call's inputs (by name), parameters (read on the call's context) or
 * constants.
 */
export class CachedGraph {
  readonly #steps: Step[];
  readonly #heads: [number, number][];
  readonly #params: { name: string; param: Parameter }[] = [];

  /**
   * Compiles `symbol`; `inputs` names the variables fed by the call, `params` and
   * `constants` resolve the others.
   */
  constructor(
    readonly symbol: Symbol,
    readonly inputs: readonly string[],
    params: ReadonlyMap<string, Parameter>,
    readonly constants: ReadonlyMap<string, NDArray> = new Map(),
    /** The structure of the outputs, to rebuild them after a run. */
    readonly outFormat: Fmt = "leaf",
  ) {
    const nodes = symbol._nodes();
    const index = new Map(nodes.map((n, i) => [n, i]));
    this.#steps = nodes.map((n): Step => {
      if (!n.isVariable) {
        return {
          kind: "op",
          op: n.op!,
          params: n.params,
          inputs: n.inputs.map((e) => [index.get(e.node)!, e.index]),
        };
      }
      const i = inputs.indexOf(n.name);
      if (i >= 0) return { kind: "input", index: i };
      const p = params.get(n.name);
      if (p) {
        this.#params.push({ name: n.name, param: p });
        return { kind: "param", param: p };
      }
      const c = constants.get(n.name);
      if (c) return { kind: "const", value: c };
      throw new MXNetError(
        `hybridize: graph variable ${n.name} is neither an input (${inputs.join(", ")}) ` +
          `nor a parameter of the block`,
      );
    });
    this.#heads = symbol.outputs.map((e) => [index.get(e.node)!, e.index]);
  }

  /** The parameters the graph reads, by variable name. */
  get parameters(): { name: string; param: Parameter }[] {
    return this.#params;
  }

  /**
   * Finishes deferred initialization of the parameters it reads from the shapes the
   * inputs imply (MXNet's `_deferred_infer_shape`).
   */
  inferParams(inputs: readonly NDArray[]): void {
    const pending = this.#params.filter(({ param }) => !param.isInitialized);
    if (pending.length === 0) return;
    const given: Record<string, readonly number[]> = {};
    this.inputs.forEach((n, i) => {
      if (inputs[i]) given[n] = inputs[i].shape;
    });
    for (const { name, param } of this.#params) {
      if (param.isInitialized) given[name] = param.data().shape;
    }
    let r;
    try {
      r = this.symbol.inferShapePartial(given);
    } catch (e) {
      throw new ShapeError(
        `Deferred initialization failed because shapes cannot be inferred: ${(e as Error).message}`,
        { cause: e },
      );
    }
    const shapes = new Map<string, number[] | undefined>();
    this.symbol.listArguments().forEach((n, i) => shapes.set(n, r.argShapes[i]));
    this.symbol.listAuxiliaryStates().forEach((n, i) => shapes.set(n, r.auxShapes[i]));
    for (const { name, param } of pending) {
      const s = shapes.get(name);
      if (!s) {
        throw new ShapeError(
          `Deferred initialization failed: the shape of ${name} cannot be inferred from ` +
            `inputs ${JSON.stringify(given)}`,
        );
      }
      param.shape = s;
      param._finishDeferredInit();
    }
  }

  /** Runs every node on `ctx` with these inputs; returns the flat outputs. */
  run(inputs: readonly NDArray[], ctx: Context): NDArray[] {
    const steps = this.#steps;
    const vals: NDArray[][] = new Array(steps.length);
    for (let i = 0; i < steps.length; i++) {
      const s = steps[i];
      switch (s.kind) {
        case "input":
          vals[i] = [inputs[s.index]];
          break;
        case "param":
          vals[i] = [s.param.data(ctx)];
          break;
        case "const":
          vals[i] = [s.value];
          break;
        case "op": {
          const ins = new Array<NDArray>(s.inputs.length);
          for (let j = 0; j < ins.length; j++) ins[j] = vals[s.inputs[j][0]][s.inputs[j][1]];
          vals[i] = applyOp(s.op, ins, s.params as Record<string, unknown>, { ctx });
        }
      }
    }
    return this.#heads.map(([i, k]) => vals[i][k]);
  }
}
