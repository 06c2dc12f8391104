/**
 * `mx.sym.*` operator constructors, with the calling convention of `mx.nd`
 * (src/ops/signatures.ts): inputs, then the parameters MXNet passes positionally, then an
 * options object with the other parameters and `name`/`attr`; or one options object with
 * the inputs by name. Missing inputs become variables named `<name>_<arg>`.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const x = mx.sym.var("x");
 * const y = mx.sym.swapaxes(mx.sym.clip(x, 0, 1), 1, 2, { name: "t" });
 * console.log(y.name, mx.sym.exp({ data: x }).listArguments()); // "t" ["x"]
 * ```
 * @module
 */
import { Context } from "../core/context.ts";
import type { DType } from "../core/dtype.ts";
import { ParamError } from "../core/errors.ts";
import { checkOptions, describe } from "../core/options.ts";
import { checkShape } from "../core/shape.ts";
import { isOptions } from "../ops/frontend.ts";
import type {
  ArgReduceOptions,
  ArgsortOptions,
  ArithFn,
  AxisFn,
  BinaryFn,
  BroadcastToFn,
  CastFn,
  ClipFn,
  DataFn,
  DotFn,
  FlipFn,
  HardSigmoidOptions,
  ListFn,
  NodeNaming,
  NormOptions,
  OneHotFn,
  PickFn,
  ReduceOptions,
  RepeatFn,
  ReshapeFn,
  SliceAxisFn,
  SliceFn,
  SoftmaxOptions,
  SortOptions,
  SplitFn,
  SqueezeFn,
  SwapaxesFn,
  TakeFn,
  TileFn,
  TopkFn,
  TransposeFn,
  UnaryFn,
  WhereFn,
} from "../ops/signatures.ts";
import type { BroadcastLikeFn } from "../ops/signatures_shape.ts";
import { symArith, symFunction } from "./_frontend.ts";
import { createSymbol, type NodeOptions, Symbol } from "./symbol.ts";

/**
 * Applies operator `op` to options that mix Symbol inputs (by argument name), parameters
 * and `name`/`attr`/`hint`; `positional` inputs, when given, come first in argument order.
 */
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

