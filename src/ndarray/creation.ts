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
import { ShapeError } from "../core/errors.ts";
import { checkOptions } from "../core/options.ts";
import { push } from "../engine/engine.ts";
import { invoke } from "./apply.ts";
import { type ArrayLikeInput, flatten } from "./input.ts";
import { NDArray } from "./ndarray.ts";

/** Where and as what to create an array. */
export interface CreateOptions {
  /** Device (current context by default). */
  ctx?: Context;
  /** Element type (float32 by default). */
  dtype?: DType;
}

/** The context and dtype of `opts`, whose keys are `ctx`, `dtype` and `more`. */
function resolve(
  opts: Context | CreateOptions | undefined,
  where: string,
  more: readonly string[] = [],
) {
  if (opts instanceof Context) return { ctx: opts, dtype: "float32" as DType };
  checkOptions(where, opts, ["ctx", "dtype", ...more]);
  return {
    ctx: opts?.ctx ?? currentContext(),
    dtype: opts?.dtype === undefined ? "float32" as DType : asDType(opts.dtype, where),
  };
}

/**
 * An uninitialised array (`mx.nd.empty((2, 3))`).
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const a = mx.nd.empty([2, 3]);
 * console.log(a.shape); // [2, 3]
 * ```
 */
export function empty(shape: number | readonly number[], opts?: Context | CreateOptions): NDArray {
  const { ctx, dtype } = resolve(opts, "empty");
  return NDArray._alloc(checkShape(shape, "empty: shape"), dtype, ctx);
}

/** An array of zeros. */
export function zeros(shape: number | readonly number[], opts?: Context | CreateOptions): NDArray {
  const { ctx, dtype } = resolve(opts, "zeros");
  return invoke("_zeros", [], { shape: checkShape(shape, "zeros: shape"), dtype }, { ctx })[0];
}

/** An array of ones. */
export function ones(shape: number | readonly number[], opts?: Context | CreateOptions): NDArray {
  const { ctx, dtype } = resolve(opts, "ones");
  return invoke("_ones", [], { shape: checkShape(shape, "ones: shape"), dtype }, { ctx })[0];
}

/** An array filled with `value`. */
export function full(
  shape: number | readonly number[],
  value: number,
  opts?: Context | CreateOptions,
): NDArray {
  const { ctx, dtype } = resolve(opts, "full");
  return invoke("_full", [], { shape: checkShape(shape, "full: shape"), value, dtype }, { ctx })[0];
}

/**
 * Evenly spaced values in [start, stop) (or [0, start) when stop is omitted).
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * console.log(await mx.nd.arange(2, 8, 2).array()); // [2, 4, 6]
 * ```
 */
export function arange(
  start: number,
  stop?: number | null,
  step = 1,
  opts: CreateOptions & { repeat?: number } = {},
): NDArray {
  const { ctx, dtype } = resolve(opts, "arange", ["repeat"]);
  return invoke("_arange", [], { start, stop: stop ?? null, step, repeat: opts.repeat, dtype }, {
    ctx,
  })[0];
}

/** `num` evenly spaced values from start to stop. */
export function linspace(
  start: number,
  stop: number,
  num: number,
  opts: CreateOptions & { endpoint?: boolean } = {},
): NDArray {
  const { ctx, dtype } = resolve(opts, "linspace", ["endpoint"]);
  return invoke("_linspace", [], { start, stop, num, endpoint: opts.endpoint, dtype }, { ctx })[0];
}

/** The identity-like N x M matrix with ones on diagonal `k`. */
export function eye(n: number, m = 0, k = 0, opts?: Context | CreateOptions): NDArray {
  const { ctx, dtype } = resolve(opts, "eye");
  return invoke("_eye", [], { N: n, M: m, k, dtype }, { ctx })[0];
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
export function array(
  values: ArrayLikeInput | NDArray,
  opts: CreateOptions & { shape?: readonly number[] } = {},
): NDArray {
  checkOptions("array", opts, ["ctx", "dtype", "shape"]);
  if (values instanceof NDArray) {
    const out = values.copyTo(opts.ctx ?? values.context);
    return opts.dtype && opts.dtype !== out.dtype ? out.astype(opts.dtype) : out;
  }
  const flat = flatten(values, "array");
  const shape = opts.shape ? checkShape(opts.shape, "array: shape") : flat.shape;
  const { ctx } = resolve(opts, "array", ["shape"]);
  const dtype = opts.dtype ? asDType(opts.dtype, "array: dtype") : typedDType(values);
  const out = NDArray._alloc(shape, dtype, ctx);
  if (out.size !== flat.values.length) {
    out.dispose();
    throw new ShapeError(`array: ${flat.values.length} values do not fill shape [${shape}]`);
  }
  const s = out._storage("array");
  if (isComputeArrayOf(dtype, flat.values)) {
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
    return out;
  }
  const data = toComputeArray(dtype, flat.values);
  push("array", () => s.backend.write(s.buf, data), [], [s.var]);
  return out;
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
