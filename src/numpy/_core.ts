/**
 * The machinery under `mx.np`: applying registry operators so results are `NpArray`s,
 * NumPy's type promotion (MXNet flavour: float32 is the default float), scalars as
 * operands, and shapes with 0-d arrays.
 * @module
 */
import type { Context } from "../core/context.ts";
import { currentContext } from "../core/context.ts";
import { asDType, type DType, isFloat } from "../core/dtype.ts";
import { DTypeError, MXNetError, UnsupportedError } from "../core/errors.ts";
import { backendFor } from "../../backends/mod.ts";
import { invoke } from "../ndarray/apply.ts";
import { NDArray } from "../ndarray/ndarray.ts";
import { NpArray } from "./ndarray.ts";

/** An array or a Python-style scalar operand. */
export type Operand = NDArray | number | boolean;

/** `x` as an `NpArray`: itself, or a new handle on the same memory. */
export function asNp(x: NDArray): NpArray {
  return x instanceof NpArray ? x : x._view(x.shape, NpArray) as NpArray;
}

/** Applies registry operator `name`; the outputs are `NpArray`s. */
export function op(
  name: string,
  inputs: readonly NDArray[],
  params: Record<string, unknown> = {},
  ctx?: Context,
): NpArray {
  return invoke(name, inputs, params, { arrayClass: NpArray, ctx })[0] as NpArray;
}

/** Like {@link op}, every output. */
export function opAll(
  name: string,
  inputs: readonly NDArray[],
  params: Record<string, unknown> = {},
): NpArray[] {
  return invoke(name, inputs, params, { arrayClass: NpArray }) as NpArray[];
}

/** A reshape (a view when nothing records), as an NpArray. */
export function reshapeTo(x: NDArray, shape: readonly number[]): NpArray {
  if (
    x instanceof NpArray && x.shape.length === shape.length &&
    x.shape.every((d, i) => d === shape[i])
  ) {
    return x;
  }
  return op("Reshape", [x], { shape: [...shape] });
}

/** `x` converted to `dtype` (itself when it already is). */
export function cast(x: NDArray, dtype: DType): NpArray {
  return x.dtype === dtype ? asNp(x) : op("Cast", [x], { dtype });
}

const INT_RANK: Partial<Record<DType, number>> = { int8: 1, uint8: 1, int32: 2, int64: 3 };
const FLOAT_RANK: Partial<Record<DType, number>> = { float16: 1, float32: 2, float64: 3 };

/**
 * The dtype of a binary operation on arrays of dtypes `a` and `b` (MXNet's NumPy rules):
 * bool yields to anything; integers widen (int8 with uint8 gives int32, MXNet having no
 * int16); an integer with a float gives that float; floats widen.
 */
export function promoteTypes(a: DType, b: DType): DType {
  if (a === b) return a;
  if (a === "bool") return b;
  if (b === "bool") return a;
  const fa = isFloat(a), fb = isFloat(b);
  if (fa && fb) return FLOAT_RANK[a]! >= FLOAT_RANK[b]! ? a : b;
  if (fa) return a;
  if (fb) return b;
  if ((a === "int8" && b === "uint8") || (a === "uint8" && b === "int8")) return "int32";
  return INT_RANK[a]! >= INT_RANK[b]! ? a : b;
}

/**
 * The dtype of `array op scalar`: NumPy's weak scalars, so the array's dtype wins, except
 * that a non-integral scalar makes an integer or bool array float32 (the default float)
 * and an integer scalar makes a bool array int32.
 */
export function scalarType(a: DType, s: number | boolean): DType {
  if (typeof s === "boolean") return a;
  if (isFloat(a)) return a;
  if (!Number.isInteger(s)) return "float32";
  return a === "bool" ? "int32" : a;
}

/** The float type an operation that needs floats (exp, true division) gives for `a`. */
export function floatType(a: DType): DType {
  return isFloat(a) ? a : "float32";
}

/** Resolves the `ctx` and `dtype` options of creation functions. */
export function creation(
  where: string,
  opts: { ctx?: Context; dtype?: DType } | undefined,
  dflt: DType = "float32",
): { ctx: Context; dtype: DType } {
  return {
    ctx: opts?.ctx ?? currentContext(),
    dtype: opts?.dtype === undefined ? dflt : asDType(opts.dtype, `${where}: dtype`),
  };
}

/** The default integer dtype of index results (int64 where the device holds it). */
export function indexType(ctx: Context): DType {
  const b = backendFor(ctx);
  return b.supportsDType && !b.supportsDType("int64") ? "int32" : "int64";
}

/** A 0-d (or given-shape) array holding `v`, of `dtype`, on `ctx`. */
export function scalarArray(v: number, dtype: DType, ctx: Context, shape: number[] = []): NpArray {
  return op("_full", [], { shape, value: v, dtype }, ctx);
}

/** Checks an argument is an NDArray, naming the function and argument. */
export function checkArray(x: unknown, where: string): NDArray {
  if (!(x instanceof NDArray)) {
    throw new MXNetError(`${where} must be an array, got ${x === null ? "null" : typeof x}`);
  }
  return x;
}

/** Two operands as arrays of one dtype (`dtype`, or promoted), on one context. */
export function promote2(
  a: Operand,
  b: Operand,
  where: string,
  dtype?: DType,
): [NpArray, NpArray] {
  const arrA = a instanceof NDArray ? a : null, arrB = b instanceof NDArray ? b : null;
  if (!arrA && !arrB) throw new DTypeError(`${where}: at least one operand must be an array`);
  const ctx = (arrA ?? arrB)!.context;
  const t = dtype ??
    (arrA && arrB
      ? promoteTypes(arrA.dtype, arrB.dtype)
      : arrA
      ? scalarType(arrA.dtype, b as number)
      : scalarType(arrB!.dtype, a as number));
  const conv = (x: Operand) => x instanceof NDArray ? cast(x, t) : scalarArray(Number(x), t, ctx);
  return [conv(a), conv(b)];
}

/** The host typed array behind a CPU buffer, or null on devices the host cannot see. */
export function hostBuffer(x: NDArray): ArrayLike<number> & { length: number } | null {
  const d = (x._storage("host").buf as { data?: unknown }).data;
  return ArrayBuffer.isView(d) ? d as unknown as ArrayLike<number> & { length: number } : null;
}

/** Throws UnsupportedError unless `x` lives in host memory (the CPU backends). */
export function requireHost(x: NDArray, where: string): void {
  if (!hostBuffer(x)) {
    throw new UnsupportedError(
      `${where} runs on the host and supports cpu arrays only; ${x.context} memory is not ` +
        `host-visible: copy the array with .copyTo(mx.cpu()) first`,
    );
  }
}
