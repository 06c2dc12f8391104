/**
 * `mx.image.ImageIter`: batches from a RecordIO file (`pathImgrec`), an image list
 * (`pathImglist` + `pathRoot`, lines `index\tlabel(s)\tpath`) or an in-memory list
 * (`imglist`), each image decoded, passed through the augmenters (`augList`, or
 * `CreateAugmenter`'s list from the other options) and stacked as float32 NCHW.
 * @module
 */
import { FormatError, MXNetError, ParamError, ShapeError } from "../core/errors.ts";
import { checkOptions } from "../core/options.ts";
import { array } from "../ndarray/creation.ts";
import type { NDArray } from "../ndarray/ndarray.ts";
import { DataBatch, DataDesc, DataIter } from "../io/data.ts";
import { scanRecordOffsets, withRecordFile } from "../recordio/file.ts";
import { readRecord } from "../recordio/format.ts";
import { unpack } from "../recordio/pack.ts";
import { MXIndexedRecordIO } from "../recordio/recordio.ts";
import {
  type Augmenter,
  CREATE_AUGMENTER_KEYS,
  CreateAugmenter,
  type CreateAugmenterOptions,
} from "./augmenters.ts";
import { imdecode } from "./image.ts";

/** Options of {@link ImageIter} (MXNet's arguments in camelCase). */
export interface ImageIterOptions extends CreateAugmenterOptions {
  /** Samples per batch. */
  batchSize: number;
  /** `[channels, height, width]` of each sample after augmentation. */
  dataShape: readonly [number, number, number];
  /** Labels per sample (1). */
  labelWidth?: number;
  /** A `.rec` file. */
  pathImgrec?: string;
  /** Its `.idx` (optional). */
  pathImgidx?: string;
  /** An image list file: `index\tlabel(s)\tpath` per line. */
  pathImglist?: string;
  /** Folder the list's (or `imglist`'s) paths are relative to. */
  pathRoot?: string;
  /** In-memory list of `[label or labels, path]`. */
  imglist?: readonly (readonly [number | readonly number[], string])[];
  /** Shuffle the order at every reset (false). */
  shuffle?: boolean;
  /** Split the samples into this many parts (1) ... */
  numParts?: number;
  /** ... and read this one (0). */
  partIndex?: number;
  /** The augmenters; default `CreateAugmenter(dataShape, <the other options>)`. */
  augList?: Augmenter[];
  /** "pad" (default): fill the last batch from the start, `pad` counts the fill; "discard". */
  lastBatchHandle?: "pad" | "discard";
  /** Data name ("data"). */
  dataName?: string;
  /** Label name ("softmax_label"). */
  labelName?: string;
}

const OWN_KEYS = [
  "batchSize",
  "dataShape",
  "labelWidth",
  "pathImgrec",
  "pathImgidx",
  "pathImglist",
  "pathRoot",
  "imglist",
  "shuffle",
  "numParts",
  "partIndex",
  "augList",
  "lastBatchHandle",
  "dataName",
  "labelName",
];

/** Where one sample comes from: a record offset, or a label and a file. */
type Source =
  | { readonly kind: "record"; readonly offset: number }
  | { readonly kind: "file"; readonly label: Float32Array; readonly path: string };

function join(root: string | undefined, path: string): string {
  return root === undefined || root === "" ? path : `${root.replace(/\/$/, "")}/${path}`;
}

function parseList(path: string, root: string | undefined): Source[] {
  const out: Source[] = [];
  Deno.readTextFileSync(path).split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    const f = line.trim().split("\t");
    const labels = f.slice(1, -1).map(Number);
    if (f.length < 3 || labels.some((v) => Number.isNaN(v))) {
      throw new FormatError(
        `ImageIter: ${path} line ${i + 1}: expected "index\\tlabel(s)\\tpath", got ${
          JSON.stringify(line.slice(0, 60))
        }`,
      );
    }
    out.push({ kind: "file", label: Float32Array.from(labels), path: join(root, f[f.length - 1]) });
  });
  return out;
}

