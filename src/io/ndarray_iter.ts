/**
 * `NDArrayIter`: batches over in-memory arrays, with MXNet 1.x's shuffle and last-batch
 * rules (`pad` wraps around, `discard` drops, `roll_over` carries the remainder into the
 * next epoch's first batch).
 * @module
 */
import { checkOptions, keysOf } from "../core/options.ts";
import { MXNetError, ParamError, ShapeError } from "../core/errors.ts";
import { shufflePermutation } from "../core/philox.ts";
import { formatShape } from "../core/shape.ts";
import { array } from "../ndarray/creation.ts";
import type { ArrayLikeInput } from "../ndarray/input.ts";
import { NDArray } from "../ndarray/ndarray.ts";
import { concat } from "../ndarray/ops.ts";
import { keep } from "../ndarray/scope.ts";
import { takeRng } from "../ndarray/random_state.ts";
import { DataBatch, DataDesc, DataIter } from "./data.ts";

/** Data given to an iterator: one array, a list, or arrays by name. */
export type DataInput =
  | NDArray
  | ArrayLikeInput
  | readonly (NDArray | ArrayLikeInput)[]
  | Record<string, NDArray | ArrayLikeInput>;

/** Arrays of some samples, and the samples' indices. */
interface Part {
  data: NDArray[];
  label: NDArray[];
  index: number[];
}

/** What to do with a last batch that has fewer than `batchSize` samples. */
export type LastBatchHandle = "pad" | "discard" | "roll_over";

/** Options of NDArrayIter. */
export interface NDArrayIterOptions {
  /** Inputs: NDArray, typed or nested array, a list of them, or a dict by name. */
  data: DataInput;
  /** Labels, same forms (optional). */
  label?: DataInput | null;
  /** Samples per batch (1). */
  batchSize?: number;
  /** Shuffle the samples at start and at every reset (seeded by mx.random.seed). */
  shuffle?: boolean;
  /** Last-batch rule ("pad"). */
  lastBatchHandle?: LastBatchHandle;
  /** Name of a single data array ("data"). */
  dataName?: string;
  /** Name of a single label array ("softmax_label"). */
  labelName?: string;
}

/**
 * Normalises data input to sorted (name, NDArray) pairs, as MXNet's `_init_data`. Arrays
 * made here from host values belong to the iterator (`owned`, freed by its `dispose`);
 * like any array they are freed by the `mx.nd.scope` they were made in, unless the scope
 * returns the iterator.
 */
function initData(
  input: DataInput | null | undefined,
  defaultName: string,
  allowEmpty: boolean,
  owned: NDArray[],
): [string, NDArray][] {
  if (input === null || input === undefined) {
    if (allowEmpty) return [];
    throw new ParamError(`NDArrayIter: ${defaultName} is required`);
  }
  const toND = (x: NDArray | ArrayLikeInput) => {
    if (x instanceof NDArray) return x;
    const a = array(x);
    owned.push(a);
    return a;
  };
  let entries: [string, NDArray | ArrayLikeInput][];
  if (input instanceof NDArray || typeof input === "number" || isNestedNumbers(input)) {
    entries = [[defaultName, input as NDArray | ArrayLikeInput]];
  } else if (Array.isArray(input)) {
    const list = input as (NDArray | ArrayLikeInput)[];
    entries = list.length === 1
      ? [[defaultName, list[0]]]
      : list.map((d, i) => [`_${i}_${defaultName}`, d]);
  } else {
    entries = Object.entries(input as Record<string, NDArray | ArrayLikeInput>).sort((a, b) =>
      a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0
    );
  }
  if (entries.length === 0 && !allowEmpty) {
    throw new ParamError(`NDArrayIter: ${defaultName} is empty`);
  }
  return entries.map(([k, v]) => [k, toND(v)]);
}

/** True for a typed array or a nested array of numbers (one input, not a list of inputs). */
function isNestedNumbers(x: unknown): boolean {
  if (ArrayBuffer.isView(x)) return true;
  let probe = x;
  while (Array.isArray(probe) && probe.length > 0) probe = probe[0];
  return typeof probe === "number" || typeof probe === "boolean";
}

const OPTIONS = keysOf<NDArrayIterOptions>({
  data: true,
  label: true,
  batchSize: true,
  shuffle: true,
  lastBatchHandle: true,
  dataName: true,
  labelName: true,
});

/**
 * Iterates over arrays in batches.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * import { NDArrayIter } from "./ndarray_iter.ts";
 * const it = new NDArrayIter({ data: mx.nd.arange(0, 5).reshape([5, 1]), batchSize: 2 });
 * for await (const b of it) console.log(await b.data[0].data(), b.pad);
 * // Float32Array [0, 1] 0, then [2, 3] 0, then [4, 0] 1
 * ```
 */
export class NDArrayIter extends DataIter {
  /** Inputs by name. */
  readonly data: [string, NDArray][];
  /** Labels by name. */
  readonly label: [string, NDArray][];
  /** Shuffle on reset. */
  readonly shuffle: boolean;
  /** Last-batch rule. */
  readonly lastBatchHandle: LastBatchHandle;
  /** Samples per epoch (after `discard`). */
  readonly numData: number;
  #order: number[];
  #cursor: number;
  #cache: Part | null = null;
  readonly #owned: NDArray[] = [];

