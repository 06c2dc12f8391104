/**
 * Samplers: which sample indices, in which order (`gluon.data.sampler`).
 * @module
 */
import { ParamError } from "../../core/errors.ts";
import { scope } from "../../ndarray/scope.ts";
import { rng } from "./_rng.ts";

/**
 * Base class of samplers: iterable over indices (or, for a batch sampler, index lists),
 * with a `length`. Subclasses define `[Symbol.iterator]` and `length`.
 */
export abstract class Sampler<T = number> implements Iterable<T> {
  /** How many items one pass yields. */
  abstract get length(): number;
  /** One pass over the indices. */
  abstract [Symbol.iterator](): Iterator<T>;
}

function checkCount(where: string, name: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0) {
    throw new ParamError(`${where}: ${name} must be a non-negative integer, got ${String(v)}`);
  }
  return v;
}

/**
 * Indices `start, start + 1, ..., start + length - 1` in order.
 * @example
 * ```ts
 * import { SequentialSampler } from "./sampler.ts";
 * console.log([...new SequentialSampler(3, 2)]); // [2, 3, 4]
 * ```
 */
export class SequentialSampler extends Sampler {
  readonly #length: number;
  readonly #start: number;
  /** Samples `[start, start + length)`. */
  constructor(length: number, start = 0) {
    super();
    this.#length = checkCount("SequentialSampler", "length", length);
    this.#start = checkCount("SequentialSampler", "start", start);
  }
  /** See Sampler. */
  get length(): number {
    return this.#length;
  }
  /** See Sampler. */
  *[Symbol.iterator](): Iterator<number> {
    for (let i = 0; i < this.#length; i++) yield this.#start + i;
  }
}

/**
 * A random permutation of `[0, length)`, new each pass, drawn from `mx.random`'s stream
 * (so `mx.random.seed` fixes it).
 */
export class RandomSampler extends Sampler {
  readonly #length: number;
  /** Samples `[0, length)` without replacement. */
  constructor(length: number) {
    super();
    this.#length = checkCount("RandomSampler", "length", length);
  }
  /** See Sampler. */
  get length(): number {
    return this.#length;
  }
  /** See Sampler. The permutation is drawn when the pass starts. */
  [Symbol.iterator](): Iterator<number> {
    return rng.permutation(this.#length)[Symbol.iterator]();
  }
}

/** The indices of a dataset's samples for which `fn` is true (computed once). */
export class FilterSampler extends Sampler {
  readonly #indices: number[] = [];
  /**
   * Tests every sample of `dataset` (anything with `length` and `at(i)`) with `fn`; the
   * NDArrays of a sample are freed after its test.
   */
  constructor(
    fn: (sample: unknown) => unknown,
    dataset: { readonly length: number; at(i: number): unknown },
  ) {
    super();
    for (let i = 0; i < dataset.length; i++) {
      if (scope(() => !!fn(dataset.at(i)))) this.#indices.push(i);
    }
  }
  /** See Sampler. */
  get length(): number {
    return this.#indices.length;
  }
  /** See Sampler. */
  [Symbol.iterator](): Iterator<number> {
    return this.#indices[Symbol.iterator]();
  }
}

/** What BatchSampler does with a last batch shorter than batchSize. */
export type LastBatch = "keep" | "discard" | "rollover";

const LAST_BATCH: readonly LastBatch[] = ["keep", "discard", "rollover"];

/**
 * Checks a `lastBatch` value.
 * @ignore
 */
export function checkLastBatch(where: string, v: unknown): LastBatch {
  if (!LAST_BATCH.includes(v as LastBatch)) {
    throw new ParamError(
      `${where}: lastBatch must be one of "keep", "discard", "rollover", got ${JSON.stringify(v)}`,
    );
  }
  return v as LastBatch;
}

/**
 * Groups another sampler's indices into batches of `batchSize`. The last, shorter batch is
 * returned (`"keep"`), dropped (`"discard"`), or carried over to the start of the next pass
 * (`"rollover"`).
 * @example
 * ```ts
 * import { BatchSampler, SequentialSampler } from "./sampler.ts";
 * const b = new BatchSampler(new SequentialSampler(10), 3, "keep");
 * console.log([...b]); // [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
 * ```
 */
export class BatchSampler extends Sampler<number[]> {
  readonly #sampler: Iterable<number> & { readonly length: number };
  readonly #batchSize: number;
  readonly #lastBatch: LastBatch;
  #prev: number[] = [];

  /** Batches of `batchSize` indices from `sampler`. */
  constructor(
    sampler: Iterable<number> & { readonly length: number },
    batchSize: number,
    lastBatch: LastBatch = "keep",
  ) {
    super();
    this.#sampler = sampler;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new ParamError(`BatchSampler: batchSize must be a positive integer, got ${batchSize}`);
    }
    this.#batchSize = batchSize;
    this.#lastBatch = checkLastBatch("BatchSampler", lastBatch);
  }

  /** Batches in one pass (with rollover: counting the samples carried over). */
  get length(): number {
    const n = this.#sampler.length, b = this.#batchSize;
    if (this.#lastBatch === "keep") return Math.ceil(n / b);
    if (this.#lastBatch === "discard") return Math.floor(n / b);
    return Math.floor((this.#prev.length + n) / b);
  }

  /** See Sampler. */
  *[Symbol.iterator](): Iterator<number[]> {
    let batch = this.#prev;
    this.#prev = [];
    for (const i of this.#sampler) {
      batch.push(i);
      if (batch.length === this.#batchSize) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length === 0) return;
    if (this.#lastBatch === "keep") yield batch;
    else if (this.#lastBatch === "rollover") this.#prev = batch;
  }
}
