/**
 * Array creation: empty, zeros, ones, full, arange, linspace, eye, array.
 * @module
 */
import { Context, currentContext } from "../core/context.ts";
import {
  asDType,
  type ComputeArray,
  type DType,
  isComputeArrayOf,
  toComputeArray,
} from "../core/dtype.ts";
import { checkShape } from "../core/shape.ts";
import { ParamError, ShapeError } from "../core/errors.ts";
import { checkOptions, describe } from "../core/options.ts";
import { isOptions } from "../ops/frontend.ts";
import { push } from "../engine/engine.ts";
import { invoke } from "./apply.ts";
import { type ArrayLikeInput, flatten } from "./input.ts";
import { NDArray } from "./ndarray.ts";

/**
 * Where and as what to create an array. `D` is the dtype given, so that the result's
 * `data()` has its typed array type (`Float32Array` for float32, the default).
 */
export interface CreateOptions<D extends DType = DType> {
  /** Device (current context by default). */
  ctx?: Context;
  /** Element type (float32 by default). */
  dtype?: D;
}

/**
 * The dtype `array(values)` gives when none is asked for: a typed array's own (as MXNet
 * keeps a NumPy array's), an NDArray's own, float32 for plain numbers.
 */
export type DTypeOfValues<V> = V extends Float64Array ? "float64"
  : V extends Int32Array ? "int32"
  : V extends Uint8Array ? "uint8"
  : V extends Int8Array ? "int8"
  : V extends BigInt64Array ? "int64"
  : V extends Float16Array ? "float16"
  : V extends NDArray<infer E> ? E
  : "float32";

/**
 * Context and dtype from MXNet's `(ctx, dtype)` positional pair or an options object; checks
 * what a plain JavaScript caller can get wrong (`ones(2, 3)`, `zeros(s, ctx, "int32", 1)`),
 * naming the function.
 */
function resolve(
  where: string,
  opts: unknown,
  dtype: unknown,
  extra: readonly string[] = [],
): { ctx: Context; dtype: DType } {
  if (opts === undefined || opts instanceof Context) {
    return {
      ctx: opts ?? currentContext(),
      dtype: dtype === undefined ? "float32" : asDType(dtype, `${where}: dtype`),
    };
  }
  if (!isOptions(opts)) {
    throw new ParamError(
      `${where}: expected a Context or an options object ({ ctx, dtype${
        extra.map((k) => `, ${k}`).join("")
      } }), got ${describe(opts)}`,
    );
  }
  if (dtype !== undefined) {
    throw new ParamError(
      `${where}: dtype is given both in the options and as the next argument (${describe(dtype)})`,
    );
  }
  checkOptions(where, opts, ["ctx", "dtype", ...extra]);
  if (opts.ctx !== undefined && !(opts.ctx instanceof Context)) {
    throw new ParamError(
      `${where}: ctx expects a Context such as mx.cpu(), got ${describe(opts.ctx)}`,
    );
  }
  return {
    ctx: (opts.ctx as Context | undefined) ?? currentContext(),
    dtype: opts.dtype === undefined ? "float32" : asDType(opts.dtype, `${where}: dtype`),
  };
}

/** Throws when a call has more arguments than `signature` takes. */
function maxArgs(where: string, given: number, max: number, signature: string): void {
  if (given > max) {
    throw new ParamError(`${where}: too many arguments: takes ${signature}, got ${given}`);
  }
}

/** Throws unless `v` is a finite number (a plain JavaScript caller may pass anything). */
function expectNumber(where: string, what: string, v: unknown, optional = false): void {
  if (optional && (v === undefined || v === null)) return;
  if (typeof v !== "number") {
    throw new ParamError(`${where}: ${what} expects a number, got ${describe(v)}`);
  }
}

const SHAPE_SIGNATURE = "(shape, ctx or options?, dtype?)";

/**
 * An uninitialised array (`mx.nd.empty((2, 3))`).
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const a = mx.nd.empty([2, 3]);
 * console.log(a.shape); // [2, 3]
 * ```
 */
export function empty<D extends DType = "float32">(
  shape: number | readonly number[],
  opts?: Context | CreateOptions<D>,
  dtype?: D,
): NDArray<D> {
  maxArgs("empty", arguments.length, 3, SHAPE_SIGNATURE);
  const r = resolve("empty", opts, dtype);
  return NDArray._alloc(checkShape(shape, "empty: shape"), r.dtype, r.ctx) as NDArray<D>;
}

/** An array of zeros. */
export function zeros<D extends DType = "float32">(
  shape: number | readonly number[],
  opts?: Context | CreateOptions<D>,
  dtype?: D,
): NDArray<D> {
  maxArgs("zeros", arguments.length, 3, SHAPE_SIGNATURE);
  const r = resolve("zeros", opts, dtype);
  const out = invoke("_zeros", [], { shape: checkShape(shape, "zeros: shape"), dtype: r.dtype }, {
    ctx: r.ctx,
  });
  return out[0] as NDArray<D>;
}

/** An array of ones. */
export function ones<D extends DType = "float32">(
  shape: number | readonly number[],
  opts?: Context | CreateOptions<D>,
  dtype?: D,
): NDArray<D> {
  maxArgs("ones", arguments.length, 3, SHAPE_SIGNATURE);
  const r = resolve("ones", opts, dtype);
  const out = invoke("_ones", [], { shape: checkShape(shape, "ones: shape"), dtype: r.dtype }, {
    ctx: r.ctx,
  });
  return out[0] as NDArray<D>;
}

