/**
 * `gluon.data.vision` datasets: MNIST, FashionMNIST, CIFAR10, CIFAR100, read from the
 * standard files under `root` (nothing is downloaded). Samples are
 * `[image, label]`: an (H, W, C) uint8 NDArray ([28, 28, 1] or [32, 32, 3]) and a number,
 * as MXNet's.
 * @module
 */
import { ParamError } from "../../../core/errors.ts";
import { checkOptions } from "../../../core/options.ts";
import type { NDArray } from "../../../ndarray/ndarray.ts";
import { arrayToWire, checkIndex, rowOf } from "../_host.ts";
import { callFn, Dataset, type SpecOrReason, toPublic } from "../dataset.ts";
import {
  cifarFiles,
  DEBIAN_FASHION_MNIST,
  defaultRoot,
  expandUser,
  type ImageSet,
  readCifar,
  readMnist,
} from "./_files.ts";

/** Options of the vision datasets. */
export interface VisionDatasetOptions {
  /** Folder holding the files (MXNet's `~/.mxnet/datasets/<name>`, `$MXNET_HOME` honoured). */
  root?: string;
  /** The training split (true) or the test split. */
  train?: boolean;
  /** Applied to each sample as `transform(image, label)` (MXNet's `transform` argument). */
  transform?: (image: NDArray, label: number) => unknown;
}

/** Options of {@link CIFAR100}. */
export interface CIFAR100Options extends VisionDatasetOptions {
  /** The 100 fine labels (true) or the 20 coarse ones (false, the default). */
  fineLabel?: boolean;
}

/** The common part: decoded images and labels, optionally transformed. */
abstract class VisionDataset extends Dataset<[NDArray, number]> {
  readonly #set: ImageSet;
  readonly #transform: VisionDatasetOptions["transform"];
  /** The split read. */
  readonly train: boolean;
  /** The folders looked in, in order. */
  readonly roots: readonly string[];

  constructor(
    name: string,
    opts: VisionDatasetOptions,
    keys: readonly string[],
    roots: (given: string | undefined) => string[],
    read: (roots: readonly string[], train: boolean) => ImageSet,
  ) {
    super();
    checkOptions(name, opts, keys);
    if (opts.transform !== undefined && typeof opts.transform !== "function") {
      throw new ParamError(`${name}: transform must be a function (image, label) => sample`);
    }
    this.train = opts.train ?? true;
    this.roots = roots(opts.root === undefined ? undefined : expandUser(opts.root));
    this.#set = read(this.roots, this.train);
    this.#transform = opts.transform;
  }
  /** Number of images. */
  get length(): number {
    return this.#set.labels.shape[0];
  }
  /** `[image, label]`: an (H, W, C) uint8 NDArray and its class. */
  at(i: number): [NDArray, number] {
    return toPublic(this._item(i)) as [NDArray, number];
  }
  /**
   * @internal
   * @ignore
   */
  override _item(i: number): unknown {
    const j = checkIndex(i, this.length, `${this.constructor.name}.at`);

    const sample = [rowOf(this.#set.images, j), rowOf(this.#set.labels, j)];
    return this.#transform ? callFn(this.#transform, toPublic(sample) as unknown[]) : sample;
  }
  /**
   * @internal The images and labels are in shared memory: workers read them in place.
   * @ignore
   */
  override _spec(): Promise<SpecOrReason> {
    if (this.#transform) {
      return Promise.resolve({
        reason: `${this.constructor.name} was given a transform function, which a worker ` +
          `cannot rebuild; use .transformFirst() with gluon.data.vision.transforms`,
      });
    }
    const { images: x, labels: y } = this.#set;
    return Promise.resolve({
      kind: "fields",
      fields: [
        { kind: "host", array: arrayToWire(x) },
        { kind: "host", array: arrayToWire(y) },
      ],
    });
  }
}

const KEYS = ["root", "train", "transform"];

/** MNIST handwritten digits: 60,000 training and 10,000 test images, [28, 28, 1] uint8. */
export class MNIST extends VisionDataset {
  /** Reads the idx files (plain or .gz) from `root` (MXNet's `~/.mxnet/datasets/mnist`). */
  constructor(opts: VisionDatasetOptions = {}) {
    super(
      "MNIST",
      opts,
      KEYS,
      (r) => [r ?? defaultRoot("mnist")],
      (roots, train) => readMnist("MNIST", roots, train),
    );
  }
}

/**
 * Zalando's Fashion-MNIST: 60,000 training and 10,000 test images of clothes,
 * [28, 28, 1] uint8, ten classes. Without `root`, looks in MXNet's
 * `~/.mxnet/datasets/fashion-mnist`, then where Debian's `dataset-fashion-mnist` installs
 * the files (/usr/share/datasets/fashion-mnist).
 */
export class FashionMNIST extends VisionDataset {
  /** Reads the idx files (plain or .gz). */
  constructor(opts: VisionDatasetOptions = {}) {
    super(
      "FashionMNIST",
      opts,
      KEYS,
      (r) => r ? [r] : [defaultRoot("fashion-mnist"), DEBIAN_FASHION_MNIST],
      (roots, train) => readMnist("FashionMNIST", roots, train),
    );
  }
}

/** Both the folder and the sub-folder the official archive extracts to. */
function withSub(dirs: readonly string[], sub: string): string[] {
  return dirs.flatMap((d) => [d, `${d}/${sub}`]);
}

/** CIFAR-10: 50,000 training and 10,000 test images, [32, 32, 3] uint8, ten classes. */
export class CIFAR10 extends VisionDataset {
  /** Reads the binary batches from `root` (MXNet's `~/.mxnet/datasets/cifar10`). */
  constructor(opts: VisionDatasetOptions = {}) {
    super(
      "CIFAR10",
      opts,
      KEYS,
      (r) => withSub([r ?? defaultRoot("cifar10")], cifarFiles(null, true).sub),
      (roots, train) => readCifar("CIFAR10", roots, cifarFiles(null, train).files, 1, 0),
    );
  }
}

/** CIFAR-100: 50,000 training and 10,000 test images, [32, 32, 3] uint8. */
export class CIFAR100 extends VisionDataset {
  /** Reads train.bin / test.bin from `root` (MXNet's `~/.mxnet/datasets/cifar100`). */
  constructor(opts: CIFAR100Options = {}) {
    const fine = opts.fineLabel ?? false;
    super(
      "CIFAR100",
      opts,
      [...KEYS, "fineLabel"],
      (r) => withSub([r ?? defaultRoot("cifar100")], cifarFiles(fine, true).sub),
      (roots, train) =>
        readCifar("CIFAR100", roots, cifarFiles(fine, train).files, 2, fine ? 1 : 0),
    );
  }
}
