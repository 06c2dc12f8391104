/**
 * Host-side samples: what datasets hand the DataLoader, what transforms compute on, what
 * workers send back. Nothing here touches NDArrays or backends, so a Web Worker can load
 * this module without the library's device code.
 * @module
 */
import { allocCompute, type ComputeArray, type DType } from "../../core/dtype.ts";
import { MXNetError } from "../../core/errors.ts";

/** The typed arrays a host array may hold (the compute form of its dtype). */
export type HostData = ComputeArray;

/**
 * A dense row-major array in host memory: the pipeline's form of an image or a row.
 * A 0-d host array is a scalar that keeps its dtype (a label read from an int32 file).
 */
export class HostArray {
  /** The elements (a PendingArray computes them on first read). */
  protected _data: HostData | undefined;

  /** Wraps `data` (not copied), which must hold exactly the shape's element count. */
  constructor(
    data: HostData | undefined,
    readonly shape: readonly number[],
    readonly dtype: DType,
  ) {
    this._data = data;
  }

  /** The elements, row-major. */
  get data(): HostData {
    return this._data!;
  }

  /** Number of elements. */
  get size(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  /** Writes the elements into `out` from element `offset` on. */
  writeInto(out: HostData, offset: number): void {
    const d = this.data;
    // A scalar (a label) is one store; `set` costs a call into the runtime.
    if (d.length === 1) out[offset] = d[0];
    else out.set(d as never, offset);
  }

  /** The shape and element count of a row, computed once per array. */
  #row: { readonly shape: readonly number[]; readonly size: number } | undefined;

  /** Row `i` along the first axis, as a view (no copy): a 0-d array for a 1-d array. */
  row(i: number): HostArray {
    if (this.#row === undefined) {
      const shape = Object.freeze(this.shape.slice(1));
      this.#row = { shape, size: shape.reduce((x, y) => x * y, 1) };
    }
    const { shape, size } = this.#row;
    return new HostArray(
      this.data.subarray(i * size, (i + 1) * size) as HostData,
      shape,
      this.dtype,
    );
  }
}

/** A planned transform: how to compute its output, and optionally where to write it. */
export interface Runnable {
  run(x: HostArray): HostArray;
  /** Writes run(x)'s elements into `out` at `offset` without allocating. */
  into?(x: HostArray, out: HostData, offset: number): void;
}

/**
 * A transform's output not computed yet: stacking a batch writes it straight into the
 * batch (no per-sample array, no copy); anything reading `data` computes it then. Random
 * parameters were drawn when it was planned, so the result is the same either way.
 */
export class PendingArray extends HostArray {
  /** `step` (planned for `input`'s shape, giving `shape` and `dtype`) applied to `input`. */
  constructor(
    readonly input: HostArray,
    readonly step: Runnable,
    shape: readonly number[],
    dtype: DType,
  ) {
    super(undefined, shape, dtype);
  }
  /** See HostArray. */
  override get data(): HostData {
    return this._data ??= this.step.run(this.input).data;
  }
  /** See HostArray. */
  override writeInto(out: HostData, offset: number): void {
    if (this._data || !this.step.into) out.set(this.data as never, offset);
    else this.step.into(this.input, out, offset);
  }
}

/** A zero-filled host array of `shape` and `dtype`. */
export function allocHost(shape: readonly number[], dtype: DType): HostArray {
  return new HostArray(
    allocCompute(dtype, shape.reduce((a, b) => a * b, 1)),
    shape,
    dtype,
  );
}

/** Where stacked batches get their memory (every element is then written). */
export type Alloc = (shape: readonly number[], dtype: DType) => HostArray;

/**
 * Batch buffers handed back by the loader for reuse: a new 800 KB buffer per batch costs
 * more (zeroing, page faults, unmapping) than computing the batch.
 */
export class BufferRecycler {
  readonly #free = new Map<number, ArrayBuffer[]>();
  /** Keeps `buffers` for later batches. */
  give(buffers: readonly ArrayBuffer[]): void {
    for (const b of buffers) {
      const list = this.#free.get(b.byteLength) ?? [];
      if (list.length < 8) list.push(b);
      this.#free.set(b.byteLength, list);
    }
  }
  /** An Alloc that reuses a kept buffer of the right size when there is one. */
  readonly alloc: Alloc = (shape, dtype) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const bytes = n * VIEW_CTOR[dtype].BYTES_PER_ELEMENT;
    const buf = this.#free.get(bytes)?.pop();
    return buf
      ? new HostArray(new VIEW_CTOR[dtype](buf, 0, n), shape, dtype)
      : allocHost(shape, dtype);
  };
}

/** The (not shared) buffers of the host arrays in a batch, to recycle once copied out. */
export function hostBuffers(v: unknown, into: ArrayBuffer[] = []): ArrayBuffer[] {
  if (Array.isArray(v)) { for (const x of v) hostBuffers(x, into); }
  else if (v instanceof HostArray && !isShared(v.data.buffer)) {
    into.push(v.data.buffer as ArrayBuffer);
  }
  return into;
}

