/**
 * What every data iterator exchanges: `DataDesc` (name, shape, dtype, layout of one
 * input), `DataBatch` (the arrays of one batch) and the `DataIter` base, which is also
 * an async iterable (`for await (const batch of iter)`).
 * @module
 */
import { checkOptions } from "../core/options.ts";
import type { DType } from "../core/dtype.ts";
import type { NDArray } from "../ndarray/ndarray.ts";

/** Name, shape, dtype and layout of one input or label (MXNet's `DataDesc`). */
export class DataDesc {
  /** Creates a descriptor. */
  constructor(
    readonly name: string,
    readonly shape: readonly number[],
    readonly dtype: DType = "float32",
    readonly layout: string = "NCHW",
  ) {}

  /** The axis holding the batch: where "N" is in `layout` (0 when absent). */
  static getBatchAxis(layout: string | null | undefined): number {
    return layout ? Math.max(0, layout.indexOf("N")) : 0;
  }

  /** `DataDesc[name,shape,dtype,layout]`. */
  toString(): string {
    return `DataDesc[${this.name},[${this.shape.join(",")}],${this.dtype},${this.layout}]`;
  }
}

/** One batch: data and label arrays, padding count and sample indices. */
export class DataBatch {
  /** Inputs, in `provideData` order. */
  readonly data: NDArray[];
  /** Labels, in `provideLabel` order (empty when none). */
  readonly label: NDArray[];
  /** Trailing samples that are padding, not data (their outputs are to be ignored). */
  readonly pad: number;
  /** Sample indices of the batch, when known. */
  readonly index: number[] | null;
  /** Bucket key for variable-length models. */
  readonly bucketKey: unknown;
  /** Descriptors of `data` (optional). */
  readonly provideData: DataDesc[] | null;
  /** Descriptors of `label` (optional). */
  readonly provideLabel: DataDesc[] | null;

  /** Creates a batch. */
  constructor(opts: {
    data: NDArray[];
    label?: NDArray[] | null;
    pad?: number;
    index?: number[] | null;
    bucketKey?: unknown;
    provideData?: DataDesc[] | null;
    provideLabel?: DataDesc[] | null;
  }) {
    checkOptions("DataBatch", opts, [
      "data",
      "label",
      "pad",
      "index",
      "bucketKey",
      "provideData",
      "provideLabel",
    ]);
    this.data = opts.data;
    this.label = opts.label ?? [];
    this.pad = opts.pad ?? 0;
    this.index = opts.index ?? null;
    this.bucketKey = opts.bucketKey;
    this.provideData = opts.provideData ?? null;
    this.provideLabel = opts.provideLabel ?? null;
  }

  /** Frees the batch's arrays (iterators make new ones per batch; the consumer frees them). */
  dispose(): void {
    for (const a of [...this.data, ...this.label]) a.dispose();
  }

  /** `[Symbol.dispose]` for `using batch = ...`. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  /** Shapes of data and label. */
  toString(): string {
    const s = (xs: NDArray[]) => xs.map((x) => `[${x.shape.join(",")}]`).join(", ");
    return `DataBatch: data shapes: ${s(this.data)} label shapes: ${s(this.label)}`;
  }
}

/**
 * Base of the iterators. `next()` resolves to the next batch or to null at the end of
 * the epoch; `reset()` starts the next epoch. Each batch holds new arrays: dispose them
 * (or work inside `mx.nd.scope`) so memory stays flat.
 */
export abstract class DataIter implements AsyncIterable<DataBatch> {
  /** Samples per batch. */
  readonly batchSize: number;
  /** Sets the batch size. */
  constructor(batchSize: number) {
    this.batchSize = batchSize;
  }
  /** Descriptors of the data arrays of every batch. */
  abstract get provideData(): DataDesc[];
  /** Descriptors of the label arrays of every batch. */
  abstract get provideLabel(): DataDesc[];
  /** Rewinds to the start of the next epoch. */
  abstract reset(): void;
  /** The next batch, or null when the epoch is done. */
  abstract next(): Promise<DataBatch | null>;

  /** Iterates the remaining batches of this epoch (it does not reset). */
  async *[Symbol.asyncIterator](): AsyncIterator<DataBatch> {
    for (let b = await this.next(); b !== null; b = await this.next()) yield b;
  }
}