/** `lhs + rhs` with broadcasting; a number takes the scalar form. */
export const add: ArithFn<Symbol> = symArith("add");
/** Alias of `add`. */
export const plus: ArithFn<Symbol> = symArith("plus");
/** `lhs - rhs`. */
export const subtract: ArithFn<Symbol> = symArith("subtract");
/** Alias of `subtract`. */
export const sub: ArithFn<Symbol> = symArith("sub");
/** `lhs * rhs`. */
export const multiply: ArithFn<Symbol> = symArith("multiply");
/** Alias of `multiply`. */
export const mul: ArithFn<Symbol> = symArith("mul");
/** `lhs / rhs`. */
export const divide: ArithFn<Symbol> = symArith("divide");
/** Alias of `divide`. */
export const div: ArithFn<Symbol> = symArith("div");
/** `lhs ** rhs`. */
export const power: ArithFn<Symbol> = symArith("power");
/** Elementwise maximum. */
export const maximum: ArithFn<Symbol> = symArith("maximum");
/** Elementwise minimum. */
export const minimum: ArithFn<Symbol> = symArith("minimum");
/** `lhs == rhs` as 0/1. */
export const equal: ArithFn<Symbol> = symArith("equal");
/** `lhs != rhs` as 0/1. */
export const notEqual: ArithFn<Symbol> = symArith("notEqual");
/** `lhs > rhs` as 0/1. */
export const greater: ArithFn<Symbol> = symArith("greater");
/** `lhs >= rhs` as 0/1. */
export const greaterEqual: ArithFn<Symbol> = symArith("greaterEqual");
/** `lhs < rhs` as 0/1. */
export const lesser: ArithFn<Symbol> = symArith("lesser");
/** `lhs <= rhs` as 0/1. */
export const lesserEqual: ArithFn<Symbol> = symArith("lesserEqual");
/** `-x`. */
export const negative: UnaryFn<Symbol> = symFunction("negative");
/** `|x|`. */
export const abs: UnaryFn<Symbol> = symFunction("abs");
/** Sign of x (-1, 0, 1). */
export const sign: UnaryFn<Symbol> = symFunction("sign");
/** `e^x`. */
export const exp: UnaryFn<Symbol> = symFunction("exp");
/** Natural log. */
export const log: UnaryFn<Symbol> = symFunction("log");
/** `log(1 + x)`. */
export const log1p: UnaryFn<Symbol> = symFunction("log1p");
/** `e^x - 1`. */
export const expm1: UnaryFn<Symbol> = symFunction("expm1");
/** Square root. */
export const sqrt: UnaryFn<Symbol> = symFunction("sqrt");
/** `1 / sqrt(x)`. */
export const rsqrt: UnaryFn<Symbol> = symFunction("rsqrt");
/** `x * x`. */
export const square: UnaryFn<Symbol> = symFunction("square");
/** Cube root. */
export const cbrt: UnaryFn<Symbol> = symFunction("cbrt");
/** `1 / x`. */
export const reciprocal: UnaryFn<Symbol> = symFunction("reciprocal");
/** Sine. */
export const sin: UnaryFn<Symbol> = symFunction("sin");
/** Cosine. */
export const cos: UnaryFn<Symbol> = symFunction("cos");
/** Tangent. */
export const tan: UnaryFn<Symbol> = symFunction("tan");
/** Inverse sine. */
export const arcsin: UnaryFn<Symbol> = symFunction("arcsin");
/** Inverse cosine. */
export const arccos: UnaryFn<Symbol> = symFunction("arccos");
/** Inverse tangent. */
export const arctan: UnaryFn<Symbol> = symFunction("arctan");
/** Hyperbolic sine. */
export const sinh: UnaryFn<Symbol> = symFunction("sinh");
/** Hyperbolic cosine. */
export const cosh: UnaryFn<Symbol> = symFunction("cosh");
/** Hyperbolic tangent. */
export const tanh: UnaryFn<Symbol> = symFunction("tanh");
/** Logistic sigmoid. */
export const sigmoid: UnaryFn<Symbol> = symFunction("sigmoid");
/** `max(x, 0)`. */
export const relu: UnaryFn<Symbol> = symFunction("relu");
/** `x / (1 + |x|)`. */
export const softsign: UnaryFn<Symbol> = symFunction("softsign");
/** Gauss error function. */
export const erf: UnaryFn<Symbol> = symFunction("erf");
/** Round down. */
export const floor: UnaryFn<Symbol> = symFunction("floor");
/** Round up. */
export const ceil: UnaryFn<Symbol> = symFunction("ceil");
/** Round half away from zero. */
export const round: UnaryFn<Symbol> = symFunction("round");
/** Round toward zero. */
export const trunc: UnaryFn<Symbol> = symFunction("trunc");
/** The identity, with a zero gradient (MXNet's `BlockGrad`, `stop_gradient`). */
export const BlockGrad: UnaryFn<Symbol> = symFunction("BlockGrad");
/** Alias of `BlockGrad`. */
export const stopGradient: UnaryFn<Symbol> = symFunction("stopGradient");
/** Zeros of the same shape and dtype. */
export const zerosLike: UnaryFn<Symbol> = symFunction("zerosLike");
/** Ones of the same shape and dtype. */
export const onesLike: UnaryFn<Symbol> = symFunction("onesLike");
/** Collapses all axes but the first (`Flatten`). */
export const Flatten: UnaryFn<Symbol> = symFunction("Flatten");
/** Alias of `Flatten`. */
export const flatten: UnaryFn<Symbol> = symFunction("flatten");
/** `broadcast_add`: `lhs + rhs` with broadcasting. */
export const broadcastAdd: BinaryFn<Symbol> = symFunction("broadcastAdd");
/** Alias of `broadcastAdd`. */
export const broadcastPlus: BinaryFn<Symbol> = symFunction("broadcastPlus");
/** `broadcast_sub`. */
export const broadcastSub: BinaryFn<Symbol> = symFunction("broadcastSub");
/** Alias of `broadcastSub`. */
export const broadcastMinus: BinaryFn<Symbol> = symFunction("broadcastMinus");
/** `broadcast_mul`. */
export const broadcastMul: BinaryFn<Symbol> = symFunction("broadcastMul");
/** `broadcast_div`. */
export const broadcastDiv: BinaryFn<Symbol> = symFunction("broadcastDiv");
/** `broadcast_power`. */
export const broadcastPower: BinaryFn<Symbol> = symFunction("broadcastPower");
/** `broadcast_maximum`. */
export const broadcastMaximum: BinaryFn<Symbol> = symFunction("broadcastMaximum");
/** `broadcast_minimum`. */
export const broadcastMinimum: BinaryFn<Symbol> = symFunction("broadcastMinimum");
/** `broadcast_equal` (0/1). */
export const broadcastEqual: BinaryFn<Symbol> = symFunction("broadcastEqual");
/** `broadcast_not_equal` (0/1). */
export const broadcastNotEqual: BinaryFn<Symbol> = symFunction("broadcastNotEqual");
/** `broadcast_greater` (0/1). */
export const broadcastGreater: BinaryFn<Symbol> = symFunction("broadcastGreater");
/** `broadcast_greater_equal` (0/1). */
export const broadcastGreaterEqual: BinaryFn<Symbol> = symFunction("broadcastGreaterEqual");
/** `broadcast_lesser` (0/1). */
export const broadcastLesser: BinaryFn<Symbol> = symFunction("broadcastLesser");
/** `broadcast_lesser_equal` (0/1). */
export const broadcastLesserEqual: BinaryFn<Symbol> = symFunction("broadcastLesserEqual");
/** Broadcasts `lhs` to the shape of `rhs`. */
export const broadcastLike: BroadcastLikeFn<Symbol> = symFunction("broadcastLike");
/** `elemwise_add` (broadcasts, a superset of MXNet's same-shape rule). */
export const elemwiseAdd: BinaryFn<Symbol> = symFunction("elemwiseAdd");
/** `elemwise_sub`. */
export const elemwiseSub: BinaryFn<Symbol> = symFunction("elemwiseSub");
/** `elemwise_mul`. */
export const elemwiseMul: BinaryFn<Symbol> = symFunction("elemwiseMul");
/** `elemwise_div`. */
export const elemwiseDiv: BinaryFn<Symbol> = symFunction("elemwiseDiv");
/** Sum over axes. */
export const sum: DataFn<Symbol, ReduceOptions> = symFunction("sum");
/** Mean over axes. */
export const mean: DataFn<Symbol, ReduceOptions> = symFunction("mean");
/** Product over axes. */
export const prod: DataFn<Symbol, ReduceOptions> = symFunction("prod");
/** Maximum over axes. */
export const max: DataFn<Symbol, ReduceOptions> = symFunction("max");
/** Minimum over axes. */
export const min: DataFn<Symbol, ReduceOptions> = symFunction("min");
/** L2 (or L1) norm. */
export const norm: DataFn<Symbol, NormOptions> = symFunction("norm");
/** Index of the maximum (float32, as MXNet). */
export const argmax: DataFn<Symbol, ArgReduceOptions> = symFunction("argmax");
/** Index of the minimum. */
export const argmin: DataFn<Symbol, ArgReduceOptions> = symFunction("argmin");
/** Matrix product (`transposeA`/`transposeB`). */
export const dot: DotFn<Symbol> = symFunction("dot");
/** Batched matrix product of 3-D arrays. */
export const batchDot: DotFn<Symbol> = symFunction("batchDot");
/** Softmax (last axis by default). */
export const softmax: DataFn<Symbol, SoftmaxOptions<Symbol>> = symFunction("softmax");
/** Log-softmax. */
export const logSoftmax: DataFn<Symbol, SoftmaxOptions<Symbol>> = symFunction("logSoftmax");
/** Sorted copy. */
export const sort: DataFn<Symbol, SortOptions> = symFunction("sort");
/** Sorting indices. */
export const argsort: DataFn<Symbol, ArgsortOptions> = symFunction("argsort");
/** Top-k indices, values, mask, or values and indices as two outputs (`retTyp: "both"`). */
export const topk: TopkFn<Symbol, Symbol> = symFunction("topk");
/** Gathers along an axis. */
export const take: TakeFn<Symbol> = symFunction("take");
/** One element per position along `axis`. */
export const pick: PickFn<Symbol> = symFunction("pick");
/** `condition ? x : y` elementwise. */
export const where: WhereFn<Symbol> = symFunction("where");
/** Reshape with MXNet's codes (0, -1, -2, -3, -4); shares memory. */
export const Reshape: ReshapeFn<Symbol> = symFunction("Reshape");
/** Alias of `Reshape`. */
export const reshape: ReshapeFn<Symbol> = symFunction("reshape");
/** Permutes axes (reverses them by default). */
export const transpose: TransposeFn<Symbol> = symFunction("transpose");
/** Swaps two axes. */
export const SwapAxis: SwapaxesFn<Symbol> = symFunction("SwapAxis");
/** Alias of `SwapAxis`. */
export const swapaxes: SwapaxesFn<Symbol> = symFunction("swapaxes");
/** Inserts an axis of size 1. */
export const expandDims: AxisFn<Symbol> = symFunction("expandDims");
/** Removes axes of size 1. */
export const squeeze: SqueezeFn<Symbol> = symFunction("squeeze");
/** Broadcasts to a shape. */
export const broadcastTo: BroadcastToFn<Symbol> = symFunction("broadcastTo");
/** Slice with per-axis begin/end/step. */
export const slice: SliceFn<Symbol> = symFunction("slice");
/** Slice along one axis. */
export const sliceAxis: SliceAxisFn<Symbol> = symFunction("sliceAxis");
/** Reverses along axes. */
export const reverse: FlipFn<Symbol> = symFunction("reverse");
/** Alias of `reverse`. */
export const flip: FlipFn<Symbol> = symFunction("flip");
/** Repeats the whole array `reps` times per axis. */
export const tile: TileFn<Symbol> = symFunction("tile");
/** Repeats each element. */
export const repeat: RepeatFn<Symbol> = symFunction("repeat");
/** Clips to [aMin, aMax]. */
export const clip: ClipFn<Symbol> = symFunction("clip");
/** Converts the dtype. */
export const Cast: CastFn<Symbol> = symFunction("Cast");
/** Alias of `Cast`. */
export const cast: CastFn<Symbol> = symFunction("cast");
/** One-hot encoding. */
export const oneHot: OneHotFn<Symbol> = symFunction("oneHot");
/** Concatenates along `dim` (default 1, as MXNet). */
export const Concat: ListFn<Symbol, { dim?: number }> = symFunction("Concat");
/** Alias of `Concat`. */
export const concat: ListFn<Symbol, { dim?: number }> = symFunction("concat");
/** Stacks along a new axis. */
export const stack: ListFn<Symbol, { axis?: number }> = symFunction("stack");
/** Splits into `numOutputs` equal parts along `axis` (default 1). */
export const SliceChannel: SplitFn<Symbol, Symbol> = symFunction("SliceChannel");
/** Alias of `SliceChannel`. */
export const split: SplitFn<Symbol, Symbol> = symFunction("split");
/** Options of the Symbol creation functions. */
export interface SymbolCreateOptions extends NodeNaming {
  /** Element type (float32 by default). */
  dtype?: DType;
  /**
   * Accepted so that `F.zeros(shape, { ctx })` runs with `F = mx.sym` as with `mx.nd`; a
   * graph computes on the context it is bound to.
   */
  ctx?: Context;
}

