/**
 * The one calling convention of `mx.nd` and `mx.sym`: each operator function takes its
 * input arrays positionally, then the parameters MXNet users pass positionally
 * (`swapaxes(x, 1, 2)`, `clip(x, 0, 1)`, `reshape(x, [2, 3])`), then one options object
 * with the remaining parameters (and `name`/`attr`, which only graph nodes keep); or one
 * options object with everything, inputs by argument name (`FullyConnected({ data,
 * numHidden })`, `exp({ data })`). A positional parameter may also be given by name in the
 * options object (`transpose(x, { axes })`, as Python's keyword arguments).
 *
 * The signatures are written once here, generic over the tensor type `T` (NDArray or
 * Symbol), so that code written against `F = mx.nd` or `F = mx.sym` (Gluon's
 * `hybridForward(F, x)`) type-checks and runs the same on both.
 * @module
 */
import type { Context } from "../core/context.ts";
import type { DType } from "../core/dtype.ts";
import type * as O from "./nn/options.ts";
import type { NodeNaming } from "./nn/options.ts";
import type { BroadcastLikeFn, ShapeFrontEnd } from "./signatures_shape.ts";

export type { NodeNaming } from "./nn/options.ts";

/** An optional options argument when every key of `O` is optional, else a required one. */
export type OptionsArg<O> = Record<never, never> extends O ? [opts?: O] : [opts: O];

/** `f(data)`, `f(data, { name })`, `f({ data })`. */
export interface UnaryFn<T> {
  /** Positional form. */
  (data: T, opts?: NodeNaming): T;
  /** Options form. */
  (opts: { data: T } & NodeNaming): T;
}

/** Arithmetic: arrays broadcast, a number selects the scalar form (`add(x, 1)`, `sub(1, x)`). */
export interface ArithFn<T> {
  /** Positional form. */
  (lhs: T | number, rhs: T | number, opts?: NodeNaming): T;
  /** Options form. */
  (opts: { lhs: T | number; rhs: T | number } & NodeNaming): T;
}

/** Two arrays (`broadcastAdd(a, b)`, `broadcastLike(a, b)`). */
export interface BinaryFn<T> {
  /** Positional form. */
  (lhs: T, rhs: T, opts?: NodeNaming): T;
  /** Options form. */
  (opts: { lhs: T; rhs: T } & NodeNaming): T;
}

/** `f(data, opts)` or `f({ data, ...opts })` (reductions, softmax, sort, ...). */
export interface DataFn<T, O, R = T> {
  /** Positional form. */
  (data: T, ...opts: OptionsArg<O & NodeNaming>): R;
  /** Options form. */
  (opts: { data: T } & O & NodeNaming): R;
}

/** Options of `dot` and `batchDot`. */
export interface DotOptions {
  /** Transpose the left operand first. */
  transposeA?: boolean;
  /** Transpose the right operand first. */
  transposeB?: boolean;
}

/** `dot(lhs, rhs, { transposeA })`, `dot({ lhs, rhs })`. */
export interface DotFn<T> {
  /** Positional form. */
  (lhs: T, rhs: T, opts?: DotOptions & NodeNaming): T;
  /** Options form. */
  (opts: { lhs: T; rhs: T } & DotOptions & NodeNaming): T;
}

/** Options of the reductions. */
export interface ReduceOptions {
  /** Axis or axes to reduce (all when omitted). */
  axis?: number | readonly number[];
  /** Keep reduced axes with size 1. */
  keepdims?: boolean;
  /** Reduce every axis except `axis`. */
  exclude?: boolean;
}

/** Options of `norm`. */
export interface NormOptions {
  /** 1 or 2 (default). */
  ord?: number;
  /** Axis or axes (all when omitted). */
  axis?: number | readonly number[];
  /** Keep reduced axes with size 1. */
  keepdims?: boolean;
}

/** Options of `argmax` / `argmin`. */
export interface ArgReduceOptions {
  /** Axis (flattened when omitted). */
  axis?: number;
  /** Keep the reduced axis with size 1. */
  keepdims?: boolean;
}

/** Options of `softmax` / `logSoftmax`. */
export interface SoftmaxOptions<T = never> {
  /** Axis (last by default). */
  axis?: number;
  /** Divides the input first. */
  temperature?: number;
  /** The output dtype (MXNet's `dtype`; the input's by default). */
  dtype?: "float16" | "float32" | "float64";
  /** Mask by `length`: positions at or past each row's length output 0. */
  useLength?: boolean;
  /** Per-row lengths: data's shape without `axis` (with `useLength`). */
  length?: T;
}

/** Options of `sort`. */
export interface SortOptions {
  /** Axis (last by default). */
  axis?: number;
  /** Ascending (default true). */
  isAscend?: boolean;
}

