/**
 * `gluon.data.DataLoader`: mini-batches of a dataset, iterated with `for await`.
 *
 * With `numWorkers > 0` samples are read, transformed and stacked in worker threads while
 * the main thread trains; a worker rebuilds the dataset from its description (built-in
 * datasets and transforms describe themselves, a user's Dataset subclass names its module
 * in `workerSpec()`), and sends typed arrays back. A dataset that cannot be described is
 * loaded on the main thread, with a warning saying why. Workers stay between epochs
 * without keeping the process alive (see _pool.ts); `close()` stops them.
 *
 * Batches are ordinary NDArrays: they belong to the `mx.nd.scope` open where the loop
 * asks for them (none: the caller disposes them).
 * @module
 */
import { MXNetError, ParamError } from "../../core/errors.ts";
import { checkOptions, describe } from "../../core/options.ts";
import { NDArray } from "../../ndarray/ndarray.ts";
import { stack } from "../../ndarray/ops.ts";
import { scope, scopes } from "../../ndarray/scope.ts";
import {
  batchifyHost,
  BufferRecycler,
  fromWire,
  HostArray,
  hostBuffers,
  wireBuffers,
} from "./_host.ts";
import { type WorkerBatch, WorkerPool, workersUnavailable } from "./_pool.ts";
import { drawSeed, withBatchStream } from "./_rng.ts";
import { ArrayDataset, Dataset, SimpleDataset, toPublic } from "./dataset.ts";
import {
  BatchSampler,
  checkLastBatch,
  type LastBatch,
  RandomSampler,
  type Sampler,
  SequentialSampler,
} from "./sampler.ts";

/**
 * MXNet's default batchify: samples of NDArrays are stacked along a new first axis,
 * numbers become an int32 array (float32 when some are not integers), typed arrays of one
 * length a 2-d array, and tuples are batchified field by field.
 * @example
 * ```ts
 * import * as mx from "../../../mod.ts";
 * import { defaultBatchifyFn } from "./dataloader.ts";
 * const [x, y] = defaultBatchifyFn([[mx.nd.ones([2]), 0], [mx.nd.zeros([2]), 1]]) as mx.NDArray[];
 * console.log(x.shape, y.dtype); // [2, 2] "int32"
 * ```
 */
export function defaultBatchifyFn(samples: readonly unknown[]): unknown {
  const where = "DataLoader: default batchify";
  const host = batchifyHost(samples, where);
  if (host !== undefined) return toPublic(host);
  const first = samples[0];
  if (Array.isArray(first)) {
    return first.map((_, f) => defaultBatchifyFn(samples.map((s) => (s as unknown[])[f])));
  }
  if (first instanceof NDArray || first instanceof HostArray) {
    const arrays = samples.map((s, k) => {
      const a = s instanceof HostArray ? toPublic(s) : s;
      if (!(a instanceof NDArray)) {
        throw new MXNetError(`${where}: sample ${k} is ${describe(s)} but sample 0 is an NDArray`);
      }
      return a;
    });
    return stack(arrays);
  }
  throw new MXNetError(
    `${where}: cannot stack samples of ${describe(first)}; give NDArrays, numbers or typed ` +
      `arrays, or pass a batchifyFn`,
  );
}

/** Options of {@link DataLoader} (MXNet's keyword arguments in camelCase). */
export interface DataLoaderOptions<B> {
  /** Samples per batch; required unless `batchSampler` is given. */
  batchSize?: number;
  /** Draw a new random order each epoch (not with `sampler`). */
  shuffle?: boolean;
  /** Which sample indices, in which order. */
  sampler?: Sampler;
  /** The last, short batch: "keep" (default), "discard", or "rollover" to the next epoch. */
  lastBatch?: LastBatch;
  /** Yields the index lists of each batch (instead of the four options above). */
  batchSampler?: Iterable<number[]> & { readonly length: number };
  /** Merges a batch's samples (NDArrays and numbers) into what the loop receives. */
  batchifyFn?: (samples: unknown[]) => B;
  /** Worker threads reading and transforming samples in parallel (0: the main thread). */
  numWorkers?: number;
  /** Accepted for compatibility: host memory here is not pinned to a GPU. */
  pinMemory?: boolean;
  /** Accepted with pinMemory. */
  pinDeviceId?: number;
  /** Batches requested ahead from the workers (2 * numWorkers). */
  prefetch?: number;
  /** Accepted: the workers are threads already. */
  threadPool?: boolean;
  /** Seconds to wait for a worker's batch before failing (120). */
  timeout?: number;
}

const KEYS = [
  "batchSize",
  "shuffle",
  "sampler",
  "lastBatch",
  "batchSampler",
  "batchifyFn",
  "numWorkers",
  "pinMemory",
  "pinDeviceId",
  "prefetch",
  "threadPool",
  "timeout",
];

