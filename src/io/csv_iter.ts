/**
 * `CSVIter`: batches from CSV files of numbers, one sample per row, each row reshaped to
 * `dataShape` (and `labelShape` for the label file).
 * @module
 */
import { checkOptions, keysOf } from "../core/options.ts";
import type { DType } from "../core/dtype.ts";
import { FormatError, MXNetError, ParamError } from "../core/errors.ts";
import { array } from "../ndarray/creation.ts";
import type { NDArray } from "../ndarray/ndarray.ts";
import { type DataBatch, DataDesc, DataIter } from "./data.ts";
import { NDArrayIter } from "./ndarray_iter.ts";

/** Options of CSVIter. */
export interface CSVIterOptions {
  /** Path of the data CSV. */
  dataCsv: string;
  /** Shape of one sample; each row holds its product of values. */
  dataShape: readonly number[];
  /** Path of the label CSV (optional). */
  labelCsv?: string | null;
  /** Shape of one label ([1]). */
  labelShape?: readonly number[];
  /** Samples per batch. */
  batchSize: number;
  /** Pad the last batch by wrapping to the first rows (true) or drop it (false). */
  roundBatch?: boolean;
  /** Element type ("float32"). */
  dtype?: DType;
  /** Shuffle rows every epoch. */
  shuffle?: boolean;
  /** Data and label names ("data", "softmax_label"). */
  dataName?: string;
  /** See dataName. */
  labelName?: string;
}

/** Parses a CSV of numbers into one flat array; rows must have `width` values. */
function parseCSV(
  text: string,
  width: number,
  source: string,
): { values: Float64Array; rows: number } {
  const lines = text.split(/\r?\n/);
  while (lines.length && lines[lines.length - 1].trim() === "") lines.pop();
  const values = new Float64Array(lines.length * width);
  lines.forEach((line, r) => {
    const cells = line.split(",");
    if (cells.length !== width) {
      throw new FormatError(
        `${source}: line ${
          r + 1
        } has ${cells.length} values, expected ${width} (the product of the shape)`,
      );
    }
    cells.forEach((c, j) => {
      const x = Number(c.trim());
      if (c.trim() === "" || Number.isNaN(x) && c.trim().toLowerCase() !== "nan") {
        throw new FormatError(
          `${source}: line ${r + 1}, column ${j + 1}: ${JSON.stringify(c)} is not a number`,
        );
      }
      values[r * width + j] = x;
    });
  });
  return { values, rows: lines.length };
}

const OPTIONS = keysOf<CSVIterOptions>({
  dataCsv: true,
  dataShape: true,
  labelCsv: true,
  labelShape: true,
  batchSize: true,
  roundBatch: true,
  dtype: true,
  shuffle: true,
  dataName: true,
  labelName: true,
});

/**
 * Reads the files on first use (or `await iter.load()`) and then behaves as an
 * NDArrayIter over them.
 */
export class CSVIter extends DataIter {
  readonly #opts: CSVIterOptions;
  #inner: NDArrayIter | null = null;
  #arrays: NDArray[] = [];

  /** Creates the iterator; files are read by `load()` or the first `next()`. */
  constructor(opts: CSVIterOptions) {
    super(opts.batchSize);
    checkOptions("CSVIter", opts, OPTIONS);
    if (!(opts.batchSize >= 1)) throw new ParamError(`CSVIter: batchSize must be >= 1`);
    this.#opts = opts;
  }

  /** Reads and parses the files (once). */
  async load(): Promise<this> {
    if (this.#inner) return this;
    const o = this.#opts;
    const read = async (path: string, shape: readonly number[]) => {
      let text: string;
      try {
        text = await Deno.readTextFile(path);
      } catch (e) {
        throw new MXNetError(`CSVIter: cannot read ${path}: ${(e as Error).message}`, { cause: e });
      }
      const width = shape.reduce((a, b) => a * b, 1);
      const { values, rows } = parseCSV(text, width, path);
      return array(values, { shape: [rows, ...shape], dtype: o.dtype ?? "float32" });
    };
    const data = await read(o.dataCsv, o.dataShape);
    const label = o.labelCsv ? await read(o.labelCsv, this.#labelShape()) : null;
    if (label && label.shape[0] !== data.shape[0]) {
      throw new FormatError(
        `CSVIter: ${o.labelCsv} has ${label.shape[0]} rows but ${o.dataCsv} has ${data.shape[0]}`,
      );
    }
    this.#arrays = label ? [data, label] : [data];
    this.#inner = new NDArrayIter({
      data: { [o.dataName ?? "data"]: data },
      label: label ? { [o.labelName ?? "softmax_label"]: label } : null,
      batchSize: o.batchSize,
      shuffle: o.shuffle ?? false,
      lastBatchHandle: (o.roundBatch ?? true) ? "pad" : "discard",
    });
    return this;
  }

  #need(): NDArrayIter {
    if (!this.#inner) {
      throw new MXNetError(
        `CSVIter: ${this.#opts.dataCsv} is not loaded yet; await iter.load() first`,
      );
    }
    return this.#inner;
  }
  /** `[batchSize, ...dataShape]` (known before the files are read). */
  get provideData(): DataDesc[] {
    const o = this.#opts;
    return [
      new DataDesc(o.dataName ?? "data", [o.batchSize, ...o.dataShape], o.dtype ?? "float32"),
    ];
  }
  /** `[batchSize, ...labelShape]`, or none without a label file. */
  get provideLabel(): DataDesc[] {
    const o = this.#opts;
    if (!o.labelCsv) return [];
    const shape = [o.batchSize, ...this.#labelShape()];
    return [new DataDesc(o.labelName ?? "softmax_label", shape, o.dtype ?? "float32")];
  }
  /** One label's shape; a width of 1 gives labels of shape [batch], as MXNet's loader. */
  #labelShape(): readonly number[] {
    const s = this.#opts.labelShape ?? [1];
    return s.length === 1 && s[0] === 1 ? [] : s;
  }
  /** Starts the next epoch. */
  reset(): void {
    this.#inner?.reset();
  }
  /** The next batch (loading the files first if needed). */
  async next(): Promise<DataBatch | null> {
    await this.load();
    return this.#need().next();
  }
  /** Frees the loaded arrays. */
  dispose(): void {
    for (const a of this.#arrays) a.dispose();
    this.#arrays = [];
    this.#inner = null;
  }
}
