/**
 * The image transforms as plans over host arrays: checks, random parameters and geometry
 * as MXNet 1.9's (python/mxnet/gluon/data/vision/transforms.py, mxnet/image/image.py),
 * the arithmetic in _kernels.ts.
 *
 * A transform is described by a {@link TransformSpec} (a name and JSON-able arguments), so
 * a DataLoader worker can rebuild it. {@link planner} turns a spec into a function that,
 * given the input's shape and dtype, validates them, draws the transform's random numbers
 * and returns the output's shape and dtype with the function computing it: the public
 * `forward(NDArray)` needs the output shape (and the draws, in call order) before the data.
 *
 * Pure: no NDArray, no backend (workers load this module alone).
 * @module
 */
import type { DType } from "../../../core/dtype.ts";
import { DTypeError, ParamError, ShapeError, UnsupportedError } from "../../../core/errors.ts";
import { allocHost, type HostArray, type HostData, type Runnable } from "../_host.ts";
import {
  brightness,
  cast,
  contrast,
  crop,
  flip,
  hue,
  lighting,
  normalizeInto,
  resize,
  saturation,
  toTensorInto,
} from "./_kernels.ts";
import { rng } from "../_rng.ts";

/** A transform as data: its class name and constructor arguments. */
export interface TransformSpec {
  readonly name: string;
  readonly args: Readonly<Record<string, unknown>>;
}

/** A transform planned for one input: the output's shape and dtype, and how to compute it. */
export interface Step extends Runnable {
  readonly shape: readonly number[];
  readonly dtype: DType;
}

/** Plans a transform for an input of `shape` and `dtype`, drawing its random numbers now. */
export type Planner = (shape: readonly number[], dtype: DType) => Step;

const fr = Math.fround;

// ---------------------------------------------------------------------------------------
// Checks

function imageDims(name: string, shape: readonly number[], batch: boolean): void {
  if (shape.length === 3 || (batch && shape.length === 4)) return;
  const want = batch
    ? "an image (H, W, C) or a batch of images (N, H, W, C)"
    : "an image (H, W, C)";
  throw new ShapeError(`${name}: expected ${want}, got shape [${shape}]`);
}

function oneOrThreeChannels(name: string, shape: readonly number[]): void {
  const c = shape[shape.length - 1];
  if (c !== 1 && c !== 3) {
    throw new ShapeError(
      `${name}: the last axis of an image (H, W, C) must be 1 or 3 channels, got shape [${shape}]`,
    );
  }
}

function hostDType(name: string, dtype: DType, allowed?: readonly DType[]): void {
  const ok = allowed ?? ["float32", "float64", "float16", "uint8", "int32", "int8"];
  if (!ok.includes(dtype)) {
    throw new DTypeError(`${name}: ${dtype} input is not supported; expected ${ok.join(", ")}`);
  }
}

function same(
  shape: readonly number[],
  dtype: DType,
  run: (x: HostArray) => HostArray,
  into?: (x: HostArray, out: HostData, offset: number) => void,
): Step {
  return { shape, dtype, run, into };
}

/** The Step of a kernel that writes into a given array: `run` allocates, `into` does not. */
function writing(
  shape: readonly number[],
  dtype: DType,
  into: (x: HostArray, out: HostData, offset: number) => void,
): Step {
  return same(shape, dtype, (x) => {
    const out = allocHost(shape, dtype);
    into(x, out.data, 0);
    return out;
  }, into);
}

// ---------------------------------------------------------------------------------------
// Planners: one per transform class

const INTERP_NAMES = ["nearest", "bilinear", "bicubic", "area", "lanczos"];

function checkInterp(name: string, interp: unknown): 0 | 1 {
  if (interp === 0 || interp === 1) return interp;
  const what = typeof interp === "number" && INTERP_NAMES[interp]
    ? `${interp} (${INTERP_NAMES[interp]})`
    : JSON.stringify(interp);
  throw new UnsupportedError(
    `${name}: interpolation ${what} is not implemented; use 0 (nearest) or 1 (bilinear)`,
  );
}

/** (width, height) of a size argument: an int is square. */
function sizeWH(size: unknown): [number, number] {
  return typeof size === "number" ? [size, size] : [(size as number[])[0], (size as number[])[1]];
}

