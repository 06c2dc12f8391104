/**
 * `mx.np` array creation: NumPy's names and argument orders, float32 as the default
 * dtype (as MXNet's np), results are `NpArray`s.
 * @module
 */
import type { Context } from "../core/context.ts";
import { asDType, type DType } from "../core/dtype.ts";
import { ParamError } from "../core/errors.ts";
import { checkOptions } from "../core/options.ts";
import { checkShape } from "../core/shape.ts";
import { array as ndArray, type DTypeOfValues } from "../ndarray/creation.ts";
import type { ArrayLikeInput } from "../ndarray/input.ts";
import { NDArray } from "../ndarray/ndarray.ts";
import { asNp, cast, creation, op, reshapeTo } from "./_core.ts";
import { NpArray } from "./ndarray.ts";

/**
 * Options of the creation functions. `D` is the dtype given, so that the result's `data()`
 * has its typed array type (`Float32Array` for float32, the default).
 */
export interface NpCreateOptions<D extends DType = DType> {
  /** Device (current context by default). */
  ctx?: Context;
  /** Element type (float32 by default). */
  dtype?: D;
}

/** Nested booleans: what `np.array` makes a bool array of. */
type NestedBooleans = boolean | readonly NestedBooleans[];

/** The dtype `np.array(values)` gives when none is asked for (bool for booleans). */
export type NpDTypeOfValues<V> = V extends NestedBooleans ? "bool" : DTypeOfValues<V>;

const KEYS = ["ctx", "dtype"];

function shapeOf(shape: number | readonly number[], where: string): number[] {
  return checkShape(typeof shape === "number" ? [shape] : shape, `${where}: shape`);
}

function hasBool(v: unknown): boolean {
  return typeof v === "boolean" || (Array.isArray(v) && v.length > 0 && hasBool(v[0]));
}

/**
 * An array from nested numbers (or booleans), a typed array or another array (copied).
 * Numbers give float32 and booleans bool unless `dtype` says otherwise; a typed array
 * keeps its type.
 */
export function array<
  V extends ArrayLikeInput | NDArray,
  D extends DType = NpDTypeOfValues<V>,
>(
  values: V,
  opts: NpCreateOptions<D> & { shape?: readonly number[] } = {},
): NpArray<D> {
  checkOptions("np.array", opts, [...KEYS, "shape"]);
  if (values instanceof NDArray) {
    const out = asNp(values.copyTo(opts.ctx ?? values.context));
    return (opts.dtype && opts.dtype !== out.dtype ? cast(out, opts.dtype) : out) as NpArray<D>;
  }
  const dtype = opts.dtype ??
    (ArrayBuffer.isView(values) ? undefined : hasBool(values) ? "bool" : "float32");
  const a = ndArray(values, { ...opts, dtype });
  // nd.array gives scalars shape [] already; np keeps it 0-d.
  return a._view(a.shape, NpArray) as NpArray<D>;
}

/** Like {@link array}, but an array of the right dtype and context is returned as is. */
export function asarray(values: ArrayLikeInput | NDArray, opts: NpCreateOptions = {}): NpArray {
  if (
    values instanceof NDArray && (!opts.dtype || opts.dtype === values.dtype) &&
    (!opts.ctx || opts.ctx.equals(values.context))
  ) {
    return asNp(values);
  }
  return array(values, opts);
}

