/**
 * `gluon.data.vision.ImageRecordDataset`: `[image, label]` samples decoded from a RecordIO
 * file made by im2rec.
 * @module
 */
import { ParamError } from "../../../core/errors.ts";
import { checkOptions } from "../../../core/options.ts";
import type { NDArray } from "../../../ndarray/ndarray.ts";
import { decodeImage } from "../../../image/codec.ts";
import { convertPixels } from "../../../image/image.ts";
import { unpack } from "../../../recordio/pack.ts";
import { HostArray } from "../_host.ts";
import { callFn, Dataset, type ModuleSpec, toPublic } from "../dataset.ts";
import { RecordFileDataset } from "../record.ts";

/** Options of {@link ImageRecordDataset}. */
export interface ImageRecordDatasetOptions {
  /** 1 (default): RGB images `[H, W, 3]`; 0: gray `[H, W, 1]`. */
  flag?: 0 | 1;
  /** Called with `(image, label)`; its result is the sample. */
  transform?: (image: NDArray, label: number | Float32Array) => unknown;
}

/**
 * The images of a `.rec` file with their labels (MXNet's
 * `gluon.data.vision.ImageRecordDataset`): sample `i` is `[image, label]`, the image a
 * uint8 `[H, W, 3]` RGB NDArray (as `mx.image.imdecode`), the label a number (or a
 * Float32Array for records packed with several labels).
 */
export class ImageRecordDataset extends Dataset<[NDArray, number]> {
  /** The records, undecoded. */
  readonly records: RecordFileDataset;
  readonly #flag: 0 | 1;
  readonly #transform: ImageRecordDatasetOptions["transform"];

  /** Reads the index of `filename` (its `.idx` beside it). */
  constructor(filename: string, opts: ImageRecordDatasetOptions = {}) {
    super();
    this.records = new RecordFileDataset(filename);
    checkOptions("ImageRecordDataset", opts, ["flag", "transform"]);
    const flag = opts.flag ?? 1;
    if (flag !== 0 && flag !== 1) {
      throw new ParamError(`ImageRecordDataset: flag must be 1 (color) or 0 (gray), got ${flag}`);
    }
    if (opts.transform !== undefined && typeof opts.transform !== "function") {
      throw new ParamError(`ImageRecordDataset: transform must be a function (image, label)`);
    }
    this.#flag = flag;
    this.#transform = opts.transform;
  }

  /** The `.rec` file. */
  get filename(): string {
    return this.records.filename;
  }

  /** Number of images. */
  get length(): number {
    return this.records.length;
  }

  /** `[image, label]`, or the transform's result. */
  at(i: number): [NDArray, number] {
    return toPublic(this._item(i)) as [NDArray, number];
  }

  /**
   * @internal The sample in host form: the decoded image as a HostArray.
   * @ignore
   */
  override _item(i: number): unknown {
    const [header, payload] = unpack(this.records.at(i));
    const px = decodeImage(payload, `ImageRecordDataset: ${this.filename} record ${i}`);
    const channels = this.#flag === 1 ? 3 : 1;
    const image = new HostArray(
      convertPixels(px, channels, false),
      [px.height, px.width, channels],
      "uint8",
    );
    const label = typeof header.label === "number"
      ? header.label
      : new HostArray(header.label, [header.label.length], "float32");
    const sample = [image, label];
    return this.#transform ? callFn(this.#transform, toPublic(sample) as unknown[]) : sample;
  }

  /** DataLoader workers rebuild the dataset from its file name (not with a transform). */
  override workerSpec(): ModuleSpec | undefined {
    if (this.#transform) return undefined;
    return {
      module: import.meta.url,
      export: "ImageRecordDataset",
      args: [this.filename, { flag: this.#flag }],
    };
  }
}
