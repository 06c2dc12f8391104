/**
 * Elementwise operators: math functions, scalar forms, broadcasting binaries, `where`
 * and `clip`. Each is a row of the elementwise table plus its gradient.
 * @module
 */
import { isFloat } from "../core/dtype.ts";
import { DTypeError } from "../core/errors.ts";
import { broadcastShapes, type Shape } from "../core/shape.ts";
import { ops } from "./_builder_util.ts";
import { BINARY, type ElementwiseRow, FUSED, TERNARY, UNARY } from "./elementwise_table.ts";
import type { Builder, GradArgs, OpDef, Params } from "./op_def.ts";

/** @ignore A gradient function. */
export type Grad = <T>(b: Builder<T>, g: GradArgs<T>) => (T | null)[];

/** @ignore A dtype check: every input has the first's dtype (names the op and argument). */
export function sameDTypes(name: string, argNames: readonly string[]) {
  return (types: readonly string[]) => {
    for (let i = 1; i < types.length; i++) {
      if (types[i] !== types[0]) {
        throw new DTypeError(
          `${name}: ${argNames[i]} has dtype ${types[i]} but ${argNames[0]} has ${types[0]}; ` +
            `cast one with astype() first`,
        );
      }
    }
  };
}

/** @ignore The OpDef of a unary (or scalar, `scalar` parameter) table row. */
export function unaryOp(
  row: ElementwiseRow,
  gradient: Grad | null,
  extra: Partial<OpDef> = {},
): OpDef {
  return {
    name: row.name,
    inputs: ["data"],
    params: row.scalars === 1 ? { scalar: { type: "float", default: 1 } } : {},
    inferShape: (s) => [s[0]],
    ...(gradient ? { gradient } : { differentiable: false }),
    lowering: {
      kind: "elementwise",
      row,
      // As MXNet's DType(scalar): an integer array truncates the scalar first (int + 0.5 = int).
      scalars: (p, dtype) =>
        row.scalars ? [isFloat(dtype) ? p.scalar as number : Math.trunc(p.scalar as number)] : [],
    },
    ...extra,
  };
}

const mathGrads: Record<string, Grad | null> = {
  negative: (b, { outGrads: [g] }) => [ops(b).neg(g)],
  abs: (b, { inputs: [x], outGrads: [g] }) => [ops(b).mul(g, b.op("sign", [x]))],
  sign: null,
  floor: null,
  ceil: null,
  round: null,
  trunc: null,
  exp: (b, { outputs: [y], outGrads: [g] }) => [ops(b).mul(g, y)],
  log: (b, { inputs: [x], outGrads: [g] }) => [ops(b).div(g, x)],
  log1p: (b, { inputs: [x], outGrads: [g] }) => [ops(b).div(g, ops(b).addS(x, 1))],
  expm1: (b, { outputs: [y], outGrads: [g] }) => [ops(b).mul(g, ops(b).addS(y, 1))],
  sqrt: (b, { outputs: [y], outGrads: [g] }) => [ops(b).div(ops(b).mulS(g, 0.5), y)],
  rsqrt: (b, { outputs: [y], outGrads: [g] }) => {
    const o = ops(b);
    return [o.mul(o.mulS(g, -0.5), o.mul(y, o.mul(y, y)))];
  },
  square: (b, { inputs: [x], outGrads: [g] }) => [ops(b).mul(g, ops(b).mulS(x, 2))],
  cbrt: (b, { outputs: [y], outGrads: [g] }) => {
    const o = ops(b);
    return [o.div(g, o.mulS(o.mul(y, y), 3))];
  },
  reciprocal: (b, { outputs: [y], outGrads: [g] }) => {
    const o = ops(b);
    return [o.neg(o.mul(g, o.mul(y, y)))];
  },
  sin: (b, { inputs: [x], outGrads: [g] }) => [ops(b).mul(g, b.op("cos", [x]))],
  cos: (b, { inputs: [x], outGrads: [g] }) => [ops(b).neg(ops(b).mul(g, b.op("sin", [x])))],
  tan: (b, { outputs: [y], outGrads: [g] }) => [ops(b).mul(g, ops(b).addS(ops(b).mul(y, y), 1))],
  arcsin: (b, { inputs: [x], outGrads: [g] }) => {
    const o = ops(b);
    return [o.mul(g, b.op("rsqrt", [o.rsubS(o.mul(x, x), 1)]))];
  },
  arccos: (b, { inputs: [x], outGrads: [g] }) => {
    const o = ops(b);
    return [o.neg(o.mul(g, b.op("rsqrt", [o.rsubS(o.mul(x, x), 1)])))];
  },
  arctan: (b, { inputs: [x], outGrads: [g] }) => {
    const o = ops(b);
    return [o.div(g, o.addS(o.mul(x, x), 1))];
  },
  sinh: (b, { inputs: [x], outGrads: [g] }) => [ops(b).mul(g, b.op("cosh", [x]))],
  cosh: (b, { inputs: [x], outGrads: [g] }) => [ops(b).mul(g, b.op("sinh", [x]))],
  tanh: (b, { outputs: [y], outGrads: [g] }) => {
    const o = ops(b);
    return [o.mul(g, o.rsubS(o.mul(y, y), 1))];
  },
  sigmoid: (b, { outputs: [y], outGrads: [g] }) => {
    const o = ops(b);
    return [o.mul(g, o.mul(y, o.rsubS(y, 1)))];
  },
  relu: (b, { inputs: [x], outGrads: [g] }) => [b.op("_backward_relu", [g, x])],
  softsign: (b, { inputs: [x], outGrads: [g] }) => {
    const o = ops(b);
    const d = o.addS(b.op("abs", [x]), 1);
    return [o.div(g, o.mul(d, d))];
  },
  erf: (b, { inputs: [x], outGrads: [g] }) => {
    const o = ops(b);
    return [o.mul(g, o.mulS(b.op("exp", [o.neg(o.mul(x, x))]), 2 / Math.sqrt(Math.PI)))];
  },
};