/** An uninitialised array. */
export function empty<D extends DType = "float32">(
  shape: number | readonly number[],
  opts: NpCreateOptions<D> = {},
): NpArray<D> {
  checkOptions("np.empty", opts, KEYS);
  const { ctx, dtype } = creation("np.empty", opts);
  return NpArray._alloc(shapeOf(shape, "np.empty"), dtype, ctx) as NpArray<D>;
}
/** Zeros. */
export function zeros<D extends DType = "float32">(
  shape: number | readonly number[],
  opts: NpCreateOptions<D> = {},
): NpArray<D> {
  checkOptions("np.zeros", opts, KEYS);
  const { ctx, dtype } = creation("np.zeros", opts);
  return op("_zeros", [], { shape: shapeOf(shape, "np.zeros"), dtype }, ctx) as NpArray<D>;
}
/** Ones. */
export function ones<D extends DType = "float32">(
  shape: number | readonly number[],
  opts: NpCreateOptions<D> = {},
): NpArray<D> {
  checkOptions("np.ones", opts, KEYS);
  const { ctx, dtype } = creation("np.ones", opts);
  return op("_ones", [], { shape: shapeOf(shape, "np.ones"), dtype }, ctx) as NpArray<D>;
}
/** Filled with `value` (dtype float32 by default, bool for a boolean value). */
export function full<D extends DType = "float32">(
  shape: number | readonly number[],
  value: number,
  opts?: NpCreateOptions<D>,
): NpArray<D>;
/** Filled with a boolean `value` (dtype bool unless given). */
export function full<D extends DType = "bool">(
  shape: number | readonly number[],
  value: boolean,
  opts?: NpCreateOptions<D>,
): NpArray<D>;
export function full(
  shape: number | readonly number[],
  value: number | boolean,
  opts: NpCreateOptions = {},
): NpArray {
  checkOptions("np.full", opts, KEYS);
  const { ctx, dtype } = creation("np.full", opts, typeof value === "boolean" ? "bool" : "float32");
  return op("_full", [], { shape: shapeOf(shape, "np.full"), value: Number(value), dtype }, ctx);
}

function likeOpts(x: NDArray, opts: NpCreateOptions) {
  return { ctx: opts.ctx ?? x.context, dtype: opts.dtype ?? x.dtype };
}
/** Zeros shaped like `x` (its dtype and context unless given). */
export function zerosLike(x: NDArray, opts: NpCreateOptions = {}): NpArray {
  return zeros(x.shape, likeOpts(x, opts));
}
/** Ones shaped like `x`. */
export function onesLike(x: NDArray, opts: NpCreateOptions = {}): NpArray {
  return ones(x.shape, likeOpts(x, opts));
}
/** `value` shaped like `x`. */
export function fullLike(x: NDArray, value: number, opts: NpCreateOptions = {}): NpArray {
  return full(x.shape, value, likeOpts(x, opts));
}
/** Uninitialised, shaped like `x`. */
export function emptyLike(x: NDArray, opts: NpCreateOptions = {}): NpArray {
  return empty(x.shape, likeOpts(x, opts));
}

/**
 * Evenly spaced values: `arange(stop)`, `arange(start, stop)`, `arange(start, stop,
 * step)` (float32 by default, as MXNet's np).
 */
export function arange<D extends DType = "float32">(
  start: number,
  stop?: number | null,
  step = 1,
  opts: NpCreateOptions<D> = {},
): NpArray<D> {
  checkOptions("np.arange", opts, KEYS);
  const { ctx, dtype } = creation("np.arange", opts);
  const [lo, hi] = stop === undefined || stop === null ? [0, start] : [start, stop];
  if (step === 0) throw new ParamError("np.arange: step must not be 0");
  const n = Math.max(0, Math.ceil((hi - lo) / step));
  return op("_iota", [], { size: n, start: lo, step, dtype }, ctx) as NpArray<D>;
}

/** `num` evenly spaced values over [start, stop] (stop excluded with `endpoint: false`). */
export function linspace<D extends DType = "float32">(
  start: number,
  stop: number,
  num = 50,
  opts: NpCreateOptions<D> & { endpoint?: boolean } = {},
): NpArray<D> {
  checkOptions("np.linspace", opts, [...KEYS, "endpoint"]);
  const { ctx, dtype } = creation("np.linspace", opts);
  const params = { start, stop, num, endpoint: opts.endpoint ?? true, dtype };
  return op("_linspace", [], params, ctx) as NpArray<D>;
}

