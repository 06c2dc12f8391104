/**
 * `MNISTIter`: batches of MNIST-format images (idx files, plain or gzip), scaled to
 * [0, 1] as MXNet's iterator does, optionally shuffled once (seeded) and sharded with
 * `numParts` / `partIndex` for data-parallel workers.
 * @module
 */
import { checkOptions, keysOf } from "../core/options.ts";
import { type Context, cpu } from "../core/context.ts";
import { FormatError, ParamError } from "../core/errors.ts";
import { shufflePermutation } from "../core/philox.ts";
import { array } from "../ndarray/creation.ts";
import { DataBatch, DataDesc, DataIter } from "./data.ts";
import { type IdxArray, readIdx } from "./idx.ts";

/** Options of MNISTIter (MXNet's parameters in camelCase). */
export interface MNISTIterOptions {
  /** Images idx file (plain or .gz). */
  image: string;
  /** Labels idx file (plain or .gz). */
  label: string;
  /** Samples per batch (128). */
  batchSize?: number;
  /** Shuffle the samples once when loading (true, as MXNet). */
  shuffle?: boolean;
  /** Seed of that shuffle (0). */
  seed?: number;
  /** Images as [batch, rows*cols] instead of [batch, 1, rows, cols]. */
  flat?: boolean;
  /** Split the data into this many parts ... */
  numParts?: number;
  /** ... and read this one. */
  partIndex?: number;
  /** "discard" (MXNet) drops a last short batch; "pad" fills it from the start and sets `pad`. */
  lastBatchHandle?: "discard" | "pad";
  /** Image size the batches declare before the files are read ([28, 28]). */
  imageSize?: readonly [number, number];
  /** Device the batches are created on (cpu(0)). */
  ctx?: Context;
  /** Data and label names ("data", "softmax_label"). */
  dataName?: string;
  /** See dataName. */
  labelName?: string;
}

const OPTIONS = keysOf<MNISTIterOptions>({
  image: true,
  label: true,
  batchSize: true,
  shuffle: true,
  seed: true,
  flat: true,
  numParts: true,
  partIndex: true,
  lastBatchHandle: true,
  imageSize: true,
  ctx: true,
  dataName: true,
  labelName: true,
});

/** See the module docs. Files are read on first use or by `await iter.load()`. */
export class MNISTIter extends DataIter {
  readonly #o: Required<Omit<MNISTIterOptions, "ctx">> & { ctx: Context };
  /**
   * This part's images scaled to [0, 1] (MXNet's loader keeps them as floats too), in
   * `#order`: a batch is then one contiguous block instead of a gather over the whole set.
   */
  #pixels: Float32Array | null = null;
  #staging: Float32Array | null = null;
  #labels: Uint8Array | null = null;
  #order: Uint32Array = new Uint32Array();
  #cursor = 0;
  #loading: Promise<void> | null = null;

