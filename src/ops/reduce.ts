/**
 * Reductions: sum, mean, prod, max, min, norm, argmax, argmin.
 * @module
 */
import { normalizeAxes, normalizeAxis, reducedShape, type Shape, sizeOf } from "../core/shape.ts";
import type { ReduceOp } from "../../backends/backend.ts";
import { ops } from "./_builder_util.ts";
import type { Builder, OpDef, Params, ParamSpec } from "./op_def.ts";

const REDUCE_PARAMS: Record<string, ParamSpec> = {
  axis: { type: "axes", default: null },
  keepdims: { type: "bool", default: false },
  exclude: { type: "bool", default: false },
};

function axesOf(shape: Shape, p: Params, name: string): number[] {
  return normalizeAxes(
    p.axis as number | number[] | null,
    shape.length,
    `${name}: parameter axis`,
    p.exclude as boolean,
  );
}

/** MXNet (non-numpy mode) never returns a 0-d array: a full reduction gives shape [1]. */
function outShape(shape: Shape, axes: number[], keepdims: boolean): number[] {
  const s = reducedShape(shape, axes, keepdims);
  return s.length === 0 ? [1] : s;
}

/** The gradient's shape before broadcasting back: reduced axes kept as 1. */
function keptShape(shape: Shape, axes: number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

function reduceOp(
  name: string,
  op: ReduceOp,
  grad: OpDef["gradient"],
  aliases: string[] = [],
): OpDef {
  return {
    name,
    aliases,
    inputs: ["data"],
    params: REDUCE_PARAMS,
    inferShape: (s, p) => [outShape(s[0], axesOf(s[0], p, name), p.keepdims as boolean)],
    gradient: grad,
    lowering: {
      kind: "primitive",
      run: (k, [x], [out], p) => k.reduce(op, x.buf, x.shape, axesOf(x.shape, p, name), out.buf),
    },
  };
}

/** Broadcasts the output gradient back over the reduced axes of x. */
function spread<T>(b: Builder<T>, g: T, x: T, p: Params, name: string): T {
  const o = ops(b);
  const xs = b.shape(x);
  return o.broadcastTo(o.reshape(g, keptShape(xs, axesOf(xs, p, name))), xs);
}

const sum = reduceOp("sum", "sum", (b, { inputs: [x], outGrads: [g], params }) => [
  spread(b, g, x, params, "sum"),
], ["sum_axis"]);

const prod = reduceOp("prod", "prod", (b, { inputs: [x], outputs: [y], outGrads: [g], params }) => {
  const o = ops(b);
  return [o.div(o.mul(spread(b, g, x, params, "prod"), spread(b, y, x, params, "prod")), x)];
});

function extremumGrad(name: string): OpDef["gradient"] {
  // The gradient goes to every element equal to the extremum, as in MXNet.
  return (b, { inputs: [x], outputs: [y], outGrads: [g], params }) => {
    const o = ops(b);
    const mask = b.op("broadcast_equal", [x, spread(b, y, x, params, name)]);
    return [o.mul(spread(b, g, x, params, name), mask)];
  };
}

const max = reduceOp("max", "max", extremumGrad("max"), ["max_axis"]);
const min = reduceOp("min", "min", extremumGrad("min"), ["min_axis"]);

/**
 * Runs `f` on x in float32 when x is float16 and rounds its result back once: a float16
 * sum overflows (65504) long before the mean or norm it feeds does, so MXNet accumulates
 * float16 reductions in float32 (a mean of 10^7 ones is 1, not inf).
 */
function inFloat32<T>(b: Builder<T>, x: T, f: (x: T) => T): T {
  if (b.dtype(x) !== "float16") return f(x);
  return b.op("Cast", [f(b.op("Cast", [x], { dtype: "float32" }))], { dtype: "float16" });
}

const mean: OpDef = {
  name: "mean",
  inputs: ["data"],
  params: REDUCE_PARAMS,
  inferShape: sum.inferShape,
  lowering: {
    kind: "composite",
    compose: (b, [x], p) => {
      const xs = b.shape(x);
      const n = sizeOf(xs.filter((_, i) => axesOf(xs, p, "mean").includes(i)));
      return [
        inFloat32(b, x, (x) => ops(b).mulS(b.op("sum", [x], { ...p }), n === 0 ? NaN : 1 / n)),
      ];
    },
  },
};

/** `norm(data, ord=2)`: the L2 norm (or L1 with `ord: 1`) over `axis`. */
const norm: OpDef = {
  name: "norm",
  inputs: ["data"],
  params: {
    // MXNet: "norm only supports ord=1 and ord=2".
    ord: { type: "int", default: 2, values: [1, 2] },
    axis: { type: "axes", default: null },
    keepdims: { type: "bool", default: false },
  },
  inferShape: (s, p) => {
    const axes = normalizeAxes(p.axis as number | number[] | null, s[0].length, "norm: axis");
    return [outShape(s[0], axes, p.keepdims as boolean)];
  },
  lowering: {
    kind: "composite",
    compose: (b, [x], p) => {
      const sp = { axis: p.axis, keepdims: p.keepdims };
      if (p.ord === 1) return [inFloat32(b, x, (x) => b.op("sum", [b.op("abs", [x])], sp))];
      return [inFloat32(b, x, (x) => b.op("sqrt", [b.op("sum", [b.op("square", [x])], sp)]))];
    },
  },
};

function argOp(name: string, op: ReduceOp): OpDef {
  const axisOf = (s: Shape, p: Params) =>
    p.axis === null ? null : normalizeAxis(p.axis as number, s.length, `${name}: axis`);
  return {
    name,
    inputs: ["data"],
    params: { axis: { type: "axes", default: null }, keepdims: { type: "bool", default: false } },
    inferShape: (s, p) => {
      const a = axisOf(s[0], p);
      if (a === null) return [p.keepdims ? s[0].map(() => 1) : [1]];
      return [outShape(s[0], [a], p.keepdims as boolean)];
    },
    // MXNet returns indices as float32.
    inferType: () => ["float32"],
    differentiable: false,
    lowering: {
      kind: "primitive",
      run: (k, [x], [out], p) => {
        const a = axisOf(x.shape, p);
        // axis=None: the index into the flattened array.
        const shape = a === null ? [sizeOf(x.shape)] : x.shape;
        return k.reduce(op, x.buf, shape, a === null ? [0] : [a], out.buf);
      },
    },
  };
}

/** Every reduction operator. */
export const REDUCE_OPS: readonly OpDef[] = [
  sum,
  mean,
  prod,
  max,
  min,
  norm,
  argOp("argmax", "argmax"),
  argOp("argmin", "argmin"),
];
