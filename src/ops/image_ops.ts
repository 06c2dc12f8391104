/**
 * MXNet's image operators (issue #19), the graph-node forms of what `mx.image` and
 * `gluon.data.vision.transforms` do: `_image_to_tensor`, `_image_normalize`, `_image_crop`
 * and `_image_resize` (aliases `_npx__image_*`; `mx.nd.image.toTensor` etc.).
 *
 * Images are (H, W, C) or (N, H, W, C) as MXNet's; tensors (C, H, W) or (N, C, H, W).
 * to_tensor, normalize and crop are composites (every backend; normalize and crop have
 * gradients through their parts); resize runs OpenCV's interpolation (src/image/resize.ts)
 * on the host, as MXNet calls OpenCV. to_tensor and resize have no gradient: MXNet's
 * copies the output gradient into the differently shaped input, which is no derivative.
 * @module
 */
import { ParamError, ShapeError } from "../core/errors.ts";
import { formatShape, type Shape } from "../core/shape.ts";
import { checkInterp, type PixelArray, resizeInto } from "../image/resize.ts";
import type { Builder, OpDef, Params } from "./op_def.ts";
import { hostLowering } from "./vision/_host.ts";

/** Checks an (H, W, C) or (N, H, W, C) image with 1 or 3 channels when `rgb`. */
function checkImage(name: string, s: Shape, rgb: boolean): void {
  if (s.length !== 3 && s.length !== 4) {
    throw new ShapeError(
      `${name}: data must be an image (height, width, channels) or ` +
        `(N, height, width, channels), got shape ${formatShape(s)}`,
    );
  }
  const c = s[s.length - 1];
  if (rgb && c !== 1 && c !== 3) {
    throw new ShapeError(
      `${name}: the image must have 1 or 3 channels (last axis), got shape ${formatShape(s)}`,
    );
  }
}

/** `_image_to_tensor`: HWC (NHWC) in [0, 255] to float32 CHW (NCHW) in [0, 1]. */
const toTensor: OpDef = {
  name: "_image_to_tensor",
  aliases: ["_npx__image_to_tensor"],
  inputs: ["data"],
  params: {},
  inferShape: ([s]) => {
    checkImage("_image_to_tensor", s, false);
    return [s.length === 3 ? [s[2], s[0], s[1]] : [s[0], s[3], s[1], s[2]]];
  },
  inferType: () => ["float32"],
  // MXNet registers `_copy` of the (C, H, W) output gradient as the (H, W, C) input's,
  // which is no derivative; images are data, so none is given here.
  differentiable: false,
  lowering: {
    kind: "composite",
    compose: (b, [x]) => {
      const axes = b.shape(x).length === 3 ? [2, 0, 1] : [0, 3, 1, 2];
      const f = b.op("Cast", [x], { dtype: "float32" });
      return [b.op("_div_scalar", [b.op("transpose", [f], { axes })], { scalar: 255 })];
    },
  },
};

/** mean or std per channel: one value for all, one per channel, or MXNet's 4-long default. */
function perChannel(p: Params, key: "mean" | "std", channels: number): number[] {
  const v = p[key] as readonly number[];
  if (v.length === 1) return new Array(channels).fill(v[0]);
  if (v.length === channels || v.length === 4) return v.slice(0, channels);
  throw new ParamError(
    `_image_normalize: ${key} must have 1 or ${channels} elements (one per channel), got ` +
      `(${v.join(", ")})`,
  );
}

function tensorChannels(s: Shape): number {
  if (s.length !== 3 && s.length !== 4) {
    throw new ShapeError(
      `_image_normalize: data must be a tensor (channels, height, width) or ` +
        `(N, channels, height, width), got shape ${formatShape(s)}`,
    );
  }
  const c = s[s.length - 3];
  if (c !== 1 && c !== 3) {
    throw new ShapeError(
      `_image_normalize: the tensor must have 1 or 3 channels (axis ${s.length - 3}), got shape ${
        formatShape(s)
      }`,
    );
  }
  return c;
}

/** A (C, 1, 1) constant of `values` in dtype `dtype`. */
function channelConstant<T>(b: Builder<T>, values: number[], dtype: string): T {
  const parts = values.map((v) => b.op("_full", [], { shape: [1, 1, 1], value: v, dtype }));
  return parts.length === 1 ? parts[0] : b.op("Concat", parts, { numArgs: parts.length, dim: 0 });
}