const scalar = (p: Params) => p.scalar as number;
const scalarGrads: Record<string, Grad | null> = {
  _plus_scalar: (_b, { outGrads: [g] }) => [g],
  _minus_scalar: (_b, { outGrads: [g] }) => [g],
  _rminus_scalar: (b, { outGrads: [g] }) => [ops(b).neg(g)],
  _mul_scalar: (b, { outGrads: [g], params }) => [ops(b).mulS(g, scalar(params))],
  _div_scalar: (b, { outGrads: [g], params }) => [ops(b).mulS(g, 1 / scalar(params))],
  _rdiv_scalar: (b, { inputs: [x], outputs: [y], outGrads: [g] }) => {
    const o = ops(b);
    return [o.neg(o.div(o.mul(g, y), x))];
  },
  _power_scalar: (b, { inputs: [x], outGrads: [g], params }) => {
    const o = ops(b);
    const s = scalar(params);
    return [o.mul(g, o.mulS(b.op("_power_scalar", [x], { scalar: s - 1 }), s))];
  },
  _rpower_scalar: (b, { outputs: [y], outGrads: [g], params }) => [
    ops(b).mul(g, ops(b).mulS(y, Math.log(scalar(params)))),
  ],
  _maximum_scalar: (b, { inputs: [x], outGrads: [g], params }) => [
    ops(b).mul(g, ops(b).cmpS("_greater_equal_scalar", x, scalar(params))),
  ],
  _minimum_scalar: (b, { inputs: [x], outGrads: [g], params }) => [
    ops(b).mul(g, ops(b).cmpS("_lesser_equal_scalar", x, scalar(params))),
  ],
  _equal_scalar: null,
  _not_equal_scalar: null,
  _greater_scalar: null,
  _greater_equal_scalar: null,
  _lesser_scalar: null,
  _lesser_equal_scalar: null,
};

/** @ignore The OpDef of a broadcasting binary table row. */
export function binaryOp(row: ElementwiseRow, gradient: Grad | null, aliases: string[]): OpDef {
  const check = sameDTypes(row.name, ["lhs", "rhs"]);
  return {
    name: row.name,
    aliases,
    inputs: ["lhs", "rhs"],
    params: {},
    inferShape: (s) => [broadcastShapes(s, row.name)],
    inferType: (t) => {
      check(t);
      return [t[0]];
    },
    ...(gradient ? { gradient } : { differentiable: false }),
    lowering: { kind: "elementwise", row, scalars: () => [] },
  };
}

