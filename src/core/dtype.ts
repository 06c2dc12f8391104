/**
 * Data types, their MXNet type flags and their typed-array storage.
 * @module
 */
import { DTypeError } from "./errors.ts";

/** The element types an NDArray can hold. */
export type DType =
  | "float32"
  | "float64"
  | "float16"
  | "uint8"
  | "int32"
  | "int8"
  | "int64"
  | "bool";

/** Every dtype, in MXNet type-flag order. */
export const DTYPES: readonly DType[] = [
  "float32",
  "float64",
  "float16",
  "uint8",
  "int32",
  "int8",
  "int64",
  "bool",
];

/** MXNet's `mshadow` type flag of each dtype, as written in `.params` files. */
export const TYPE_FLAG: Readonly<Record<DType, number>> = {
  float32: 0,
  float64: 1,
  float16: 2,
  uint8: 3,
  int32: 4,
  int8: 5,
  int64: 6,
  bool: 7,
};

/** Bytes per element in MXNet's binary layout. */
export const ITEM_SIZE: Readonly<Record<DType, number>> = {
  float32: 4,
  float64: 8,
  float16: 2,
  uint8: 1,
  int32: 4,
  int8: 1,
  int64: 8,
  bool: 1,
};

/** The dtype with a given MXNet type flag, or undefined when unknown. */
export function dtypeFromFlag(flag: number): DType | undefined {
  return DTYPES[flag];
}

/** A typed array of any dtype's host representation. */
export type TypedArray =
  | Float32Array
  | Float64Array
  | Float16Array
  | Uint8Array
  | Int32Array
  | Int8Array
  | BigInt64Array;

/**
 * The typed array `data()` returns for an array of dtype `D`: `Float32Array` for float32,
 * `Uint8Array` for uint8 and bool, `BigInt64Array` for int64, and the union of them all
 * when the dtype is not known statically.
 */
export type HostArray<D extends DType> = D extends "float32" ? Float32Array
  : D extends "float64" ? Float64Array
  : D extends "float16" ? Float16Array
  : D extends "uint8" | "bool" ? Uint8Array
  : D extends "int32" ? Int32Array
  : D extends "int8" ? Int8Array
  : D extends "int64" ? BigInt64Array
  : never;

/**
 * Typed array holding elements in compute form. int64 is computed in Float64Array
 * (exact up to 2^53); it becomes a BigInt64Array only at the user-facing boundary.
 */
export type ComputeArray =
  | Float32Array
  | Float64Array
  | Float16Array
  | Uint8Array
  | Int32Array
  | Int8Array;

type Ctor = {
  readonly BYTES_PER_ELEMENT: number;
  new (n: number): ComputeArray;
  new (buffer: ArrayBuffer, offset: number, length: number): ComputeArray;
};
const COMPUTE_CTOR: Readonly<Record<DType, Ctor>> = {
  float32: Float32Array,
  float64: Float64Array,
  float16: Float16Array,
  uint8: Uint8Array,
  int32: Int32Array,
  int8: Int8Array,
  int64: Float64Array,
  bool: Uint8Array,
};

/**
 * True when `values` is exactly `dtype`'s compute array type, over an ordinary ArrayBuffer
 * (bool is excluded: it maps to 0/1; int64 too: it truncates).
 */
export function isComputeArrayOf(dtype: DType, values: unknown): values is ComputeArray {
  return dtype !== "bool" && dtype !== "int64" && values != null &&
    (values as object).constructor === COMPUTE_CTOR[dtype] &&
    !isSharedBuffer((values as ComputeArray).buffer);
}

/**
 * True for a SharedArrayBuffer. A page without cross-origin isolation has no
 * SharedArrayBuffer at all (naming it throws a ReferenceError), and nothing is shared there.
 */
export function isSharedBuffer(buffer: ArrayBufferLike): boolean {
  return typeof SharedArrayBuffer === "function" && buffer instanceof SharedArrayBuffer;
}

/** A new zero-filled compute array of `n` elements of `dtype`. */
export function allocCompute(dtype: DType, n: number): ComputeArray {
  return new COMPUTE_CTOR[dtype](n);
}

/**
 * A new zero-filled compute array over its own ArrayBuffer, whose bytes live off the JS
 * heap (a small `new Float32Array(n)` may live on it, where the GC can move it): the
 * form whose address may be handed to native code.
 */
export function allocComputeOffHeap(dtype: DType, n: number): ComputeArray {
  // At least 8 bytes, so even an empty array has a real, aligned address.
  const bytes = Math.max(n * COMPUTE_CTOR[dtype].BYTES_PER_ELEMENT, 8);
  return new COMPUTE_CTOR[dtype](new ArrayBuffer(bytes), 0, n);
}

/** Checks a string is a known dtype; throws DTypeError naming `where` otherwise. */
export function asDType(value: unknown, where: string): DType {
  if (typeof value === "string" && (DTYPES as readonly string[]).includes(value)) {
    return value as DType;
  }
  throw new DTypeError(
    `${where}: unknown dtype ${JSON.stringify(value)}; expected one of ${DTYPES.join(", ")}`,
  );
}

/** True for the floating-point dtypes. */
export function isFloat(dtype: DType): boolean {
  return dtype === "float32" || dtype === "float64" || dtype === "float16";
}

/**
 * Converts a compute array to the user-facing typed array of `dtype` (int64 becomes
 * BigInt64Array). Returns the same array when no conversion is needed.
 */
export function toUserArray(dtype: DType, a: ComputeArray): TypedArray {
  if (dtype !== "int64") return a;
  const out = new BigInt64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = BigInt(Math.trunc(a[i]));
  return out;
}

/**
 * True when `out.set(values)` on `dtype`'s compute array gives what the element loop of
 * {@link toComputeArray} gives: a numeric (not BigInt) typed array source, and a target
 * that is float, a typed integer array, or int64 (stored as Float64) fed integers.
 */
function canSetDirectly(dtype: DType, values: ArrayLike<unknown>): boolean {
  if (!ArrayBuffer.isView(values) || values instanceof BigInt64Array) return false;
  if (values instanceof BigUint64Array || values instanceof DataView) return false;
  if (dtype === "bool") return false;
  if (dtype !== "int64") return true;
  return !(values instanceof Float32Array || values instanceof Float64Array ||
    values instanceof Float16Array);
}

/** Converts values to a compute array of `dtype`, rounding/wrapping like a C cast. */
export function toComputeArray(
  dtype: DType,
  values: ArrayLike<number | bigint | boolean>,
): ComputeArray {
  const out = allocCompute(dtype, values.length);
  const integral = !isFloat(dtype);
  if (canSetDirectly(dtype, values)) {
    // A typed array store converts like the loop below (truncation, then C-style wrap)
    // but natively: ~10x faster, which matters for per-batch data.
    out.set(values as ArrayLike<number>);
    return out;
  }
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const n = typeof v === "bigint" ? Number(v) : Number(v);
    out[i] = dtype === "bool" ? (n !== 0 ? 1 : 0) : integral ? Math.trunc(n) : n;
  }
  return out;
}
