/**
 * Datasets (`gluon.data.dataset`): `Dataset`, the base users subclass, `SimpleDataset`,
 * `ArrayDataset`, and the views `transform`, `transformFirst`, `filter`, `shard`, `take`
 * and `sample` return.
 *
 * A dataset hands out samples in two forms: `at(i)`, MXNet's `dataset[i]`, gives NDArrays
 * and numbers; the DataLoader reads a host form (typed arrays) instead, so that images
 * are transformed and stacked without an NDArray per sample, in worker threads or not.
 * @module
 */
import type { DType } from "../../core/dtype.ts";
import { MXNetError, ParamError } from "../../core/errors.ts";
import { isReady } from "../../engine/engine.ts";
import { array } from "../../ndarray/creation.ts";
import { NDArray } from "../../ndarray/ndarray.ts";
import { scope } from "../../ndarray/scope.ts";
import { applyPlanned, type DatasetSpec, fieldsItem, type FieldSpec, hostify } from "./_core.ts";
import {
  arrayToWire,
  checkIndex,
  describeValue,
  dtypeOfData,
  HostArray,
  type HostData,
  PendingArray,
  rowOf,
  toWire,
  type WireSample,
} from "./_host.ts";
import { type Sampler, SequentialSampler } from "./sampler.ts";
import { Transform } from "./vision/transforms.ts";

/** What `transform` and `transformFirst` accept: a function, or a Block or transform. */
export type TransformFn =
  | ((...args: never[]) => unknown)
  | { forward(...args: never[]): unknown };

/** How a user's Dataset subclass is rebuilt in a DataLoader worker (see `workerSpec`). */
export interface ModuleSpec {
  /** URL of the module exporting the class: `import.meta.url` in that module. */
  readonly module: string;
  /** The exported class name. */
  readonly export: string;
  /** Constructor arguments (numbers, strings, arrays, plain objects, typed arrays). */
  readonly args?: readonly unknown[];
}

/**
 * Why a dataset cannot be sent to a worker (a spec otherwise).
 * @ignore
 */
export type SpecOrReason = DatasetSpec | { readonly reason: string };

/**
 * The public form of a host sample: NDArrays for arrays, numbers for scalars.
 * @ignore
 */
export function toPublic(v: unknown): unknown {
  if (v instanceof HostArray) {
    if (v.shape.length === 0) return Number(v.data[0]);
    return array(v.data as Float32Array, { shape: v.shape, dtype: v.dtype });
  }
  if (Array.isArray(v)) return v.map(toPublic);
  return v;
}

/**
 * Calls a transform function or block on `args`.
 * @ignore
 */
export function callFn(fn: TransformFn, args: unknown[]): unknown {
  if (typeof fn === "function") return (fn as (...a: unknown[]) => unknown)(...args);
  return (fn as { forward(...a: unknown[]): unknown }).forward(...args);
}

/**
 * The base of every dataset. A subclass defines `length` and `at(i)` (MXNet's `__len__`
 * and `__getitem__`); the methods below then work on it.
 * @example
 * ```ts
 * import { Dataset } from "./dataset.ts";
 * class Squares extends Dataset<number> {
 *   get length() { return 5; }
 *   at(i: number) { return i * i; }
 * }
 * console.log([...new Squares().filter((x) => (x as number) % 2 === 0)]); // [0, 4, 16]
 * ```
 */
export abstract class Dataset<T = unknown> implements Iterable<T> {
  /** Number of samples. */
  abstract get length(): number;
  /** Sample `i` (MXNet's `dataset[i]`). */
  abstract at(i: number): T;

  /**
   * How a DataLoader worker rebuilds this dataset: the module exporting the class and its
   * constructor arguments. Undefined (the default) keeps loading on the main thread.
   */
  workerSpec(): ModuleSpec | undefined {
    return undefined;
  }

  /**
   * @internal Sample `i` in host form (what the DataLoader reads).
   * @ignore
   */
  _item(i: number): unknown {
    return this.at(i);
  }

