/**
 * `mx.sym.*` operator constructors: thin, explicitly typed calls of `createSymbol` over
 * the same registry NDArray uses. Options mix inputs (Symbols), parameters (camelCase)
 * and `name`/`attr`.
 * @module
 */
import type { DType } from "../core/dtype.ts";
import { createSymbol, type NodeOptions, Symbol } from "./symbol.ts";

/** Splits options into Symbol inputs, parameters and node options, then applies `op`. */
export function invoke(
  op: string,
  opts: NodeOptions & { readonly [key: string]: unknown } | NodeOptions,
  positional: readonly Symbol[] = [],
): Symbol {
  const inputs: Record<string, Symbol> = {};
  const params: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(opts as Record<string, unknown>)) {
    if (k === "name" || k === "attr" || k === "hint") continue;
    if (v instanceof Symbol) inputs[k] = v;
    else params[k] = v;
  }
  const node = { name: opts.name, attr: opts.attr, hint: opts.hint };
  return positional.length
    ? createSymbol(op, positional, params, node)
    : createSymbol(op, inputs, params, node);
}

const unary = (op: string) => (data: Symbol, opts: NodeOptions = {}): Symbol =>
  invoke(op, { ...opts }, [data]);
const binary = (op: string) => (lhs: Symbol, rhs: Symbol, opts: NodeOptions = {}): Symbol =>
  invoke(op, { ...opts }, [lhs, rhs]);

type Unary = (data: Symbol, opts?: NodeOptions) => Symbol;
type Binary = (lhs: Symbol, rhs: Symbol, opts?: NodeOptions) => Symbol;

/** `-x`. */
export const negative: Unary = unary("negative");
/** `|x|`. */
export const abs: Unary = unary("abs");
/** sign. */
export const sign: Unary = unary("sign");
/** `e^x`. */
export const exp: Unary = unary("exp");
/** ln. */
export const log: Unary = unary("log");
/** `ln(1+x)`. */
export const log1p: Unary = unary("log1p");
/** `e^x-1`. */
export const expm1: Unary = unary("expm1");
/** sqrt. */
export const sqrt: Unary = unary("sqrt");
/** `1/sqrt`. */
export const rsqrt: Unary = unary("rsqrt");
/** `x*x`. */
export const square: Unary = unary("square");
/** cbrt. */
export const cbrt: Unary = unary("cbrt");
/** `1/x`. */
export const reciprocal: Unary = unary("reciprocal");
/** sin. */
export const sin: Unary = unary("sin");
/** cos. */
export const cos: Unary = unary("cos");
/** tan. */
export const tan: Unary = unary("tan");
/** arcsin. */
export const arcsin: Unary = unary("arcsin");
/** arccos. */
export const arccos: Unary = unary("arccos");
/** arctan. */
export const arctan: Unary = unary("arctan");
/** sinh. */
export const sinh: Unary = unary("sinh");
/** cosh. */
export const cosh: Unary = unary("cosh");
/** tanh. */
export const tanh: Unary = unary("tanh");
/** sigmoid. */
export const sigmoid: Unary = unary("sigmoid");
/** relu. */
export const relu: Unary = unary("relu");
/** softsign. */
export const softsign: Unary = unary("softsign");
/** erf. */
export const erf: Unary = unary("erf");
/** floor. */
export const floor: Unary = unary("floor");
/** ceil. */
export const ceil: Unary = unary("ceil");
/** round half away from zero. */
export const round: Unary = unary("round");
/** trunc. */
export const trunc: Unary = unary("trunc");
/** Zero gradient (`BlockGrad`, `stop_gradient`). */
export const BlockGrad: Unary = unary("BlockGrad");
/** Alias of BlockGrad. */
export const stopGradient: Unary = BlockGrad;
/** zeros_like. */
export const zerosLike: Unary = unary("zeros_like");
/** ones_like. */
export const onesLike: Unary = unary("ones_like");

