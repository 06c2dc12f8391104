/**
 * MXNet's legacy layers `Crop` (the two-input cropping layer; the lowercase `crop` is
 * `slice`), `L2Normalization` and `SVMOutput`.
 * @module
 */
import { ParamError, ShapeError } from "../../core/errors.ts";
import { formatShape, type Shape, sizeOf } from "../../core/shape.ts";
import { ops } from "../_builder_util.ts";
import type { Builder, GradArgs, OpDef, Params } from "../op_def.ts";

// ---------------------------------------------------------------------------------------
// Crop

/** The (top, left) corner and (height, width) Crop cuts from data [N, C, H, W]. */
function cropBox(shapes: readonly Shape[], p: Params) {
  const op = "Crop";
  const x = shapes[0];
  if (x.length !== 4) {
    throw new ShapeError(
      `${op}: arg0 must be 4-D (batch, channel, height, width), got ${formatShape(x)}`,
    );
  }
  let h: number, w: number;
  if (p.numArgs === 2) {
    const like = shapes[1];
    if (!like || like.length !== 4) {
      throw new ShapeError(`${op}: arg1 (crop_like) must be 4-D, got ${formatShape(like ?? [])}`);
    }
    [h, w] = [like[2], like[3]];
  } else {
    const hw = p.hW as number[];
    if (hw.length !== 2) throw new ParamError(`${op}: h_w expects (height, width), got ${hw}`);
    [h, w] = hw;
    if (h < 1 || w < 1) {
      throw new ParamError(`${op}: h_w ${formatShape(hw)} must be positive (the crop size)`);
    }
  }
  if (h > x[2] || w > x[3]) {
    throw new ShapeError(
      `${op}: crop size ${h}x${w} exceeds the input ${formatShape(x)}`,
    );
  }
  let top: number, left: number;
  if (p.centerCrop) [top, left] = [Math.trunc((x[2] - h) / 2), Math.trunc((x[3] - w) / 2)];
  else {
    const off = p.offset as number[];
    if (off.length !== 2) throw new ParamError(`${op}: offset expects (y, x), got ${off}`);
    [top, left] = off;
    if (top > x[2] - h || left > x[3] - w) {
      throw new ParamError(
        `${op}: offset ${formatShape(off)} leaves less than the crop ${h}x${w} of input ${
          formatShape(x)
        }`,
      );
    }
  }
  return { top, left, h, w };
}

const crop: OpDef = {
  name: "Crop",
  inputs: (p) => [...Array(p.numArgs as number).keys()].map((i) => `arg${i}`),
  params: {
    numArgs: { type: "int", required: true, min: 1, max: 2 },
    offset: { type: "shape", default: [0, 0] },
    hW: { type: "shape", default: [0, 0], json: "h_w" },
    centerCrop: { type: "bool", default: false },
  },
  inferShape: (shapes, p) => {
    const { h, w } = cropBox(shapes, p);
    return [[shapes[0][0], shapes[0][1], h, w]];
  },
  lowering: {
    kind: "composite",
    compose: (b, inputs, p) => {
      const x = inputs[0];
      const { top, left, h, w } = cropBox(inputs.map((t) => b.shape(t)), p);
      // The crop_like input only lends its shape (MXNet gives it a zero gradient).
      return [b.op("slice", [x], {
        begin: [null, null, top, left],
        end: [null, null, top + h, left + w],
      })];
    },
  },
};

// ---------------------------------------------------------------------------------------
// L2Normalization

/** The axes L2Normalization sums over and the shape of its norm output. */
function l2Axes(x: Shape, mode: string): { axes: number[]; norm: Shape } {
  if (x.length < 2 || (mode !== "instance" && x.length < 3)) {
    throw new ShapeError(
      `L2Normalization: data ${formatShape(x)} needs at least ${
        mode === "instance" ? 2 : 3
      } dimensions in mode ${mode}`,
    );
  }
  const all = x.map((_, i) => i);
  if (mode === "instance") return { axes: all.slice(1), norm: [x[0]] };
  if (mode === "channel") return { axes: [1], norm: x.map((d, i) => (i === 1 ? 1 : d)) };
  return { axes: all.slice(2), norm: [x[0], x[1]] };
}

const l2Normalization: OpDef = {
  name: "L2Normalization",
  inputs: ["data"],
  params: {
    eps: { type: "float", default: 1e-10 },
    mode: { type: "string", default: "instance", values: ["instance", "spatial", "channel"] },
  },
  // Outputs: the result, then the norm sqrt(sum x² + eps) (hidden), as MXNet.
  numOutputs: 2,
  numVisibleOutputs: 1,
  inferShape: ([x], p) => [x, l2Axes(x, p.mode as string).norm],
  lowering: {
    kind: "composite",
    compose: (b, [x], p) => {
      const o = ops(b);
      const { axes, norm } = l2Axes(b.shape(x), p.mode as string);
      const sq = b.op("sum", [b.op("square", [x])], { axis: axes, keepdims: true });
      const n = b.op("sqrt", [o.addS(sq, p.eps as number)]);
      return [o.div(x, n), o.reshape(n, norm)];
    },
  },
};

// ---------------------------------------------------------------------------------------
// SVMOutput

/**
 * SVMOutput's gradient as MXNet's L1_SVM/L2_SVM compute it, over [rows, classes] views
 * (classes on the last axis) of the output: with `s = -1` at the label's class and `+1`
 * elsewhere and `t = margin + s*out`, L2 gives `2 c s max(t, 0)` and L1 `c s [t > 0]`
 * (c the regularization coefficient). The head gradient is ignored: a loss layer.
 */
function svmGrad<T>(b: Builder<T>, { inputs: [, label], outputs: [y], params: p }: GradArgs<T>) {
  const o = ops(b);
  const ys = b.shape(y);
  const k = ys[ys.length - 1];
  const rows = sizeOf(ys) / (k || 1);
  const hot = b.op("one_hot", [o.reshape(label, [rows])], { depth: k, dtype: b.dtype(y) });
  const sign = o.rsubS(o.mulS(hot, 2), 1);
  const t = o.addS(o.mul(sign, o.reshape(y, [rows, k])), p.margin as number);
  const c = p.regularizationCoefficient as number;
  const g = p.useLinear
    ? o.mulS(o.mul(sign, o.cmpS("_greater_scalar", t, 0)), c)
    : o.mulS(o.mul(sign, b.op("relu", [t])), 2 * c);
  return [o.reshape(g, ys), null];
}

const svmOutput: OpDef = {
  name: "SVMOutput",
  inputs: ["data", "label"],
  params: {
    margin: { type: "float", default: 1 },
    regularizationCoefficient: { type: "float", default: 1 },
    useLinear: { type: "bool", default: false },
  },
  inferShape: ([x, label]) => {
    const want = x.slice(0, -1);
    if (x.length < 1 || sizeOf(label) !== sizeOf(want)) {
      throw new ShapeError(
        `SVMOutput: label has shape ${formatShape(label)}, expected ${formatShape(want)} (data ${
          formatShape(x)
        } without its class axis)`,
      );
    }
    return [x];
  },
  inferInputShapes: ([x, label]) => [x, label ?? (x ? x.slice(0, -1) : undefined)],
  gradient: svmGrad,
  lowering: { kind: "primitive", run: (k, [x], [out]) => k.copy(x.view, out.view) },
};

/** Crop, L2Normalization and SVMOutput. */
export const LAYER_OPS: readonly OpDef[] = [crop, l2Normalization, svmOutput];
