/**
 * Image augmenters of `mx.image` (MXNet's `Augmenter` classes): each maps an HWC image
 * NDArray to a new one; `CreateAugmenter` builds MXNet's default list.
 * @module
 */
import { ParamError, UnsupportedError } from "../core/errors.ts";
import { checkOptions } from "../core/options.ts";
import { array } from "../ndarray/creation.ts";
import type { NDArray } from "../ndarray/ndarray.ts";
import { flip } from "../ndarray/ops.ts";
import {
  centerCrop,
  colorNormalize,
  imresize,
  randomCrop,
  resizeShort,
  resolveInterp,
} from "./image.ts";

/** The base of the augmenters: `call(src)` returns the augmented image (a new NDArray). */
export abstract class Augmenter {
  /** Augments `src` (HWC); the caller keeps ownership of `src`. */
  abstract call(src: NDArray): NDArray;

  /** `[name, parameters]` as JSON (MXNet's `dumps`). */
  dumps(): string {
    const params: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this)) params[k] = v;
    return JSON.stringify([this.constructor.name.toLowerCase(), params]);
  }
}

function positive(v: number, what: string, where: string): number {
  if (!Number.isInteger(v) || v <= 0) {
    throw new ParamError(`${where}: ${what} must be a positive integer, got ${v}`);
  }
  return v;
}

function checkWH(size: readonly number[], where: string): [number, number] {
  if (!Array.isArray(size) || size.length !== 2) {
    throw new ParamError(`${where}: size must be [width, height], got ${JSON.stringify(size)}`);
  }
  return [positive(size[0], "width", where), positive(size[1], "height", where)];
}

/** Resizes the shorter side to `size` (MXNet's `ResizeAug`). */
export class ResizeAug extends Augmenter {
  /** Creates the augmenter; `interp` as `imresize` (2, area). */
  constructor(readonly size: number, readonly interp = 2) {
    super();
    positive(size, "size", "ResizeAug");
  }
  /** See the class. */
  call(src: NDArray): NDArray {
    return resizeShort(src, this.size, this.interp);
  }
}

/** Resizes to exactly `size = [width, height]` (MXNet's `ForceResizeAug`). */
export class ForceResizeAug extends Augmenter {
  /** The target `[width, height]`. */
  readonly size: [number, number];
  /** Creates the augmenter; `interp` as `imresize` (2, area). */
  constructor(size: readonly [number, number], readonly interp = 2) {
    super();
    this.size = checkWH(size, "ForceResizeAug");
  }
  /** See the class. */
  call(src: NDArray): NDArray {
    const [w, h] = this.size;
    return imresize(src, w, h, resolveInterp(this.interp, src.shape[0], src.shape[1], h, w));
  }
}

/** A random crop with the aspect ratio of `size`, resized to it (MXNet's `RandomCropAug`). */
export class RandomCropAug extends Augmenter {
  /** The output `[width, height]`. */
  readonly size: [number, number];
  /** Creates the augmenter; `interp` as `imresize` (2, area). */
  constructor(size: readonly [number, number], readonly interp = 2) {
    super();
    this.size = checkWH(size, "RandomCropAug");
  }
  /** See the class. */
  call(src: NDArray): NDArray {
    return randomCrop(src, this.size, this.interp)[0];
  }
}

/** The centre crop with the aspect ratio of `size`, resized to it (`CenterCropAug`). */
export class CenterCropAug extends Augmenter {
  /** The output `[width, height]`. */
  readonly size: [number, number];
  /** Creates the augmenter; `interp` as `imresize` (2, area). */
  constructor(size: readonly [number, number], readonly interp = 2) {
    super();
    this.size = checkWH(size, "CenterCropAug");
  }
  /** See the class. */
  call(src: NDArray): NDArray {
    return centerCrop(src, this.size, this.interp)[0];
  }
}

/** Flips left-right with probability `p` (MXNet's `HorizontalFlipAug`). */
export class HorizontalFlipAug extends Augmenter {
  /** Creates the augmenter. */
  constructor(readonly p: number) {
    super();
    if (!(p >= 0 && p <= 1)) {
      throw new ParamError(`HorizontalFlipAug: p must be in [0, 1], got ${p}`);
    }
  }
  /** See the class. */
  call(src: NDArray): NDArray {
    return Math.random() < this.p ? flip(src, 1) : src.copy();
  }
}

/** Casts to `typ` (MXNet's `CastAug`, float32 by default). */
export class CastAug extends Augmenter {
  /** Creates the augmenter. */
  constructor(readonly typ: "float32" | "float64" | "float16" = "float32") {
    super();
  }
  /** See the class. */
  call(src: NDArray): NDArray {
    return src.astype(this.typ);
  }
}