function shapes<T>(b: Builder<T>, xs: readonly T[]): Shape[] {
  return xs.map((x) => b.shape(x));
}

const binaryGrads: Record<string, [Grad | null, string[]]> = {
  broadcast_add: [(b, { inputs, outGrads: [g] }) => {
    const [sa, sb] = shapes(b, inputs);
    return [ops(b).sumTo(g, sa), ops(b).sumTo(g, sb)];
  }, ["elemwise_add", "_plus", "_Plus", "_add", "broadcast_plus"]],
  broadcast_sub: [(b, { inputs, outGrads: [g] }) => {
    const [sa, sb] = shapes(b, inputs);
    const o = ops(b);
    return [o.sumTo(g, sa), o.sumTo(o.neg(g), sb)];
  }, ["elemwise_sub", "_minus", "_Minus", "_sub", "broadcast_minus"]],
  broadcast_mul: [(b, { inputs: [x, y], outGrads: [g] }) => {
    const o = ops(b);
    return [o.sumTo(o.mul(g, y), b.shape(x)), o.sumTo(o.mul(g, x), b.shape(y))];
  }, ["elemwise_mul", "_mul", "_Mul"]],
  broadcast_div: [(b, { inputs: [x, y], outputs: [z], outGrads: [g] }) => {
    const o = ops(b);
    const gx = o.div(g, y);
    return [o.sumTo(gx, b.shape(x)), o.sumTo(o.neg(o.mul(gx, z)), b.shape(y))];
  }, ["elemwise_div", "_div", "_Div"]],
  broadcast_power: [(b, { inputs: [x, y], outputs: [z], outGrads: [g] }) => {
    const o = ops(b);
    const gx = o.mul(g, o.mul(y, b.op("broadcast_power", [x, o.addS(y, -1)])));
    const gy = o.mul(g, o.mul(z, b.op("log", [x])));
    return [o.sumTo(gx, b.shape(x)), o.sumTo(gy, b.shape(y))];
  }, ["_power", "_Power"]],
  broadcast_maximum: [(b, { inputs: [x, y], outGrads: [g] }) => {
    const o = ops(b);
    const m = b.op("broadcast_greater_equal", [x, y]);
    return [o.sumTo(o.mul(g, m), b.shape(x)), o.sumTo(o.mul(g, o.rsubS(m, 1)), b.shape(y))];
  }, ["_maximum", "_Maximum"]],
  broadcast_minimum: [(b, { inputs: [x, y], outGrads: [g] }) => {
    const o = ops(b);
    const m = b.op("broadcast_lesser_equal", [x, y]);
    return [o.sumTo(o.mul(g, m), b.shape(x)), o.sumTo(o.mul(g, o.rsubS(m, 1)), b.shape(y))];
  }, ["_minimum", "_Minimum"]],
  broadcast_equal: [null, ["_equal"]],
  broadcast_not_equal: [null, ["_not_equal"]],
  broadcast_greater: [null, ["_greater"]],
  broadcast_greater_equal: [null, ["_greater_equal"]],
  broadcast_lesser: [null, ["_lesser"]],
  broadcast_lesser_equal: [null, ["_lesser_equal"]],
};

const checkWhere = sameDTypes("where", ["condition", "x", "y"]);

/**
 * MXNet's where: the condition has x's shape, or is 1-D with x's first dimension and
 * then selects whole rows. Returned as the shape the condition broadcasts from.
 */
function whereCondShape(c: Shape, x: Shape): Shape {
  if (c.length === 1 && x.length > 1 && c[0] === x[0]) return [c[0], ...x.slice(1).map(() => 1)];
  return c;
}

/** `where(condition, x, y)`: x where condition is non-zero, else y. */
const where: OpDef = {
  name: "where",
  inputs: ["condition", "x", "y"],
  params: {},
  inferShape: ([c, x, y]) => [broadcastShapes([whereCondShape(c, x), x, y], "where")],
  inferType: (t) => {
    checkWhere([t[1], t[2]]);
    return [t[1]];
  },
  lowering: {
    kind: "composite",
    compose: (b, [c, x, y]) => {
      const cs = whereCondShape(b.shape(c), b.shape(x));
      const cond = cs === b.shape(c) ? c : ops(b).reshape(c, cs);
      return [b.op("_where", [cond, x, y])];
    },
  },
};

