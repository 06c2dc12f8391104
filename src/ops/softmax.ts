/**
 * softmax and log_softmax, composed from reductions and elementwise ops.
 * @module
 */
import { normalizeAxis } from "../core/shape.ts";
import { ops } from "./_builder_util.ts";
import type { Builder, OpDef, Params } from "./op_def.ts";

const PARAMS = {
  axis: { type: "int", default: -1 },
  temperature: { type: "float", default: null },
} as const;

/** x/T minus its max along the axis: the numerically safe exponent. */
function shifted<T>(b: Builder<T>, x: T, p: Params): { z: T; axis: number } {
  const o = ops(b);
  const axis = normalizeAxis(p.axis as number, b.shape(x).length, "softmax: axis");
  const t = p.temperature as number | null;
  const xt = t === null || t === 1 ? x : o.mulS(x, 1 / t);
  // The max only shifts the exponent; blocking its gradient keeps backward exact & cheap.
  const m = b.op("BlockGrad", [b.op("max", [xt], { axis, keepdims: true })]);
  return { z: o.sub(xt, m), axis };
}

const softmax: OpDef = {
  name: "softmax",
  inputs: ["data"],
  params: PARAMS,
  inferShape: (s) => [s[0]],
  lowering: {
    kind: "composite",
    compose: (b, [x], p) => {
      const { z, axis } = shifted(b, x, p);
      const e = b.op("exp", [z]);
      return [ops(b).div(e, b.op("sum", [e], { axis, keepdims: true }))];
    },
  },
};

const logSoftmax: OpDef = {
  name: "log_softmax",
  inputs: ["data"],
  params: PARAMS,
  inferShape: (s) => [s[0]],
  lowering: {
    kind: "composite",
    compose: (b, [x], p) => {
      const { z, axis } = shifted(b, x, p);
      const lse = b.op("log", [b.op("sum", [b.op("exp", [z])], { axis, keepdims: true })]);
      return [ops(b).sub(z, lse)];
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