/** Options of `argsort`. */
export interface ArgsortOptions extends SortOptions {
  /** dtype of the indices. */
  dtype?: DType;
}

/** Options of `topk`. */
export interface TopkOptions {
  /** Axis (last by default). */
  axis?: number;
  /** How many. */
  k?: number;
  /** What to return: "indices" (default), "value", "mask" or "both". */
  retTyp?: "value" | "indices" | "mask" | "both";
  /** Smallest first instead of largest. */
  isAscend?: boolean;
  /** dtype of indices. */
  dtype?: DType;
}

/**
 * `topk(x, { k, retTyp })`: with `retTyp: "both"` the result is `[values, indices]`
 * (`TList`: an array of NDArrays, or one grouped Symbol), as MXNet's `topk` returns.
 */
export interface TopkFn<T, TList> {
  /** Positional form, values and indices. */
  (data: T, opts: TopkOptions & { retTyp: "both" } & NodeNaming): TList;
  /** Options form, values and indices. */
  (opts: { data: T } & TopkOptions & { retTyp: "both" } & NodeNaming): TList;
  /** Positional form: one result. */
  (data: T, opts?: TopkOptions & NodeNaming): T;
  /** Options form: one result. */
  (opts: { data: T } & TopkOptions & NodeNaming): T;
}

/** `reshape(x, [2, -1])`, `reshape(x, { shape })`, `Reshape({ data, shape })`. */
export interface ReshapeFn<T> {
  /** Positional form. */
  (data: T, shape: readonly number[], opts?: { reverse?: boolean } & NodeNaming): T;
  /** Keyword form. */
  (data: T, opts: { shape: readonly number[]; reverse?: boolean } & NodeNaming): T;
  /** Options form. */
  (opts: { data: T; shape: readonly number[]; reverse?: boolean } & NodeNaming): T;
}

/** `transpose(x)`, `transpose(x, [1, 0])`, `transpose(x, { axes })`. */
export interface TransposeFn<T> {
  /** Positional form (reverses the axes when `axes` is omitted or empty). */
  (data: T, axes?: readonly number[], opts?: NodeNaming): T;
  /** Keyword form. */
  (data: T, opts: { axes?: readonly number[] } & NodeNaming): T;
  /** Options form. */
  (opts: { data: T; axes?: readonly number[] } & NodeNaming): T;
}

/** `swapaxes(x, 1, 2)`, `swapaxes(x, { dim1, dim2 })`, `SwapAxis({ data, dim1, dim2 })`. */
export interface SwapaxesFn<T> {
  /** Positional form. */
  (data: T, dim1: number, dim2: number, opts?: NodeNaming): T;
  /** Keyword form. */
  (data: T, opts: { dim1?: number; dim2?: number } & NodeNaming): T;
  /** Options form. */
  (opts: { data: T; dim1?: number; dim2?: number } & NodeNaming): T;
}

/** One axis parameter: `expandDims(x, 1)`, `expandDims(x, { axis })`. */
export interface AxisFn<T> {
  /** Positional form. */
  (data: T, axis: number, opts?: NodeNaming): T;
  /** Keyword form. */
  (data: T, opts: { axis: number } & NodeNaming): T;
  /** Options form. */
  (opts: { data: T; axis: number } & NodeNaming): T;
}

/** `squeeze(x)`, `squeeze(x, 1)`, `squeeze(x, [0, 2])`. */
export interface SqueezeFn<T> {
  /** Positional form. */
  (data: T, axis?: number | readonly number[] | null, opts?: NodeNaming): T;
  /** Keyword form. */
  (data: T, opts: { axis?: number | readonly number[] | null } & NodeNaming): T;
  /** Options form. */
  (opts: { data: T; axis?: number | readonly number[] | null } & NodeNaming): T;
}

/** `flip(x, 0)`, `reverse(x, [0, 1])`. */
export interface FlipFn<T> {
  /** Positional form. */
  (data: T, axis: number | readonly number[], opts?: NodeNaming): T;
  /** Keyword form. */
  (data: T, opts: { axis: number | readonly number[] } & NodeNaming): T;
  /** Options form. */
  (opts: { data: T; axis: number | readonly number[] } & NodeNaming): T;
}

/** `broadcastTo(x, [2, 3])`. */
export interface BroadcastToFn<T> {
  /** Positional form. */
  (data: T, shape: readonly number[], opts?: NodeNaming): T;
  /** Keyword form. */
  (data: T, opts: { shape: readonly number[] } & NodeNaming): T;
  /** Options form. */
  (opts: { data: T; shape: readonly number[] } & NodeNaming): T;
}