/** broadcast_add. */
export const broadcastAdd: Binary = binary("broadcast_add");
/** broadcast_sub. */
export const broadcastSub: Binary = binary("broadcast_sub");
/** broadcast_mul. */
export const broadcastMul: Binary = binary("broadcast_mul");
/** broadcast_div. */
export const broadcastDiv: Binary = binary("broadcast_div");
/** broadcast_power. */
export const broadcastPower: Binary = binary("broadcast_power");
/** broadcast_maximum. */
export const broadcastMaximum: Binary = binary("broadcast_maximum");
/** broadcast_minimum. */
export const broadcastMinimum: Binary = binary("broadcast_minimum");
/** broadcast_equal. */
export const broadcastEqual: Binary = binary("broadcast_equal");
/** broadcast_not_equal. */
export const broadcastNotEqual: Binary = binary("broadcast_not_equal");
/** broadcast_greater. */
export const broadcastGreater: Binary = binary("broadcast_greater");
/** broadcast_greater_equal. */
export const broadcastGreaterEqual: Binary = binary("broadcast_greater_equal");
/** broadcast_lesser. */
export const broadcastLesser: Binary = binary("broadcast_lesser");
/** broadcast_lesser_equal. */
export const broadcastLesserEqual: Binary = binary("broadcast_lesser_equal");
/** broadcast_like. */
export const broadcastLike: Binary = binary("broadcast_like");

/** Reduction options. */
export type ReduceOpts = NodeOptions & {
  axis?: number | readonly number[];
  keepdims?: boolean;
  exclude?: boolean;
};
const reduce = (op: string) => (data: Symbol, opts: ReduceOpts = {}): Symbol =>
  invoke(op, { ...opts }, [data]);
/** sum. */
export const sum: (data: Symbol, opts?: ReduceOpts) => Symbol = reduce("sum");
/** mean. */
export const mean: (data: Symbol, opts?: ReduceOpts) => Symbol = reduce("mean");
/** prod. */
export const prod: (data: Symbol, opts?: ReduceOpts) => Symbol = reduce("prod");
/** max. */
export const max: (data: Symbol, opts?: ReduceOpts) => Symbol = reduce("max");
/** min. */
export const min: (data: Symbol, opts?: ReduceOpts) => Symbol = reduce("min");

