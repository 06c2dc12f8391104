/**
 * softmax and log_softmax, composed from reductions and elementwise ops, with MXNet's
 * `dtype` (the output dtype) and `use_length` (a second input `length`, one per row along
 * `axis`: positions at or past it are left out and output 0).
 * @module
 */
import type { DType } from "../core/dtype.ts";
import { ShapeError } from "../core/errors.ts";
import { formatShape, normalizeAxis, type Shape } from "../core/shape.ts";
import { ops } from "./_builder_util.ts";
import type { Builder, OpDef, Params } from "./op_def.ts";

const PARAMS = {
  axis: { type: "int", default: -1 },
  temperature: { type: "float", default: null },
  // MXNet's output dtype override and length masking.
  dtype: { type: "dtype", default: null, values: ["float16", "float32", "float64"] },
  useLength: { type: "bool", default: false },
} as const;

const BYTES: Partial<Record<DType, number>> = { float16: 2, float32: 4, float64: 8 };
/** The lowest finite value of a float dtype: masked positions take it before the max. */
const LOWEST: Partial<Record<DType, number>> = {
  float16: -65504,
  float32: -3.4028234663852886e38,
  float64: -Number.MAX_VALUE,
};

/** The length input's expected shape: data's without `axis` ([1] for 1-D data). */
function lengthShape(op: string, x: Shape, len: Shape, axis: number): void {
  const want = x.length === 1 ? [1] : x.filter((_, i) => i !== axis);
  if (formatShape(len) !== formatShape(want)) {
    throw new ShapeError(
      `${op}: length has shape ${formatShape(len)}, expected ${formatShape(want)} (data ${
        formatShape(x)
      } without axis ${axis})`,
    );
  }
}

/**
 * The input in the dtype computed with (a wider `dtype` is computed in), and with
 * `use_length` the mask of kept positions (broadcastable to x) and x with the others set
 * to the lowest finite value, so they neither win the max nor add to the sum.
 */
function prepare<T>(b: Builder<T>, op: string, x: T, len: T | undefined, p: Params) {
  const want = p.dtype as DType | null;
  if (want && (BYTES[want] ?? 0) > (BYTES[b.dtype(x)] ?? 0)) x = b.op("Cast", [x], { dtype: want });
  const s = b.shape(x);
  const axis = normalizeAxis(p.axis as number, s.length, `${op}: axis`);
  if (!p.useLength || !len) return { x, axis, mask: undefined };
  lengthShape(op, s, b.shape(len), axis);
  const dt = b.dtype(x);
  const pos = b.op("_iota", [], { size: s[axis], dtype: dt });
  const posShape = s.map((d, i) => (i === axis ? d : 1));
  const lenShape = s.map((d, i) => (i === axis ? 1 : d));
  const l = b.dtype(len) === dt ? len : b.op("Cast", [len], { dtype: dt });
  const mask = b.op("broadcast_lesser", [
    ops(b).reshape(pos, posShape),
    ops(b).reshape(b.op("BlockGrad", [l]), lenShape),
  ]);
  const low = b.op("_full", [], { shape: [1], value: LOWEST[dt] ?? -Infinity, dtype: dt });
  return { x: b.op("_where", [mask, x, low]), axis, mask };
}

/** The result in the requested dtype, 0 at masked positions. */
function finish<T>(b: Builder<T>, y: T, mask: T | undefined, p: Params): T {
  if (mask) y = b.op("_where", [mask, y, b.op("zeros_like", [y])]);
  const want = p.dtype as DType | null;
  return want && want !== b.dtype(y) ? b.op("Cast", [y], { dtype: want }) : y;
}

/** x/T minus its max along the axis: the numerically safe exponent. */
function shifted<T>(b: Builder<T>, x: T, axis: number, p: Params): T {
  const o = ops(b);
  const t = p.temperature as number | null;
  const xt = t === null || t === 1 ? x : o.mulS(x, 1 / t);
  // The max only shifts the exponent; blocking its gradient keeps backward exact & cheap.
  const m = b.op("BlockGrad", [b.op("max", [xt], { axis, keepdims: true })]);
  return o.sub(xt, m);
}

const inputNames = (p: Params) => (p.useLength ? ["data", "length"] : ["data"]);
const inferShape = (op: string) => (s: readonly Shape[], p: Params): Shape[] => {
  if (p.useLength && s[1]) {
    lengthShape(op, s[0], s[1], normalizeAxis(p.axis as number, s[0].length, `${op}: axis`));
  }
  return [s[0]];
};
const inferType = (t: readonly DType[], p: Params): DType[] => [(p.dtype as DType | null) ?? t[0]];

const softmax: OpDef = {
  name: "softmax",
  aliases: ["_npx_softmax"],
  inputs: inputNames,
  params: PARAMS,
  inferShape: inferShape("softmax"),
  inferType,
  lowering: {
    kind: "composite",
    compose: (b, [data, len], p) => {
      const { x, axis, mask } = prepare(b, "softmax", data, len, p);
      const e = b.op("exp", [shifted(b, x, axis, p)]);
      return [finish(b, ops(b).div(e, b.op("sum", [e], { axis, keepdims: true })), mask, p)];
    },
  },
};

const logSoftmax: OpDef = {
  name: "log_softmax",
  aliases: ["_npx_log_softmax"],
  inputs: inputNames,
  params: PARAMS,
  inferShape: inferShape("log_softmax"),
  inferType,
  lowering: {
    kind: "composite",
    compose: (b, [data, len], p) => {
      const { x, axis, mask } = prepare(b, "log_softmax", data, len, p);
      const z = shifted(b, x, axis, p);
      const lse = b.op("log", [b.op("sum", [b.op("exp", [z])], { axis, keepdims: true })]);
      return [finish(b, ops(b).sub(z, lse), mask, p)];
    },
  },
};

/** Identity forward, zero gradient (MXNet's BlockGrad / stop_gradient). */
const blockGrad: OpDef = {
  name: "BlockGrad",
  aliases: ["stop_gradient"],
  inputs: ["data"],
  params: {},
  inferShape: (s) => [s[0]],
  // Not recorded by autograd, so nothing flows back through it.
  differentiable: false,
  view: true,
  lowering: { kind: "primitive", run: (k, [x], [out]) => k.copy(x.view, out.view) },
};

/** softmax-family operators. */
export const SOFTMAX_OPS: readonly OpDef[] = [softmax, logSoftmax, blockGrad];
