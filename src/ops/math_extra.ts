/**
 * MXNet's further math operators (issue #19): log2, log10, the inverse hyperbolic
 * functions, degrees/radians, rint/fix, gamma/gammaln/erfinv, rcbrt, hard_sigmoid, the
 * logical operators, mod and hypot (broadcast and scalar forms), softmin, nansum and nanprod.
 * Each elementwise one is a row of src/ops/elementwise_table.ts; gradients follow MXNet's
 * (mshadow_op.h): rint, fix and the logical operators have none, gamma and gammaln go
 * through MXNet's `_backward_gamma`/`_backward_gammaln` rows (digamma).
 * @module
 */
import { normalizeAxes, reducedShape } from "../core/shape.ts";
import { ops } from "./_builder_util.ts";
import { binaryOp, type Grad, sameDTypes, unaryOp } from "./elementwise.ts";
import { BINARY, FUSED, UNARY } from "./elementwise_table.ts";
import type { OpDef, Params } from "./op_def.ts";
import { REDUCE_OPS } from "./reduce.ts";

const SQRT_PI_OVER_2 = Math.sqrt(Math.PI) / 2;

/** [gradient, aliases] per unary row. */
const unaryGrads: Record<string, [Grad | null, string[]]> = {
  log2: [(b, { inputs: [x], outGrads: [g] }) => [ops(b).div(g, ops(b).mulS(x, Math.LN2))], []],
  log10: [(b, { inputs: [x], outGrads: [g] }) => [ops(b).div(g, ops(b).mulS(x, Math.LN10))], []],
  arcsinh: [(b, { inputs: [x], outGrads: [g] }) => {
    const o = ops(b);
    return [o.mul(g, b.op("rsqrt", [o.addS(o.mul(x, x), 1)]))];
  }, []],
  arccosh: [(b, { inputs: [x], outGrads: [g] }) => {
    const o = ops(b);
    return [o.mul(g, b.op("rsqrt", [o.addS(o.mul(x, x), -1)]))];
  }, []],
  arctanh: [(b, { inputs: [x], outGrads: [g] }) => {
    const o = ops(b);
    return [o.div(g, o.rsubS(o.mul(x, x), 1))];
  }, []],
  degrees: [(b, { outGrads: [g] }) => [ops(b).mulS(g, 180 / Math.PI)], []],
  radians: [(b, { outGrads: [g] }) => [ops(b).mulS(g, Math.PI / 180)], []],
  rint: [null, []],
  fix: [null, []],
  gamma: [(b, { inputs: [x], outGrads: [g] }) => [b.op("_backward_gamma", [g, x])], [
    "_npx_gamma",
  ]],
  gammaln: [(b, { inputs: [x], outGrads: [g] }) => [b.op("_backward_gammaln", [g, x])], [
    "_npx_gammaln",
  ]],
  // d/dy erfinv(y) = sqrt(pi)/2 * exp(erfinv(y)^2), from the output as MXNet does.
  erfinv: [(b, { outputs: [y], outGrads: [g] }) => {
    const o = ops(b);
    return [o.mul(g, o.mulS(b.op("exp", [o.mul(y, y)]), SQRT_PI_OVER_2))];
  }, ["_npx_erfinv"]],
  // d/dx x^(-1/3) = -x^(-1/3) / (3x).
  rcbrt: [(b, { inputs: [x], outputs: [y], outGrads: [g] }) => {
    const o = ops(b);
    return [o.mulS(o.div(o.mul(g, y), x), -1 / 3)];
  }, []],
  logical_not: [null, []],
};

const scalarOf = (p: Params) => p.scalar as number;

/** [gradient, aliases] per scalar row. */
const scalarGrads: Record<string, [Grad | null, string[]]> = {
  _mod_scalar: [(_b, { outGrads: [g] }) => [g], ["_ModScalar"]],
  // d/dx (s mod x) = -floor(s / x).
  _rmod_scalar: [(b, { inputs: [x], outGrads: [g], params }) => {
    const o = ops(b);
    return [o.mul(g, o.neg(b.op("floor", [o.rdivS(x, scalarOf(params))])))];
  }, ["_RModScalar"]],
  _hypot_scalar: [(b, { inputs: [x], outputs: [y], outGrads: [g] }) => {
    const o = ops(b);
    return [o.div(o.mul(g, x), y)];
  }, ["_HypotScalar", "_npi_hypot_scalar"]],
  _logical_and_scalar: [null, ["_LogicalAndScalar"]],
  _logical_or_scalar: [null, ["_LogicalOrScalar"]],
  _logical_xor_scalar: [null, ["_LogicalXorScalar"]],
};

