/**
 * Multi-tensor update operators and their helpers, with MXNet's names and parameters:
 * `multi_sgd_update`, `multi_sgd_mom_update`, `multi_mp_sgd_update`,
 * `multi_mp_sgd_mom_update` (one call updates many weights, each with its own lr and wd),
 * `multi_sum_sq`, `multi_lars` (LARS learning rates), `all_finite`, `multi_all_finite`
 * (overflow checks for loss scaling) and `reset_arrays`. The multi-tensor updates apply
 * the single-tensor operators per weight, so each rule stays written once.
 * @module
 */
import { MXNetError, ParamError, ShapeError } from "../../core/errors.ts";
import type { Shape } from "../../core/shape.ts";
import { ops } from "../_builder_util.ts";
import type { Builder, OpDef, Params, ParamSpec } from "../op_def.ts";
import { assignState, sameShapes } from "./_common.ts";

/** How one multi-tensor SGD operator groups its inputs and which single op it applies. */
interface MultiSpec {
  readonly name: string;
  readonly single: string;
  readonly group: readonly string[];
  readonly momentum: boolean;
}

const MULTI_SPECS: readonly MultiSpec[] = [
  { name: "multi_sgd_update", single: "sgd_update", group: ["weight", "grad"], momentum: false },
  {
    name: "multi_sgd_mom_update",
    single: "sgd_mom_update",
    group: ["weight", "grad", "mom"],
    momentum: true,
  },
  {
    name: "multi_mp_sgd_update",
    single: "mp_sgd_update",
    group: ["weight", "grad", "weight32"],
    momentum: false,
  },
  {
    name: "multi_mp_sgd_mom_update",
    single: "mp_sgd_mom_update",
    group: ["weight", "grad", "mom", "weight32"],
    momentum: true,
  },
];

/** `lrs` and `wds` must hold one value per weight. */
function checkPerWeight(op: string, p: Params): void {
  const n = p.numWeights as number;
  for (const k of ["lrs", "wds"]) {
    const v = p[k] as number[];
    if (v.length !== n) {
      throw new ParamError(`${op}: ${k} must hold num_weights = ${n} values, got ${v.length}`);
    }
  }
}

function multiSgdOp(spec: MultiSpec): OpDef {
  const k = spec.group.length;
  const names = (p: Params) =>
    Array.from(
      { length: (p.numWeights as number) * k },
      (_, i) => `${spec.group[i % k]}_${Math.floor(i / k)}`,
    );
  return {
    name: spec.name,
    inputs: names,
    params: {
      lrs: { type: "floats", required: true },
      wds: { type: "floats", required: true },
      ...(spec.momentum ? { momentum: { type: "float", default: 0 } } : {}),
      rescaleGrad: { type: "float", default: 1 },
      clipGradient: { type: "float", default: -1 },
      numWeights: { type: "int", default: 1, min: 1 },
    } satisfies Record<string, ParamSpec>,
    numOutputs: (p) => p.numWeights as number,
    mutatesInputs: [],
    differentiable: false,
    inferShape: (s, p) => {
      checkPerWeight(spec.name, p);
      const out: Shape[] = [];
      const all = names(p);
      for (let i = 0; i < s.length; i += k) {
        out.push(sameShapes(spec.name, all.slice(i, i + k), s.slice(i, i + k)));
      }
      return out;
    },
    inferType: (t) => t.filter((_, i) => i % k === 0),
    lowering: {
      kind: "composite",
      compose: (b, inputs, p) => {
        const lrs = p.lrs as number[], wds = p.wds as number[];
        const out = [];
        for (let i = 0; i < lrs.length; i++) {
          out.push(b.op(spec.single, inputs.slice(i * k, i * k + k), {
            lr: lrs[i],
            wd: wds[i],
            ...(spec.momentum ? { momentum: p.momentum } : {}),
            rescaleGrad: p.rescaleGrad,
            clipGradient: p.clipGradient,
          }));
        }
        return out;
      },
    },
  };
}

/** Inputs `array_0 ... array_{n-1}` of the list operators. */
const arrayNames = (p: Params) =>
  Array.from({ length: p.numArrays as number }, (_, i) => `array_${i}`);

const NUM_ARRAYS: ParamSpec = { type: "int", default: 1, min: 1 };

/** 1 (float32, shape [1]) when every element of `x` is finite, else 0. */
function finiteFlag<T>(b: Builder<T>, x: T): T {
  const o = ops(b);
  // x*0 is 0 for finite x and NaN for inf and NaN, and one NaN makes the sum NaN.
  const x32 = b.dtype(x) === "float32" ? x : b.op("Cast", [x], { dtype: "float32" });
  const total = b.op("sum", [o.mulS(x32, 0)], {});
  return o.reshape(o.cmpS("_equal_scalar", total, 0), [1]);
}

