/**
 * Loss layers. MXNet's output layers (SoftmaxOutput, the regression outputs, MakeLoss)
 * have loss-layer semantics: the forward returns predictions, and the backward IGNORES
 * the incoming head gradient, returning the gradient of the implied loss instead
 * (`softmax - onehot(label)` for SoftmaxOutput). Each is a composite whose forward ends
 * in `_loss_head(out, data, label)`: an identity on `out` whose gradient goes straight to
 * `data`, so nothing flows back through the forward's parts. softmax_cross_entropy is an
 * ordinary (head-respecting) composite.
 * @module
 */
import { ShapeError } from "../../core/errors.ts";
import { formatShape, type Shape, shapeEqual, sizeOf } from "../../core/shape.ts";
import { ops } from "../_builder_util.ts";
import type { Builder, GradArgs, OpDef, Params } from "../op_def.ts";
import { reshapeTo } from "./_util.ts";

const NORMALIZATION = {
  type: "string",
  default: "null",
  values: ["null", "batch", "valid"],
} as const;

/** Every parameter a loss head may need; each loss passes its own on. */
const HEAD_PARAMS = {
  kind: {
    type: "string",
    required: true,
    values: ["softmax", "linear", "logistic", "mae", "make_loss"],
  },
  gradScale: { type: "float", default: 1 },
  ignoreLabel: { type: "float", default: -1 },
  useIgnore: { type: "bool", default: false },
  multiOutput: { type: "bool", default: false },
  preserveShape: { type: "bool", default: false },
  normalization: NORMALIZATION,
  outGrad: { type: "bool", default: false },
  smoothAlpha: { type: "float", default: 0, min: 0, max: 1 },
  validThresh: { type: "float", default: 0 },
} as const;

/** `max(sum(mask), 1)`, MXNet's count of valid entries (never 0). */
function validCount<T>(b: Builder<T>, mask: T): T {
  return b.op("_maximum_scalar", [b.op("sum", [mask])], { scalar: 1 });
}

/** SoftmaxOutput's gradient (see softmax_output-inl.h in MXNet). */
function softmaxGrad<T>(b: Builder<T>, y: T, label: T, og: T, p: Params): T {
  const o = ops(b);
  const ys = b.shape(y), ls = b.shape(label);
  const scale = p.gradScale as number;
  if (shapeEqual(ys, ls)) {
    // Probabilities as labels: no one-hot, no normalisation.
    const g = o.mulS(o.sub(y, label), scale);
    return p.outGrad ? o.mul(g, og) : g;
  }
  const multi = p.multiOutput as boolean;
  // Classes on axis 1 (multi_output) or on the last axis of a [rows, K] view.
  const k = multi ? ys[1] : p.preserveShape ? ys[ys.length - 1] : sizeOf(ys) / ys[0];
  const rows = multi ? ys[0] : sizeOf(ys) / k;
  const inner = multi ? sizeOf(ys) / ys[0] / k : 1;
  const lab = o.reshape(label, multi ? [rows, inner] : [rows]);
  let hot = b.op("one_hot", [lab], { depth: k, dtype: b.dtype(y) });
  const alpha = p.smoothAlpha as number;
  if (alpha !== 0) hot = o.addS(o.mulS(hot, 1 - alpha - alpha / (k - 1)), alpha / (k - 1));
  // one_hot puts classes last: [rows, K] or [N, inner, K] -> [N, K, inner].
  const target = multi ? b.op("transpose", [hot], { axes: [0, 2, 1] }) : hot;
  let g = o.sub(o.reshape(y, multi ? [rows, k, inner] : [rows, k]), target);
  const ignore = p.ignoreLabel as number;
  const keep = b.op("_not_equal_scalar", [lab], { scalar: ignore });
  const keepB = o.reshape(keep, multi ? [rows, 1, inner] : [rows, 1]);
  if (p.useIgnore) g = o.mul(g, keepB);
  let norm: T | number = 1;
  if (p.normalization === "batch") norm = rows;
  else if (p.normalization === "valid") norm = validCount(b, keep);
  // multi_output also divides by the positions per image, except with "valid".
  const spatial = multi && p.normalization !== "valid" ? inner : 1;
  g = o.mulS(g, scale / spatial);
  g = typeof norm === "number" ? (norm === 1 ? g : o.mulS(g, 1 / norm)) : o.div(g, norm);
  g = o.reshape(g, ys);
  return p.outGrad ? o.mul(g, og) : g;
}