/** The broadcasting select behind `where`. */
const whereBroadcast: OpDef = {
  name: "_where",
  inputs: ["condition", "x", "y"],
  params: {},
  inferShape: (s) => [broadcastShapes(s, "where")],
  inferType: (t) => {
    checkWhere([t[1], t[2]]);
    return [t[1]];
  },
  gradient: (b, { inputs: [c, x, y], outGrads: [g] }) => {
    const o = ops(b);
    const zero = b.op("zeros_like", [g]);
    return [
      null,
      o.sumTo(b.op("_where", [c, g, zero]), b.shape(x)),
      o.sumTo(b.op("_where", [c, zero, g]), b.shape(y)),
    ];
  },
  lowering: { kind: "elementwise", row: TERNARY.where, scalars: () => [] },
};

/** `clip(data, aMin, aMax)`. */
const clip: OpDef = {
  name: "clip",
  inputs: ["data"],
  params: { aMin: { type: "float", required: true }, aMax: { type: "float", required: true } },
  inferShape: (s) => [s[0]],
  gradient: (b, { inputs: [x], outGrads: [g], params }) => {
    const o = ops(b);
    const inside = o.mul(
      o.cmpS("_greater_equal_scalar", x, params.aMin as number),
      o.cmpS("_lesser_equal_scalar", x, params.aMax as number),
    );
    return [o.mul(g, inside)];
  },
  lowering: {
    kind: "elementwise",
    row: UNARY.clip,
    scalars: (p) => [p.aMin as number, p.aMax as number],
  },
};

/** `_backward_relu(grad, data)`: grad where data > 0, else 0 (MXNet's name). */
const backwardRelu: OpDef = {
  name: "_backward_relu",
  inputs: ["grad", "data"],
  params: {},
  inferShape: (s) => [broadcastShapes(s, "_backward_relu")],
  inferType: (t) => {
    sameDTypes("_backward_relu", ["grad", "data"])(t);
    return [t[0]];
  },
  // Linear in grad; piecewise constant in data (zero gradient almost everywhere).
  gradient: (b, { inputs: [g, x], outGrads: [gg] }) => [
    ops(b).sumTo(b.op("_backward_relu", [gg, x]), b.shape(g)),
    null,
  ],
  lowering: { kind: "elementwise", row: FUSED._backward_relu, scalars: () => [] },
};

/** `_axpby(lhs, rhs, alpha, beta)` = alpha * lhs + beta * rhs, one pass (optimizer updates). */
const axpby: OpDef = {
  name: "_axpby",
  inputs: ["lhs", "rhs"],
  params: { alpha: { type: "float", default: 1 }, beta: { type: "float", default: 1 } },
  inferShape: (s) => [broadcastShapes(s, "_axpby")],
  inferType: (t) => {
    sameDTypes("_axpby", ["lhs", "rhs"])(t);
    return [t[0]];
  },
  gradient: (b, { inputs: [x, y], outGrads: [g], params }) => {
    const o = ops(b);
    return [
      o.sumTo(o.mulS(g, params.alpha as number), b.shape(x)),
      o.sumTo(o.mulS(g, params.beta as number), b.shape(y)),
    ];
  },
  lowering: {
    kind: "elementwise",
    row: FUSED._axpby,
    scalars: (p) => [p.alpha as number, p.beta as number],
  },
};

/** Every elementwise operator. */
export const ELEMENTWISE_OPS: readonly OpDef[] = [
  ...Object.entries(mathGrads).map(([name, g]) =>
    unaryOp(UNARY[name as keyof typeof UNARY], g, name === "negative" ? { aliases: ["_neg"] } : {})
  ),
  ...Object.entries(scalarGrads).map(([name, g]) => unaryOp(UNARY[name as keyof typeof UNARY], g)),
  ...Object.entries(binaryGrads).map(([name, [g, aliases]]) =>
    binaryOp(BINARY[name as keyof typeof BINARY], g, aliases)
  ),
  where,
  whereBroadcast,
  clip,
  backwardRelu,
  axpby,
];
