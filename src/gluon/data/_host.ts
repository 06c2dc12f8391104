/**
 * Host-side samples: what datasets hand the DataLoader, what transforms compute on, what
 * workers send back. Nothing here touches NDArrays or backends, so a Web Worker can load
 * this module without the library's device code.
 * @module
 */
import type { DType } from "../../core/dtype.ts";
import { MXNetError } from "../../core/errors.ts";

/** The typed arrays a host array may hold (the compute form of its dtype). */
export type HostData =
  | Float32Array
  | Float64Array
  | Float16Array
  | Uint8Array
  | Int32Array
  | Int8Array;

/**
 * A dense row-major array in host memory: the pipeline's form of an image or a row.
 * A 0-d host array is a scalar that keeps its dtype (a label read from an int32 file).
 */
export class HostArray {
  /** Wraps `data` (not copied), which must hold exactly the shape's element count. */
  constructor(
    readonly data: HostData,
    readonly shape: readonly number[],
    readonly dtype: DType,
  ) {}

  /** Number of elements. */
  get size(): number {
    return this.data.length;
  }
}

/** Each dtype's host data: its compute form (int64 values in a Float64Array, as NDArrays). */
const HOST_CTOR: Readonly<Record<DType, new (n: number) => HostData>> = {
  float32: Float32Array,
  float64: Float64Array,
  float16: Float16Array,
  uint8: Uint8Array,
  int32: Int32Array,
  int8: Int8Array,
  int64: Float64Array,
  bool: Uint8Array,
};

/** A zero-filled host array of `shape` and `dtype`. */
export function allocHost(shape: readonly number[], dtype: DType): HostArray {
  return new HostArray(new HOST_CTOR[dtype](shape.reduce((a, b) => a * b, 1)), shape, dtype);
}

/** The dtype of a typed array, or undefined for arrays a pipeline cannot hold. */
export function dtypeOfData(data: unknown): DType | undefined {
  if (data instanceof Float32Array) return "float32";
  if (data instanceof Uint8Array) return "uint8";
  if (data instanceof Int32Array) return "int32";
  if (data instanceof Float64Array) return "float64";
  if (data instanceof Int8Array) return "int8";
  if (data instanceof Float16Array) return "float16";
  return undefined;
}

/** Row `i` of `a` along its first axis, as a view (no copy): a 0-d array for 1-d `a`. */
export function rowOf(a: HostArray, i: number): HostArray {
  const rowShape = a.shape.slice(1);
  const n = rowShape.reduce((x, y) => x * y, 1);
  return new HostArray(a.data.subarray(i * n, (i + 1) * n) as HostData, rowShape, a.dtype);
}

/** An index in range for a sequence of `length`, negative counting from the end. */
export function checkIndex(i: number, length: number, where: string): number {
  const j = i < 0 ? i + length : i;
  if (!Number.isInteger(j) || j < 0 || j >= length) {
    throw new MXNetError(`${where}: index ${i} is out of range for length ${length}`);
  }
  return j;
}

// ---------------------------------------------------------------------------------------
// Stacking samples into a batch on the host (the default batchify's work, also in workers)

/**
 * Stacks one field of a batch when every sample holds host data: host arrays of one shape
 * and dtype, plain numbers (int32 when all are integers, else float32), or typed arrays
 * of one length. Returns undefined when the samples are of another kind (NDArrays, tuples,
 * strings), which the caller handles.
 */