/** The loss-layer gradient of `data` for `_loss_head`; ignores the head gradient. */
function headGrad<T>(
  b: Builder<T>,
  { inputs, outputs: [y], outGrads: [og], params: p }: GradArgs<T>,
): (T | null)[] {
  const o = ops(b);
  const [, data, label] = inputs;
  const scale = p.gradScale as number;
  let g: T;
  switch (p.kind) {
    case "softmax":
      g = softmaxGrad(b, y, label, og, p);
      break;
    case "make_loss": {
      const ones = o.mulS(b.op("ones_like", [data]), scale);
      if (p.normalization === "batch") g = o.mulS(ones, 1 / b.shape(data)[0]);
      else if (p.normalization === "valid") {
        const valid = b.op("_greater_scalar", [y], { scalar: p.validThresh as number });
        g = o.div(ones, validCount(b, valid));
      } else g = ones;
      break;
    }
    default: {
      // Regression outputs: (out - label) (its sign for MAE), scaled by
      // grad_scale / (outputs per example), as MXNet's regression_output-inl.h.
      const ls = b.shape(label);
      const diff = o.sub(y, o.reshape(label, b.shape(y)));
      const perExample = sizeOf(ls) / (ls[0] || 1);
      g = o.mulS(p.kind === "mae" ? b.op("sign", [diff]) : diff, scale / perExample);
    }
  }
  return inputs.map((_, i) => (i === 1 ? g : null));
}

const lossHead: OpDef = {
  name: "_loss_head",
  inputs: (p) => (p.kind === "make_loss" ? ["out", "data"] : ["out", "data", "label"]),
  params: HEAD_PARAMS,
  inferShape: ([out, data]) => {
    if (!shapeEqual(out, data)) {
      throw new ShapeError(
        `_loss_head: out ${formatShape(out)} and data ${formatShape(data)} must match`,
      );
    }
    return [out];
  },
  gradient: headGrad,
  view: true,
  lowering: { kind: "primitive", run: (k, [out], [y]) => k.copy(out.view, y.view) },
};

/** The label shape SoftmaxOutput expects for data `d` (MXNet's InferShape). */
function softmaxLabelShapes(d: Shape, p: Params): Shape[] {
  if (p.multiOutput) {
    const rest = d.slice(2);
    return [[d[0], sizeOf(rest)], [d[0], ...rest], [d[0], 1, ...rest], d];
  }
  return [d.slice(0, -1), d];
}

