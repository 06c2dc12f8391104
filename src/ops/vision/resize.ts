/**
 * Image resizing operators with MXNet's names and semantics: `UpSampling` (nearest
 * neighbour, or bilinear as a grouped Deconvolution with the weight input, as MXNet runs
 * it), `_contrib_BilinearResize2D` and `_contrib_AdaptiveAvgPooling2D`.
 *
 * Bilinear resizing and adaptive average pooling are separable linear maps: each output
 * row is a weighted sum of input rows, and likewise for columns. The weight matrices
 * depend only on the sizes, so they are built from `_iota` with elementwise operators and
 * applied with two `dot`s: every backend runs them, and the gradient (the transposed
 * maps, which is what MXNet's backward kernels compute) comes from the parts.
 * @module
 */
import { ParamError, ShapeError } from "../../core/errors.ts";
import { formatShape, type Shape } from "../../core/shape.ts";
import { ops } from "../_builder_util.ts";
import type { Builder, OpDef, Params } from "../op_def.ts";

/** Checks that `s` is NCHW, naming the operator and argument. */
function expectNCHW(op: string, arg: string, s: Shape): void {
  if (s.length !== 4) {
    throw new ShapeError(
      `${op}: ${arg} must be 4-D (batch, channel, height, width), got ${formatShape(s)}`,
    );
  }
}

/** A column [n, 1] (`column`) or row [1, n] of 0, 1, ..., n-1 in `dtype`. */
function iota<T>(b: Builder<T>, n: number, like: T, column: boolean): T {
  const v = b.op("_iota", [], { size: n, dtype: b.dtype(like) });
  return ops(b).reshape(v, column ? [n, 1] : [1, n]);
}

/**
 * Applies the row map `rows` [outH, H] and the column map `cols` [outW, W] to every
 * [H, W] image of x [N, C, H, W]: `rows · image · colsᵀ`.
 */
function applySeparable<T>(b: Builder<T>, x: T, rows: T, cols: T): T {
  const o = ops(b);
  const [n, c, h, w] = b.shape(x);
  const oh = b.shape(rows)[0], ow = b.shape(cols)[0];
  const nc = n * c;
  // Columns first: [N*C*H, W] · colsᵀ -> [N*C*H, outW].
  const byCols = b.op("dot", [o.reshape(x, [nc * h, w]), cols], { transposeB: true });
  // Rows next, with H leading: rows · [H, N*C*outW] -> [outH, N*C*outW].
  const hLead = b.op("transpose", [o.reshape(byCols, [nc, h, ow])], { axes: [1, 0, 2] });
  const byRows = b.op("dot", [rows, o.reshape(hLead, [h, nc * ow])]);
  const back = b.op("transpose", [o.reshape(byRows, [oh, nc, ow])], { axes: [1, 0, 2] });
  return o.reshape(back, [n, c, oh, ow]);
}

// ---------------------------------------------------------------------------------------
// _contrib_BilinearResize2D

/**
 * The bilinear weights [outSize, inSize] of one axis, as MXNet's
 * `area_pixel_compute_source_index`: output o reads source position
 * `s = scale*o` (align_corners) or `max(scale*(o+0.5)-0.5, 0)`, clipped to the last
 * pixel, and input i gets weight `max(0, 1 - |s - i|)` (the two neighbours of s).
 */
function bilinearWeights<T>(
  b: Builder<T>,
  outSize: number,
  inSize: number,
  alignCorners: boolean,
  like: T,
): T {
  const o = ops(b);
  let scale = 0;
  if (outSize > 1) scale = alignCorners ? (inSize - 1) / (outSize - 1) : inSize / outSize;
  const dst = iota(b, outSize, like, true);
  let src = alignCorners ? o.mulS(dst, scale) : o.addS(o.mulS(o.addS(dst, 0.5), scale), -0.5);
  src = b.op("clip", [src], { aMin: 0, aMax: inSize - 1 });
  const dist = b.op("abs", [o.sub(src, iota(b, inSize, like, false))]);
  return b.op("relu", [o.rsubS(dist, 1)]);
}

const RESIZE_MODES = [
  "size",
  "odd_scale",
  "like",
  "to_even_down",
  "to_even_up",
  "to_odd_down",
  "to_odd_up",
] as const;

