/**
 * Small operators MXNet writes into graphs or exposes as utilities: the ones its gradient
 * and AMP passes emit (`_grad_add`, `_identity_with_attr_like_rhs`, `_zeros_without_dtype`,
 * `amp_cast`, `amp_multicast`, `_CrossDeviceCopy`), the straight-through estimators and the
 * gradient multiplier of `mx.nd.contrib`, `_contrib_quadratic` (MXNet's tutorial operator),
 * and the public `im2col` / `col2im` over the internal window primitives.
 * @module
 */
import { DTypeError, ShapeError } from "../core/errors.ts";
import { type DType, isFloat } from "../core/dtype.ts";
import { formatShape } from "../core/shape.ts";
import { UNARY } from "./elementwise_table.ts";
import { ops } from "./_builder_util.ts";
import type { OpDef, Params } from "./op_def.ts";
import { convOut, spatialOf, type Window, WINDOW_PARAMS, windowOf } from "./nn/_window.ts";

/** `_grad_add(lhs, rhs)`: the sum MXNet's gradient pass writes when gradients meet. */
const gradAdd: OpDef = {
  name: "_grad_add",
  inputs: ["lhs", "rhs"],
  params: {},
  inferShape: ([a, b]) => {
    if (formatShape(a) !== formatShape(b)) {
      throw new ShapeError(`_grad_add: lhs ${formatShape(a)} and rhs ${formatShape(b)} differ`);
    }
    return [a];
  },
  lowering: { kind: "composite", compose: (b, [x, y]) => [b.op("elemwise_add", [x, y])] },
};

/** `_identity_with_attr_like_rhs(lhs, rhs)`: lhs, shaped like rhs (rhs gets no gradient). */
const identityLikeRhs: OpDef = {
  name: "_identity_with_attr_like_rhs",
  inputs: ["lhs", "rhs"],
  params: {},
  inferShape: ([a, b]) => {
    if (formatShape(a) !== formatShape(b)) {
      throw new ShapeError(
        `_identity_with_attr_like_rhs: lhs ${formatShape(a)} does not have rhs's shape ${
          formatShape(b)
        }`,
      );
    }
    return [a];
  },
  lowering: { kind: "composite", compose: (b, [x]) => [b.op("_copy_of", [x])] },
};

/** `_zeros_without_dtype(shape)`: zeros, float32 unless a dtype is given. */
const zerosWithoutDtype: OpDef = {
  name: "_zeros_without_dtype",
  inputs: [],
  params: {
    shape: { type: "shape", default: [] },
    dtype: { type: "dtype", default: "float32" },
  },
  inferShape: (_s, p) => [[...(p.shape as number[])]],
  inferType: (_t, p) => [p.dtype as DType],
  differentiable: false,
  lowering: {
    kind: "composite",
    compose: (b, _x, p) => [b.op("_zeros", [], { shape: p.shape, dtype: p.dtype })],
  },
};

/** `_CrossDeviceCopy(data)`: the copy MXNet's executor inserts between context groups. */
const crossDeviceCopy: OpDef = {
  name: "_CrossDeviceCopy",
  inputs: ["data"],
  params: {},
  inferShape: ([s]) => [s],
  lowering: { kind: "composite", compose: (b, [x]) => [b.op("_copy_of", [x])] },
};

/** `amp_cast(data, dtype)`: AMP's cast; the gradient is cast back to the input's dtype. */
const ampCast: OpDef = {
  name: "amp_cast",
  inputs: ["data"],
  params: { dtype: { type: "dtype", required: true } },
  inferShape: ([s]) => [s],
  inferType: (_t, p) => [p.dtype as DType],
  lowering: { kind: "composite", compose: (b, [x], p) => [b.op("Cast", [x], { dtype: p.dtype })] },
};

/** Float widths in the order AMP widens them. */
const FLOAT_WIDTH: Partial<Record<DType, number>> = { float16: 1, float32: 2, float64: 3 };