/** A loader that is garbage-collected stops its idle workers. */
const pools = new FinalizationRegistry<WorkerPool>((pool) => pool.terminate());

/** Runs `fn` with new NDArrays registered in `frame` (the scope the loop asked from). */
function inFrame<T>(frame: NDArray[] | undefined, fn: () => T): T {
  const f = frame ?? [];
  scopes.push(f);
  try {
    return fn();
  } finally {
    scopes.splice(scopes.lastIndexOf(f), 1);
  }
}

/**
 * Loads a dataset in mini-batches.
 * @example
 * ```ts
 * import * as mx from "../../../mod.ts";
 * import { ArrayDataset } from "./dataset.ts";
 * import { DataLoader } from "./dataloader.ts";
 * const ds = new ArrayDataset(mx.nd.arange(0, 10).reshape([5, 2]), [0, 1, 0, 1, 0]);
 * const loader = new DataLoader(ds, { batchSize: 2, lastBatch: "keep" });
 * for await (const [X, y] of loader) {
 *   console.log(X.shape, await y.array()); // [2, 2] [0, 1], [2, 2] [0, 1], [1, 2] [0]
 *   X.dispose(), y.dispose();
 * }
 * ```
 */
export class DataLoader<B = NDArray[]> implements AsyncIterable<B> {
  readonly #dataset: Dataset;
  readonly #batchSampler: Iterable<number[]> & { readonly length: number };
  readonly #batchify: ((samples: unknown[]) => B) | undefined;
  readonly #numWorkers: number;
  readonly #prefetch: number;
  readonly #timeoutMs: number;
  #spec: ReturnType<Dataset["_spec"]> | undefined;
  #pool: WorkerPool | undefined;
  readonly #buffers = new BufferRecycler();
  #warned = false;