/** The output height and width of BilinearResize2D, per MXNet's `mode`. */
function resizedHW(x: Shape, like: Shape | undefined, p: Params): [number, number] {
  const op = "_contrib_BilinearResize2D";
  const [h, w] = [x[2], x[3]];
  const sh = p.scaleHeight as number | null, sw = p.scaleWidth as number | null;
  const needScales = () => {
    if (sh === null || sw === null) {
      throw new ParamError(
        `${op}: mode ${p.mode} with scale_height ${sh} needs scale_width too, got ${sw}`,
      );
    }
  };
  const even = (d: number, up: boolean) => (d % 2 === 0 ? d : up ? d + 1 : d - 1);
  const odd = (d: number, up: boolean) => (d % 2 === 1 ? d : up ? d + 1 : d - 1);
  switch (p.mode) {
    case "size":
      // As MXNet: scale_height decides for both axes whether the scales are used.
      if (sh === null) return [p.height as number, p.width as number];
      needScales();
      return [Math.trunc(sh * h), Math.trunc(sw! * w)];
    case "odd_scale":
      needScales();
      return [
        h % 2 === 0 ? Math.trunc(h * sh!) : Math.trunc((h - 1) * sh!) + 1,
        w % 2 === 0 ? Math.trunc(w * sw!) : Math.trunc((w - 1) * sw!) + 1,
      ];
    case "like":
      expectNCHW(op, "like", like!);
      return [like![2], like![3]];
    case "to_even_down":
      return [even(h, false), even(w, false)];
    case "to_even_up":
      return [even(h, true), even(w, true)];
    case "to_odd_down":
      return [odd(h, false), odd(w, false)];
    default:
      return [odd(h, true), odd(w, true)];
  }
}

const bilinearResize2D: OpDef = {
  name: "_contrib_BilinearResize2D",
  inputs: (p) => (p.mode === "like" ? ["data", "like"] : ["data"]),
  params: {
    height: { type: "int", default: 1, min: 1 },
    width: { type: "int", default: 1, min: 1 },
    scaleHeight: { type: "float", default: null },
    scaleWidth: { type: "float", default: null },
    mode: { type: "string", default: "size", values: RESIZE_MODES },
    alignCorners: { type: "bool", default: true },
  },
  inferShape: ([x, like], p) => {
    expectNCHW("_contrib_BilinearResize2D", "data", x);
    const [oh, ow] = resizedHW(x, like, p);
    if (!(oh >= 1 && ow >= 1)) {
      throw new ShapeError(
        `_contrib_BilinearResize2D: output size ${oh}x${ow} of data ${
          formatShape(x)
        } (mode ${p.mode}) is empty`,
      );
    }
    return [[x[0], x[1], oh, ow]];
  },
  lowering: {
    kind: "composite",
    compose: (b, [x, like], p) => {
      const s = b.shape(x);
      const [oh, ow] = resizedHW(s, like ? b.shape(like) : undefined, p);
      const align = p.alignCorners as boolean;
      const rows = bilinearWeights(b, oh, s[2], align, x);
      const cols = bilinearWeights(b, ow, s[3], align, x);
      // `like` only lends its shape: MXNet gives it a zero gradient.
      return [applySeparable(b, x, rows, cols)];
    },
  },
};

// ---------------------------------------------------------------------------------------
// _contrib_AdaptiveAvgPooling2D

/**
 * The averaging weights [outSize, inSize] of one axis: output o averages inputs
 * `floor(o*in/out) <= i < ceil((o+1)*in/out)`, as MXNet's START_IND/END_IND.
 */
function adaptiveWeights<T>(b: Builder<T>, outSize: number, inSize: number, like: T): T {
  const o = ops(b);
  const dst = iota(b, outSize, like, true);
  // o*in/out is an integer or at least 1/out away from one: nudging it by half that
  // before floor/ceil makes them exact even where division rounds (WGSL's is approximate).
  const nudge = 0.5 / outSize;
  const start = b.op("floor", [o.addS(o.mulS(o.mulS(dst, inSize), 1 / outSize), nudge)]);
  const end = b.op("ceil", [o.addS(o.mulS(o.mulS(o.addS(dst, 1), inSize), 1 / outSize), -nudge)]);
  const i = iota(b, inSize, like, false);
  const inside = o.mul(
    b.op("broadcast_greater_equal", [i, start]),
    b.op("broadcast_lesser", [i, end]),
  );
  return o.div(inside, o.sub(end, start));
}

function adaptiveOutHW(x: Shape, p: Params): [number, number] {
  expectNCHW("_contrib_AdaptiveAvgPooling2D", "data", x);
  const size = p.outputSize as number[];
  if (size.length > 2) {
    throw new ParamError(
      `_contrib_AdaptiveAvgPooling2D: output_size expects an int or (height, width), got ${
        formatShape(size)
      }`,
    );
  }
  if (size.length === 0) return [1, 1];
  return size.length === 1 ? [size[0], size[0]] : [size[0], size[1]];
}

const adaptiveAvgPooling2D: OpDef = {
  name: "_contrib_AdaptiveAvgPooling2D",
  inputs: ["data"],
  params: { outputSize: { type: "shape", default: [], min: 1 } },
  inferShape: ([x], p) => {
    const [oh, ow] = adaptiveOutHW(x, p);
    return [[x[0], x[1], oh, ow]];
  },
  lowering: {
    kind: "composite",
    compose: (b, [x], p) => {
      const s = b.shape(x);
      const [oh, ow] = adaptiveOutHW(s, p);
      const rows = adaptiveWeights(b, oh, s[2], x);
      const cols = adaptiveWeights(b, ow, s[3], x);
      return [applySeparable(b, x, rows, cols)];
    },
  },
};