/** mx.image.scale_down: shrinks a (w, h) crop to fit the image, keeping its aspect ratio. */
function scaleDown(sw: number, sh: number, w: number, h: number): [number, number] {
  if (sh < h) [w, h] = [(w * sh) / h, sh];
  if (sw < w) [w, h] = [sw, (h * sw) / w];
  return [Math.trunc(w), Math.trunc(h)];
}

/** Python's round(): halves to even. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** mx.image.fixed_crop: crop, then resize to `size` when the crop differs from it. */
function fixedCrop(
  shape: readonly number[],
  dtype: DType,
  box: [number, number, number, number],
  size: [number, number],
  interp: 0 | 1,
): Step {
  const [x0, y0, w, h] = box;
  const outShape = [size[1], size[0], shape[2]];
  return same(outShape, dtype, (x) => {
    const c = crop(x, x0, y0, w, h);
    return w === size[0] && h === size[1] ? c : resize(c, size[0], size[1], interp);
  });
}

type Args = Readonly<Record<string, unknown>>;

const PLANNERS: Record<string, (a: Args) => Planner> = {
  Compose: (a) => {
    const specs = a.transforms as TransformSpec[], steps: Planner[] = [];
    for (let i = 0; i < specs.length; i++) {
      // ToTensor then Normalize, the usual pair, in one pass with the same arithmetic.
      if (specs[i].name === "ToTensor" && specs[i + 1]?.name === "Normalize") {
        steps.push(toTensorNormalize(specs[++i].args));
      } else {
        steps.push(planner(specs[i]));
      }
    }
    return (shape, dtype) => {
      const planned: Step[] = [];
      for (const p of steps) {
        const s = p(shape, dtype);
        planned.push(s);
        shape = s.shape, dtype = s.dtype;
      }
      const last = planned[planned.length - 1], head = planned.slice(0, -1);
      const before = head.length === 0
        ? (x: HostArray) => x
        : (x: HostArray) => head.reduce((v, s) => s.run(v), x);
      return same(
        shape,
        dtype,
        (x) => planned.reduce((v, s) => s.run(v), x),
        last?.into ? (x, out, at) => last.into!(before(x), out, at) : undefined,
      );
    };
  },
  Cast: (a) => (shape, dtype) => {
    hostDType("Cast", dtype);
    const to = a.dtype as DType;
    hostDType("Cast", to);
    return same(shape, to, (x) => cast(x, to));
  },
  ToTensor: () => (shape, dtype) => {
    imageDims("ToTensor", shape, true);
    hostDType("ToTensor", dtype);
    const s = shape.length === 4
      ? [shape[0], shape[3], shape[1], shape[2]]
      : [shape[2], shape[0], shape[1]];
    return writing(s, "float32", toTensorInto);
  },
  Normalize: (a) => {
    const mean = Float32Array.from(a.mean as number[]), std = Float32Array.from(a.std as number[]);
    return (shape, dtype) => {
      if (shape.length !== 3 && shape.length !== 4) {
        throw new ShapeError(
          `Normalize: expected a tensor (C, H, W) or (N, C, H, W), got shape [${shape}]; ` +
            `apply ToTensor first`,
        );
      }
      hostDType("Normalize", dtype, ["float32", "float64", "float16"]);
      const c = shape[shape.length - 3];
      for (const [what, v] of [["mean", mean], ["std", std]] as const) {
        if (v.length !== 1 && v.length !== c) {
          throw new ShapeError(
            `Normalize: ${what} has ${v.length} values but the input (shape [${shape}]) has ` +
              `${c} channels; give 1 or ${c}`,
          );
        }
      }
      return writing(shape, dtype, (x, out, at) => normalizeInto(x, mean, std, out, at));
    };
  },
  Resize: (a) => {
    const interp = checkInterp("Resize", a.interpolation);
    return (shape, dtype) => {
      imageDims("Resize", shape, true);
      hostDType("Resize", dtype, ["uint8", "float32", "float64"]);
      const [H, W] = shape.slice(-3);
      let w: number, h: number;
      if (typeof a.size === "number" && a.keepRatio) {
        // The short edge becomes `size`, the long one keeps the ratio (C integer division).
        if (H > W) w = a.size, h = Math.trunc((H * a.size) / W);
        else h = a.size, w = Math.trunc((W * a.size) / H);
      } else {
        [w, h] = sizeWH(a.size);
      }
      const out = shape.length === 4 ? [shape[0], h, w, shape[3]] : [h, w, shape[2]];
      return same(out, dtype, (x) => resize(x, w, h, interp));
    };
  },
  CenterCrop: (a) => {
    const interp = checkInterp("CenterCrop", a.interpolation);
    const size = sizeWH(a.size);
    return (shape, dtype) => {
      imageDims("CenterCrop", shape, false);
      hostDType("CenterCrop", dtype, ["uint8", "float32", "float64"]);
      const [H, W] = shape;
      const [w, h] = scaleDown(W, H, size[0], size[1]);
      const box: [number, number, number, number] = [
        Math.trunc((W - w) / 2),
        Math.trunc((H - h) / 2),
        w,
        h,
      ];
      return fixedCrop(shape, dtype, box, size, interp);
    };
  },
  RandomResizedCrop: (a) => {
    const interp = checkInterp("RandomResizedCrop", a.interpolation);
    const size = sizeWH(a.size), [s0, s1] = a.scale as number[], [r0, r1] = a.ratio as number[];
    return (shape, dtype) => {
      imageDims("RandomResizedCrop", shape, false);
      hostDType("RandomResizedCrop", dtype, ["uint8", "float32", "float64"]);
      const [H, W] = shape, area = H * W;
      for (let attempt = 0; attempt < 10; attempt++) {
        const target = rng.uniform(s0, s1) * area;
        const ratio = Math.exp(rng.uniform(Math.log(r0), Math.log(r1)));
        const w = roundHalfEven(Math.sqrt(target * ratio));
        const h = roundHalfEven(Math.sqrt(target / ratio));
        if (w <= W && h <= H) {
          const x0 = rng.randint(0, W - w), y0 = rng.randint(0, H - h);
          return fixedCrop(shape, dtype, [x0, y0, w, h], size, interp);
        }
      }
      return PLANNERS.CenterCrop({ size: a.size, interpolation: interp })(shape, dtype);
    };
  },
  RandomFlipLeftRight: () => (shape, dtype) => flipPlan("RandomFlipLeftRight", 1, shape, dtype),
  RandomFlipTopBottom: () => (shape, dtype) => flipPlan("RandomFlipTopBottom", 0, shape, dtype),
  RandomBrightness: (a) => enhance("RandomBrightness", a, brightness),
  RandomContrast: (a) => enhance("RandomContrast", a, contrast),
  RandomSaturation: (a) => enhance("RandomSaturation", a, saturation),
  RandomHue: (a) => enhance("RandomHue", a, hue),
  RandomColorJitter: (a) => (shape, dtype) => {
    colorImage("RandomColorJitter", shape, dtype);
    const amounts = [a.brightness, a.contrast, a.saturation, a.hue] as number[];
    const kernels = [brightness, contrast, saturation, hue];
    const order = rng.permutation(4);
    const ops: ((x: HostArray) => HostArray)[] = [];
    for (const k of order) {
      const amt = amounts[k];
      if (!(amt > 0)) continue;
      // As MXNet's kernel: factors 1 + U(-amt, amt), the hue shift U(-amt, amt) itself.
      const f = fr(rng.uniform(-amt, amt)), alpha = k === 3 ? f : fr(1 + f);
      ops.push((x) => kernels[k](x, alpha));
    }
    return same(shape, dtype, (x) => ops.reduce((v, op) => op(v), x));
  },
  RandomLighting: (a) => (shape, dtype) => {
    colorImage("RandomLighting", shape, dtype);
    const std = a.alpha as number;
    const alpha = [rng.normal(0, std), rng.normal(0, std), rng.normal(0, std)];
    return same(shape, dtype, (x) => lighting(x, alpha));
  },
};
PLANNERS.HybridCompose = PLANNERS.Compose;

