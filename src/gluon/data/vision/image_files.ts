/**
 * `gluon.data.vision.ImageFolderDataset` and `ImageListDataset`: images stored as files
 * (JPEG or PNG), decoded on access as `mx.image.imread` does.
 * @module
 */
import { FileNotFoundError, FormatError, MXNetError, ParamError } from "../../../core/errors.ts";
import { checkOptions } from "../../../core/options.ts";
import type { NDArray } from "../../../ndarray/ndarray.ts";
import { decodeImage } from "../../../image/codec.ts";
import { convertPixels } from "../../../image/image.ts";
import { checkIndex, HostArray } from "../_host.ts";
import { callFn, Dataset, type ModuleSpec, toPublic } from "../dataset.ts";
import { expandUser } from "./_files.ts";

/** Options of the image file datasets. */
export interface ImageFileOptions {
  /** 1 (default): RGB `[H, W, 3]`; 0: gray `[H, W, 1]`. */
  flag?: 0 | 1;
  /** Called with `(image, label)`; its result is the sample (keeps loading on the main thread). */
  transform?: (image: NDArray, label: number | Float32Array) => unknown;
}

/** One image file and its label (a number, or several as a Float32Array). */
type Item = readonly [string, number | Float32Array];

/** What both datasets share: a list of (path, label) decoded on access. */
abstract class ImageFileDataset extends Dataset<[NDArray, number]> {
  /** `[path, label]` per sample. */
  readonly items: readonly Item[];
  readonly #flag: 0 | 1;
  readonly #transform: ImageFileOptions["transform"];

  constructor(name: string, items: Item[], opts: ImageFileOptions) {
    super();
    checkOptions(name, opts, ["flag", "transform"]);
    const flag = opts.flag ?? 1;
    if (flag !== 0 && flag !== 1) {
      throw new ParamError(`${name}: flag must be 1 (color) or 0 (gray), got ${flag}`);
    }
    if (opts.transform !== undefined && typeof opts.transform !== "function") {
      throw new ParamError(`${name}: transform must be a function (image, label)`);
    }
    this.items = items;
    this.#flag = flag;
    this.#transform = opts.transform;
  }

  /** Number of images. */
  get length(): number {
    return this.items.length;
  }

  /** `[image, label]` (image uint8 HWC RGB), or the transform's result. */
  at(i: number): [NDArray, number] {
    return toPublic(this._item(i)) as [NDArray, number];
  }

  /**
   * @internal The sample in host form.
   * @ignore
   */
  override _item(i: number): unknown {
    const [path, label] = this.items[checkIndex(i, this.length, `${this.constructor.name}.at`)];
    let bytes: Uint8Array;
    try {
      bytes = Deno.readFileSync(path);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) {
        throw new FileNotFoundError(this.constructor.name, path, { cause: e });
      }
      throw new MXNetError(
        `${this.constructor.name}: cannot read ${path}: ${(e as Error).message}`,
      );
    }
    const px = decodeImage(bytes, `${this.constructor.name}: ${path}`);
    const channels = this.#flag === 1 ? 3 : 1;
    const image = new HostArray(
      convertPixels(px, channels, false),
      [px.height, px.width, channels],
      "uint8",
    );
    const l = typeof label === "number" ? label : new HostArray(label, [label.length], "float32");
    return this.#transform
      ? callFn(this.#transform, toPublic([image, l]) as unknown[])
      : [image, l];
  }

  /** The flag, for workerSpec. */
  protected get flag(): 0 | 1 {
    return this.#flag;
  }

  /** True when a transform function was given (workers cannot rebuild it). */
  protected get hasTransform(): boolean {
    return this.#transform !== undefined;
  }
}

const EXTS = [".jpg", ".jpeg", ".png"];

function isImage(name: string): boolean {
  const dot = name.lastIndexOf(".");
  return dot >= 0 && EXTS.includes(name.slice(dot).toLowerCase());
}