  /** Creates the iterator. */
  constructor(opts: NDArrayIterOptions) {
    super(opts.batchSize ?? 1);
    checkOptions("NDArrayIter", opts, OPTIONS);
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) {
      throw new ParamError(
        `NDArrayIter: batchSize must be a positive integer, got ${opts.batchSize}`,
      );
    }
    this.data = initData(opts.data, opts.dataName ?? "data", false, this.#owned);
    this.label = initData(opts.label, opts.labelName ?? "softmax_label", true, this.#owned);
    this.shuffle = opts.shuffle ?? false;
    this.lastBatchHandle = opts.lastBatchHandle ?? "pad";
    if (!["pad", "discard", "roll_over"].includes(this.lastBatchHandle)) {
      throw new ParamError(
        `NDArrayIter: lastBatchHandle must be "pad", "discard" or "roll_over", got ${this.lastBatchHandle}`,
      );
    }
    const n = this.data[0][1].shape[0];
    for (const [name, a] of [...this.data, ...this.label]) {
      if (a.ndim === 0 || a.shape[0] !== n) {
        throw new ShapeError(
          `NDArrayIter: ${name} has shape ${formatShape(a.shape)} but ${
            this.data[0][0]
          } has ${n} samples; ` +
            `every array needs the same first axis`,
        );
      }
    }
    if (this.lastBatchHandle === "discard") {
      if (n < this.batchSize) {
        throw new ParamError(
          `NDArrayIter: batchSize ${this.batchSize} exceeds the ${n} samples; nothing is left after discard`,
        );
      }
      this.numData = n - (n % this.batchSize);
    } else this.numData = n;
    this.#order = Array.from({ length: n }, (_, i) => i);
    this.#cursor = -this.batchSize;
    if (this.shuffle) this.#shuffle();
  }

  /** `[DataDesc(name, [batchSize, ...rest], dtype)]` per input. */
  get provideData(): DataDesc[] {
    return this.#descs(this.data);
  }
  /** Same for the labels. */
  get provideLabel(): DataDesc[] {
    return this.#descs(this.label);
  }
  #descs(src: [string, NDArray][]): DataDesc[] {
    return src.map(([k, v]) => new DataDesc(k, [this.batchSize, ...v.shape.slice(1)], v.dtype));
  }

  #shuffle(): void {
    const n = this.#order.length;
    const { seed, offset } = takeRng(n);
    this.#order = Array.from(shufflePermutation(n, seed, offset));
  }

  /** Starts the next epoch (reshuffling when `shuffle`). */
  reset(): void {
    if (this.shuffle) this.#shuffle();
    const bs = this.batchSize, n = this.numData;
    // roll_over: a cached remainder makes the next epoch start that many samples early.
    this.#cursor = this.lastBatchHandle === "roll_over" && n - bs < this.#cursor && this.#cursor < n
      ? this.#cursor - n - bs
      : -bs;
  }

  /** The next batch, or null at the end of the epoch. */
  next(): Promise<DataBatch | null> {
    const bs = this.batchSize, n = this.numData;
    this.#cursor += bs;
    if (this.#cursor >= n) return Promise.resolve(null);
    const c = this.#cursor;
    if (this.lastBatchHandle === "roll_over" && c < 0) {
      if (!this.#cache) throw new MXNetError("NDArrayIter: roll_over lost its cached samples");
      const cache = this.#cache;
      this.#cache = null;
      const tail = this.#take(0, c + bs);
      const join = (a: NDArray[], b: NDArray[]) =>
        a.map((x, i) => {
          const y = concat([x, b[i]], { dim: 0 });
          x.dispose();
          b[i].dispose();
          return y;
        });
      return Promise.resolve(this.#batch({
        data: join(cache.data, tail.data),
        label: join(cache.label, tail.label),
        index: [...cache.index, ...tail.index],
      }, 0));
    }
    if (c + bs > n) {
      if (this.lastBatchHandle === "roll_over") {
        // The remainder waits for the next epoch: out of the scope this epoch runs in.
        const cache = this.#take(c, n);
        for (const a of [...cache.data, ...cache.label]) keep(a);
        this.#cache = cache;
        return Promise.resolve(null);
      }
      const pad = c + bs - n;
      const idx = [...this.#order.slice(c, n), ...this.#order.slice(0, pad)];
      return Promise.resolve(this.#batch(this.#gather(idx), pad));
    }
    return Promise.resolve(this.#batch(this.#take(c, c + bs), 0));
  }

  /**
   * Frees the arrays the iterator made: those converted from host values and a
   * roll_over remainder. NDArrays given as data stay the caller's.
   */
  dispose(): void {
    for (const a of this.#owned.splice(0)) a.dispose();
    const c = this.#cache;
    this.#cache = null;
    if (c) { for (const a of [...c.data, ...c.label]) a.dispose(); }
  }

  #batch(part: Part, pad: number): DataBatch {
    return new DataBatch({
      ...part,
      pad,
      provideData: this.provideData,
      provideLabel: this.provideLabel,
    });
  }

  #take(start: number, end: number): Part {
    return this.#gather(this.#order.slice(start, end));
  }

  /** The samples at `idx` (a contiguous slice when they are in order, else a gather). */
  #gather(idx: number[]): Part {
    const contiguous = idx.every((v, i) => i === 0 || v === idx[i - 1] + 1);
    let indices: NDArray | null = null;
    const pick = (a: NDArray): NDArray => {
      if (contiguous) return a.sliceAxis(0, idx[0], idx[0] + idx.length);
      indices ??= array(Int32Array.from(idx), { ctx: a.context });
      const ix = indices.context.equals(a.context) ? indices : indices.copyTo(a.context);
      const out = a.take(ix, { axis: 0 });
      if (ix !== indices) ix.dispose();
      return out;
    };
    const out = {
      data: this.data.map(([, a]) => pick(a)),
      label: this.label.map(([, a]) => pick(a)),
      index: idx,
    };
    (indices as NDArray | null)?.dispose();
    return out;
  }
}