/** `(src - mean) / std` (MXNet's `ColorNormalizeAug`). */
export class ColorNormalizeAug extends Augmenter {
  /** Creates the augmenter; `mean`/`std` broadcast over the channels. */
  constructor(readonly mean: NDArray | null, readonly std: NDArray | null) {
    super();
  }
  /** See the class. */
  call(src: NDArray): NDArray {
    return colorNormalize(src, this.mean, this.std);
  }
}

/** Options of {@link CreateAugmenter} (MXNet's keyword arguments in camelCase). */
export interface CreateAugmenterOptions {
  /** Resize the shorter side to this first (0: no). */
  resize?: number;
  /** Random crop instead of the centre crop. */
  randCrop?: boolean;
  /** Mirror half of the images. */
  randMirror?: boolean;
  /** Per-channel mean: `true` for ImageNet's (123.68, 116.28, 103.53), or the values. */
  mean?: boolean | readonly number[] | NDArray | null;
  /** Per-channel std: `true` for ImageNet's (58.395, 57.12, 57.375), or the values. */
  std?: boolean | readonly number[] | NDArray | null;
  /** Interpolation of resizes (2, area). */
  interMethod?: number;
  /** Not available yet (MXNet's RandomSizedCropAug). */
  randResize?: boolean;
  /** Not available yet (colour jitter). */
  brightness?: number;
  /** Not available yet (colour jitter). */
  contrast?: number;
  /** Not available yet (colour jitter). */
  saturation?: number;
  /** Not available yet (hue jitter). */
  hue?: number;
  /** Not available yet (lighting noise). */
  pcaNoise?: number;
  /** Not available yet (random gray). */
  randGray?: number;
}

/**
 * The keys of {@link CreateAugmenterOptions}.
 * @ignore
 */
export const CREATE_AUGMENTER_KEYS = [
  "resize",
  "randCrop",
  "randMirror",
  "mean",
  "std",
  "interMethod",
  "randResize",
  "brightness",
  "contrast",
  "saturation",
  "hue",
  "pcaNoise",
  "randGray",
];

const NOT_YET = [
  "randResize",
  "brightness",
  "contrast",
  "saturation",
  "hue",
  "pcaNoise",
  "randGray",
];

function channelValues(
  v: CreateAugmenterOptions["mean"],
  imagenet: number[],
  what: string,
): NDArray | null {
  if (v === undefined || v === null || v === false) return null;
  if (v === true) return array(imagenet);
  if (Array.isArray(v)) {
    if (v.length !== 1 && v.length !== 3) {
      throw new ParamError(`CreateAugmenter: ${what} must have 1 or 3 values, got ${v.length}`);
    }
    return array(v as number[]);
  }
  return v as NDArray;
}

/**
 * MXNet's default augmenter list for `dataShape = [channels, height, width]`: optional
 * resize of the short side, a random or centre crop to the data shape, optional mirror,
 * a cast to float32 and, with `mean`/`std`, normalisation.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const augs = mx.image.CreateAugmenter([3, 4, 4], { resize: 6, randMirror: true, mean: true });
 * console.log(augs.map((a) => a.constructor.name));
 * // ["ResizeAug", "CenterCropAug", "HorizontalFlipAug", "CastAug", "ColorNormalizeAug"]
 * ```
 */
export function CreateAugmenter(
  dataShape: readonly [number, number, number],
  opts: CreateAugmenterOptions = {},
): Augmenter[] {
  checkOptions("CreateAugmenter", opts, CREATE_AUGMENTER_KEYS);
  for (const key of NOT_YET) {
    const v = (opts as Record<string, unknown>)[key];
    if (v !== undefined && v !== 0 && v !== false) {
      throw new UnsupportedError(`CreateAugmenter: ${key} is not available yet`);
    }
  }
  if (!Array.isArray(dataShape) || dataShape.length !== 3) {
    throw new ParamError(
      `CreateAugmenter: dataShape must be [channels, height, width], got ${
        JSON.stringify(dataShape)
      }`,
    );
  }
  const interp = opts.interMethod ?? 2;
  const list: Augmenter[] = [];
  if ((opts.resize ?? 0) > 0) list.push(new ResizeAug(opts.resize!, interp));
  const crop: [number, number] = [dataShape[2], dataShape[1]];
  list.push(opts.randCrop ? new RandomCropAug(crop, interp) : new CenterCropAug(crop, interp));
  if (opts.randMirror) list.push(new HorizontalFlipAug(0.5));
  list.push(new CastAug());
  const mean = channelValues(opts.mean, [123.68, 116.28, 103.53], "mean");
  const std = channelValues(opts.std, [58.395, 57.12, 57.375], "std");
  if (mean !== null || std !== null) list.push(new ColorNormalizeAug(mean, std));
  return list;
}
