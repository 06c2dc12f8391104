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
import type { DType } from "../core/dtype.ts";
import type { NodeNaming } from "./nn/options.ts";

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
export interface SoftmaxOptions {
  /** Axis (last by default). */
  axis?: number;
  /** Divides the input first. */
  temperature?: number;
}

/** Options of `SoftmaxActivation`. */
export interface SoftmaxActivationOptions {
  /** Over all but the batch axis ("instance", default) or over axis 1 ("channel"). */
  mode?: "instance" | "channel";
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
  /** Out-of-range indices: "clip" (default) or "wrap". */
  mode?: "clip" | "wrap";
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
  /** Out-of-range indices: "clip" (default) or "wrap". */
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

/** The keys of `O` whose values are tensors. */
export type TensorKeys<T, O> = {
  [K in keyof O]-?: NonNullable<O[K]> extends T ? K : never;
}[keyof O];

/** The options of a layer called with positional inputs: its inputs become optional. */
export type LayerOptions<T, O> = Omit<O, TensorKeys<T, O>> & Partial<Pick<O, TensorKeys<T, O>>>;

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
  (...args: [...inputs: T[], opts: LayerOptions<T, O>]): T;
}

/** A legacy operator whose parameters are all optional: also `Dropout(x)`. */
export interface OptionalLayerFn<T, O> extends LayerFn<T, O> {
  /** Inputs positionally, no options. */
  (...inputs: T[]): T;
}
