/**
 * `gluon.data.vision.transforms`: image transforms with MXNet 1.9's semantics. Each is
 * used as `t.forward(img)` on an NDArray, or given to `dataset.transformFirst(t)`, where
 * a DataLoader runs it on host memory (in Web Workers with `numWorkers > 0`).
 *
 * Random transforms draw from `mx.random`'s stream when `forward` is called (in a
 * DataLoader: from a per-batch stream of a seed drawn each epoch), so `mx.random.seed`
 * makes them repeatable.
 * @module
 */
import { asDType, type DType } from "../../../core/dtype.ts";
import { ParamError } from "../../../core/errors.ts";
import { checkOptions, describe } from "../../../core/options.ts";
import { push } from "../../../engine/engine.ts";
import { NDArray } from "../../../ndarray/ndarray.ts";
import { HostArray, type HostData } from "../_host.ts";
import { type Planner, planner, type TransformSpec } from "./_pipeline.ts";

/** An image size: one number (a square) or `[width, height]`. */
export type Size = number | readonly [number, number];

/** Interpolation: 0 nearest neighbour, 1 bilinear (OpenCV's codes; 2-4 are not implemented). */
export type Interpolation = number;

/**
 * The base of the built-in transforms: a name and arguments (which a DataLoader worker
 * rebuilds it from) and `forward`.
 */
export class Transform {
  /**
   * @internal The transform as data; undefined when it wraps code a worker cannot rebuild.
   * @ignore
   */
  readonly _spec: TransformSpec | undefined;
  /**
   * @internal Plans it for an input (undefined with `_spec`).
   * @ignore
   */
  readonly _planner: Planner | undefined;

  /** @internal Use the subclasses. */
  constructor(spec: TransformSpec | undefined) {
    this._spec = spec;
    this._planner = spec ? planner(spec) : undefined;
  }

  /**
   * Applies the transform to an NDArray (any device) and returns a new NDArray. Shapes and
   * dtypes are checked, and random parameters drawn, now; the pixels are computed when
   * the input is ready, as for any operator.
   */
  forward(x: NDArray): NDArray {
    const name = this.constructor.name;
    if (!(x instanceof NDArray)) {
      throw new ParamError(`${name}.forward: expected an NDArray, got ${describe(x)}`);
    }
    const step = this._planner!(x.shape, x.dtype);
    const out = NDArray._alloc(step.shape, step.dtype, x.context);
    const src = x._storage(name), dst = out._storage(name);
    const run = (data: unknown) => {
      const y = step.run(new HostArray(data as HostData, x.shape, x.dtype));
      dst.backend.write(dst.buf, y.data);
    };
    const readSync = src.backend.readSync;
    push(
      name,
      readSync
        ? () => run(readSync.call(src.backend, src.buf))
        : async () => run(await src.backend.read(src.buf)),
      [src.var],
      [dst.var],
    );
    return out;
  }

  /** The transform and its arguments, as MXNet prints a block. */
  toString(): string {
    return `${this.constructor.name}(${this._spec ? JSON.stringify(this._spec.args) : ""})`;
  }
}

/** What Compose chains: transforms, blocks, or functions of one NDArray. */
export type TransformLike =
  | Transform
  | { forward(x: NDArray): NDArray }
  | ((x: NDArray) => NDArray);

/**
 * Applies transforms in order. When every one is a built-in transform, the composition
 * runs in DataLoader workers too.
 * @example
 * ```ts
 * import * as mx from "../../../../mod.ts";
 * import { Compose, Normalize, ToTensor } from "./transforms.ts";
 * const t = new Compose([new ToTensor(), new Normalize(0.5, 0.5)]);
 * const img = mx.nd.array(new Uint8Array([0, 255, 51, 102]), { shape: [2, 2, 1] });
 * console.log(await t.forward(img).array()); // [[[-1, 1], [-0.6, -0.2]]] (about)
 * ```
 */
export class Compose extends Transform {
  readonly #items: readonly TransformLike[];
  /** Composes `transforms`. */
  constructor(transforms: readonly TransformLike[]) {
    if (!Array.isArray(transforms)) {
      throw new ParamError(`Compose: expected an array of transforms, got ${describe(transforms)}`);
    }
    for (const [k, t] of transforms.entries()) {
      if (typeof t !== "function" && !(t && typeof t.forward === "function")) {
        throw new ParamError(
          `Compose: transforms[${k}] is ${
            describe(t)
          }; expected a transform, a block or a function`,
        );
      }
    }
    const all = transforms.every((t) => t instanceof Transform && t._spec);
    super(
      all
        ? { name: "Compose", args: { transforms: transforms.map((t) => (t as Transform)._spec) } }
        : undefined,
    );
    this.#items = [...transforms];
  }
  /** See Transform. */
  override forward(x: NDArray): NDArray {
    if (this._planner) return super.forward(x);
    return this.#items.reduce(
      (v: NDArray, t) => (typeof t === "function" ? t(v) : t.forward(v)),
      x,
    );
  }
}