  /** A loader over `dataset` (a Dataset, an NDArray or an array). */
  constructor(dataset: Dataset | NDArray | readonly unknown[], opts: DataLoaderOptions<B> = {}) {
    checkOptions("DataLoader", opts, KEYS);
    this.#dataset = dataset instanceof Dataset
      ? dataset
      : dataset instanceof NDArray
      ? new ArrayDataset(dataset)
      : Array.isArray(dataset)
      ? new SimpleDataset(dataset)
      : (() => {
        throw new ParamError(
          `DataLoader: expected a Dataset, an NDArray or an array, got ${describe(dataset)}`,
        );
      })();
    if (opts.batchSampler === undefined) {
      if (opts.batchSize === undefined) {
        throw new ParamError("DataLoader: batchSize must be given unless batchSampler is");
      }
      let sampler = opts.sampler;
      if (sampler === undefined) {
        const n = this.#dataset.length;
        sampler = opts.shuffle ? new RandomSampler(n) : new SequentialSampler(n);
      } else if (opts.shuffle) {
        throw new ParamError("DataLoader: shuffle must not be given with a sampler");
      }
      this.#batchSampler = new BatchSampler(
        sampler,
        opts.batchSize,
        checkLastBatch("DataLoader", opts.lastBatch ?? "keep"),
      );
    } else {
      if (
        opts.batchSize !== undefined || opts.shuffle || opts.sampler !== undefined ||
        opts.lastBatch !== undefined
      ) {
        throw new ParamError(
          "DataLoader: batchSize, shuffle, sampler and lastBatch must not be given with a " +
            "batchSampler",
        );
      }
      this.#batchSampler = opts.batchSampler;
    }
    if (opts.batchifyFn !== undefined && typeof opts.batchifyFn !== "function") {
      throw new ParamError(
        `DataLoader: batchifyFn must be a function, got ${describe(opts.batchifyFn)}`,
      );
    }
    this.#batchify = opts.batchifyFn;
    const n = opts.numWorkers ?? 0;
    if (!Number.isInteger(n)) {
      throw new ParamError(`DataLoader: numWorkers must be an integer, got ${describe(n)}`);
    }
    this.#numWorkers = Math.max(0, n);
    const p = opts.prefetch ?? 2 * this.#numWorkers;
    if (!Number.isInteger(p) || p < 0) {
      throw new ParamError(
        `DataLoader: prefetch must be a non-negative integer, got ${describe(p)}`,
      );
    }
    this.#prefetch = Math.max(1, p);
    const t = opts.timeout ?? 120;
    if (!(typeof t === "number" && t > 0)) {
      throw new ParamError(`DataLoader: timeout must be positive, got ${describe(t)}`);
    }
    this.#timeoutMs = t * 1000;
  }

  /** Batches per epoch. */
  get length(): number {
    return this.#batchSampler.length;
  }

  /** One epoch of batches. */
  async *[Symbol.asyncIterator](): AsyncGenerator<B> {
    // One seed per epoch; batch k's augmentations use sub-stream k of it, wherever computed.
    const seed = drawSeed();
    const pool = this.#numWorkers > 0 ? await this.#workers() : undefined;
    if (!pool) {
      await this.#dataset._prepare();
      let k = 0;
      for (const indices of this.#batchSampler) {
        const frame = scopes.at(-1);
        yield inFrame(frame, () => scope(() => this.#mainBatch(indices, seed, k++)));
      }
      return;
    }
    pool.acquire();
    let failed = false;
    try {
      const batches = this.#batchSampler[Symbol.iterator]();
      // Each request with whether it has settled: a batch already here is taken without
      // arming the timeout (a timer per batch costs more than the batch's messages).
      const inFlight: { p: Promise<WorkerBatch>; settled: boolean }[] = [];
      let k = 0;
      const request = () => {
        const r = batches.next();
        if (r.done) return;
        const req = { p: pool.run(r.value, seed, k++), settled: false };
        const settle = () => {
          req.settled = true;
        };
        req.p.then(settle, settle); // a failure is thrown when its batch's turn comes
        inFlight.push(req);
      };
      for (let i = 0; i < this.#prefetch; i++) request();
      while (inFlight.length > 0) {
        const next = inFlight.shift()!;
        request();
        const frame = scopes.at(-1);
        const w = await (next.settled ? next.p : this.#withTimeout(next.p)).catch((e) => {
          failed = true;
          throw e;
        });
        const batch = inFrame(frame, () => scope(() => this.#finish(w)));
        // The NDArrays hold copies: the worker may fill these buffers again.
        if (w.stacked) pool.recycle(wireBuffers(w.batch));
        yield batch;
      }
    } finally {
      pool.release();
      // A pool that failed, or that cannot stay idle without keeping the process alive,
      // stops now; otherwise it waits for the next epoch (batches of an abandoned epoch
      // still being computed are dropped when they arrive).
      if (failed || !pool.persistent) this.close();
    }
  }

  /**
   * Stops this loader's workers now (they otherwise stay, idle, for the next epoch, and
   * never keep the process alive). A later epoch starts new ones.
   */
  close(): void {
    const pool = this.#pool;
    this.#pool = undefined;
    if (pool) {
      pools.unregister(this);
      pool.terminate();
    }
  }

  /** See close(). */
  [Symbol.dispose](): void {
    this.close();
  }

  /** A batch computed on the main thread. */
  #mainBatch(indices: readonly number[], seed: number, k: number): B {
    const samples = withBatchStream(seed, k, () => indices.map((i) => this.#dataset._item(i)));
    if (this.#batchify) return this.#batchify(samples.map(toPublic));
    const host = batchifyHost(samples, "DataLoader: default batchify", this.#buffers.alloc);
    if (host === undefined) return defaultBatchifyFn(samples) as B;
    const batch = toPublic(host) as B;
    // The NDArrays hold copies: the next batch may reuse these buffers.
    this.#buffers.give(hostBuffers(host));
    return batch;
  }

  /** A batch received from a worker, as NDArrays. */
  #finish(w: WorkerBatch): B {
    const value = fromWire(w.batch);
    if (w.stacked) return toPublic(value) as B;
    const samples = value as unknown[];
    if (this.#batchify) return this.#batchify(samples.map(toPublic));
    return defaultBatchifyFn(samples) as B;
  }

  /**
   * The workers (started on first use, kept between epochs), or undefined after saying why
   * once (main-thread loading).
   */
  async #workers(): Promise<WorkerPool | undefined> {
    if (this.#pool && !this.#pool.closed) return this.#pool;
    const spec = await (this.#spec ??= this.#dataset._spec());
    let why = "reason" in spec ? spec.reason : workersUnavailable();
    if (!why && !("reason" in spec)) {
      try {
        const pool = new WorkerPool(this.#numWorkers, spec, this.#batchify === undefined);
        this.#pool = pool;
        pools.register(this, pool, this);
        return pool;
      } catch (e) {
        why = `the workers could not start: ${(e as Error).message}`;
      }
    }
    if (!this.#warned) {
      this.#warned = true;
      console.warn(
        `DataLoader: numWorkers=${this.#numWorkers}, loading on the main thread: ${why}`,
      );
    }
    return undefined;
  }

  /** `p`, or a timeout error after `timeout` seconds. */
  async #withTimeout<T>(p: Promise<T>): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(
          new MXNetError(
            `DataLoader: a worker gave no batch within ${this.#timeoutMs / 1000} s (a slow ` +
              `dataset or transform? raise timeout)`,
          ),
        );
      }, this.#timeoutMs);
    });
    try {
      return await Promise.race([p, limit]);
    } finally {
      clearTimeout(timer);
    }
  }
}