/**
 * See the module docs.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const dir = Deno.makeTempDirSync();
 * const img = mx.nd.array(new Uint8Array(6 * 6 * 3).fill(50), { shape: [6, 6, 3] });
 * Deno.writeFileSync(`${dir}/a.png`, mx.image.imencode(img, ".png"));
 * const it = new mx.image.ImageIter({
 *   batchSize: 2,
 *   dataShape: [3, 4, 4],
 *   imglist: [[0, "a.png"], [1, "a.png"]],
 *   pathRoot: dir,
 * });
 * const batch = (await it.next())!;
 * console.log(batch.data[0].shape, await batch.label[0].array()); // [2, 3, 4, 4] [0, 1]
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export class ImageIter extends DataIter {
  readonly #o: ImageIterOptions & { labelWidth: number; lastBatchHandle: "pad" | "discard" };
  readonly #augs: Augmenter[];
  readonly #sources: Source[];
  #order: number[];
  #cursor = 0;

  /** Creates the iterator; list and index files are read now, images batch by batch. */
  constructor(opts: ImageIterOptions) {
    super(opts?.batchSize);
    checkOptions("ImageIter", opts, [...OWN_KEYS, ...CREATE_AUGMENTER_KEYS]);
    const o = this.#o = { labelWidth: 1, lastBatchHandle: "pad", ...opts };
    if (!Number.isInteger(o.batchSize) || o.batchSize < 1) {
      throw new ParamError(`ImageIter: batchSize must be a positive integer, got ${o.batchSize}`);
    }
    const s = o.dataShape;
    if (!Array.isArray(s) || s.length !== 3 || (s[0] !== 1 && s[0] !== 3)) {
      throw new ParamError(
        `ImageIter: dataShape must be [channels (1 or 3), height, width], got ${JSON.stringify(s)}`,
      );
    }
    if (o.lastBatchHandle !== "pad" && o.lastBatchHandle !== "discard") {
      throw new ParamError(
        `ImageIter: lastBatchHandle must be "pad" or "discard", got ${o.lastBatchHandle}`,
      );
    }
    const augKeys = CREATE_AUGMENTER_KEYS.filter((k) => k in o);
    if (o.augList !== undefined && augKeys.length > 0) {
      throw new ParamError(`ImageIter: give augList or augmenter options (${augKeys}), not both`);
    }
    const augOpts = Object.fromEntries(augKeys.map((k) => [k, (o as Record<string, unknown>)[k]]));
    this.#augs = o.augList ?? CreateAugmenter(s, augOpts);
    this.#sources = this.#readSources();
    const numParts = o.numParts ?? 1, partIndex = o.partIndex ?? 0;
    if (!Number.isInteger(numParts) || numParts < 1 || !(partIndex >= 0 && partIndex < numParts)) {
      throw new ParamError(
        `ImageIter: partIndex ${partIndex} must be in [0, numParts=${numParts})`,
      );
    }
    // MXNet: each part is floor(n / numParts) samples.
    const per = Math.floor(this.#sources.length / numParts);
    this.#sources = this.#sources.slice(partIndex * per, (partIndex + 1) * per);
    this.#order = this.#sources.map((_, i) => i);
    if (o.shuffle) this.#shuffle();
  }

  #readSources(): Source[] {
    const o = this.#o;
    const given = [o.pathImgrec, o.pathImglist, o.imglist].filter((v) => v !== undefined);
    if (given.length !== 1) {
      throw new ParamError("ImageIter: give exactly one of pathImgrec, pathImglist and imglist");
    }
    if (o.pathImgrec !== undefined) {
      const rec = o.pathImgrec;
      let offsets: number[];
      if (o.pathImgidx !== undefined) {
        const index = new MXIndexedRecordIO(o.pathImgidx, rec, "r");
        offsets = index.keys.map((k) => index.idx.get(k)!);
        index.close();
      } else {
        offsets = withRecordFile(
          rec,
          "ImageIter",
          (src) => scanRecordOffsets(src, `ImageIter: ${rec}`),
        );
      }
      return offsets.map((offset) => ({ kind: "record", offset }));
    }
    if (o.pathImglist !== undefined) return parseList(o.pathImglist, o.pathRoot);
    return o.imglist!.map(([label, path]) => ({
      kind: "file",
      label: Float32Array.from(typeof label === "number" ? [label] : label),
      path: join(o.pathRoot, path),
    }));
  }

  #shuffle(): void {
    const a = this.#order;
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [a[i], a[j]] = [a[j], a[i]];
    }
  }

  /** Number of samples of this part. */
  get numSamples(): number {
    return this.#sources.length;
  }

  /** `[batchSize, ...dataShape]`. */
  get provideData(): DataDesc[] {
    return [new DataDesc(this.#o.dataName ?? "data", [this.batchSize, ...this.#o.dataShape])];
  }

  /** `[batchSize]`, or `[batchSize, labelWidth]`. */
  get provideLabel(): DataDesc[] {
    const w = this.#o.labelWidth;
    const name = this.#o.labelName ?? "softmax_label";
    return [new DataDesc(name, w === 1 ? [this.batchSize] : [this.batchSize, w])];
  }

  /** Rewinds; reshuffles when `shuffle`. */
  reset(): void {
    this.#cursor = 0;
    if (this.#o.shuffle) this.#shuffle();
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
    const o = this.#o, n = this.#sources.length, bs = this.batchSize, c = this.#cursor;
    if (c >= n || (c + bs > n && o.lastBatchHandle === "discard")) return null;
    this.#cursor += bs;
    const [C, H, W] = o.dataShape;
    const data = new Float32Array(bs * C * H * W);
    const label = new Float32Array(bs * o.labelWidth);
    const index: number[] = [];
    for (let b = 0; b < bs; b++) {
      const i = this.#order[(c + b) % n];
      index.push(i);
      const [bytes, labels] = this.#read(this.#sources[i]);
      if (labels.length < o.labelWidth) {
        throw new FormatError(
          `ImageIter: sample ${i} has ${labels.length} labels but labelWidth is ${o.labelWidth}`,
        );
      }
      label.set(labels.subarray(0, o.labelWidth), b * o.labelWidth);
      this.#augmentInto(bytes, data.subarray(b * C * H * W, (b + 1) * C * H * W), i);
    }
    const labelShape = o.labelWidth === 1 ? [bs] : [bs, o.labelWidth];
    return new DataBatch({
      data: [array(data, { shape: [bs, C, H, W] })],
      label: [array(label, { shape: labelShape })],
      pad: Math.max(0, c + bs - n),
      index,
      provideData: this.provideData,
      provideLabel: this.provideLabel,
    });
  }

  /** The encoded image and the labels of one sample. */
  #read(src: Source): [Uint8Array, Float32Array] {
    if (src.kind === "file") {
      try {
        return [Deno.readFileSync(src.path), src.label];
      } catch (e) {
        throw new MXNetError(`ImageIter: cannot read ${src.path}: ${(e as Error).message}`, {
          cause: e,
        });
      }
    }
    const rec = this.#o.pathImgrec!;
    const data = withRecordFile(
      rec,
      "ImageIter",
      (f) => readRecord(f, src.offset, `ImageIter: ${rec}`),
    );
    if (data === null) {
      throw new FormatError(`ImageIter: no record at offset ${src.offset}`, src.offset);
    }
    const [header, payload] = unpack(data.data);
    const labels = typeof header.label === "number" ? Float32Array.of(header.label) : header.label;
    return [payload, labels];
  }

  /** Decodes, augments and writes one sample as CHW into `out`. */
  #augmentInto(bytes: Uint8Array, out: Float32Array, i: number): void {
    const [C, H, W] = this.#o.dataShape;
    let img: NDArray = imdecode(bytes, { flag: C === 3 ? 1 : 0 });
    for (const aug of this.#augs) {
      const next = aug.call(img);
      if (next !== img) img.dispose();
      img = next;
    }
    try {
      if (img.ndim !== 3 || img.shape[0] !== H || img.shape[1] !== W || img.shape[2] !== C) {
        throw new ShapeError(
          `ImageIter: sample ${i} is [${img.shape}] after augmentation, expected [${H},${W},${C}]`,
        );
      }
      const hwc = img.dataSync();
      for (let k = 0; k < C; k++) {
        for (let p = 0; p < H * W; p++) out[k * H * W + p] = Number(hwc[p * C + k]);
      }
    } finally {
      img.dispose();
    }
  }
}