/** Compose under MXNet 2's name for a composition of hybridizable transforms. */
export class HybridCompose extends Compose {}

function nonNegative(where: string, name: string, v: unknown): number {
  if (typeof v !== "number" || !(v >= 0)) {
    throw new ParamError(`${where}: ${name} must be a non-negative number, got ${describe(v)}`);
  }
  return v;
}

function checkSize(where: string, size: unknown): number | [number, number] {
  const ok = (v: unknown) => typeof v === "number" && Number.isInteger(v) && v > 0;
  if (ok(size)) return size as number;
  if (Array.isArray(size) && size.length === 2 && size.every(ok)) return [size[0], size[1]];
  throw new ParamError(
    `${where}: size must be a positive integer or [width, height], got ${describe(size)}`,
  );
}

function checkInterpolation(where: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isInteger(v)) {
    throw new ParamError(`${where}: interpolation must be an integer code, got ${describe(v)}`);
  }
  return v;
}

function pair(where: string, name: string, v: unknown): [number, number] {
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === "number" && x > 0)) {
    return [v[0], v[1]];
  }
  throw new ParamError(`${where}: ${name} must be two positive numbers, got ${describe(v)}`);
}

/** Casts to `dtype` (float32 by default). */
export class Cast extends Transform {
  /** Casts to `dtype`. */
  constructor(dtype: DType = "float32") {
    super({ name: "Cast", args: { dtype: asDType(dtype, "Cast: dtype") } });
  }
}

/**
 * (H, W, C) image(s) in [0, 255] -> (C, H, W) float32 in [0, 1] (each value / 255); a
 * batch (N, H, W, C) -> (N, C, H, W).
 */
export class ToTensor extends Transform {
  /** See the class. */
  constructor() {
    super({ name: "ToTensor", args: {} });
  }
}

/**
 * `(x[c] - mean[c]) / std[c]` for each channel of a (C, H, W) or (N, C, H, W) tensor, in
 * float32; one number applies to every channel.
 */
export class Normalize extends Transform {
  /** Normalizes with `mean` and `std` (one number, or one per channel). */
  constructor(mean: number | readonly number[] = 0, std: number | readonly number[] = 1) {
    const list = (name: string, v: unknown) => {
      const a = typeof v === "number" ? [v] : v;
      if (!Array.isArray(a) || a.length === 0 || !a.every((x) => typeof x === "number")) {
        throw new ParamError(`Normalize: ${name} must be a number or numbers, got ${describe(v)}`);
      }
      return a as number[];
    };
    super({ name: "Normalize", args: { mean: list("mean", mean), std: list("std", std) } });
  }
}

/** Options of {@link Resize}. */
export interface ResizeOptions {
  /** With an integer size: resize the short edge to it, keeping the aspect ratio (false). */
  keepRatio?: boolean;
  /** 1 bilinear (default) or 0 nearest. */
  interpolation?: Interpolation;
}

/**
 * Resizes (H, W, C) image(s) or a (N, H, W, C) batch to `size` (`[width, height]`, or a
 * square) with OpenCV's bilinear interpolation (pixel centres aligned, borders
 * replicated; uint8 through OpenCV's 11-bit fixed-point weights), as MXNet does. Apply it
 * before ToTensor.
 */
export class Resize extends Transform {
  /** Resizes to `size`. */
  constructor(size: Size, opts: ResizeOptions = {}) {
    checkOptions("Resize", opts, ["keepRatio", "interpolation"]);
    const interpolation = checkInterpolation("Resize", opts.interpolation ?? 1);
    super({
      name: "Resize",
      args: { size: checkSize("Resize", size), keepRatio: !!opts.keepRatio, interpolation },
    });
  }
}

/** Options of {@link CenterCrop}. */
export interface CenterCropOptions {
  /** For the resize when the image is smaller than `size`: 1 bilinear (default), 0 nearest. */
  interpolation?: Interpolation;
}

/**
 * Crops the centre `size` (`[width, height]` or a square) of an (H, W, C) image; an image
 * smaller than that is cropped to its aspect ratio and resized up.
 */
export class CenterCrop extends Transform {
  /** Crops to `size`. */
  constructor(size: Size, opts: CenterCropOptions = {}) {
    checkOptions("CenterCrop", opts, ["interpolation"]);
    super({
      name: "CenterCrop",
      args: {
        size: checkSize("CenterCrop", size),
        interpolation: checkInterpolation("CenterCrop", opts.interpolation ?? 1),
      },
    });
  }
}

