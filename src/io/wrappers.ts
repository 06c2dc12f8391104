/**
 * Iterators over iterators: `PrefetchingIter` (fetches the next batch while the current
 * one is in use, and joins several iterators) and `ResizeIter` (a fixed number of
 * batches per epoch).
 * @module
 */
import { checkOptions } from "../core/options.ts";
import { MXNetError, ParamError } from "../core/errors.ts";
import { DataBatch, DataDesc, DataIter } from "./data.ts";

/** Options of PrefetchingIter. */
export interface PrefetchingIterOptions {
  /** New names for the data of each iterator (`{ old: new }` per iterator). */
  renameData?: readonly Record<string, string>[] | null;
  /** New names for the labels of each iterator. */
  renameLabel?: readonly Record<string, string>[] | null;
}

function rename(descs: DataDesc[], map: Record<string, string> | undefined): DataDesc[] {
  if (!map) return descs;
  return descs.map((d) => new DataDesc(map[d.name] ?? d.name, d.shape, d.dtype, d.layout));
}

/**
 * Keeps one `next()` of every wrapped iterator in flight: while the consumer works on
 * batch k, batch k+1 is being produced. Several iterators are advanced together and their
 * batches joined (data and labels concatenated as lists).
 */
export class PrefetchingIter extends DataIter {
  /** The wrapped iterators. */
  readonly iters: readonly DataIter[];
  readonly #renameData: readonly Record<string, string>[] | null;
  readonly #renameLabel: readonly Record<string, string>[] | null;
  #pending: Promise<(DataBatch | null)[]> | null = null;
  #resetting: Promise<void> | null = null;

  /** Wraps one iterator or several with the same batch size. */
  constructor(iters: DataIter | readonly DataIter[], opts: PrefetchingIterOptions = {}) {
    const list = iters instanceof DataIter ? [iters] : [...iters];
    if (list.length === 0) throw new ParamError("PrefetchingIter: needs at least one iterator");
    super(list[0].batchSize);
    checkOptions("PrefetchingIter", opts, ["renameData", "renameLabel"]);
    for (const it of list) {
      if (it.batchSize !== this.batchSize) {
        throw new ParamError(
          `PrefetchingIter: batch sizes differ (${this.batchSize} and ${it.batchSize})`,
        );
      }
    }
    this.iters = list;
    this.#renameData = opts.renameData ?? null;
    this.#renameLabel = opts.renameLabel ?? null;
  }

  /** The wrapped iterators' data descriptors, renamed. */
  get provideData(): DataDesc[] {
    return this.iters.flatMap((it, i) => rename(it.provideData, this.#renameData?.[i]));
  }
  /** The wrapped iterators' label descriptors, renamed. */
  get provideLabel(): DataDesc[] {
    return this.iters.flatMap((it, i) => rename(it.provideLabel, this.#renameLabel?.[i]));
  }

  #fetch(): Promise<(DataBatch | null)[]> {
    return Promise.all(this.iters.map((it) => it.next()));
  }

  /** Starts prefetching the first batch now instead of at the first `next()`. */
  start(): void {
    this.#pending ??= this.#fetch();
  }

  /**
   * Rewinds every iterator. A batch fetched ahead belongs to the old epoch: it is freed
   * when it arrives and the iterators rewind after it, before the next `next()`.
   */
  reset(): void {
    const stale = this.#pending;
    this.#pending = null;
    const rewind = () => this.iters.forEach((it) => it.reset());
    if (!stale) return rewind();
    this.#resetting = stale.then((bs) => bs.forEach((b) => b?.dispose()), () => {}).then(rewind);
  }

  /** The batch fetched ahead (joining the iterators'), and starts fetching the next. */
  async next(): Promise<DataBatch | null> {
    if (this.#resetting) {
      await this.#resetting;
      this.#resetting = null;
    }
    const batches = await (this.#pending ?? this.#fetch());
    this.#pending = null;
    if (batches.some((b) => b === null)) {
      batches.forEach((b) => b?.dispose());
      return null;
    }
    this.#pending = this.#fetch();
    const bs = batches as DataBatch[];
    if (bs.length === 1) return bs[0];
    return new DataBatch({
      data: bs.flatMap((b) => b.data),
      label: bs.flatMap((b) => b.label),
      pad: bs[0].pad,
      index: bs[0].index,
      provideData: this.provideData,
      provideLabel: this.provideLabel,
    });
  }
}

/** Serves exactly `size` batches per epoch, restarting the wrapped iterator when it runs out. */
export class ResizeIter extends DataIter {
  /** The wrapped iterator. */
  readonly dataIter: DataIter;
  /** Batches per epoch. */
  readonly size: number;
  /** Also reset the wrapped iterator on reset. */
  readonly resetInternal: boolean;
  #cur = 0;

  /** Wraps `dataIter`. */
  constructor(dataIter: DataIter, size: number, resetInternal = true) {
    super(dataIter.batchSize);
    if (!Number.isInteger(size) || size < 1) {
      throw new ParamError(`ResizeIter: size must be a positive integer, got ${size}`);
    }
    this.dataIter = dataIter;
    this.size = size;
    this.resetInternal = resetInternal;
  }
  /** The wrapped iterator's. */
  get provideData(): DataDesc[] {
    return this.dataIter.provideData;
  }
  /** The wrapped iterator's. */
  get provideLabel(): DataDesc[] {
    return this.dataIter.provideLabel;
  }
  /** Starts a new epoch of `size` batches. */
  reset(): void {
    this.#cur = 0;
    if (this.resetInternal) this.dataIter.reset();
  }
  /** The next batch, or null after `size` batches. */
  async next(): Promise<DataBatch | null> {
    if (this.#cur === this.size) return null;
    let b = await this.dataIter.next();
    if (b === null) {
      this.dataIter.reset();
      b = await this.dataIter.next();
      if (b === null) {
        throw new MXNetError("ResizeIter: the wrapped iterator yields no batch after reset");
      }
    }
    this.#cur++;
    return b;
  }
}