/** `tile(x, [2, 1])`. */
export interface TileFn<T> {
  /** Positional form. */
  (data: T, reps: readonly number[], opts?: NodeNaming): T;
  /** Keyword form. */
  (data: T, opts: { reps: readonly number[] } & NodeNaming): T;
  /** Options form. */
  (opts: { data: T; reps: readonly number[] } & NodeNaming): T;
}

/** `repeat(x, 2)`, `repeat(x, 2, 1)`, `repeat(x, { repeats, axis })`. */
export interface RepeatFn<T> {
  /** Positional form (flattened when `axis` is omitted). */
  (data: T, repeats: number, axis?: number | null, opts?: NodeNaming): T;
  /** Keyword form. */
  (data: T, opts: { repeats: number; axis?: number | null } & NodeNaming): T;
  /** Options form. */
  (opts: { data: T; repeats: number; axis?: number | null } & NodeNaming): T;
}

/** Per-axis bounds of `slice` (null: the whole axis). */
export type SliceBounds = readonly (number | null)[];

/** `slice(x, [0, 1], [2, null])`, `slice(x, { begin, end, step })`. */
export interface SliceFn<T> {
  /** Positional form. */
  (data: T, begin: SliceBounds, end: SliceBounds, step?: SliceBounds, opts?: NodeNaming): T;
  /** Keyword form. */
  (data: T, opts: { begin: SliceBounds; end: SliceBounds; step?: SliceBounds } & NodeNaming): T;
  /** Options form. */
  (
    opts: { data: T; begin: SliceBounds; end: SliceBounds; step?: SliceBounds } & NodeNaming,
  ): T;
}

/** `sliceAxis(x, 1, 0, 2)`, `sliceAxis(x, { axis, begin, end })`. */
export interface SliceAxisFn<T> {
  /** Positional form (`end` null: to the end). */
  (data: T, axis: number, begin: number, end: number | null, opts?: NodeNaming): T;
  /** Keyword form. */
  (data: T, opts: { axis: number; begin: number; end: number | null } & NodeNaming): T;
  /** Options form. */
  (opts: { data: T; axis: number; begin: number; end: number | null } & NodeNaming): T;
}

/** `clip(x, 0, 1)`, `clip(x, { aMin, aMax })`. */
export interface ClipFn<T> {
  /** Positional form. */
  (data: T, aMin: number, aMax: number, opts?: NodeNaming): T;
  /** Keyword form. */
  (data: T, opts: { aMin: number; aMax: number } & NodeNaming): T;
  /** Options form. */
  (opts: { data: T; aMin: number; aMax: number } & NodeNaming): T;
}

/** `ampMulticast([a, b])`: every input cast to one float dtype; one output per input. */
export interface AmpMulticastFn<T, R> {
  /** The inputs as one list. */
  (arrays: readonly T[], opts?: O.AmpMulticastOptions): R;
  /** The inputs spread, then the options. */
  (...args: [...arrays: T[], opts: O.AmpMulticastOptions]): R;
  /** The inputs spread. */
  (...arrays: T[]): R;
  /** Options form. */
  (opts: { data: readonly T[] } & O.AmpMulticastOptions): R;
}

/** `smoothL1(x, 1)`, `smoothL1(x, { scalar })`. */
export interface SmoothL1Fn<T> {
  /** Positional form. */
  (data: T, scalar?: number, opts?: NodeNaming): T;
  /** Keyword form. */
  (data: T, opts: { scalar?: number } & NodeNaming): T;
  /** Options form. */
  (opts: { data: T; scalar?: number } & NodeNaming): T;
}

/** Options of `reshapeLike`: which axis ranges of each side are matched. */
export interface ReshapeLikeOptions {
  /** First axis of `lhs` to replace. */
  lhsBegin?: number | null;
  /** End (exclusive) of the replaced axes of `lhs`. */
  lhsEnd?: number | null;
  /** First axis of `rhs` whose sizes are taken. */
  rhsBegin?: number | null;
  /** End (exclusive) of the axes of `rhs` taken. */
  rhsEnd?: number | null;
}

/** `reshapeLike(a, b)`: `a` with (a range of) `b`'s shape. */
export interface ReshapeLikeFn<T> {
  /** Positional form. */
  (lhs: T, rhs: T, opts?: ReshapeLikeOptions & NodeNaming): T;
  /** Options form. */
  (opts: { lhs: T; rhs: T } & ReshapeLikeOptions & NodeNaming): T;
}

/** `cast(x, "int32")`, `Cast(x, { dtype })`, `Cast({ data, dtype })`. */
export interface CastFn<T> {
  /** Positional form. */
  (data: T, dtype: DType, opts?: NodeNaming): T;
  /** Keyword form. */
  (data: T, opts: { dtype: DType } & NodeNaming): T;
  /** Options form. */
  (opts: { data: T; dtype: DType } & NodeNaming): T;
}