/** The dtype every `amp_multicast` output gets: the widest input float (narrowest with castNarrow). */
function multicastType(types: readonly DType[], p: Params): DType {
  for (const t of types) {
    if (!isFloat(t)) {
      throw new DTypeError(`amp_multicast: inputs must be floating point, got ${t}`);
    }
  }
  const width = (t: DType) => FLOAT_WIDTH[t] ?? 2;
  return types.reduce((best, t) =>
    (p.castNarrow ? width(t) < width(best) : width(t) > width(best)) ? t : best
  );
}

/** `amp_multicast(*data, num_outputs)`: casts every input to one common float dtype. */
const ampMulticast: OpDef = {
  name: "amp_multicast",
  inputs: (p) => Array.from({ length: p.numOutputs as number }, (_, i) => `data${i}`),
  numOutputs: (p) => p.numOutputs as number,
  params: {
    numOutputs: { type: "int", required: true, min: 1 },
    castNarrow: { type: "bool", default: false },
  },
  inferShape: (s) => s.map((x) => [...x]),
  inferType: (t, p) => t.map(() => multicastType(t, p)),
  lowering: {
    kind: "composite",
    compose: (b, xs, p) => {
      const to = multicastType(xs.map((x) => b.dtype(x)), p);
      return xs.map((x) =>
        b.dtype(x) === to ? b.op("_copy_of", [x]) : b.op("Cast", [x], { dtype: to })
      );
    },
  },
};

/** `contrib.gradientmultiplier(data, scalar)`: identity forward, gradient times `scalar`. */
const gradientMultiplier: OpDef = {
  name: "_contrib_gradientmultiplier",
  inputs: ["data"],
  params: { scalar: { type: "float", required: true } },
  inferShape: ([s]) => [s],
  gradient: (b, { outGrads: [g], params }) => [ops(b).mulS(g, params.scalar as number)],
  lowering: { kind: "elementwise", row: UNARY._plus_scalar, scalars: () => [0] },
};

/** A straight-through estimator: `row` forward, the identity's gradient backward. */
function straightThrough(name: string, row: typeof UNARY.round): OpDef {
  return {
    name,
    inputs: ["data"],
    params: {},
    inferShape: ([s]) => [s],
    gradient: (_b, { outGrads: [g] }) => [g],
    lowering: { kind: "elementwise", row, scalars: () => [] },
  };
}

/** `contrib.quadratic(data, a, b, c)` = a·x² + b·x + c. */
const quadratic: OpDef = {
  name: "_contrib_quadratic",
  inputs: ["data"],
  params: {
    a: { type: "float", default: 0 },
    b: { type: "float", default: 0 },
    c: { type: "float", default: 0 },
  },
  inferShape: ([s]) => [s],
  lowering: {
    kind: "composite",
    compose: (b, [x], p) => {
      const o = ops(b);
      // Horner's form: (a·x + b)·x + c.
      const ax = o.mulS(x, p.a as number);
      return [o.addS(o.mul(o.addS(ax, p.b as number), x), p.c as number)];
    },
  },
};

/** The window of `im2col`/`col2im` (1-D or 2-D, from `kernel`), as the 2-D primitives take it. */
function windowParams(op: string, p: Params): { w: Window; nd: number; params: Params } {
  const nd = (p.kernel as number[]).length;
  const w = windowOf(op, p, nd);
  return { w, nd, params: { kernel: w.kernel, stride: w.stride, dilate: w.dilate, pad: w.pad } };
}

/** Output positions per image of a window over spatial size `size` (1 or 2 values). */
function positions(op: string, size: readonly number[], w: Window, nd: number): number {
  const [h, wd] = nd === 1 ? [1, size[0]] : [size[0], size[1]];
  return convOut(op, h, w, 0) * convOut(op, wd, w, 1);
}

/**
 * `im2col(data, kernel, stride, dilate, pad)`: image patches as columns, MXNet's layout
 * [N, C·prod(kernel), positions] (the internal `_im2col` keeps the batch in the columns).
 */