  /** Creates the iterator. */
  constructor(opts: MNISTIterOptions) {
    super(opts.batchSize ?? 128);
    checkOptions("MNISTIter", opts, OPTIONS);
    this.#o = {
      batchSize: this.batchSize,
      shuffle: true,
      seed: 0,
      flat: false,
      numParts: 1,
      partIndex: 0,
      lastBatchHandle: "discard",
      imageSize: [28, 28],
      dataName: "data",
      labelName: "softmax_label",
      ...opts,
      ctx: opts.ctx ?? cpu(),
    };
    const o = this.#o;
    if (!Number.isInteger(o.batchSize) || o.batchSize < 1) {
      throw new ParamError(`MNISTIter: batchSize must be a positive integer, got ${o.batchSize}`);
    }
    if (!(o.numParts >= 1) || !(o.partIndex >= 0 && o.partIndex < o.numParts)) {
      throw new ParamError(
        `MNISTIter: partIndex ${o.partIndex} must be in [0, numParts=${o.numParts})`,
      );
    }
  }

  /** Loads (or awaits the loading of) both files; resolves to this iterator. */
  static async create(opts: MNISTIterOptions): Promise<MNISTIter> {
    return await new MNISTIter(opts).load();
  }

  /** Reads the files once. */
  async load(): Promise<this> {
    this.#loading ??= this.#read();
    await this.#loading;
    return this;
  }

  async #read(): Promise<void> {
    const o = this.#o;
    const [img, lab] = await Promise.all([readIdx(o.image), readIdx(o.label)]);
    if (img.shape.length !== 3) {
      throw new FormatError(
        `${o.image}: expected images of shape [n, rows, cols], got [${img.shape}]`,
      );
    }
    if (lab.shape.length !== 1) {
      throw new FormatError(`${o.label}: expected labels of shape [n], got [${lab.shape}]`);
    }
    if (img.shape[0] !== lab.shape[0]) {
      throw new FormatError(
        `${o.image} holds ${img.shape[0]} images but ${o.label} holds ${lab.shape[0]} labels`,
      );
    }
    const [rows, cols] = o.imageSize;
    if (img.shape[1] !== rows || img.shape[2] !== cols) {
      throw new FormatError(
        `${o.image}: images are ${img.shape[1]}x${
          img.shape[2]
        } but the iterator declares ${rows}x${cols}; pass imageSize`,
      );
    }
    // Shard first, then shuffle within the shard (as MXNet's loader).
    const n = img.shape[0], step = Math.floor(n / o.numParts);
    const start = step * o.partIndex, end = o.partIndex === o.numParts - 1 ? n : start + step;
    this.#labels = lab.data;
    const count = end - start;
    const perm = o.shuffle
      ? shufflePermutation(count, o.seed, 0)
      : Uint32Array.from({ length: count }, (_, i) => i);
    this.#order = perm.map((i) => i + start);
    this.#pixels = scaled(img, this.#order, rows * cols);
    if (this.#order.length < o.batchSize && o.lastBatchHandle === "discard") {
      throw new ParamError(
        `MNISTIter: batchSize ${o.batchSize} exceeds the ${count} samples of this part`,
      );
    }
  }

  /** Number of samples this iterator serves (after loading). */
  get numSamples(): number {
    return this.#order.length;
  }

  /** `[batch, 1, rows, cols]`, or `[batch, rows*cols]` when flat. */
  get provideData(): DataDesc[] {
    const o = this.#o, [r, c] = o.imageSize;
    return [new DataDesc(o.dataName, o.flat ? [o.batchSize, r * c] : [o.batchSize, 1, r, c])];
  }
  /** `[batch]`. */
  get provideLabel(): DataDesc[] {
    return [new DataDesc(this.#o.labelName, [this.#o.batchSize])];
  }

  /** Rewinds (the order stays: MXNet shuffles once). */
  reset(): void {
    this.#cursor = 0;
  }

  /** The next batch, or null at the end of the epoch. */
  async next(): Promise<DataBatch | null> {
    await this.load();
    const o = this.#o, bs = o.batchSize, n = this.#order.length;
    const c = this.#cursor;
    if (c >= n || (c + bs > n && o.lastBatchHandle === "discard")) return null;
    this.#cursor += bs;
    const pad = Math.max(0, c + bs - n);
    const pixels = o.imageSize[0] * o.imageSize[1];
    const src = this.#pixels!, labels = this.#labels!;
    // One staging array per iterator: `array` copies out of it, and a fresh 800 KB buffer
    // per batch would cost more in page faults than the copy.
    const x = this.#staging ??= new Float32Array(bs * pixels), y = new Float32Array(bs);
    const index: number[] = [];
    for (let b = 0; b < bs; b++) {
      const s = this.#order[(c + b) % n];
      index.push(s);
      y[b] = labels[s];
    }
    const head = Math.min(bs, n - c);
    x.set(src.subarray(c * pixels, (c + head) * pixels));
    // A padded last batch wraps around to the first images.
    if (head < bs) x.set(src.subarray(0, (bs - head) * pixels), head * pixels);
    const [shape] = this.provideData.map((d) => d.shape);
    return new DataBatch({
      data: [array(x, { shape, ctx: o.ctx })],
      label: [array(y, { ctx: o.ctx })],
      pad,
      index,
      provideData: this.provideData,
      provideLabel: this.provideLabel,
    });
  }
}

/** The images at `order` of an idx image array, scaled to [0, 1] through a table. */
function scaled(img: IdxArray, order: Uint32Array, pixels: number): Float32Array {
  const out = new Float32Array(order.length * pixels);
  const src = img.data;
  const table = Float32Array.from({ length: 256 }, (_, v) => v / 255);
  for (let i = 0; i < order.length; i++) {
    const from = order[i] * pixels, to = i * pixels;
    for (let p = 0; p < pixels; p++) out[to + p] = table[src[from + p]];
  }
  return out;
}
