/**
 * `ImageRecordIter`: batches of images from a RecordIO file made by im2rec, decoded,
 * resized, cropped, mirrored and normalised as MXNet's `ImageRecordIter` does, as float32
 * NCHW data (RGB) and float32 labels.
 *
 * Per image: decode; `resize` scales the shorter side; a `dataShape`-sized region is cut
 * at a random place (`randCrop`) or the centre; `randMirror` flips half of them
 * horizontally; each value becomes `(v - mean[c]) / std[c] * scale`.
 *
 * Decoding runs on the calling thread, batch by batch (no worker threads or prefetching).
 * @module
 */
import { type Context, cpu } from "../core/context.ts";
import { FormatError, ParamError, ShapeError } from "../core/errors.ts";
import { checkOptions, keysOf } from "../core/options.ts";
import { fillUniform, RandomState, shufflePermutation } from "../core/philox.ts";
import { array } from "../ndarray/creation.ts";
import { decodeImage } from "../image/codec.ts";
import { convertPixels } from "../image/image.ts";
import { checkInterp, resizePixels } from "../image/resize.ts";
import { scanRecordOffsets, withRecordFile } from "../recordio/file.ts";
import { readRecord } from "../recordio/format.ts";
import { unpack } from "../recordio/pack.ts";
import { DataBatch, DataDesc, DataIter } from "./data.ts";

/** Options of {@link ImageRecordIter} (MXNet's parameters in camelCase). */
export interface ImageRecordIterOptions {
  /** The `.rec` file. */
  pathImgrec: string;
  /** Its `.idx` file (optional: without it the `.rec` is scanned once for offsets). */
  pathImgidx?: string;
  /** `[channels, height, width]` of each sample; channels 3 (RGB) or 1 (gray). */
  dataShape: readonly [number, number, number];
  /** Samples per batch. */
  batchSize: number;
  /** Labels per sample (1). */
  labelWidth?: number;
  /** Shuffle the samples every epoch (false). */
  shuffle?: boolean;
  /** Seed of shuffling and augmentation (0). */
  seed?: number;
  /** Fill a last short batch from the start and report `pad` (true); false: zeros. */
  roundBatch?: boolean;
  /** Split the records into this many parts (1) ... */
  numParts?: number;
  /** ... and read this one (0). */
  partIndex?: number;
  /** Resize the shorter side to this before cropping (-1: no resize). */
  resize?: number;
  /** Crop at a random place instead of the centre (false). */
  randCrop?: boolean;
  /** Flip half of the images horizontally (false). */
  randMirror?: boolean;
  /** Flip every image horizontally (false). */
  mirror?: boolean;
  /** Interpolation of the resize (1, bilinear; see `mx.image.imresize`). */
  interMethod?: number;
  /** Mean subtracted from the red channel (0). */
  meanR?: number;
  /** Mean subtracted from the green channel (0). */
  meanG?: number;
  /** Mean subtracted from the blue channel (0). */
  meanB?: number;
  /** Standard deviation dividing the red channel (1). */
  stdR?: number;
  /** Standard deviation dividing the green channel (1). */
  stdG?: number;
  /** Standard deviation dividing the blue channel (1). */
  stdB?: number;
  /** Factor applied after normalisation (1; e.g. 1/255). */
  scale?: number;
  /** Device the batches are created on (cpu(0)). */
  ctx?: Context;
  /** Data name ("data"). */
  dataName?: string;
  /** Label name ("softmax_label"). */
  labelName?: string;
}

const OPTIONS = keysOf<ImageRecordIterOptions>({
  pathImgrec: true,
  pathImgidx: true,
  dataShape: true,
  batchSize: true,
  labelWidth: true,
  shuffle: true,
  seed: true,
  roundBatch: true,
  numParts: true,
  partIndex: true,
  resize: true,
  randCrop: true,
  randMirror: true,
  mirror: true,
  interMethod: true,
  meanR: true,
  meanG: true,
  meanB: true,
  stdR: true,
  stdG: true,
  stdB: true,
  scale: true,
  ctx: true,
  dataName: true,
  labelName: true,
});