/** [gradient, aliases] per broadcasting binary row. */
const binaryGrads: Record<string, [Grad | null, string[]]> = {
  // d/da (a mod b) = 1, d/db = -floor(a / b).
  broadcast_mod: [(b, { inputs: [x, y], outGrads: [g] }) => {
    const o = ops(b);
    const gy = o.mul(g, o.neg(b.op("floor", [o.div(x, y)])));
    return [o.sumTo(g, b.shape(x)), o.sumTo(gy, b.shape(y))];
  }, ["_mod", "_Mod"]],
  broadcast_hypot: [(b, { inputs: [x, y], outputs: [z], outGrads: [g] }) => {
    const o = ops(b);
    const gz = o.div(g, z);
    return [o.sumTo(o.mul(gz, x), b.shape(x)), o.sumTo(o.mul(gz, y), b.shape(y))];
  }, ["_hypot", "_Hypot"]],
  broadcast_logical_and: [null, ["_logical_and", "_Logical_And"]],
  broadcast_logical_or: [null, ["_logical_or", "_Logical_Or"]],
  broadcast_logical_xor: [null, ["_logical_xor", "_Logical_Xor"]],
};

const HARD_SIGMOID_PARAMS = {
  alpha: { type: "float", default: 0.2 },
  beta: { type: "float", default: 0.5 },
} as const;

const alphaBeta = (p: Params) => [p.alpha as number, p.beta as number];

/** `hard_sigmoid(data, alpha=0.2, beta=0.5)` = max(0, min(1, alpha * data + beta)). */
const hardSigmoid: OpDef = {
  name: "hard_sigmoid",
  inputs: ["data"],
  params: HARD_SIGMOID_PARAMS,
  inferShape: (s) => [s[0]],
  gradient: (b, { inputs: [x], outGrads: [g], params }) => [
    b.op("_backward_hard_sigmoid", [g, x], { alpha: params.alpha, beta: params.beta }),
  ],
  lowering: { kind: "elementwise", row: UNARY.hard_sigmoid, scalars: alphaBeta },
};

/** A backward row `(grad, data)`: MXNet registers no gradient for these. */
function backwardOp(
  name: "_backward_hard_sigmoid" | "_backward_gamma" | "_backward_gammaln",
  params: OpDef["params"],
  scalars: (p: Params) => number[],
): OpDef {
  const check = sameDTypes(name, ["grad", "data"]);
  return {
    name,
    inputs: ["grad", "data"],
    params,
    inferShape: (s) => [s[0]],
    inferType: (t) => {
      check(t);
      return [t[0]];
    },
    differentiable: false,
    lowering: { kind: "elementwise", row: FUSED[name], scalars },
  };
}

/** `softmin(data, axis=-1, temperature=None)`: softmax of -data. */
const softmin: OpDef = {
  name: "softmin",
  inputs: ["data"],
  params: { axis: { type: "int", default: -1 }, temperature: { type: "float", default: null } },
  inferShape: (s) => [s[0]],
  lowering: {
    kind: "composite",
    compose: (b, [x], p) => [b.op("softmax", [b.op("negative", [x])], { ...p })],
  },
};

const sumDef = REDUCE_OPS.find((o) => o.name === "sum")!;

/**
 * A reduction skipping NaN: `base` over the data with NaN replaced by `fill` (0 for sum,
 * 1 for prod). The replacement is a `_where`, so the gradient at a NaN is 0, as MXNet's
 * nansum_grad/nanprod_grad give.
 */
function nanReduce(name: string, base: string, fill: "zeros_like" | "ones_like"): OpDef {
  return {
    name,
    inputs: ["data"],
    params: sumDef.params,
    // As sum's (a full reduction gives [1], MXNet's non-numpy rule), with errors naming `name`.
    inferShape: ([s], p) => {
      const axes = normalizeAxes(
        p.axis as number | number[] | null,
        s.length,
        `${name}: parameter axis`,
        p.exclude as boolean,
      );
      const r = reducedShape(s, axes, p.keepdims as boolean);
      return [r.length === 0 ? [1] : r];
    },
    lowering: {
      kind: "composite",
      compose: (b, [x], p) => {
        const isNan = b.op("broadcast_not_equal", [x, x]);
        return [b.op(base, [b.op("_where", [isNan, b.op(fill, [x]), x])], { ...p })];
      },
    },
  };
}

/** Every operator of this file. */
export const MATH_EXTRA_OPS: readonly OpDef[] = [
  ...Object.entries(unaryGrads).map(([name, [g, aliases]]) =>
    unaryOp(UNARY[name as keyof typeof UNARY], g, aliases.length ? { aliases } : {})
  ),
  ...Object.entries(scalarGrads).map(([name, [g, aliases]]) =>
    unaryOp(UNARY[name as keyof typeof UNARY], g, { aliases })
  ),
  ...Object.entries(binaryGrads).map(([name, [g, aliases]]) =>
    binaryOp(BINARY[name as keyof typeof BINARY], g, aliases)
  ),
  hardSigmoid,
  backwardOp("_backward_hard_sigmoid", HARD_SIGMOID_PARAMS, alphaBeta),
  backwardOp("_backward_gamma", {}, () => []),
  backwardOp("_backward_gammaln", {}, () => []),
  softmin,
  nanReduce("nansum", "sum", "zeros_like"),
  nanReduce("nanprod", "prod", "ones_like"),
];