  /**
   * @internal Waits until `_item` can run synchronously (NDArrays computed).
   * @ignore
   */
  async _prepare(): Promise<void> {}

  /**
   * @internal This dataset as data for a worker, or why it cannot be sent.
   * @ignore
   */
  _spec(): Promise<SpecOrReason> {
    const m = this.workerSpec();
    if (!m) {
      return Promise.resolve({
        reason: `${this.constructor.name} defines no workerSpec() (the module and export ` +
          `a worker imports it from)`,
      });
    }
    return Promise.resolve({
      kind: "module",
      module: m.module,
      export: m.export,
      args: [...(m.args ?? [])],
    });
  }

  /** Iterates the samples in order. */
  *[Symbol.iterator](): Iterator<T> {
    for (let i = 0; i < this.length; i++) yield this.at(i);
  }

  /**
   * A dataset of `fn(sample)` (a tuple sample is spread: `fn(x, y)`). With `lazy` false
   * every sample is transformed now, once (do not use it with random augmentations).
   */
  transform(fn: TransformFn, lazy = true): Dataset {
    const t = new TransformedDataset(this, fn, false);
    return lazy ? t : materialize(t);
  }

  /** Like `transform`, applied to the first field of each tuple sample only (the data). */
  transformFirst(fn: TransformFn, lazy = true): Dataset {
    const t = new TransformedDataset(this, fn, true);
    return lazy ? t : materialize(t);
  }

  /** The samples for which `fn` is true (tested once, now; their NDArrays freed after). */
  filter(fn: (sample: T) => unknown): Dataset<T> {
    const idx: number[] = [];
    for (let i = 0; i < this.length; i++) if (scope(() => !!fn(this.at(i)))) idx.push(i);
    return new SampledDataset(this, idx);
  }

  /** Part `index` of `numShards` contiguous parts (sizes differ by at most one). */
  shard(numShards: number, index: number): Dataset<T> {
    if (!Number.isInteger(numShards) || numShards < 1) {
      throw new ParamError(`Dataset.shard: numShards must be a positive integer, got ${numShards}`);
    }
    if (!Number.isInteger(index) || index < 0 || index >= numShards) {
      throw new ParamError(`Dataset.shard: index must be in [0, ${numShards}), got ${index}`);
    }
    const n = this.length, len = Math.floor(n / numShards), rest = n % numShards;
    const start = len * index + Math.min(index, rest);
    return new SampledDataset(this, [
      ...new SequentialSampler(len + (index < rest ? 1 : 0), start),
    ]);
  }

  /** The first `count` samples (all of them when count is undefined, null or larger). */
  take(count?: number | null): Dataset<T> {
    const n = count === undefined || count === null || count > this.length ? this.length : count;
    if (!Number.isInteger(n) || n < 0) {
      throw new ParamError(`Dataset.take: count must be a non-negative integer, got ${count}`);
    }
    return new SampledDataset(this, [...new SequentialSampler(n)]);
  }

  /** The samples a sampler picks, in its order (one pass, now). */
  sample(sampler: Sampler): Dataset<T> {
    if (!sampler || typeof (sampler as Iterable<number>)[Symbol.iterator] !== "function") {
      throw new ParamError(`Dataset.sample: expected a Sampler, got ${describeValue(sampler)}`);
    }
    return new SampledDataset(this, [...sampler]);
  }
}

/** The transformed samples of a dataset, as a SimpleDataset (lazy = false). */
function materialize(t: Dataset): Dataset {
  const items: unknown[] = [];
  for (let i = 0; i < t.length; i++) items.push(computed(t._item(i)));
  return new SimpleDataset(items);
}

/** A sample with its pending transforms computed (and their inputs let go). */
function computed(v: unknown): unknown {
  if (v instanceof PendingArray) return new HostArray(v.data, v.shape, v.dtype);
  return Array.isArray(v) ? v.map(computed) : v;
}