/** Options of `oneHot` besides `depth`. */
export interface OneHotOptions {
  /** Value at the index (1). */
  onValue?: number;
  /** Value elsewhere (0). */
  offValue?: number;
  /** Output dtype (float32). */
  dtype?: DType;
}

/** `oneHot(indices, 10)`, `oneHot(indices, { depth })`. */
export interface OneHotFn<T> {
  /** Positional form. */
  (indices: T, depth: number, opts?: OneHotOptions & NodeNaming): T;
  /** Keyword form. */
  (indices: T, opts: { depth: number } & OneHotOptions & NodeNaming): T;
  /** Options form. */
  (opts: { indices: T; depth: number } & OneHotOptions & NodeNaming): T;
}

/** Options of `split` besides `numOutputs`. */
export interface SplitOptions {
  /** Axis (1 by default, as MXNet). */
  axis?: number;
  /** Drop the split axis when each part has size 1 on it. */
  squeezeAxis?: boolean;
}

/**
 * `split(x, 3)`, `split(x, { numOutputs, axis })`, `SliceChannel({ data, numOutputs })`;
 * `R` is `NDArray[]` for arrays and one Symbol with `numOutputs` outputs for graphs.
 */
export interface SplitFn<T, R> {
  /** Positional form. */
  (data: T, numOutputs: number, opts?: SplitOptions & NodeNaming): R;
  /** Keyword form. */
  (data: T, opts: { numOutputs: number } & SplitOptions & NodeNaming): R;
  /** Options form. */
  (opts: { data: T; numOutputs: number } & SplitOptions & NodeNaming): R;
}

/** Variadic inputs: `concat([a, b], { dim })`, `concat(a, b, { dim })`, `Concat({ data: [a, b] })`. */
export interface ListFn<T, O> {
  /** The inputs as one list. */
  (arrays: readonly T[], opts?: O & NodeNaming): T;
  /** The inputs spread, then the options. */
  (...args: [...arrays: T[], opts: O & NodeNaming]): T;
  /** The inputs spread. */
  (...arrays: T[]): T;
  /** Options form. */
  (opts: { data: readonly T[] } & O & NodeNaming): T;
}

/** Options of `take`. */
export interface TakeOptions {
  /** Axis to gather along (0). */
  axis?: number;
  /**
   * Out-of-range indices: "clip" (default) clamps, "wrap" wraps around, "raise" throws
   * (when the result is read, as MXNet's engine reports it).
   */
  mode?: "clip" | "wrap" | "raise";
}

/** `take(a, indices, { axis })`. */
export interface TakeFn<T> {
  /** Positional form. */
  (a: T, indices: T, opts?: TakeOptions & NodeNaming): T;
  /** Options form. */
  (opts: { a: T; indices: T } & TakeOptions & NodeNaming): T;
}

/** Options of `pick`. */
export interface PickOptions {
  /** Axis (last by default). */
  axis?: number;
  /** Keep the picked axis with size 1. */
  keepdims?: boolean;
  /** Out-of-range indices: "clip" (default) or "wrap" (MXNet's pick has no "raise"). */
  mode?: "clip" | "wrap";
}

/** `pick(data, index, { axis })`. */
export interface PickFn<T> {
  /** Positional form. */
  (data: T, index: T, opts?: PickOptions & NodeNaming): T;
  /** Options form. */
  (opts: { data: T; index: T } & PickOptions & NodeNaming): T;
}

/** `where(condition, x, y)`. */
export interface WhereFn<T> {
  /** Positional form. */
  (condition: T, x: T, y: T, opts?: NodeNaming): T;
  /** Options form. */
  (opts: { condition: T; x: T; y: T } & NodeNaming): T;
}

/** The input names of the legacy operators' options (their tensors). */
export type LayerInputKey =
  | "data"
  | "weight"
  | "bias"
  | "gamma"
  | "beta"
  | "label"
  | "movingMean"
  | "movingVar";

/** The options of a layer called with positional inputs: its inputs become optional. */
export type LayerOptions<O> =
  & Omit<O, LayerInputKey>
  & Partial<Pick<O, Extract<keyof O, LayerInputKey>>>;

/**
 * A legacy (capitalised) operator: `FullyConnected({ data, weight, bias, numHidden })`, or
 * inputs positionally in the operator's argument order then the options,
 * `FullyConnected(x, w, b, { numHidden })` (Gluon's `F.FullyConnected(x, weight, bias,
 * num_hidden=...)`). A Symbol's missing inputs become variables named `<name>_<arg>`.
 */
export interface LayerFn<T, O> {
  /** Options form. */
  (opts: O): T;
  /** Inputs positionally, then the options. */
  (...args: [...inputs: T[], opts: LayerOptions<O>]): T;
}