/** Node options from a Context, an options object or nothing; checks what JS can get wrong. */
function createOpts(
  fn: string,
  opts: unknown,
  dtype: unknown,
  extra: readonly string[] = [],
): SymbolCreateOptions & Record<string, unknown> {
  if (opts === undefined || opts instanceof Context) {
    return { dtype: dtype as DType | undefined };
  }
  if (!isOptions(opts)) {
    throw new ParamError(
      `${fn}: the argument after the shape expects a Context or an options object ` +
        `(dtype, ctx, name, attr), got ${describe(opts)}`,
    );
  }
  if (dtype !== undefined) {
    throw new ParamError(`${fn}: dtype goes in the options object when options are given`);
  }
  checkOptions(fn, opts, ["dtype", "ctx", "name", "attr", ...extra]);
  return opts;
}

function tooMany(fn: string, given: number, max: number, signature: string): void {
  if (given > max) {
    throw new ParamError(`${fn}: too many arguments: takes ${signature}, got ${given}`);
  }
}

/** A symbol of zeros (MXNet's `_zeros`). */
export function zeros(
  shape: number | readonly number[],
  opts?: Context | SymbolCreateOptions,
  dtype?: DType,
): Symbol {
  tooMany("zeros", arguments.length, 3, "(shape, ctx or options?, dtype?)");
  const o = createOpts("zeros", opts, dtype);
  const s = checkShape(shape, "zeros: shape");
  return createSymbol("_zeros", [], { shape: s, dtype: o.dtype }, o);
}