const softmaxOutput: OpDef = {
  name: "SoftmaxOutput",
  aliases: ["Softmax"],
  inputs: ["data", "label"],
  params: {
    gradScale: HEAD_PARAMS.gradScale,
    ignoreLabel: HEAD_PARAMS.ignoreLabel,
    multiOutput: HEAD_PARAMS.multiOutput,
    useIgnore: HEAD_PARAMS.useIgnore,
    preserveShape: HEAD_PARAMS.preserveShape,
    normalization: NORMALIZATION,
    outGrad: HEAD_PARAMS.outGrad,
    smoothAlpha: HEAD_PARAMS.smoothAlpha,
  },
  inferShape: ([d, l], p) => {
    const ok = softmaxLabelShapes(d, p);
    const lsize = sizeOf(l), rows = p.multiOutput ? 0 : sizeOf(d) / (d[d.length - 1] || 1);
    // Without multi_output a flat label of one entry per row also works.
    if (!ok.some((s) => shapeEqual(s, l)) && !(l.length === 1 && lsize === rows)) {
      throw new ShapeError(
        `SoftmaxOutput: label has shape ${formatShape(l)}; for data ${formatShape(d)} expected ${
          ok.map(formatShape).join(" or ")
        }`,
      );
    }
    if (!p.multiOutput && !p.preserveShape && d.length > 2 && !shapeEqual(d, l)) {
      throw new ShapeError(
        `SoftmaxOutput: data ${formatShape(d)} has more than 2 axes; set multi_output ` +
          `(classes on axis 1) or preserve_shape (classes on the last axis)`,
      );
    }
    return [d];
  },
  inferInputShapes: ([d, l], p) => [d, l ?? (d && softmaxLabelShapes(d, p)[0])],
  lowering: {
    kind: "composite",
    compose: (b, [x, label], p) => {
      const xs = b.shape(x);
      const axis = p.multiOutput ? 1 : -1;
      const flat = !p.multiOutput && !p.preserveShape ? [xs[0], sizeOf(xs) / xs[0]] : xs;
      const prob = reshapeTo(b, b.op("softmax", [reshapeTo(b, x, flat)], { axis }), xs);
      return [b.op("_loss_head", [prob, x, label], { ...p, kind: "softmax" })];
    },
  },
};

function regressionLabel(d: Shape): Shape {
  // MXNet's special case: a [N, 1] output takes a [N] label.
  return d.length === 2 && d[1] === 1 ? [d[0]] : d;
}

function regressionOutput(name: string, kind: "linear" | "logistic" | "mae"): OpDef {
  return {
    name,
    inputs: ["data", "label"],
    params: { gradScale: HEAD_PARAMS.gradScale },
    inferShape: ([d, l]) => {
      if (l[0] !== d[0] || sizeOf(l) !== sizeOf(d)) {
        throw new ShapeError(
          `${name}: label has shape ${formatShape(l)}, inconsistent with data ${formatShape(d)}`,
        );
      }
      return [d];
    },
    inferInputShapes: ([d, l]) => [d, l ?? (d && regressionLabel(d))],
    lowering: {
      kind: "composite",
      compose: (b, [x, label], p) => {
        const out = kind === "logistic" ? b.op("sigmoid", [x]) : x;
        return [b.op("_loss_head", [out, x, label], { ...p, kind })];
      },
    },
  };
}

const makeLoss: OpDef = {
  name: "MakeLoss",
  aliases: ["make_loss"],
  inputs: ["data"],
  params: {
    gradScale: HEAD_PARAMS.gradScale,
    validThresh: HEAD_PARAMS.validThresh,
    normalization: NORMALIZATION,
  },
  inferShape: ([d]) => [d],
  lowering: {
    kind: "composite",
    compose: (b, [x], p) => [b.op("_loss_head", [x, x], { ...p, kind: "make_loss" })],
  },
};

const softmaxCrossEntropy: OpDef = {
  name: "softmax_cross_entropy",
  inputs: ["data", "label"],
  params: {},
  inferShape: ([d, l]) => {
    if (d.length !== 2 || l.length !== 1 || l[0] !== d[0]) {
      throw new ShapeError(
        `softmax_cross_entropy: data must be [batch, classes] and label [batch], got ${
          formatShape(d)
        } and ${formatShape(l)}`,
      );
    }
    return [[1]];
  },
  inferInputShapes: ([d, l]) => [d, l ?? (d && [d[0]])],
  lowering: {
    kind: "composite",
    compose: (b, [x, label]) => {
      const logp = b.op("log_softmax", [x], { axis: -1 });
      return [ops(b).neg(b.op("sum", [b.op("pick", [logp, label], { axis: -1 })]))];
    },
  },
};

/** Loss layers. */
export const LOSS_OPS: readonly OpDef[] = [
  lossHead,
  softmaxOutput,
  regressionOutput("LinearRegressionOutput", "linear"),
  regressionOutput("LogisticRegressionOutput", "logistic"),
  regressionOutput("MAERegressionOutput", "mae"),
  makeLoss,
  softmaxCrossEntropy,
];