/** A legacy operator whose parameters are all optional: also `Dropout(x)`. */
export interface OptionalLayerFn<T, O> extends LayerFn<T, O> {
  /** Inputs positionally, no options. */
  (...inputs: T[]): T;
}

/**
 * The fused RNN operator: `RNN(data, parameters, state, { stateSize, numLayers, mode })`
 * (LSTM: `state_cell` after `state`; `sequence_length` last with `useSequenceLength`), or
 * all by name. With `stateOutputs: true` the result is `[out, hy]` (`[out, hy, cy]` for
 * an LSTM): `TList` (an array of NDArrays, or one grouped Symbol).
 */
export interface RNNFn<T, TList> {
  /** Options form, final states returned. */
  (opts: O.RNNOptions<T> & { stateOutputs: true }): TList;
  /** Inputs positionally, final states returned. */
  (...args: [...inputs: T[], opts: LayerOptions<O.RNNOptions<T>> & { stateOutputs: true }]): TList;
  /** Options form: the output sequence. */
  (opts: O.RNNOptions<T>): T;
  /** Inputs positionally: the output sequence. */
  (...args: [...inputs: T[], opts: LayerOptions<O.RNNOptions<T>>]): T;
}

/**
 * Every operator function `mx.nd` and `mx.sym` share, generic over the tensor type: what
 * Gluon's `hybridForward(F, x)` may call. `mx.nd` is a `FrontEnd<NDArray, NDArray[]>` and
 * `mx.sym` a `FrontEnd<Symbol, Symbol>` (`TList` is what `split` returns).
 */