/** A symbol of ones. */
export function ones(
  shape: number | readonly number[],
  opts?: Context | SymbolCreateOptions,
  dtype?: DType,
): Symbol {
  tooMany("ones", arguments.length, 3, "(shape, ctx or options?, dtype?)");
  const o = createOpts("ones", opts, dtype);
  const s = checkShape(shape, "ones: shape");
  return createSymbol("_ones", [], { shape: s, dtype: o.dtype }, o);
}

/** A symbol filled with `value`. */
export function full(
  shape: number | readonly number[],
  value: number,
  opts?: Context | SymbolCreateOptions,
  dtype?: DType,
): Symbol {
  tooMany("full", arguments.length, 4, "(shape, value, ctx or options?, dtype?)");
  const o = createOpts("full", opts, dtype);
  const s = checkShape(shape, "full: shape");
  return createSymbol("_full", [], { shape: s, value, dtype: o.dtype }, o);
}

/** Evenly spaced values in [start, stop) (or [0, start) when stop is omitted). */
export function arange(
  start: number,
  stop?: number | null,
  step: number = 1,
  opts: SymbolCreateOptions & { repeat?: number } = {},
): Symbol {
  tooMany("arange", arguments.length, 4, "(start, stop?, step?, options?)");
  const o = createOpts("arange", opts, undefined, ["repeat"]);
  return createSymbol(
    "_arange",
    [],
    { start, stop: stop ?? null, step, repeat: o.repeat, dtype: o.dtype },
    o,
  );
}