/** `_image_normalize`: (x - mean[c]) / std[c] per channel of CHW (NCHW). */
const normalize: OpDef = {
  name: "_image_normalize",
  aliases: ["_npx__image_normalize"],
  inputs: ["data"],
  params: {
    mean: { type: "floats", default: [0, 0, 0, 0] },
    std: { type: "floats", default: [1, 1, 1, 1] },
  },
  inferShape: ([s], p) => {
    const c = tensorChannels(s);
    perChannel(p, "mean", c);
    perChannel(p, "std", c);
    return [s];
  },
  lowering: {
    kind: "composite",
    compose: (b, [x], p) => {
      const c = tensorChannels(b.shape(x));
      const mean = channelConstant(b, perChannel(p, "mean", c), b.dtype(x));
      const std = channelConstant(b, perChannel(p, "std", c), b.dtype(x));
      return [b.op("broadcast_div", [b.op("broadcast_sub", [x, mean]), std])];
    },
  },
};

const INT = (min: number) => ({ type: "int", required: true, min }) as const;

/** `_image_crop`: the (height, width) window at column x, row y of HWC (NHWC). */
const crop: OpDef = {
  name: "_image_crop",
  aliases: ["_npx__image_crop"],
  inputs: ["data"],
  params: { x: INT(0), y: INT(0), width: INT(1), height: INT(1) },
  inferShape: ([s], p) => {
    checkImage("_image_crop", s, true);
    const [h, w] = s.slice(-3, -1);
    const [x, y, width, height] = [p.x, p.y, p.width, p.height] as number[];
    if (x + width > w || y + height > h) {
      throw new ShapeError(
        `_image_crop: the window x=${x}, y=${y}, width=${width}, height=${height} does not ` +
          `fit the image of shape ${formatShape(s)} (x + width <= ${w}, y + height <= ${h})`,
      );
    }
    return [s.length === 3 ? [height, width, s[2]] : [s[0], height, width, s[3]]];
  },
  lowering: {
    kind: "composite",
    compose: (b, [img], p) => {
      const [x, y, width, height] = [p.x, p.y, p.width, p.height] as number[];
      const lead = b.shape(img).length === 4 ? [null] : [];
      return [b.op("slice", [img], {
        begin: [...lead, y, x, null],
        end: [...lead, y + height, x + width, null],
      })];
    },
  },
};

/** MXNet's output (height, width) of `_image_resize` for an `h x w` image. */
function resizedSize(p: Params, h: number, w: number): [number, number] {
  const size = p.size as readonly number[];
  if (size.length !== 1 && size.length !== 2) {
    throw new ParamError(
      `_image_resize: size must be (width, height) or (size), got (${size.join(", ")})`,
    );
  }
  if (size.some((v) => v <= 0)) {
    throw new ParamError(`_image_resize: size must be positive, got (${size.join(", ")})`);
  }
  if (size.length === 2) return [size[1], size[0]];
  if (!p.keepRatio) return [size[0], size[0]];
  // The short edge becomes size[0]; the long one scales with integer division, as MXNet's.
  return h > w ? [Math.floor(h * size[0] / w), size[0]] : [size[0], Math.floor(w * size[0] / h)];
}

const RESIZABLE = ["uint8", "int8", "int32", "float32", "float64"];

/** `_image_resize`: OpenCV's resize of HWC (NHWC) to `size`, interpolation `interp`. */
const resize: OpDef = {
  name: "_image_resize",
  aliases: ["_npx__image_resize"],
  inputs: ["data"],
  params: {
    size: { type: "shape", default: [] },
    keepRatio: { type: "bool", default: false },
    interp: { type: "int", default: 1 },
  },
  inferShape: ([s], p) => {
    checkImage("_image_resize", s, false);
    checkInterp(p.interp as number, "_image_resize");
    const [h, w] = resizedSize(p, s[s.length - 3], s[s.length - 2]);
    return [s.length === 3 ? [h, w, s[2]] : [s[0], h, w, s[3]]];
  },
  inferType: ([t]) => {
    if (!RESIZABLE.includes(t)) {
      throw new ParamError(
        `_image_resize: images of dtype ${t} cannot be resized; use one of ${RESIZABLE.join(", ")}`,
      );
    }
    return [t];
  },
  differentiable: false,
  lowering: hostLowering(({ ins: [data], shapes: [s], outs: [out], outShapes: [os], p }) => {
    const batch = s.length === 4 ? s[0] : 1;
    const [h, w, c] = s.slice(-3);
    const [outH, outW] = os.slice(-3, -1);
    const interp = checkInterp(p.interp as number, "_image_resize");
    resizeInto(data as PixelArray, out as PixelArray, batch, [h, w, c], outH, outW, interp);
  }),
};

/** The image operators. */
export const IMAGE_OPS: readonly OpDef[] = [toTensor, normalize, crop, resize];