export interface FrontEnd<T, TList = T> extends ShapeFrontEnd<T, TList> {
  /** `lhs + rhs` with broadcasting; a number takes the scalar form. */
  readonly add: ArithFn<T>;
  /** Alias of `add`. */
  readonly plus: ArithFn<T>;
  /** `lhs - rhs`. */
  readonly subtract: ArithFn<T>;
  /** Alias of `subtract`. */
  readonly sub: ArithFn<T>;
  /** `lhs * rhs`. */
  readonly multiply: ArithFn<T>;
  /** Alias of `multiply`. */
  readonly mul: ArithFn<T>;
  /** `lhs / rhs`. */
  readonly divide: ArithFn<T>;
  /** Alias of `divide`. */
  readonly div: ArithFn<T>;
  /** `lhs ** rhs`. */
  readonly power: ArithFn<T>;
  /** Elementwise maximum. */
  readonly maximum: ArithFn<T>;
  /** Elementwise minimum. */
  readonly minimum: ArithFn<T>;
  /** `lhs == rhs` as 0/1. */
  readonly equal: ArithFn<T>;
  /** `lhs != rhs` as 0/1. */
  readonly notEqual: ArithFn<T>;
  /** `lhs > rhs` as 0/1. */
  readonly greater: ArithFn<T>;
  /** `lhs >= rhs` as 0/1. */
  readonly greaterEqual: ArithFn<T>;
  /** `lhs < rhs` as 0/1. */
  readonly lesser: ArithFn<T>;
  /** `lhs <= rhs` as 0/1. */
  readonly lesserEqual: ArithFn<T>;
  /** `-x`. */
  readonly negative: UnaryFn<T>;
  /** `|x|`. */
  readonly abs: UnaryFn<T>;
  /** Sign of x (-1, 0, 1). */
  readonly sign: UnaryFn<T>;
  /** `e^x`. */
  readonly exp: UnaryFn<T>;
  /** Natural log. */
  readonly log: UnaryFn<T>;
  /** `log(1 + x)`. */
  readonly log1p: UnaryFn<T>;
  /** `e^x - 1`. */
  readonly expm1: UnaryFn<T>;
  /** Square root. */
  readonly sqrt: UnaryFn<T>;
  /** `1 / sqrt(x)`. */
  readonly rsqrt: UnaryFn<T>;
  /** `x * x`. */
  readonly square: UnaryFn<T>;
  /** Cube root. */
  readonly cbrt: UnaryFn<T>;
  /** `1 / x`. */
  readonly reciprocal: UnaryFn<T>;
  /** Sine. */
  readonly sin: UnaryFn<T>;
  /** Cosine. */
  readonly cos: UnaryFn<T>;
  /** Tangent. */
  readonly tan: UnaryFn<T>;
  /** Inverse sine. */
  readonly arcsin: UnaryFn<T>;
  /** Inverse cosine. */
  readonly arccos: UnaryFn<T>;
  /** Inverse tangent. */
  readonly arctan: UnaryFn<T>;
  /** Hyperbolic sine. */
  readonly sinh: UnaryFn<T>;
  /** Hyperbolic cosine. */
  readonly cosh: UnaryFn<T>;
  /** Hyperbolic tangent. */
  readonly tanh: UnaryFn<T>;
  /** Logistic sigmoid. */
  readonly sigmoid: UnaryFn<T>;
  /** `max(x, 0)`. */
  readonly relu: UnaryFn<T>;
  /** `x / (1 + |x|)`. */
  readonly softsign: UnaryFn<T>;
  /** Gauss error function. */
  readonly erf: UnaryFn<T>;
  /** Round down. */
  readonly floor: UnaryFn<T>;
  /** Round up. */
  readonly ceil: UnaryFn<T>;
  /** Round half away from zero. */
  readonly round: UnaryFn<T>;
  /** Round toward zero. */
  readonly trunc: UnaryFn<T>;
  /** The identity, with a zero gradient (MXNet's `BlockGrad`, `stop_gradient`). */
  readonly BlockGrad: UnaryFn<T>;
  /** Alias of `BlockGrad`. */
  readonly stopGradient: UnaryFn<T>;
  /** Zeros of the same shape and dtype. */
  readonly zerosLike: UnaryFn<T>;
  /** Ones of the same shape and dtype. */
  readonly onesLike: UnaryFn<T>;
  /** Collapses all axes but the first (`Flatten`). */
  readonly Flatten: UnaryFn<T>;
  /** Alias of `Flatten`. */
  readonly flatten: UnaryFn<T>;
  /** `broadcast_add`: `lhs + rhs` with broadcasting. */
  readonly broadcastAdd: BinaryFn<T>;
  /** Alias of `broadcastAdd`. */
  readonly broadcastPlus: BinaryFn<T>;
  /** `broadcast_sub`. */
  readonly broadcastSub: BinaryFn<T>;
  /** Alias of `broadcastSub`. */
  readonly broadcastMinus: BinaryFn<T>;
  /** `broadcast_mul`. */
  readonly broadcastMul: BinaryFn<T>;
  /** `broadcast_div`. */
  readonly broadcastDiv: BinaryFn<T>;
  /** `broadcast_power`. */
  readonly broadcastPower: BinaryFn<T>;
  /** `broadcast_maximum`. */
  readonly broadcastMaximum: BinaryFn<T>;
  /** `broadcast_minimum`. */
  readonly broadcastMinimum: BinaryFn<T>;
  /** `broadcast_equal` (0/1). */
  readonly broadcastEqual: BinaryFn<T>;
  /** `broadcast_not_equal` (0/1). */
  readonly broadcastNotEqual: BinaryFn<T>;
  /** `broadcast_greater` (0/1). */
  readonly broadcastGreater: BinaryFn<T>;
  /** `broadcast_greater_equal` (0/1). */
  readonly broadcastGreaterEqual: BinaryFn<T>;
  /** `broadcast_lesser` (0/1). */
  readonly broadcastLesser: BinaryFn<T>;
  /** `broadcast_lesser_equal` (0/1). */
  readonly broadcastLesserEqual: BinaryFn<T>;
  /** Broadcasts `lhs` to the shape of `rhs` (or some axes of it: `lhsAxes`, `rhsAxes`). */
  readonly broadcastLike: BroadcastLikeFn<T>;
  /** `elemwise_add` (broadcasts, a superset of MXNet's same-shape rule). */
  readonly elemwiseAdd: BinaryFn<T>;
  /** `elemwise_sub`. */
  readonly elemwiseSub: BinaryFn<T>;
  /** `elemwise_mul`. */
  readonly elemwiseMul: BinaryFn<T>;
  /** `elemwise_div`. */
  readonly elemwiseDiv: BinaryFn<T>;
  /** Sum over axes. */
  readonly sum: DataFn<T, ReduceOptions>;
  /** Mean over axes. */
  readonly mean: DataFn<T, ReduceOptions>;
  /** Product over axes. */
  readonly prod: DataFn<T, ReduceOptions>;
  /** Maximum over axes. */
  readonly max: DataFn<T, ReduceOptions>;
  /** Minimum over axes. */
  readonly min: DataFn<T, ReduceOptions>;
  /** L2 (or L1) norm. */
  readonly norm: DataFn<T, NormOptions>;
  /** Index of the maximum (float32, as MXNet). */
  readonly argmax: DataFn<T, ArgReduceOptions>;
  /** Index of the minimum. */
  readonly argmin: DataFn<T, ArgReduceOptions>;
  /** Matrix product (`transposeA`/`transposeB`). */
  readonly dot: DotFn<T>;
  /** Batched matrix product of 3-D arrays. */
  readonly batchDot: DotFn<T>;
  /** Softmax (last axis by default). */
  readonly softmax: DataFn<T, SoftmaxOptions<T>>;
  /** Log-softmax. */
  readonly logSoftmax: DataFn<T, SoftmaxOptions<T>>;
  /** Sorted copy. */
  readonly sort: DataFn<T, SortOptions>;
  /** Sorting indices. */
  readonly argsort: DataFn<T, ArgsortOptions>;
  /** Top-k indices, values, mask, or `[values, indices]` (`retTyp: "both"`). */
  readonly topk: TopkFn<T, TList>;
  /** Gathers along an axis. */
  readonly take: TakeFn<T>;
  /** One element per position along `axis`. */
  readonly pick: PickFn<T>;
  /** `condition ? x : y` elementwise. */
  readonly where: WhereFn<T>;
  /** Reshape with MXNet's codes (0, -1, -2, -3, -4); shares memory. */
  readonly Reshape: ReshapeFn<T>;
  /** Alias of `Reshape`. */
  readonly reshape: ReshapeFn<T>;
  /** Permutes axes (reverses them by default). */
  readonly transpose: TransposeFn<T>;
  /** Swaps two axes. */
  readonly SwapAxis: SwapaxesFn<T>;
  /** Alias of `SwapAxis`. */
  readonly swapaxes: SwapaxesFn<T>;
  /** Inserts an axis of size 1. */
  readonly expandDims: AxisFn<T>;
  /** Removes axes of size 1. */
  readonly squeeze: SqueezeFn<T>;
  /** Broadcasts to a shape. */
  readonly broadcastTo: BroadcastToFn<T>;
  /** Slice with per-axis begin/end/step. */
  readonly slice: SliceFn<T>;
  /** Slice along one axis. */
  readonly sliceAxis: SliceAxisFn<T>;
  /** Reverses along axes. */
  readonly reverse: FlipFn<T>;
  /** Alias of `reverse`. */
  readonly flip: FlipFn<T>;
  /** Repeats the whole array `reps` times per axis. */
  readonly tile: TileFn<T>;
  /** Repeats each element. */
  readonly repeat: RepeatFn<T>;
  /** Clips to [aMin, aMax]. */
  readonly clip: ClipFn<T>;
  /** Converts the dtype. */
  readonly Cast: CastFn<T>;
  /** Alias of `Cast`. */
  readonly cast: CastFn<T>;
  /** One-hot encoding. */
  readonly oneHot: OneHotFn<T>;
  /** Concatenates along `dim` (default 1, as MXNet). */
  readonly Concat: ListFn<T, { dim?: number }>;
  /** Alias of `Concat`. */
  readonly concat: ListFn<T, { dim?: number }>;
  /** Stacks along a new axis. */
  readonly stack: ListFn<T, { axis?: number }>;
  /** Splits into `numOutputs` equal parts along `axis` (default 1). */
  readonly SliceChannel: SplitFn<T, TList>;
  /** Alias of `SliceChannel`. */
  readonly split: SplitFn<T, TList>;
  /** Fully connected layer: `data · weightᵀ + bias`. */
  readonly FullyConnected: LayerFn<T, O.FullyConnectedOptions<T>>;
  /** Activation (`actType` relu, sigmoid, tanh, softrelu, softsign, ...). */
  readonly Activation: LayerFn<T, O.ActivationOptions<T>>;
  /** LeakyReLU (leaky, prelu, elu, selu, gelu, rrelu). */
  readonly LeakyReLU: OptionalLayerFn<T, O.LeakyReLUOptions<T>>;
  /** Convolution (1-D, 2-D or 3-D). */
  readonly Convolution: LayerFn<T, O.ConvolutionOptions<T>>;
  /** Deconvolution (transposed convolution). */
  readonly Deconvolution: LayerFn<T, O.DeconvolutionOptions<T>>;
  /** Pooling (max, avg, sum, lp). */
  readonly Pooling: OptionalLayerFn<T, O.PoolingOptions<T>>;
  /** BatchNorm (moving statistics updated in place when training under autograd). */
  readonly BatchNorm: OptionalLayerFn<T, O.BatchNormOptions<T>>;
  /** LayerNorm. */
  readonly LayerNorm: OptionalLayerFn<T, O.LayerNormOptions<T>>;
  /** InstanceNorm: per sample and channel, then `gamma`/`beta` per channel. */
  readonly InstanceNorm: OptionalLayerFn<T, O.InstanceNormOptions<T>>;
  /** GroupNorm: over groups of `numGroups` channels. */
  readonly GroupNorm: OptionalLayerFn<T, O.GroupNormOptions<T>>;
  /** Local response normalisation across `nsize` channels. */
  readonly LRN: LayerFn<T, O.LRNOptions<T>>;
  /** Dropout (the identity unless training). */
  readonly Dropout: OptionalLayerFn<T, O.DropoutOptions<T>>;
  /** Embedding lookup. */
  readonly Embedding: LayerFn<T, O.EmbeddingOptions<T>>;
  /** SoftmaxOutput (softmax forward, cross-entropy gradient). */
  readonly SoftmaxOutput: OptionalLayerFn<T, O.SoftmaxOutputOptions<T>>;
  /** LinearRegressionOutput. */
  readonly LinearRegressionOutput: OptionalLayerFn<T, O.RegressionOutputOptions<T>>;
  /** LogisticRegressionOutput. */
  readonly LogisticRegressionOutput: OptionalLayerFn<T, O.RegressionOutputOptions<T>>;
  /** MAERegressionOutput. */
  readonly MAERegressionOutput: OptionalLayerFn<T, O.RegressionOutputOptions<T>>;
  /** MakeLoss: marks `data` as a loss. */
  readonly MakeLoss: OptionalLayerFn<T, O.MakeLossOptions<T>>;
  /** softmax_cross_entropy: summed cross-entropy of `softmax(data)`. */
  readonly softmaxCrossEntropy: OptionalLayerFn<T, O.SoftmaxCrossEntropyOptions<T>>;
  /** Masks positions past each sequence's length (`useSequenceLength`). */
  readonly SequenceMask: OptionalLayerFn<T, O.SequenceMaskOptions<T>>;
  /** Pads a 4-D or 5-D array (constant, edge or reflect). */
  readonly Pad: LayerFn<T, O.PadOptions<T>>;
  /** Alias of `Pad`. */
  readonly pad: LayerFn<T, O.PadOptions<T>>;
  /** CTC loss of activations [T, N, C] against labels [N, L]: one loss per sequence. */
  readonly CTCLoss: LayerFn<T, O.CTCLossOptions<T>>;
  /** Alias of `CTCLoss` (MXNet's `ctc_loss`). */
  readonly ctcLoss: LayerFn<T, O.CTCLossOptions<T>>;
  /** Image patches as columns, MXNet's layout [N, C·prod(kernel), positions]. */
  readonly im2col: LayerFn<T, O.Im2colOptions<T>>;
  /** Columns [N, C·prod(kernel), positions] summed back into an image (im2col's adjoint). */
  readonly col2im: LayerFn<T, O.Col2imOptions<T>>;
  /** AMP's cast (`amp_cast`): the gradient is cast back to the input's dtype. */
  readonly ampCast: LayerFn<T, O.AmpCastOptions<T>>;
  /** AMP's multicast (`amp_multicast`): every input cast to the widest input float. */
  readonly ampMulticast: AmpMulticastFn<T, TList>;
  /** The fused recurrent operator (rnn_relu, rnn_tanh, lstm, gru) over TNC data. */
  readonly RNN: RNNFn<T, TList>;
  /** Smooth L1: `0.5 (σx)² / σ²`-style Huber of each element (`scalar` σ). */
  readonly smoothL1: SmoothL1Fn<T>;
  /** `lhs` reshaped to `rhs`'s shape (or a range of its axes). */
  readonly reshapeLike: ReshapeLikeFn<T>;
  /** Softmax over all but the batch axis (`mode: "instance"`), or over channels (`"channel"`). */
  readonly SoftmaxActivation: OptionalLayerFn<T, O.SoftmaxActivationOptions<T>>;
  /** An array of zeros (`F.zeros(shape)`). */
  readonly zeros: CreateFn<T>;
  /** An array of ones. */
  readonly ones: CreateFn<T>;
  /** An array filled with `value`. */
  readonly full: (
    shape: number | readonly number[],
    value: number,
    opts?: Context | CreateOptionsOf,
    dtype?: DType,
  ) => T;
  /** Evenly spaced values in [start, stop). */
  readonly arange: (
    start: number,
    stop?: number | null,
    step?: number,
    opts?: CreateOptionsOf & { repeat?: number },
  ) => T;
}

/** The creation options both front ends take. */
export interface CreateOptionsOf {
  /** Device (arrays; a graph runs where it is bound). */
  ctx?: Context;
  /** Element type (float32 by default). */
  dtype?: DType;
}

/** `zeros(shape)`, `zeros(shape, ctx, dtype)`, `zeros(shape, { ctx, dtype })`. */
export type CreateFn<T> = (
  shape: number | readonly number[],
  opts?: Context | CreateOptionsOf,
  dtype?: DType,
) => T;

/** Options of `hardSigmoid`: max(0, min(1, alpha * x + beta)). */
export interface HardSigmoidOptions {
  /** Slope (0.2). */
  alpha?: number;
  /** Offset (0.5). */
  beta?: number;
}