/**
 * `all_finite(data)`: float32 `[1]`, 1 when every element is finite. With
 * `init_output: false` MXNet leaves a 1 already in the output array untouched unless the
 * data has a non-finite value; the operator computes the flag, and `mx.nd.allFinite` with
 * `out` combines it with the flag in `out` (in a graph there is no earlier output).
 */
const allFinite: OpDef = {
  name: "all_finite",
  inputs: ["data"],
  params: { initOutput: { type: "bool", default: true } },
  differentiable: false,
  inferShape: () => [[1]],
  inferType: () => ["float32"],
  lowering: { kind: "composite", compose: (b, [x]) => [finiteFlag(b, x)] },
};

/** `multi_all_finite(*arrays)`: float32 `[1]`, 1 when every element of every array is finite. */
const multiAllFinite: OpDef = {
  name: "multi_all_finite",
  inputs: arrayNames,
  params: { numArrays: NUM_ARRAYS, initOutput: { type: "bool", default: true } },
  differentiable: false,
  inferShape: () => [[1]],
  inferType: () => ["float32"],
  lowering: {
    kind: "composite",
    compose: (b, xs) => [xs.map((x) => finiteFlag(b, x)).reduce((a, f) => ops(b).mul(a, f))],
  },
};

/** `multi_sum_sq(*arrays)`: float32 `[num_arrays]`, each array's sum of squares. */
const multiSumSq: OpDef = {
  name: "multi_sum_sq",
  inputs: arrayNames,
  params: { numArrays: NUM_ARRAYS },
  differentiable: false,
  inferShape: (s) => [[s.length]],
  inferType: () => ["float32"],
  lowering: {
    kind: "composite",
    compose: (b, xs) => {
      const o = ops(b);
      const sums = xs.map((x) => {
        const x32 = b.dtype(x) === "float32" ? x : b.op("Cast", [x], { dtype: "float32" });
        return o.reshape(b.op("sum", [o.un("square", x32)], {}), [1]);
      });
      return [sums.length === 1 ? sums[0] : b.op("Concat", sums, { numArgs: sums.length, dim: 0 })];
    },
  },
};

/**
 * `multi_lars(lrs, weights_sum_sq, grads_sum_sq, wds)`: LARS learning rates,
 * `lr * eta * |w| / (|g| * rescale_grad + wd * |w| + eps)` where both norms are positive,
 * else `lr`. All four inputs are float32 vectors of one length.
 */
const multiLars: OpDef = {
  name: "multi_lars",
  inputs: ["lrs", "weights_sum_sq", "grads_sum_sq", "wds"],
  params: {
    eta: { type: "float", required: true },
    eps: { type: "float", required: true },
    rescaleGrad: { type: "float", default: 1 },
  },
  differentiable: false,
  inferShape: (s) => [
    sameShapes("multi_lars", ["lrs", "weights_sum_sq", "grads_sum_sq", "wds"], s),
  ],
  inferType: (t) => {
    if (t.some((d) => d !== "float32")) {
      throw new MXNetError(`multi_lars: every input must be float32, got ${t.join(", ")}`);
    }
    return ["float32"];
  },
  lowering: {
    kind: "composite",
    compose: (b, [lrs, wss, gss, wds], p) => {
      const o = ops(b);
      const wn = o.un("sqrt", wss);
      const valid = o.mul(o.cmpS("_greater_scalar", wn, 0), o.cmpS("_greater_scalar", gss, 0));
      const den = o.addS(
        o.add(o.mulS(o.un("sqrt", gss), p.rescaleGrad as number), o.mul(wds, wn)),
        p.eps as number,
      );
      const lars = o.div(o.mulS(o.mul(lrs, wn), p.eta as number), den);
      return [b.op("where", [valid, lars, lrs])];
    },
  },
};

/** `reset_arrays(*arrays)`: sets every array to zero in place; no outputs. */
const resetArrays: OpDef = {
  name: "reset_arrays",
  inputs: arrayNames,
  params: { numArrays: NUM_ARRAYS },
  numOutputs: 0,
  differentiable: false,
  inferShape: (s, p) => {
    if (s.length !== p.numArrays) {
      throw new ShapeError(
        `reset_arrays: num_arrays is ${p.numArrays} but ${s.length} arrays were given`,
      );
    }
    return [];
  },
  lowering: {
    kind: "composite",
    compose: (b, xs) => {
      for (const x of xs) assignState(b, x, b.op("zeros_like", [x]));
      return [];
    },
  },
};

/** Every multi-tensor operator. */
export const MULTI_UPDATE_OPS: readonly OpDef[] = [
  ...MULTI_SPECS.map(multiSgdOp),
  allFinite,
  multiAllFinite,
  multiSumSq,
  multiLars,
  resetArrays,
];