export function stackHost(samples: readonly unknown[], where: string): HostArray | undefined {
  const first = samples[0];
  if (first instanceof HostArray) {
    if (!samples.every((s) => s instanceof HostArray)) return undefined;
    const items = samples as readonly HostArray[];
    for (const [k, s] of items.entries()) {
      if (s.dtype !== first.dtype || !sameShape(s.shape, first.shape)) {
        throw new MXNetError(
          `${where}: cannot stack sample ${k} of shape [${s.shape}] ${s.dtype} with sample 0 ` +
            `of shape [${first.shape}] ${first.dtype}; make the samples equal in shape (a ` +
            `Resize transform) or pass a batchifyFn`,
        );
      }
    }
    const out = allocHost([items.length, ...first.shape], first.dtype);
    const n = first.size;
    for (let k = 0; k < items.length; k++) out.data.set(items[k].data, k * n);
    return out;
  }
  if (typeof first === "number") {
    if (!samples.every((s) => typeof s === "number")) return undefined;
    const nums = samples as readonly number[];
    const ints = nums.every((v) => Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31);
    return new HostArray(ints ? Int32Array.from(nums) : Float32Array.from(nums), [
      nums.length,
    ], ints ? "int32" : "float32");
  }
  const dtype = dtypeOfData(first);
  if (dtype) {
    const rows = samples as readonly HostData[];
    const n = rows[0].length;
    if (!rows.every((r) => dtypeOfData(r) === dtype && r.length === n)) return undefined;
    const out = allocHost([rows.length, n], dtype);
    for (let k = 0; k < rows.length; k++) out.data.set(rows[k], k * n);
    return out;
  }
  return undefined;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * The default batchify on host samples (in a worker or the main thread): each field
 * stacked, tuples (arrays) field by field. Returns undefined when some field holds
 * something only the main thread can stack (NDArrays).
 */
export function batchifyHost(samples: readonly unknown[], where: string): unknown {
  if (samples.length === 0) throw new MXNetError(`${where}: cannot batchify an empty batch`);
  const first = samples[0];
  if (Array.isArray(first)) {
    const width = first.length;
    const fields: unknown[] = [];
    for (let f = 0; f < width; f++) {
      const column = samples.map((s, k) => {
        if (!Array.isArray(s) || s.length !== width) {
          throw new MXNetError(
            `${where}: sample ${k} is not a tuple of ${width} fields like sample 0`,
          );
        }
        return s[f];
      });
      const b = batchifyHost(column, where);
      if (b === undefined) return undefined;
      fields.push(b);
    }
    return fields;
  }
  return stackHost(samples, where);
}

// ---------------------------------------------------------------------------------------
// Samples across the worker boundary: host arrays travel as their buffers (transferred).

/** A sample in a message: host arrays become tagged records, the rest is cloned. */
export type WireSample =
  | { readonly host: HostData; readonly shape: readonly number[]; readonly dtype: DType }
  | number
  | string
  | boolean
  | null
  | WireSample[];

/** Encodes a host sample for postMessage, collecting the buffers to transfer. */
export function toWire(sample: unknown, transfer: ArrayBuffer[], where: string): WireSample {
  if (sample instanceof HostArray) {
    const buf = sample.data.buffer;
    // A view into a larger (or shared) buffer is copied so only its bytes travel.
    const own = buf instanceof ArrayBuffer && sample.data.byteOffset === 0 &&
      sample.data.byteLength === buf.byteLength;
    const data = own ? sample.data : sample.data.slice() as HostData;
    if (!transfer.includes(data.buffer as ArrayBuffer)) transfer.push(data.buffer as ArrayBuffer);
    return { host: data, shape: [...sample.shape], dtype: sample.dtype };
  }
  if (Array.isArray(sample)) return sample.map((s) => toWire(s, transfer, where));
  if (
    typeof sample === "number" || typeof sample === "string" || typeof sample === "boolean" ||
    sample === null
  ) {
    return sample;
  }
  const dtype = dtypeOfData(sample);
  if (dtype) {
    const a = sample as HostData;
    return toWire(new HostArray(a, [a.length], dtype), transfer, where);
  }
  throw new MXNetError(
    `${where}: a sample holds ${describeValue(sample)}, which cannot be sent from a worker; ` +
      `return NDArrays, typed arrays, numbers or tuples of them`,
  );
}

/** Decodes a sample received from a worker. */
export function fromWire(w: WireSample): unknown {
  if (Array.isArray(w)) return w.map(fromWire);
  if (w !== null && typeof w === "object") return new HostArray(w.host, w.shape, w.dtype);
  return w;
}

/** A short description of a value for messages. */
export function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (v === undefined) return "undefined";
  if (typeof v === "function") return `the function ${v.name || "(anonymous)"}`;
  if (typeof v === "object") return `a ${(v as object).constructor?.name ?? "object"}`;
  return `${typeof v} ${String(v).slice(0, 40)}`;
}