/**
 * ToTensor followed by Normalize, fused: fround(v / 255) then (x - mean) / std, through a
 * table of the 256 results per channel for uint8 images (the same arithmetic, done once).
 */
function toTensorNormalize(normArgs: Args): Planner {
  const toTensor = PLANNERS.ToTensor({}), norm = PLANNERS.Normalize(normArgs);
  const mean = Float32Array.from(normArgs.mean as number[]);
  const std = Float32Array.from(normArgs.std as number[]);
  const channels = Math.max(mean.length, std.length);
  const value = (v: number, ch: number) =>
    fr(fr(fr(v / 255) - mean[mean.length === 1 ? 0 : ch]) / std[std.length === 1 ? 0 : ch]);
  const lut = new Float32Array(256 * channels).map((_, k) => value(k % 256, k >> 8));
  return (shape, dtype) => {
    const t = toTensor(shape, dtype), n = norm(t.shape, t.dtype);
    // The input's geometry is fixed by the plan: the per-image loop only reads pixels.
    const batch = shape.length === 4 ? shape[0] : 1;
    const [h, w, c] = shape.slice(-3), hw = h * w, size = hw * c;
    const viaTable = dtype === "uint8";
    return writing(n.shape, "float32", (x, dst, at) => {
      const src = x.data;
      for (let b = 0; b < batch; b++) {
        for (let ch = 0; ch < c; ch++) {
          const o = at + b * size + ch * hw, from = b * size + ch;
          if (viaTable) {
            const t = channels === 1 ? 0 : ch * 256;
            for (let i = 0; i < hw; i++) dst[o + i] = lut[t + src[from + i * c]];
          } else {
            for (let i = 0; i < hw; i++) dst[o + i] = value(src[from + i * c], ch);
          }
        }
      }
    });
  };
}