/** norm. */
export function norm(
  data: Symbol,
  opts: NodeOptions & { ord?: number; axis?: number | number[]; keepdims?: boolean } = {},
): Symbol {
  return invoke("norm", { ...opts }, [data]);
}
/** argmax (float32 indices). */
export function argmax(
  data: Symbol,
  opts: NodeOptions & { axis?: number; keepdims?: boolean } = {},
): Symbol {
  return invoke("argmax", { ...opts }, [data]);
}
/** argmin. */
export function argmin(
  data: Symbol,
  opts: NodeOptions & { axis?: number; keepdims?: boolean } = {},
): Symbol {
  return invoke("argmin", { ...opts }, [data]);
}
/** dot. */
export function dot(
  lhs: Symbol,
  rhs: Symbol,
  opts: NodeOptions & { transposeA?: boolean; transposeB?: boolean } = {},
): Symbol {
  return invoke("dot", { ...opts }, [lhs, rhs]);
}
/** batch_dot. */
export function batchDot(
  lhs: Symbol,
  rhs: Symbol,
  opts: NodeOptions & { transposeA?: boolean; transposeB?: boolean } = {},
): Symbol {
  return invoke("batch_dot", { ...opts }, [lhs, rhs]);
}
/** Reshape with MXNet's codes. */
export function Reshape(
  opts: NodeOptions & { data: Symbol; shape: readonly number[]; reverse?: boolean },
): Symbol {
  return invoke("Reshape", opts);
}
/** Flatten. */
export function Flatten(opts: NodeOptions & { data: Symbol }): Symbol {
  return invoke("Flatten", opts);
}
/** transpose. */
export function transpose(
  data: Symbol,
  opts: NodeOptions & { axes?: readonly number[] } = {},
): Symbol {
  return invoke("transpose", { ...opts }, [data]);
}
/** SwapAxis. */
export function swapaxes(data: Symbol, opts: NodeOptions & { dim1: number; dim2: number }): Symbol {
  return invoke("SwapAxis", { ...opts }, [data]);
}
/** expand_dims. */
export function expandDims(data: Symbol, opts: NodeOptions & { axis: number }): Symbol {
  return invoke("expand_dims", { ...opts }, [data]);
}
/** squeeze. */
export function squeeze(
  data: Symbol,
  opts: NodeOptions & { axis?: number | number[] } = {},
): Symbol {
  return invoke("squeeze", { ...opts }, [data]);
}
/** broadcast_to. */
export function broadcastTo(
  data: Symbol,
  opts: NodeOptions & { shape: readonly number[] },
): Symbol {
  return invoke("broadcast_to", { ...opts }, [data]);
}
/** slice. */
export function slice(
  data: Symbol,
  opts: NodeOptions & {
    begin: readonly (number | null)[];
    end: readonly (number | null)[];
    step?: readonly (number | null)[];
  },
): Symbol {
  return invoke("slice", { ...opts }, [data]);
}
/** slice_axis. */
export function sliceAxis(
  data: Symbol,
  opts: NodeOptions & { axis: number; begin: number; end: number | null },
): Symbol {
  return invoke("slice_axis", { ...opts }, [data]);
}
/** reverse / flip. */
export function flip(data: Symbol, opts: NodeOptions & { axis: readonly number[] }): Symbol {
  return invoke("reverse", { ...opts }, [data]);
}
/** tile. */
export function tile(data: Symbol, opts: NodeOptions & { reps: readonly number[] }): Symbol {
  return invoke("tile", { ...opts }, [data]);
}
/** repeat. */
export function repeat(
  data: Symbol,
  opts: NodeOptions & { repeats: number; axis?: number },
): Symbol {
  return invoke("repeat", { ...opts }, [data]);
}
/** Concat along `dim` (default 1). */
export function Concat(
  inputs: readonly Symbol[],
  opts: NodeOptions & { dim?: number } = {},
): Symbol {
  return invoke("Concat", { ...opts, numArgs: inputs.length }, inputs);
}
/** stack. */
export function stack(
  inputs: readonly Symbol[],
  opts: NodeOptions & { axis?: number } = {},
): Symbol {
  return invoke("stack", { ...opts, numArgs: inputs.length }, inputs);
}
/** SliceChannel / split: a symbol with `numOutputs` outputs. */
export function SliceChannel(
  opts: NodeOptions & { data: Symbol; numOutputs: number; axis?: number; squeezeAxis?: boolean },
): Symbol {
  return invoke("SliceChannel", opts);
}
/** take. */
export function take(
  a: Symbol,
  indices: Symbol,
  opts: NodeOptions & { axis?: number; mode?: "clip" | "wrap" } = {},
): Symbol {
  return invoke("take", { ...opts }, [a, indices]);
}
/** pick. */
export function pick(
  data: Symbol,
  index: Symbol,
  opts: NodeOptions & { axis?: number; keepdims?: boolean } = {},
): Symbol {
  return invoke("pick", { ...opts }, [data, index]);
}
/** one_hot. */
export function oneHot(
  indices: Symbol,
  opts: NodeOptions & { depth: number; onValue?: number; offValue?: number; dtype?: DType },
): Symbol {
  return invoke("one_hot", { ...opts }, [indices]);
}
/** where. */
export function where(condition: Symbol, x: Symbol, y: Symbol, opts: NodeOptions = {}): Symbol {
  return invoke("where", { ...opts }, [condition, x, y]);
}
/** clip. */
export function clip(data: Symbol, opts: NodeOptions & { aMin: number; aMax: number }): Symbol {
  return invoke("clip", { ...opts }, [data]);
}
/** Cast. */
export function Cast(data: Symbol, opts: NodeOptions & { dtype: DType }): Symbol {
  return invoke("Cast", { ...opts }, [data]);
}
/** softmax. */
export function softmax(
  data: Symbol,
  opts: NodeOptions & { axis?: number; temperature?: number } = {},
): Symbol {
  return invoke("softmax", { ...opts }, [data]);
}
/** log_softmax. */
export function logSoftmax(
  data: Symbol,
  opts: NodeOptions & { axis?: number; temperature?: number } = {},
): Symbol {
  return invoke("log_softmax", { ...opts }, [data]);
}
/** sort. */
export function sort(
  data: Symbol,
  opts: NodeOptions & { axis?: number; isAscend?: boolean } = {},
): Symbol {
  return invoke("sort", { ...opts }, [data]);
}
/** argsort. */
export function argsort(
  data: Symbol,
  opts: NodeOptions & { axis?: number; isAscend?: boolean; dtype?: DType } = {},
): Symbol {
  return invoke("argsort", { ...opts }, [data]);
}
/** topk. */
export function topk(
  data: Symbol,
  opts: NodeOptions & {
    axis?: number;
    k?: number;
    retTyp?: "value" | "indices" | "mask" | "both";
    isAscend?: boolean;
    dtype?: DType;
  } = {},
): Symbol {
  return invoke("topk", { ...opts }, [data]);
}