/** `base ** linspace(start, stop, num)`. */
export function logspace(
  start: number,
  stop: number,
  num = 50,
  opts: NpCreateOptions & { endpoint?: boolean; base?: number } = {},
): NpArray {
  checkOptions("np.logspace", opts, [...KEYS, "endpoint", "base"]);
  const { base = 10, ...rest } = opts;
  const e = linspace(start, stop, num, rest);
  return op("_rpower_scalar", [e], { scalar: base });
}

/** The identity matrix of size n. */
export function identity<D extends DType = "float32">(
  n: number,
  opts: NpCreateOptions<D> = {},
): NpArray<D> {
  return eye(n, null, 0, opts);
}

/** Ones on diagonal `k` of an n x m matrix (m = n by default). */
export function eye<D extends DType = "float32">(
  n: number,
  m: number | null = null,
  k = 0,
  opts: NpCreateOptions<D> = {},
): NpArray<D> {
  checkOptions("np.eye", opts, KEYS);
  const { ctx, dtype } = creation("np.eye", opts);
  return op("_eye", [], { N: n, M: m ?? n, k, dtype }, ctx) as NpArray<D>;
}

/** Ones at and below diagonal `k` of an n x m matrix. */
export function tri(
  n: number,
  m: number | null = null,
  k = 0,
  opts: NpCreateOptions = {},
): NpArray {
  checkOptions("np.tri", opts, KEYS);
  const { ctx, dtype } = creation("np.tri", opts);
  const cols = m ?? n;
  const rows = op("_iota", [], { size: n, start: k, step: 1, dtype: "float32" }, ctx);
  const c = op("_iota", [], { size: cols, start: 0, step: 1, dtype: "float32" }, ctx);
  const mask = op("broadcast_greater_equal", [reshapeTo(rows, [n, 1]), reshapeTo(c, [1, cols])]);
  return cast(mask, dtype);
}

/**
 * Coordinate matrices from coordinate vectors; `indexing` "xy" (default, Cartesian: the
 * first two outputs' axes swapped) or "ij".
 */
export function meshgrid(
  ...args: (NDArray | { indexing?: "xy" | "ij" })[]
): NpArray[] {
  const last = args[args.length - 1];
  const opts = last instanceof NDArray ? {} : (args.pop() as { indexing?: "xy" | "ij" });
  checkOptions("np.meshgrid", opts, ["indexing"]);
  const xs = args as NDArray[];
  const xy = (opts.indexing ?? "xy") === "xy" && xs.length >= 2;
  const sizes = xs.map((x) => x.size);
  if (xy) [sizes[0], sizes[1]] = [sizes[1], sizes[0]];
  return xs.map((x, i) => {
    const pos = xy && i < 2 ? 1 - i : i;
    const shape = sizes.map((_, j) => (j === pos ? x.size : 1));
    return op("broadcast_to", [reshapeTo(x, shape)], { shape: sizes });
  });
}

/** Arrays of each axis' index over `dimensions`, stacked: shape [ndim, ...dimensions]. */
export function indices(dimensions: readonly number[], opts: NpCreateOptions = {}): NpArray {
  checkOptions("np.indices", opts, KEYS);
  const { ctx } = creation("np.indices", opts);
  const dtype = opts.dtype ?? "int32";
  const grids = dimensions.map((d, i) => {
    const r = op("_iota", [], { size: d, start: 0, step: 1, dtype }, ctx);
    const shape = dimensions.map((_, j) => (j === i ? d : 1));
    return op("broadcast_to", [reshapeTo(r, shape)], { shape: [...dimensions] });
  });
  return op("stack", grids, { numArgs: grids.length, axis: 0 });
}

/** A copy of `x`. */
export function copy(x: NDArray): NpArray {
  return asNp(x).copy();
}

/** Parses a dtype name (for `np.dtype("float32")`-style code). */
export function dtype(name: string): DType {
  return asDType(name, "np.dtype");
}