/** An array filled with `value`. */
export function full<D extends DType = "float32">(
  shape: number | readonly number[],
  value: number,
  opts?: Context | CreateOptions<D>,
  dtype?: D,
): NDArray<D> {
  maxArgs("full", arguments.length, 4, "(shape, value, ctx or options?, dtype?)");
  expectNumber("full", "value", value);
  const r = resolve("full", opts, dtype);
  const params = { shape: checkShape(shape, "full: shape"), value, dtype: r.dtype };
  return invoke("_full", [], params, { ctx: r.ctx })[0] as NDArray<D>;
}

/**
 * Evenly spaced values in [start, stop) (or [0, start) when stop is omitted).
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * console.log(await mx.nd.arange(2, 8, 2).array()); // [2, 4, 6]
 * ```
 */
export function arange<D extends DType = "float32">(
  start: number,
  stop?: number | null,
  step = 1,
  opts: CreateOptions<D> & { repeat?: number } = {},
): NDArray<D> {
  maxArgs("arange", arguments.length, 4, "(start, stop?, step?, options?)");
  expectNumber("arange", "start", start);
  expectNumber("arange", "stop", stop, true);
  expectNumber("arange", "step", step);
  const { ctx, dtype } = resolve("arange", opts, undefined, ["repeat"]);
  const params = { start, stop: stop ?? null, step, repeat: opts.repeat, dtype };
  return invoke("_arange", [], params, { ctx })[0] as NDArray<D>;
}

/** `num` evenly spaced values from start to stop. */
export function linspace<D extends DType = "float32">(
  start: number,
  stop: number,
  num: number,
  opts: CreateOptions<D> & { endpoint?: boolean } = {},
): NDArray<D> {
  maxArgs("linspace", arguments.length, 4, "(start, stop, num, options?)");
  expectNumber("linspace", "start", start);
  expectNumber("linspace", "stop", stop);
  expectNumber("linspace", "num", num);
  const { ctx, dtype } = resolve("linspace", opts, undefined, ["endpoint"]);
  const params = { start, stop, num, endpoint: opts.endpoint, dtype };
  return invoke("_linspace", [], params, { ctx })[0] as NDArray<D>;
}

/** The identity-like N x M matrix with ones on diagonal `k`. */
export function eye<D extends DType = "float32">(
  n: number,
  m: number = 0,
  k: number = 0,
  opts?: Context | CreateOptions<D>,
  dtype?: D,
): NDArray<D> {
  maxArgs("eye", arguments.length, 5, "(n, m?, k?, ctx or options?, dtype?)");
  const r = resolve("eye", opts, dtype);
  return invoke("_eye", [], { N: n, M: m, k, dtype: r.dtype }, { ctx: r.ctx })[0] as NDArray<D>;
}

/**
 * An array from host values: nested arrays, a typed array (its dtype is kept, as
 * MXNet keeps a numpy array's), or a flat typed array with `shape`.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const a = mx.nd.array([[1, 2], [3, 4]]);
 * console.log(a.shape, a.dtype); // [2, 2] "float32"
 * ```
 */
export function array<
  V extends ArrayLikeInput | NDArray,
  D extends DType = DTypeOfValues<V>,
>(
  values: V,
  opts?: Context | (CreateOptions<D> & { shape?: readonly number[] }),
  dtype?: D,
): NDArray<D> {
  maxArgs("array", arguments.length, 3, "(values, ctx or options?, dtype?)");
  const r = resolve("array", opts, dtype, ["shape"]);
  const o: CreateOptions & { shape?: readonly number[] } = isOptions(opts) ? opts : {};
  const givenCtx = opts instanceof Context ? opts : o.ctx;
  const givenDType = dtype ?? o.dtype;
  if (values instanceof NDArray) {
    const out = values.copyTo(givenCtx ?? values.context);
    return (givenDType && givenDType !== out.dtype ? out.astype(givenDType) : out) as NDArray<D>;
  }
  const flat = flatten(values, "array");
  const shape = o.shape ? checkShape(o.shape, "array: shape") : flat.shape;
  const ctx = r.ctx;
  const dt = givenDType ? r.dtype : typedDType(values);
  const out = NDArray._alloc(shape, dt, ctx);
  if (out.size !== flat.values.length) {
    out.dispose();
    throw new ShapeError(`array: ${flat.values.length} values do not fill shape [${shape}]`);
  }
  const s = out._storage("array");
  if (isComputeArrayOf(dt, flat.values)) {
    // Already in the backend's layout: written straight from the caller's array when the
    // write runs now (a fresh array has nothing to wait for); a snapshot otherwise, as the
    // caller may change the array once this returns.
    let data: ComputeArray = flat.values;
    let written = false;
    push(
      "array",
      () => {
        s.backend.write(s.buf, data);
        written = true;
      },
      [],
      [s.var],
    );
    if (!written) data = data.slice();
    return out as NDArray<D>;
  }
  const data = toComputeArray(dt, flat.values);
  push("array", () => s.backend.write(s.buf, data), [], [s.var]);
  return out as NDArray<D>;
}

function typedDType(values: unknown): DType {
  if (values instanceof Float64Array) return "float64";
  if (values instanceof Int32Array) return "int32";
  if (values instanceof Uint8Array) return "uint8";
  if (values instanceof Int8Array) return "int8";
  if (values instanceof BigInt64Array) return "int64";
  if (values instanceof Float16Array) return "float16";
  return "float32";
}
