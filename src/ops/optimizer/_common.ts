/**
 * What the optimizer update operators share: MXNet's common parameters, the gradient
 * rescale-and-clip step, shape and dtype checks, and `_assign_state`, the one primitive
 * that writes a new state value into a state array in place (MXNet's `FMutateInputs`).
 *
 * Each update rule is written once, as a function over a `Builder` that returns the new
 * weight and the new state values; the operator assigns the states and returns the weight.
 * The mixed-precision (`mp_`) forms run the same rule on the float32 master weight.
 * @module
 */
import { DTypeError, ShapeError } from "../../core/errors.ts";
import type { DType } from "../../core/dtype.ts";
import { formatShape, type Shape, shapeEqual } from "../../core/shape.ts";
import { type Ops, ops } from "../_builder_util.ts";
import type { Builder, OpDef, Params, ParamSpec } from "../op_def.ts";

/** `lr`: required, as in MXNet. */
export const LR: ParamSpec = { type: "float", required: true };

/** MXNet's `wd`, `rescale_grad`, `clip_gradient` (-1: off; 0 and up: clip to ±c). */
export const GRAD_PARAMS: Readonly<Record<string, ParamSpec>> = {
  wd: { type: "float", default: 0 },
  rescaleGrad: { type: "float", default: 1 },
  clipGradient: { type: "float", default: -1 },
};

/** `lazy_update`: accepted for MXNet compatibility; dense updates are applied in full. */
export const LAZY: Readonly<Record<string, ParamSpec>> = {
  lazyUpdate: { type: "bool", default: true },
};

/** The new weight and new state values a rule computes (states in input order). */
export interface RuleResult<T> {
  /** The updated weight. */
  readonly weight: T;
  /** The updated states, in the order the operator takes them. */
  readonly states: readonly T[];
}

/** An update rule: weight, gradient and states (all the compute dtype) to their new values. */
export type Rule = <T>(
  b: Builder<T>,
  weight: T,
  grad: T,
  states: readonly T[],
  p: Params,
) => RuleResult<T>;

/** `clip(x, -c, c)` when `c >= 0` (MXNet's test), else `x`. */
export function clipIf<T>(b: Builder<T>, x: T, c: number): T {
  return c >= 0 ? b.op("clip", [x], { aMin: -c, aMax: c }) : x;
}

/** `clip(rescale * grad)`: the gradient most rules start from. */
export function rescaledGrad<T>(b: Builder<T>, grad: T, p: Params): T {
  return clipIf(b, ops(b).mulS(grad, p.rescaleGrad as number), p.clipGradient as number);
}

/** `clip(rescale * grad + wd * weight)`: the form Adam and RMSProp use. */
export function rescaledGradWithWd<T>(b: Builder<T>, grad: T, weight: T, p: Params): T {
  const o = ops(b);
  const wd = p.wd as number;
  const g = o.mulS(grad, p.rescaleGrad as number);
  return clipIf(b, wd === 0 ? g : o.add(g, o.mulS(weight, wd)), p.clipGradient as number);
}

/** `a * s + b * (1 - s)`: the moving averages of the moment estimates. */
export function decay<T>(o: Ops<T>, a: T, s: number, x: T): T {
  return o.add(o.mulS(a, s), o.mulS(x, 1 - s));
}

/** `x / s`. */
export function divS<T>(b: Builder<T>, x: T, s: number): T {
  return b.op("_div_scalar", [x], { scalar: s });
}

/** Writes `value` into the state array `state` in place. */
export function assignState<T>(b: Builder<T>, state: T, value: T): void {
  b.op("_assign_state", [state, value]);
}

/** Throws a ShapeError unless every input has the first one's shape; returns that shape. */
export function sameShapes(op: string, names: readonly string[], shapes: readonly Shape[]): Shape {
  const first = shapes[0];
  shapes.forEach((s, i) => {
    if (!shapeEqual(s, first)) {
      throw new ShapeError(
        `${op}: ${names[i]} has shape ${formatShape(s)} but ${names[0]} has ${formatShape(first)}`,
      );
    }
  });
  return first;
}