/** The transferable buffers of a received batch (to hand back once it is copied). */
export function wireBuffers(w: WireSample, into: ArrayBuffer[] = []): ArrayBuffer[] {
  if (Array.isArray(w)) { for (const x of w) wireBuffers(x, into); }
  else if (w !== null && typeof w === "object" && !isShared(w.wire.buffer)) {
    into.push(w.wire.buffer as ArrayBuffer);
  }
  return into;
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
  return a.row(i);
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
export function stackHost(
  samples: readonly unknown[],
  where: string,
  alloc: Alloc = allocHost,
): HostArray | undefined {
  const first = samples[0];
  if (first instanceof HostArray) {
    if (!samples.every((s) => s instanceof HostArray)) return undefined;
    const items = samples as readonly HostArray[];
    for (let k = 0; k < items.length; k++) {
      const s = items[k];
      if (s.dtype !== first.dtype || !sameShape(s.shape, first.shape)) {
        throw new MXNetError(
          `${where}: cannot stack sample ${k} of shape [${s.shape}] ${s.dtype} with sample 0 ` +
            `of shape [${first.shape}] ${first.dtype}; make the samples equal in shape (a ` +
            `Resize transform) or pass a batchifyFn`,
        );
      }
    }
    const out = alloc([items.length, ...first.shape], first.dtype);
    const n = first.size, data = out.data;
    for (let k = 0; k < items.length; k++) items[k].writeInto(data, k * n);
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
    const out = alloc([rows.length, n], dtype);
    for (let k = 0; k < rows.length; k++) out.data.set(rows[k], k * n);
    return out;
  }
  return undefined;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  // Samples planned alike share their shape array: identity first.
  return a === b || (a.length === b.length && a.every((d, i) => d === b[i]));
}

/**
 * The default batchify on host samples (in a worker or the main thread): each field
 * stacked, tuples (arrays) field by field. Returns undefined when some field holds
 * something only the main thread can stack (NDArrays).
 */
export function batchifyHost(
  samples: readonly unknown[],
  where: string,
  alloc: Alloc = allocHost,
): unknown {
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
      const b = batchifyHost(column, where, alloc);
      if (b === undefined) return undefined;
      fields.push(b);
    }
    return fields;
  }
  return stackHost(samples, where, alloc);
}

// ---------------------------------------------------------------------------------------
// Samples across the worker boundary. Messages hold raw buffers only: Deno's
// node:worker_threads copies a typed-array view element by element (800 KB: ~0.2 s) but
// passes an ArrayBuffer (transferred) or a SharedArrayBuffer (shared) at once.

/** A host array in a message: its buffer, where its elements start, and what they are. */
export interface WireArray {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  readonly byteOffset: number;
  readonly length: number;
  readonly shape: readonly number[];
  readonly dtype: DType;
}

/** A sample in a message: host arrays as WireArrays, the rest cloned. */
export type WireSample =
  | { readonly wire: WireArray }
  | number
  | string
  | boolean
  | null
  | WireSample[];

const VIEW_CTOR: Readonly<
  Record<DType, {
    readonly BYTES_PER_ELEMENT: number;
    new (b: ArrayBuffer | SharedArrayBuffer, off: number, n: number): HostData;
  }>
> = {
  float32: Float32Array,
  float64: Float64Array,
  float16: Float16Array,
  uint8: Uint8Array,
  int32: Int32Array,
  int8: Int8Array,
  int64: Float64Array,
  bool: Uint8Array,
};

function isShared(b: ArrayBufferLike): b is SharedArrayBuffer {
  return typeof SharedArrayBuffer !== "undefined" && b instanceof SharedArrayBuffer;
}

/**
 * A host array for a message. Shared memory is passed as it is. Otherwise, with `transfer`
 * (results going back) the buffer is moved, after copying a view out of a larger one;
 * without it (a dataset sent to workers, which the sender keeps) the data is copied into
 * shared memory.
 */
export function arrayToWire(a: HostArray, transfer?: ArrayBuffer[]): WireArray {
  const meta = { shape: [...a.shape], dtype: a.dtype, length: a.data.length };
  const d = a.data;
  if (isShared(d.buffer)) return { buffer: d.buffer, byteOffset: d.byteOffset, ...meta };
  if (transfer) {
    const own = d.byteOffset === 0 && d.byteLength === d.buffer.byteLength;
    const data = own ? d : d.slice() as HostData;
    const buffer = data.buffer as ArrayBuffer;
    if (!transfer.includes(buffer)) transfer.push(buffer);
    return { buffer, byteOffset: 0, ...meta };
  }
  const buffer = typeof SharedArrayBuffer === "undefined"
    ? new ArrayBuffer(d.byteLength)
    : new SharedArrayBuffer(d.byteLength);
  new VIEW_CTOR[a.dtype](buffer, 0, d.length).set(d as never);
  return { buffer, byteOffset: 0, ...meta };
}

/** The host array a WireArray describes (a view, no copy). */
export function arrayFromWire(w: WireArray): HostArray {
  return new HostArray(new VIEW_CTOR[w.dtype](w.buffer, w.byteOffset, w.length), w.shape, w.dtype);
}

/** Encodes a host sample for a message (see arrayToWire for `transfer`). */
export function toWire(
  sample: unknown,
  transfer: ArrayBuffer[] | undefined,
  where: string,
): WireSample {
  if (sample instanceof HostArray) return { wire: arrayToWire(sample, transfer) };
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
    `${where}: a sample holds ${describeValue(sample)}, which cannot be sent between ` +
      `threads; use NDArrays, typed arrays, numbers, strings or tuples of them`,
  );
}

/** Decodes a sample from a message. */
export function fromWire(w: WireSample): unknown {
  if (Array.isArray(w)) return w.map(fromWire);
  if (w !== null && typeof w === "object") return arrayFromWire(w.wire);
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