/** `num` evenly spaced values from start to stop. */
export function linspace(
  start: number,
  stop: number,
  num: number,
  opts: SymbolCreateOptions & { endpoint?: boolean } = {},
): Symbol {
  tooMany("linspace", arguments.length, 4, "(start, stop, num, options?)");
  const o = createOpts("linspace", opts, undefined, ["endpoint"]);
  return createSymbol(
    "_linspace",
    [],
    { start, stop, num, endpoint: o.endpoint, dtype: o.dtype },
    o,
  );
}

/** The N x M matrix with ones on diagonal `k`. */
export function eye(
  n: number,
  m: number = 0,
  k: number = 0,
  opts?: Context | SymbolCreateOptions,
  dtype?: DType,
): Symbol {
  tooMany("eye", arguments.length, 5, "(n, m?, k?, ctx or options?, dtype?)");
  const o = createOpts("eye", opts, dtype);
  return createSymbol("_eye", [], { N: n, M: m, k, dtype: o.dtype }, o);
}

/** `lhs % rhs` with MXNet's mod: the result has the divisor's sign, and 0 where it is 0. */
export const modulo: ArithFn<Symbol> = symArith("modulo");
/** `lhs && rhs` as 0/1 (non-zero, NaN included, is true). */
export const logicalAnd: ArithFn<Symbol> = symArith("logicalAnd");
/** `lhs || rhs` as 0/1. */
export const logicalOr: ArithFn<Symbol> = symArith("logicalOr");
/** Exactly one of lhs, rhs non-zero, as 0/1. */
export const logicalXor: ArithFn<Symbol> = symArith("logicalXor");
/** `broadcast_mod`: MXNet's mod with broadcasting. */
export const broadcastMod: BinaryFn<Symbol> = symFunction("broadcastMod");
/** `broadcast_hypot`: sqrt(lhs² + rhs²) with broadcasting. */
export const broadcastHypot: BinaryFn<Symbol> = symFunction("broadcastHypot");
/** `broadcast_logical_and` (0/1). */
export const broadcastLogicalAnd: BinaryFn<Symbol> = symFunction("broadcastLogicalAnd");
/** `broadcast_logical_or` (0/1). */
export const broadcastLogicalOr: BinaryFn<Symbol> = symFunction("broadcastLogicalOr");
/** `broadcast_logical_xor` (0/1). */
export const broadcastLogicalXor: BinaryFn<Symbol> = symFunction("broadcastLogicalXor");
/** Base-2 logarithm. */
export const log2: UnaryFn<Symbol> = symFunction("log2");
/** Base-10 logarithm. */
export const log10: UnaryFn<Symbol> = symFunction("log10");
/** Inverse hyperbolic sine. */
export const arcsinh: UnaryFn<Symbol> = symFunction("arcsinh");
/** Inverse hyperbolic cosine. */
export const arccosh: UnaryFn<Symbol> = symFunction("arccosh");
/** Inverse hyperbolic tangent. */
export const arctanh: UnaryFn<Symbol> = symFunction("arctanh");
/** Radians to degrees. */
export const degrees: UnaryFn<Symbol> = symFunction("degrees");
/** Degrees to radians. */
export const radians: UnaryFn<Symbol> = symFunction("radians");
/** MXNet's rint: the nearer of floor and ceil, halves to the floor (2.5 -> 2, 3.5 -> 3). */
export const rint: UnaryFn<Symbol> = symFunction("rint");
/** Round toward zero. */
export const fix: UnaryFn<Symbol> = symFunction("fix");
/** The gamma function. */
export const gamma: UnaryFn<Symbol> = symFunction("gamma");
/** log |gamma(x)|. */
export const gammaln: UnaryFn<Symbol> = symFunction("gammaln");
/** Inverse error function. */
export const erfinv: UnaryFn<Symbol> = symFunction("erfinv");
/** `1 / cbrt(x)`. */
export const rcbrt: UnaryFn<Symbol> = symFunction("rcbrt");
/** `!x` as 0/1 in x's dtype. */
export const logicalNot: UnaryFn<Symbol> = symFunction("logicalNot");
/** `max(0, min(1, alpha * x + beta))` (alpha 0.2, beta 0.5). */
export const hardSigmoid: DataFn<Symbol, HardSigmoidOptions> = symFunction("hardSigmoid");
/** Softmax of `-x` (last axis by default). */
export const softmin: DataFn<Symbol, SoftmaxOptions> = symFunction("softmin");
/** Sum over axes, NaN counted as 0. */
export const nansum: DataFn<Symbol, ReduceOptions> = symFunction("nansum");
/** Product over axes, NaN counted as 1. */
export const nanprod: DataFn<Symbol, ReduceOptions> = symFunction("nanprod");