function sortedNames(dir: string, where: string): Deno.DirEntry[] {
  try {
    return [...Deno.readDirSync(dir)].sort((
      a,
      b,
    ) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new FileNotFoundError(where, dir, { cause: e });
    throw new MXNetError(`${where}: cannot list ${dir}: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Images in class folders, `root/<class>/<image>` (MXNet's
 * `gluon.data.vision.ImageFolderDataset`): labels follow the sorted folder names
 * (`synsets`); files other than .jpg, .jpeg and .png, and files directly in `root`, are
 * skipped.
 */
export class ImageFolderDataset extends ImageFileDataset {
  /** The root folder. */
  readonly root: string;
  /** Class names (folder names), index = label. */
  readonly synsets: readonly string[];

  /** Lists `root` now; images are read on access. */
  constructor(root: string, opts: ImageFileOptions = {}) {
    const dir = expandUser(root).replace(/\/$/, "");
    const synsets: string[] = [];
    const items: Item[] = [];
    for (const folder of sortedNames(dir, "ImageFolderDataset")) {
      if (!folder.isDirectory) continue;
      const label = synsets.length;
      synsets.push(folder.name);
      for (const f of sortedNames(`${dir}/${folder.name}`, "ImageFolderDataset")) {
        if (f.isFile && isImage(f.name)) items.push([`${dir}/${folder.name}/${f.name}`, label]);
      }
    }
    super("ImageFolderDataset", items, opts);
    this.root = dir;
    this.synsets = synsets;
  }

  /** DataLoader workers rebuild the dataset from its root (not with a transform). */
  override workerSpec(): ModuleSpec | undefined {
    if (this.hasTransform) return undefined;
    return {
      module: import.meta.url,
      export: "ImageFolderDataset",
      args: [this.root, { flag: this.flag }],
    };
  }
}

/** An image list: a `.lst` file (`index\tlabel(s)\tpath`) or `[label(s), path]` entries. */
export type ImageList = string | readonly (readonly [number | readonly number[], string])[];

function readImageList(list: ImageList, root: string): Item[] {
  const entry = (labels: number[], path: string): Item => [
    `${root}/${path}`,
    labels.length === 1 ? labels[0] : Float32Array.from(labels),
  ];
  if (typeof list !== "string") {
    return list.map(([label, path]) =>
      entry(typeof label === "number" ? [label] : [...label], path)
    );
  }
  const text = Deno.readTextFileSync(list);
  const items: Item[] = [];
  text.split("\n").forEach((line, n) => {
    if (line.trim() === "") return;
    const f = line.trim().split("\t");
    const labels = f.slice(1, -1).map(Number);
    if (f.length < 3 || labels.some(Number.isNaN)) {
      throw new FormatError(
        `ImageListDataset: ${list} line ${n + 1} is not "index\\tlabel(s)\\tpath"`,
      );
    }
    items.push(entry(labels, f[f.length - 1]));
  });
  return items;
}

/**
 * Images named by a list (MXNet's `gluon.data.vision.ImageListDataset`): a `.lst` file or
 * `[label(s), path]` entries, paths relative to `root`.
 */
export class ImageListDataset extends ImageFileDataset {
  /** The folder the paths are relative to. */
  readonly root: string;
  readonly #list: ImageList;

  /** Reads the list now; images are read on access. */
  constructor(root = ".", imglist: ImageList, opts: ImageFileOptions = {}) {
    const dir = expandUser(root).replace(/\/$/, "");
    super("ImageListDataset", readImageList(imglist, dir), opts);
    this.root = dir;
    this.#list = imglist;
  }

  /** DataLoader workers rebuild the dataset from its root and list (not with a transform). */
  override workerSpec(): ModuleSpec | undefined {
    if (this.hasTransform) return undefined;
    return {
      module: import.meta.url,
      export: "ImageListDataset",
      args: [this.root, this.#list, { flag: this.flag }],
    };
  }
}