const im2colPublic: OpDef = {
  name: "im2col",
  inputs: ["data"],
  params: { ...WINDOW_PARAMS, kernel: { type: "shape", required: true, min: 1 } },
  inferShape: ([x], p) => {
    const { w, nd } = windowParams("im2col", p);
    spatialOf("im2col", x, nd);
    const k = w.kernel[0] * w.kernel[1];
    return [[x[0], x[1] * k, positions("im2col", x.slice(2), w, nd)]];
  },
  lowering: {
    kind: "composite",
    compose: (b, [x], p) => {
      const { nd, params } = windowParams("im2col", p);
      const s = b.shape(x);
      spatialOf("im2col", s, nd);
      const x4 = nd === 1 ? b.op("Reshape", [x], { shape: [s[0], s[1], 1, s[2]] }) : x;
      const col = b.op("_im2col", [x4], params);
      const [rows, cols] = b.shape(col);
      const n = s[0];
      const perImage = b.op("Reshape", [col], { shape: [rows, n, cols / n] });
      return [b.op("transpose", [perImage], { axes: [1, 0, 2] })];
    },
  },
};

/** col2im's image shape [N, C, H, W] (H = 1 for 1-D) for columns of shape `s`. */
function col2imImage(s: readonly number[], p: Params): { image: number[]; w: Window; nd: number } {
  const { w, nd } = windowParams("col2im", p);
  const size = p.outputSize as number[];
  if (size.length !== nd) {
    throw new ShapeError(`col2im: output_size has ${size.length} values but the kernel has ${nd}`);
  }
  if (s.length !== 3) {
    throw new ShapeError(`col2im: data must be 3-D [N, C*prod(kernel), L], got ${formatShape(s)}`);
  }
  const kk = w.kernel[0] * w.kernel[1];
  if (s[1] % kk !== 0) {
    throw new ShapeError(
      `col2im: data's axis 1 (${s[1]}) is not a multiple of prod(kernel) = ${kk}`,
    );
  }
  const want = positions("col2im", size, w, nd);
  if (s[2] !== want) {
    throw new ShapeError(
      `col2im: data has ${s[2]} positions on axis 2, output_size (${size.join(", ")}) with this ` +
        `window gives ${want}`,
    );
  }
  const hw = nd === 1 ? [1, size[0]] : size;
  return { image: [s[0], s[1] / kk, ...hw], w, nd };
}

/** `col2im(data, output_size, kernel, ...)`: sums columns back into [N, C, ...output_size]. */
const col2imPublic: OpDef = {
  name: "col2im",
  inputs: ["data"],
  params: {
    ...WINDOW_PARAMS,
    kernel: { type: "shape", required: true, min: 1 },
    outputSize: { type: "shape", required: true, min: 1 },
  },
  inferShape: ([s], p) => {
    const { image, nd } = col2imImage(s, p);
    return [nd === 1 ? [image[0], image[1], image[3]] : image];
  },
  lowering: {
    kind: "composite",
    compose: (b, [col], p) => {
      const s = b.shape(col);
      const { image, nd } = col2imImage(s, p);
      const [n, rows, len] = s;
      const flat = b.op("Reshape", [b.op("transpose", [col], { axes: [1, 0, 2] })], {
        shape: [rows, n * len],
      });
      const y = b.op("_col2im", [flat], { ...windowParams("col2im", p).params, shape: image });
      return [nd === 1 ? b.op("Reshape", [y], { shape: [image[0], image[1], image[3]] }) : y];
    },
  },
};

/** Graph utility operators. */
export const GRAPH_UTIL_OPS: readonly OpDef[] = [
  gradAdd,
  identityLikeRhs,
  zerosWithoutDtype,
  crossDeviceCopy,
  ampCast,
  ampMulticast,
  gradientMultiplier,
  straightThrough("_contrib_round_ste", UNARY.round),
  straightThrough("_contrib_sign_ste", UNARY.sign),
  quadratic,
  im2colPublic,
  col2imPublic,
];