/** A lazily transformed dataset. */
class TransformedDataset extends Dataset {
  readonly #base: Dataset;
  readonly #fn: TransformFn;
  readonly #first: boolean;

  constructor(base: Dataset, fn: TransformFn, first: boolean) {
    super();
    const ok = typeof fn === "function" ||
      (fn !== null && typeof fn === "object" && typeof fn.forward === "function");
    if (!ok) {
      throw new ParamError(
        `Dataset.${first ? "transformFirst" : "transform"}: expected a function or an object ` +
          `with forward(), got ${describeValue(fn)}`,
      );
    }
    this.#base = base;
    this.#fn = fn;
    this.#first = first;
  }
  get length(): number {
    return this.#base.length;
  }
  at(i: number): unknown {
    return toPublic(this._item(i));
  }
  /** @ignore */
  override _item(i: number): unknown {
    const sample = this.#base._item(i), fn = this.#fn;
    // A built-in transform computes on host arrays directly; anything else sees NDArrays.
    if (fn instanceof Transform && fn._planner) {
      const x = this.#first && Array.isArray(sample) ? sample[0] : sample;
      if (x instanceof HostArray) {
        return applyPlanned(fn._planner, sample, this.#first, fn.constructor.name);
      }
    }
    const pub = toPublic(sample);
    if (this.#first) {
      return Array.isArray(pub) ? [callFn(fn, [pub[0]]), ...pub.slice(1)] : callFn(fn, [pub]);
    }
    return Array.isArray(pub) ? callFn(fn, pub) : callFn(fn, [pub]);
  }
  /** @ignore */
  override _prepare(): Promise<void> {
    return this.#base._prepare();
  }
  /** @ignore */
  override async _spec(): Promise<SpecOrReason> {
    const fn = this.#fn;
    if (!(fn instanceof Transform) || !fn._spec) {
      return {
        reason:
          `${this.#first ? "transformFirst" : "transform"} was given ${
            describeValue(fn)
          }, which a worker cannot rebuild (only gluon.data.vision.transforms can be sent; ` +
          `wrap custom code in a Dataset subclass with workerSpec())`,
      };
    }
    const base = await this.#base._spec();
    if ("reason" in base) return base;
    return { kind: "transform", base, transform: fn._spec, first: this.#first };
  }
}

/** The samples of a dataset at given indices (`filter`, `shard`, `take`, `sample`). */
class SampledDataset<T> extends Dataset<T> {
  readonly #base: Dataset<T>;
  readonly #indices: Int32Array;

  constructor(base: Dataset<T>, indices: readonly number[]) {
    super();
    this.#base = base;
    this.#indices = Int32Array.from(indices);
  }
  get length(): number {
    return this.#indices.length;
  }
  at(i: number): T {
    return this.#base.at(this.#indices[checkIndex(i, this.length, "Dataset.at")]);
  }
  /** @ignore */
  override _item(i: number): unknown {
    return this.#base._item(this.#indices[checkIndex(i, this.length, "Dataset.at")]);
  }
  /** @ignore */
  override _prepare(): Promise<void> {
    return this.#base._prepare();
  }
  /** @ignore */
  override async _spec(): Promise<SpecOrReason> {
    const base = await this.#base._spec();
    if ("reason" in base) return base;
    const indices = arrayToWire(new HostArray(this.#indices, [this.#indices.length], "int32"));
    return { kind: "sampled", base, indices };
  }
}

/** Host values of a list in wire form (for a worker), NDArrays read back first. */
async function listSpec(items: readonly unknown[], where: string): Promise<FieldSpec | string> {
  try {
    const host = await hostify([...items]) as unknown[];
    return { kind: "list", items: host.map((v) => toWire(v, undefined, where)) as WireSample[] };
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * A dataset over a list (or anything with `length` and index access): sample `i` is
 * `data[i]`.
 * @example
 * ```ts
 * import { SimpleDataset } from "./dataset.ts";
 * const ds = new SimpleDataset([10, 20, 30]);
 * console.log(ds.length, ds.at(1)); // 3 20
 * ```
 */
export class SimpleDataset<T = unknown> extends Dataset<T> {
  readonly #data: ArrayLike<T>;
  /** Wraps `data` (not copied). */
  constructor(data: ArrayLike<T>) {
    super();
    if (data === null || typeof data !== "object" || typeof data.length !== "number") {
      throw new ParamError(`SimpleDataset: expected an array, got ${describeValue(data)}`);
    }
    this.#data = data;
  }
  /** See Dataset. */
  get length(): number {
    return this.#data.length;
  }
  /** See Dataset. */
  at(i: number): T {
    return toPublic(this._item(i)) as T;
  }
  /**
   * @internal
   * @ignore
   */
  override _item(i: number): unknown {
    return this.#data[checkIndex(i, this.length, "SimpleDataset.at")];
  }
  /**
   * @internal
   * @ignore
   */
  override async _spec(): Promise<SpecOrReason> {
    const f = await listSpec(Array.from(this.#data), "SimpleDataset");
    if (typeof f === "string") return { reason: `SimpleDataset: ${f}` };
    return { kind: "fields", fields: [f] };
  }
}

/** One argument of an ArrayDataset. */
type Field =
  | { kind: "ndarray"; x: NDArray; host?: HostArray }
  | { kind: "host"; host: HostArray }
  | { kind: "list"; items: ArrayLike<unknown> }
  | { kind: "dataset"; ds: Dataset };

/** Where an ArrayDataset's NDArray arguments are read from (shared with workers). */
function shared(a: HostArray): HostArray {
  if (typeof SharedArrayBuffer === "undefined" || a.data.buffer instanceof SharedArrayBuffer) {
    return a;
  }
  const Ctor = a.data.constructor as new (b: SharedArrayBuffer) => HostData;
  const data = new Ctor(new SharedArrayBuffer(a.data.byteLength));
  data.set(a.data as never);
  return new HostArray(data, a.shape, a.dtype);
}

/**
 * Several arrays indexed together: sample `i` is `[x1[i], x2[i], ...]`, or `x1[i]` alone
 * for one array. Arguments may be NDArrays (a row is an NDArray; a 1-d array gives
 * numbers, as MXNet reads 1-d NDArrays into NumPy), typed arrays (numbers), lists, or
 * Datasets. NDArrays are read once, on first access (a DataLoader waits for them).
 * @example
 * ```ts
 * import * as mx from "../../../mod.ts";
 * import { ArrayDataset } from "./dataset.ts";
 * const ds = new ArrayDataset(mx.nd.arange(0, 6).reshape([3, 2]), [7, 8, 9]);
 * const [x, y] = ds.at(2) as [mx.NDArray, number];
 * console.log(await x.array(), y); // [4, 5] 9
 * ```
 */
export class ArrayDataset extends Dataset {
  readonly #fields: Field[];
  readonly #length: number;

  /** Indexes `args` together; they must have equal lengths. */
  constructor(...args: readonly unknown[]) {
    super();
    if (args.length === 0) throw new ParamError("ArrayDataset: needs at least 1 array");
    this.#fields = args.map((a, k) => fieldOf(a, k));
    const lengths = this.#fields.map(fieldLength);
    this.#length = lengths[0];
    for (const [k, n] of lengths.entries()) {
      if (n !== this.#length) {
        throw new ParamError(
          `ArrayDataset: all arrays must have the same length; array[0] has length ` +
            `${this.#length} while array[${k}] has ${n}`,
        );
      }
    }
  }
  /** See Dataset. */
  get length(): number {
    return this.#length;
  }
  /** See Dataset. */
  at(i: number): unknown {
    return toPublic(this._item(i));
  }
  /**
   * @internal
   * @ignore
   */
  override _item(i: number): unknown {
    const j = checkIndex(i, this.#length, "ArrayDataset.at");
    return fieldsItem(this.#fields.map((f, k) => {
      switch (f.kind) {
        case "ndarray":
          f.host ??= snapshot(f.x, k);
          return f.host ? rowOf(f.host, j) : deviceRow(f.x, j, k);
        case "host":
          return rowOf(f.host, j);
        case "list":
          return f.items[j];
        case "dataset":
          return f.ds._item(j);
      }
    }));
  }
  /**
   * @internal
   * @ignore
   */
  override async _prepare(): Promise<void> {
    for (const f of this.#fields) {
      if (f.kind === "ndarray" && !f.host) {
        let data = await f.x.data();
        if (data instanceof BigInt64Array) data = Float64Array.from(data, Number);
        f.host = new HostArray(data as HostData, f.x.shape, f.x.dtype);
      } else if (f.kind === "dataset") await f.ds._prepare();
    }
  }
  /**
   * @internal
   * @ignore
   */
  override async _spec(): Promise<SpecOrReason> {
    await this._prepare();
    const fields: FieldSpec[] = [];
    for (const [k, f] of this.#fields.entries()) {
      if (f.kind === "ndarray" || f.kind === "host") {
        // Shared memory: every worker reads the same copy.
        fields.push({ kind: "host", array: arrayToWire(f.host = shared(f.host!)) });
      } else if (f.kind === "list") {
        const s = await listSpec(Array.from(f.items), "ArrayDataset");
        if (typeof s === "string") return { reason: `ArrayDataset argument ${k}: ${s}` };
        fields.push(s);
      } else {
        const s = await f.ds._spec();
        if ("reason" in s) return s;
        fields.push({ kind: "dataset", spec: s });
      }
    }
    return { kind: "fields", fields };
  }
}

function fieldOf(a: unknown, k: number): Field {
  if (a instanceof NDArray) {
    if (a.ndim === 0) throw new ParamError(`ArrayDataset: array[${k}] is 0-d and has no length`);
    return { kind: "ndarray", x: a };
  }
  if (a instanceof Dataset) return { kind: "dataset", ds: a };
  const dtype = dtypeOfData(a);
  if (dtype) {
    const d = a as HostData;
    return { kind: "host", host: new HostArray(d, [d.length], dtype) };
  }
  if (Array.isArray(a)) return { kind: "list", items: a };
  throw new ParamError(
    `ArrayDataset: array[${k}] is ${describeValue(a)}; expected an NDArray, a typed array, ` +
      `an array or a Dataset`,
  );
}

function fieldLength(f: Field): number {
  switch (f.kind) {
    case "ndarray":
      return f.x.shape[0];
    case "host":
      return f.host.shape[0];
    case "list":
      return f.items.length;
    case "dataset":
      return f.ds.length;
  }
}

/**
 * An NDArray argument read synchronously, when its memory is host memory and computed;
 * undefined otherwise (a DataLoader's `_prepare` reads it asynchronously).
 */
function snapshot(x: NDArray, k: number): HostArray | undefined {
  const s = x._storage(`ArrayDataset array[${k}]`);
  if (!s.backend.readSync || !isReady(s.var)) return undefined;
  let data = x.dataSync();
  if (data instanceof BigInt64Array) data = Float64Array.from(data, Number);
  return new HostArray(data as HostData, x.shape, x.dtype as DType);
}

/** Row `j` of an NDArray that cannot be read now, computed where the array lives. */
function deviceRow(x: NDArray, j: number, k: number): NDArray {
  if (x.ndim === 1) {
    throw new MXNetError(
      `ArrayDataset: array[${k}] is a 1-d NDArray whose values are not readable now (${x.context} memory, or still being computed), so its numbers cannot be returned synchronously; ` +
        `await x.waitToRead() on cpu arrays, pass numbers, or read it through a DataLoader`,
    );
  }
  const slice = x.sliceAxis(0, j, j + 1);
  const row = slice.reshape(x.shape.slice(1));
  slice.dispose();
  return row;
}