/** Throws a DTypeError unless the inputs at `indices` are float32 (the `mp_` master copies). */
export function expectFloat32(
  op: string,
  names: readonly string[],
  dtypes: readonly DType[],
  indices: readonly number[],
): void {
  for (const i of indices) {
    if (dtypes[i] !== "float32") {
      throw new DTypeError(`${op}: ${names[i]} must be float32, got ${dtypes[i]}`);
    }
  }
}

/**
 * Throws a DTypeError unless the inputs at `indices` have the weight's dtype (MXNet's
 * update kernels run in one dtype).
 */
export function expectWeightDType(
  op: string,
  names: readonly string[],
  dtypes: readonly DType[],
  indices: readonly number[],
): void {
  for (const i of indices) {
    if (dtypes[i] !== dtypes[0]) {
      throw new DTypeError(
        `${op}: ${names[i]} must have the weight's dtype ${dtypes[0]}, got ${dtypes[i]}`,
      );
    }
  }
}

/**
 * The operator applying `rule` in the weight's dtype: inputs `weight, grad, ...states`;
 * the states are written in place, the output is the new weight (pass the weight as `out`
 * to update it in place, as MXNet's optimizers do).
 */
export function updateOp(
  name: string,
  states: readonly string[],
  params: Readonly<Record<string, ParamSpec>>,
  rule: Rule,
  aliases?: readonly string[],
): OpDef {
  const names = ["weight", "grad", ...states];
  const stateIdx = states.map((_, i) => i + 2);
  return {
    name,
    aliases,
    inputs: names,
    params,
    mutatesInputs: stateIdx,
    differentiable: false,
    inferShape: (s) => [sameShapes(name, names, s)],
    inferType: (t) => {
      expectWeightDType(name, names, t, [1, ...stateIdx]);
      return [t[0]];
    },
    lowering: {
      kind: "composite",
      compose: (b, [w, g, ...st], p) => {
        const r = rule(b, w, g, st, p);
        r.states.forEach((v, i) => assignState(b, st[i], v));
        return [r.weight];
      },
    },
  };
}

/**
 * The mixed-precision form of `rule` (MXNet's `mp_*`): inputs `weight, grad, ...states,
 * weight32`, with float32 states and master weight `weight32`. The rule runs on float32
 * values; the states and `weight32` are written in place and the output is the new
 * weight in the weight's dtype (float16 usually).
 */
export function mpUpdateOp(
  name: string,
  states: readonly string[],
  params: Readonly<Record<string, ParamSpec>>,
  rule: Rule,
  aliases?: readonly string[],
): OpDef {
  const names = ["weight", "grad", ...states, "weight32"];
  const f32 = names.map((_, i) => i).slice(2);
  return {
    name,
    aliases,
    inputs: names,
    params,
    mutatesInputs: f32,
    differentiable: false,
    inferShape: (s) => [sameShapes(name, names, s)],
    inferType: (t) => {
      expectWeightDType(name, names, t, [1]);
      expectFloat32(name, names, t, f32);
      return [t[0]];
    },
    lowering: {
      kind: "composite",
      compose: (b, inputs, p) => {
        const [w, g] = inputs;
        const st = inputs.slice(2, -1);
        const w32 = inputs[inputs.length - 1];
        const g32 = b.dtype(g) === "float32" ? g : b.op("Cast", [g], { dtype: "float32" });
        const r = rule(b, w32, g32, st, p);
        r.states.forEach((v, i) => assignState(b, st[i], v));
        assignState(b, w32, r.weight);
        return [b.op("Cast", [r.weight], { dtype: b.dtype(w) })];
      },
    },
  };
}

/**
 * `_assign_state(state, value)`: copies `value` into `state` in place (converting the
 * dtype). Its own output is empty; the write is its effect. Internal to the update
 * operators, which compute new state values out of place and commit them with this.
 */
export const assignStateOp: OpDef = {
  name: "_assign_state",
  inputs: ["state", "value"],
  params: {},
  mutatesInputs: [0],
  differentiable: false,
  inferShape: ([s, v]) => {
    if (!shapeEqual(s, v)) {
      throw new ShapeError(
        `_assign_state: value has shape ${formatShape(v)} but state has ${formatShape(s)}`,
      );
    }
    return [[0]];
  },
  lowering: { kind: "primitive", run: (k, [s, v]) => k.copy(v.view, s.view) },
};