function colorImage(name: string, shape: readonly number[], dtype: DType): void {
  imageDims(name, shape, false);
  oneOrThreeChannels(name, shape);
  hostDType(name, dtype);
}

function flipPlan(name: string, axis: 0 | 1, shape: readonly number[], dtype: DType): Step {
  colorImage(name, shape, dtype);
  // MXNet's kernel keeps the image when its Bernoulli(0.5) draw is true.
  const keep = rng.coin();
  return same(shape, dtype, (x) => (keep ? x : flip(x, axis)));
}

/** Random factor in [max(0, 1 - amount), 1 + amount], as MXNet's Random{Brightness,...}. */
function enhance(
  name: string,
  a: Args,
  kernel: (x: HostArray, alpha: number) => HostArray,
): Planner {
  const amount = a.amount as number;
  return (shape, dtype) => {
    colorImage(name, shape, dtype);
    const alpha = fr(rng.uniform(Math.max(0, 1 - amount), 1 + amount));
    return same(shape, dtype, (x) => kernel(x, alpha));
  };
}

/** Transforms that draw no random numbers: their plan depends on the input's shape alone. */
const DETERMINISTIC = new Set(["Cast", "ToTensor", "Normalize", "Resize", "CenterCrop"]);

function deterministic(spec: TransformSpec): boolean {
  if (spec.name === "Compose" || spec.name === "HybridCompose") {
    return (spec.args.transforms as TransformSpec[]).every(deterministic);
  }
  return DETERMINISTIC.has(spec.name);
}

/**
 * Reuses the last plan while the input's shape and dtype repeat (a dataset of equal images):
 * a deterministic plan is the same for them, and planning per sample (checks, closures)
 * cost as much as a small image's arithmetic.
 */
function reusingLast(plan: Planner): Planner {
  let shape: readonly number[] = [], dtype: DType | undefined, last: Step | undefined;
  // The rows of one array share a frozen shape (HostArray.row): then identity says it all.
  let frozen: readonly number[] | undefined;
  const sameShape = (s: readonly number[]) => {
    if (s === frozen) return true;
    if (s.length !== shape.length) return false;
    for (let i = 0; i < s.length; i++) if (s[i] !== shape[i]) return false;
    if (Object.isFrozen(s)) frozen = s;
    return true;
  };
  return (s, d) => {
    if (last && d === dtype && sameShape(s)) return last;
    const step = plan(s, d);
    shape = [...s], dtype = d, last = step, frozen = undefined;
    return step;
  };
}

/** The planner of a transform spec (workers rebuild transforms with this). */
export function planner(spec: TransformSpec): Planner {
  const make = PLANNERS[spec.name];
  if (!make) throw new ParamError(`gluon.data: unknown transform ${JSON.stringify(spec.name)}`);
  const plan = make(spec.args);
  return deterministic(spec) ? reusingLast(plan) : plan;
}

/** The deterministic kernels, for tests. */
export * as kernels from "./_kernels.ts";