type Resolved = Required<Omit<ImageRecordIterOptions, "pathImgidx" | "ctx">> & {
  pathImgidx: string | null;
  ctx: Context;
};

/** Record offsets from an `.idx` file (`key\toffset` lines), in file order. */
function offsetsFromIdx(path: string): number[] {
  const text = Deno.readTextFileSync(path);
  const out: number[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    const m = /^\S+\t(\d+)\s*$/.exec(line);
    if (!m) {
      throw new FormatError(`ImageRecordIter: ${path} line ${i + 1} is not "key\\toffset"`);
    }
    out.push(Number(m[1]));
  });
  return out;
}

/**
 * See the module docs.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const dir = Deno.makeTempDirSync();
 * const w = new mx.recordio.MXRecordIO(`${dir}/a.rec`, "w");
 * const img = mx.nd.array(new Uint8Array(8 * 8 * 3).fill(100), { shape: [8, 8, 3] });
 * for (let i = 0; i < 4; i++) {
 *   w.write(mx.recordio.packImg({ flag: 0, label: i, id: i, id2: 0 }, img, { imgFmt: ".png" }));
 * }
 * w.close();
 * const it = new mx.io.ImageRecordIter({ pathImgrec: `${dir}/a.rec`, dataShape: [3, 4, 4], batchSize: 2 });
 * for await (const batch of it) console.log(batch.data[0].shape, await batch.label[0].array());
 * // [2, 3, 4, 4] [0, 1]
 * // [2, 3, 4, 4] [2, 3]
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export class ImageRecordIter extends DataIter {
  readonly #o: Resolved;
  #offsets: number[] | null = null;
  #order: Uint32Array = new Uint32Array();
  #cursor = 0;
  readonly #rng: RandomState;

  /** Creates the iterator; the `.rec` (or `.idx`) file is read on the first batch. */
  constructor(opts: ImageRecordIterOptions) {
    super(opts?.batchSize);
    checkOptions(new.target.name, opts, this.optionKeys());
    this.#o = {
      labelWidth: 1,
      shuffle: false,
      seed: 0,
      roundBatch: true,
      numParts: 1,
      partIndex: 0,
      resize: -1,
      randCrop: false,
      randMirror: false,
      mirror: false,
      interMethod: 1,
      meanR: 0,
      meanG: 0,
      meanB: 0,
      stdR: 1,
      stdG: 1,
      stdB: 1,
      scale: 1,
      dataName: "data",
      labelName: "softmax_label",
      ...opts,
      pathImgidx: opts.pathImgidx ?? null,
      ctx: opts.ctx ?? cpu(),
    };
    this.#check();
    this.#rng = new RandomState(this.#o.seed);
  }

  /** The options this iterator accepts. */
  protected optionKeys(): readonly string[] {
    return OPTIONS;
  }

  /** The dtype of the data arrays. */
  protected get dataDType(): "float32" | "uint8" {
    return "float32";
  }

  #check(): void {
    const o = this.#o;
    const where = "ImageRecordIter";
    if (typeof o.pathImgrec !== "string") {
      throw new ParamError(`${where}: pathImgrec must be a file path, got ${o.pathImgrec}`);
    }
    const posInt = (v: unknown): boolean => Number.isInteger(v) && (v as number) > 0;
    if (!posInt(o.batchSize)) {
      throw new ParamError(`${where}: batchSize must be a positive integer, got ${o.batchSize}`);
    }
    const s = o.dataShape;
    if (!Array.isArray(s) || s.length !== 3 || !s.every(posInt) || (s[0] !== 1 && s[0] !== 3)) {
      throw new ParamError(
        `${where}: dataShape must be [channels (1 or 3), height, width], got ${JSON.stringify(s)}`,
      );
    }
    if (!posInt(o.labelWidth)) {
      throw new ParamError(`${where}: labelWidth must be a positive integer, got ${o.labelWidth}`);
    }
    if (!posInt(o.numParts) || !(o.partIndex >= 0 && o.partIndex < o.numParts)) {
      throw new ParamError(
        `${where}: partIndex ${o.partIndex} must be an integer in [0, numParts=${o.numParts})`,
      );
    }
    if (o.resize !== -1 && !posInt(o.resize)) {
      throw new ParamError(`${where}: resize must be -1 or a positive integer, got ${o.resize}`);
    }
    checkInterp(o.interMethod, where);
  }

  /** `[batchSize, ...dataShape]`. */
  get provideData(): DataDesc[] {
    const shape = [this.batchSize, ...this.#o.dataShape];
    return [new DataDesc(this.#o.dataName, shape, this.dataDType)];
  }

  /** `[batchSize]`, or `[batchSize, labelWidth]` when `labelWidth > 1`. */
  get provideLabel(): DataDesc[] {
    const w = this.#o.labelWidth;
    return [new DataDesc(this.#o.labelName, w === 1 ? [this.batchSize] : [this.batchSize, w])];
  }

  /** Number of samples this part serves (reads the index on first use). */
  get numSamples(): number {
    return this.#load().length;
  }

  /** This part's record offsets, read once. */
  #load(): number[] {
    if (this.#offsets !== null) return this.#offsets;
    const o = this.#o;
    const all = o.pathImgidx !== null ? offsetsFromIdx(o.pathImgidx) : withRecordFile(
      o.pathImgrec,
      "ImageRecordIter",
      (src) => scanRecordOffsets(src, `ImageRecordIter: ${o.pathImgrec}`),
    );
    const n = all.length;
    const step = Math.floor(n / o.numParts);
    const start = step * o.partIndex;
    const end = o.partIndex === o.numParts - 1 ? n : start + step;
    this.#offsets = all.slice(start, end);
    if (this.#offsets.length === 0) {
      throw new FormatError(`ImageRecordIter: part ${o.partIndex} of ${o.pathImgrec} is empty`);
    }
    this.#order = this.#permutation();
    return this.#offsets;
  }

  #permutation(): Uint32Array {
    const n = this.#offsets!.length;
    if (!this.#o.shuffle) return Uint32Array.from({ length: n }, (_, i) => i);
    const { seed, offset } = this.#rng.next(n);
    return shufflePermutation(n, seed, offset);
  }

  /** Starts the next epoch (reshuffled when `shuffle`). */
  reset(): void {
    this.#cursor = 0;
    if (this.#offsets !== null) this.#order = this.#permutation();
  }

  /** The next batch, or null at the end of the epoch. */
  next(): Promise<DataBatch | null> {
    try {
      return Promise.resolve(this.#nextSync());
    } catch (e) {
      return Promise.reject(e);
    }
  }

  #nextSync(): DataBatch | null {
    const offsets = this.#load();
    const o = this.#o;
    const n = offsets.length;
    const bs = this.batchSize;
    const c = this.#cursor;
    if (c >= n) return null;
    this.#cursor += bs;
    const real = Math.min(bs, n - c);
    const pad = bs - real;
    const count = o.roundBatch ? bs : real;
    const index: number[] = [];
    for (let b = 0; b < count; b++) index.push(this.#order[(c + b) % n]);
    const [C, H, W] = o.dataShape;
    const data = new Float32Array(bs * C * H * W);
    const label = new Float32Array(bs * o.labelWidth);
    // Three uniform numbers per sample: crop x, crop y, mirror.
    const u = new Float64Array(3 * count);
    const { seed, offset } = this.#rng.next(u.length);
    fillUniform(u, 0, 1, seed, offset);
    withRecordFile(o.pathImgrec, "ImageRecordIter", (src) => {
      index.forEach((s, b) => {
        const where = `ImageRecordIter: ${o.pathImgrec}`;
        const rec = readRecord(src, offsets[s], where);
        if (rec === null) {
          throw new FormatError(`${where}: no record at offset ${offsets[s]}`, offsets[s]);
        }
        const [header, payload] = unpack(rec.data);
        this.#label(header.label, label.subarray(b * o.labelWidth, (b + 1) * o.labelWidth));
        const sample = data.subarray(b * C * H * W, (b + 1) * C * H * W);
        this.#image(payload, sample, u.subarray(3 * b, 3 * b + 3), offsets[s]);
      });
    });
    const dataShape = [bs, C, H, W];
    const labelShape = o.labelWidth === 1 ? [bs] : [bs, o.labelWidth];
    return new DataBatch({
      data: [
        this.dataDType === "uint8"
          ? array(Uint8Array.from(data), { shape: dataShape, ctx: o.ctx })
          : array(data, { shape: dataShape, ctx: o.ctx }),
      ],
      label: [array(label, { shape: labelShape, ctx: o.ctx })],
      pad,
      index,
      provideData: this.provideData,
      provideLabel: this.provideLabel,
    });
  }

  #label(value: number | Float32Array, out: Float32Array): void {
    if (typeof value === "number") {
      if (out.length !== 1) {
        throw new FormatError(
          `ImageRecordIter: a record has one label but labelWidth is ${out.length}`,
        );
      }
      out[0] = value;
      return;
    }
    if (value.length < out.length) {
      throw new FormatError(
        `ImageRecordIter: a record has ${value.length} labels but labelWidth is ${out.length}`,
      );
    }
    out.set(value.subarray(0, out.length));
  }

  /** Decodes, resizes, crops, mirrors and normalises one image into `out` (CHW). */
  #image(payload: Uint8Array, out: Float32Array, u: Float64Array, recordAt: number): void {
    const o = this.#o;
    const [C, H, W] = o.dataShape;
    const px = decodeImage(payload, `ImageRecordIter: record at byte ${recordAt}`);
    let pixels = convertPixels(px, C as 1 | 3, false);
    let [h, w] = [px.height, px.width];
    if (o.resize > 0) {
      const [nh, nw] = h > w
        ? [Math.floor((o.resize * h) / w), o.resize]
        : [o.resize, Math.floor((o.resize * w) / h)];
      pixels = resizePixels(pixels, h, w, C, nh, nw, checkInterp(o.interMethod, "ImageRecordIter"));
      [h, w] = [nh, nw];
    }
    if (h < H || w < W) {
      throw new ShapeError(
        `ImageRecordIter: the image at byte ${recordAt} is ${w}x${h}, smaller than dataShape ` +
          `${W}x${H}; set resize`,
      );
    }
    const x0 = o.randCrop ? Math.floor(u[0] * (w - W + 1)) : Math.floor((w - W) / 2);
    const y0 = o.randCrop ? Math.floor(u[1] * (h - H + 1)) : Math.floor((h - H) / 2);
    const flip = o.mirror || (o.randMirror && u[2] < 0.5);
    const mean = [o.meanR, o.meanG, o.meanB];
    const std = [o.stdR, o.stdG, o.stdB];
    for (let k = 0; k < C; k++) {
      const plane = out.subarray(k * H * W, (k + 1) * H * W);
      const m = mean[k];
      const f = o.scale / std[k];
      for (let y = 0; y < H; y++) {
        const row = (y0 + y) * w;
        for (let x = 0; x < W; x++) {
          const sx = x0 + (flip ? W - 1 - x : x);
          plane[y * W + x] = (pixels[(row + sx) * C + k] - m) * f;
        }
      }
    }
  }
}

/** The options of {@link ImageRecordUInt8Iter}: those of ImageRecordIter less normalisation. */
export type ImageRecordUInt8IterOptions = Omit<
  ImageRecordIterOptions,
  "meanR" | "meanG" | "meanB" | "stdR" | "stdG" | "stdB" | "scale"
>;

const NORMALISATION = ["meanR", "meanG", "meanB", "stdR", "stdG", "stdB", "scale"];

/**
 * {@link ImageRecordIter} giving the augmented pixels as uint8 NCHW, without normalisation
 * (MXNet's `ImageRecordUInt8Iter`).
 */
export class ImageRecordUInt8Iter extends ImageRecordIter {
  /** Creates the iterator. */
  constructor(opts: ImageRecordUInt8IterOptions) {
    super(opts);
  }

  /** ImageRecordIter's options less the normalisation ones. */
  protected override optionKeys(): readonly string[] {
    return OPTIONS.filter((k) => !NORMALISATION.includes(k));
  }

  /** uint8. */
  protected override get dataDType(): "uint8" {
    return "uint8";
  }
}