/** Options of {@link RandomResizedCrop}. */
export interface RandomResizedCropOptions {
  /** Range of the crop's area as a fraction of the image's ([0.08, 1]). */
  scale?: readonly [number, number];
  /** Range of the crop's aspect ratio w/h ([3/4, 4/3]), drawn log-uniformly. */
  ratio?: readonly [number, number];
  /** 1 bilinear (default) or 0 nearest. */
  interpolation?: Interpolation;
}

/**
 * Crops a random area and aspect ratio of an (H, W, C) image and resizes it to `size`;
 * after 10 draws that do not fit, a centre crop.
 */
export class RandomResizedCrop extends Transform {
  /** Random crops resized to `size`. */
  constructor(size: Size, opts: RandomResizedCropOptions = {}) {
    const where = "RandomResizedCrop";
    checkOptions(where, opts, ["scale", "ratio", "interpolation"]);
    super({
      name: where,
      args: {
        size: checkSize(where, size),
        scale: pair(where, "scale", opts.scale ?? [0.08, 1]),
        ratio: pair(where, "ratio", opts.ratio ?? [3 / 4, 4 / 3]),
        interpolation: checkInterpolation(where, opts.interpolation ?? 1),
      },
    });
  }
}

/** Mirrors an (H, W, C) image left to right with probability 1/2. */
export class RandomFlipLeftRight extends Transform {
  /** See the class. */
  constructor() {
    super({ name: "RandomFlipLeftRight", args: {} });
  }
}

/** Mirrors an (H, W, C) image top to bottom with probability 1/2. */
export class RandomFlipTopBottom extends Transform {
  /** See the class. */
  constructor() {
    super({ name: "RandomFlipTopBottom", args: {} });
  }
}

/** Multiplies pixels by a factor drawn from [max(0, 1 - brightness), 1 + brightness]. */
export class RandomBrightness extends Transform {
  /** See the class. */
  constructor(brightness: number) {
    super({
      name: "RandomBrightness",
      args: { amount: nonNegative("RandomBrightness", "brightness", brightness) },
    });
  }
}

/**
 * Blends with the image's mean luma by a factor drawn from
 * [max(0, 1 - contrast), 1 + contrast].
 */
export class RandomContrast extends Transform {
  /** See the class. */
  constructor(contrast: number) {
    super({
      name: "RandomContrast",
      args: { amount: nonNegative("RandomContrast", "contrast", contrast) },
    });
  }
}

/**
 * Blends each pixel with its luma by a factor drawn from
 * [max(0, 1 - saturation), 1 + saturation].
 */
export class RandomSaturation extends Transform {
  /** See the class. */
  constructor(saturation: number) {
    super({
      name: "RandomSaturation",
      args: { amount: nonNegative("RandomSaturation", "saturation", saturation) },
    });
  }
}

/**
 * Rotates hue (in HLS) by `alpha * 360` degrees, alpha drawn from
 * [max(0, 1 - hue), 1 + hue] as MXNet's RandomHue does.
 */
export class RandomHue extends Transform {
  /** See the class. */
  constructor(hue: number) {
    super({ name: "RandomHue", args: { amount: nonNegative("RandomHue", "hue", hue) } });
  }
}

/** Options of {@link RandomColorJitter}. */
export interface ColorJitterOptions {
  /** Brightness factor 1 + U(-b, b) (0: none). */
  brightness?: number;
  /** Contrast factor 1 + U(-c, c) (0: none). */
  contrast?: number;
  /** Saturation factor 1 + U(-s, s) (0: none). */
  saturation?: number;
  /** Hue rotation U(-h, h) turns (0: none). */
  hue?: number;
}

/** Brightness, contrast, saturation and hue jitter, applied in a random order. */
export class RandomColorJitter extends Transform {
  /** See the class. */
  constructor(opts: ColorJitterOptions = {}) {
    const where = "RandomColorJitter";
    checkOptions(where, opts, ["brightness", "contrast", "saturation", "hue"]);
    super({
      name: where,
      args: {
        brightness: nonNegative(where, "brightness", opts.brightness ?? 0),
        contrast: nonNegative(where, "contrast", opts.contrast ?? 0),
        saturation: nonNegative(where, "saturation", opts.saturation ?? 0),
        hue: nonNegative(where, "hue", opts.hue ?? 0),
      },
    });
  }
}

/** AlexNet's PCA lighting noise: the ImageNet RGB eigenvectors times N(0, alpha) weights. */
export class RandomLighting extends Transform {
  /** See the class. */
  constructor(alpha: number) {
    super({
      name: "RandomLighting",
      args: { alpha: nonNegative("RandomLighting", "alpha", alpha) },
    });
  }
}