// ---------------------------------------------------------------------------------------
// UpSampling

const upsamplingArgs = (p: Params): string[] =>
  p.sampleType === "bilinear"
    ? ["data", "weight"]
    : [...Array(p.numArgs as number).keys()].map((i) => `arg${i}`);

/** The bilinear kernel size MXNet derives from the scale. */
const bilinearKernel = (scale: number) => 2 * scale - (scale % 2);

function upsamplingShape(shapes: readonly Shape[], p: Params): Shape {
  const op = "UpSampling";
  const scale = p.scale as number;
  const x = shapes[0];
  expectNCHW(op, upsamplingArgs(p)[0], x);
  const [oh, ow] = [x[2] * scale, x[3] * scale];
  if (p.sampleType === "bilinear") {
    if (p.numFilter !== x[1]) {
      throw new ParamError(
        `${op}: bilinear upsampling needs num_filter equal to the channels of data ${
          formatShape(x)
        } (${x[1]}), got ${p.numFilter}`,
      );
    }
    const k = bilinearKernel(scale);
    const want = [x[1], 1, k, k];
    const w = shapes[1];
    if (w && formatShape(w) !== formatShape(want)) {
      throw new ShapeError(
        `${op}: weight has shape ${formatShape(w)}, expected ${formatShape(want)} ` +
          `(channels, 1, kernel, kernel for scale ${scale})`,
      );
    }
    return [x[0], x[1], oh, ow];
  }
  let channels = 0;
  shapes.forEach((s, i) => {
    expectNCHW(op, `arg${i}`, s);
    if (oh % s[2] !== 0 || ow % s[3] !== 0) {
      throw new ShapeError(
        `${op}: arg${i} ${formatShape(s)} does not divide the output size ${oh}x${ow}`,
      );
    }
    if (p.multiInputMode === "sum") {
      if (channels !== 0 && channels !== s[1]) {
        throw new ShapeError(
          `${op}: multi_input_mode sum needs equal channels, arg${i} has ${s[1]}, not ${channels}`,
        );
      }
      channels = s[1];
    } else channels += s[1];
  });
  return [x[0], channels, oh, ow];
}

const upSampling: OpDef = {
  name: "UpSampling",
  inputs: upsamplingArgs,
  params: {
    scale: { type: "int", required: true, min: 1 },
    numFilter: { type: "int", default: 0, min: 0 },
    sampleType: { type: "string", required: true, values: ["nearest", "bilinear"] },
    multiInputMode: { type: "string", default: "concat", values: ["concat", "sum"] },
    numArgs: { type: "int", required: true, min: 1 },
    workspace: { type: "int", default: 512, min: 0 },
  },
  inferShape: (shapes, p) => [upsamplingShape(shapes, p)],
  // As MXNet: a weight variable created for bilinear upsampling is initialised bilinearly.
  inputVarAttrs: (arg, p) =>
    p.sampleType === "bilinear" && arg === "weight" ? { __init__: '["bilinear", {}]' } : undefined,
  inferInputShapes: ([x, w], p) => {
    if (p.sampleType !== "bilinear" || !x || x.length !== 4) return [x, w];
    const k = bilinearKernel(p.scale as number);
    return [x, w ?? [x[1], 1, k, k]];
  },
  lowering: {
    kind: "composite",
    compose: (b, inputs, p) => {
      const scale = p.scale as number;
      const out = upsamplingShape(inputs.map((t) => b.shape(t)), p);
      if (p.sampleType === "bilinear") {
        const k = bilinearKernel(scale);
        const pad = Math.ceil((scale - 1) / 2);
        return [b.op("Deconvolution", inputs, {
          kernel: [k, k],
          stride: [scale, scale],
          pad: [pad, pad],
          numFilter: p.numFilter,
          numGroup: p.numFilter,
          noBias: true,
        })];
      }
      // Nearest: each input repeated along H and W by its own factor to the output size.
      const ups = inputs.map((x) => {
        const s = b.shape(x);
        const f = out[2] / s[2], g = out[3] / s[3];
        const rows = f === 1 ? x : b.op("repeat", [x], { repeats: f, axis: 2 });
        return g === 1 ? rows : b.op("repeat", [rows], { repeats: g, axis: 3 });
      });
      if (ups.length === 1) return [ups[0] === inputs[0] ? b.op("_copy_of", ups) : ups[0]];
      if (p.multiInputMode === "sum") return [ups.reduce((a, c) => ops(b).add(a, c))];
      return [b.op("Concat", ups, { numArgs: ups.length, dim: 1 })];
    },
  },
};

/** UpSampling, BilinearResize2D and AdaptiveAvgPooling2D. */
export const RESIZE_OPS: readonly OpDef[] = [upSampling, bilinearResize2D, adaptiveAvgPooling2D];
