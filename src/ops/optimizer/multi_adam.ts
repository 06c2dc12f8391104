/**
 * MXNet's multi-tensor AdamW and LAMB operators (contrib): `_multi_adamw_update`,
 * `_multi_mp_adamw_update`, `_multi_lamb_update`, `_multi_mp_lamb_update`. Each applies the
 * single-tensor operator per weight (`_adamw_update`, `lamb_update_phase1/2` and their
 * `mp_` forms), so every rule stays written once.
 * @module
 */
import { ParamError } from "../../core/errors.ts";
import type { Shape } from "../../core/shape.ts";
import type { OpDef, Params, ParamSpec } from "../op_def.ts";
import { sameShapes } from "./_common.ts";

/** Input names `weight_0, grad_0, ... weight_1, ...` for groups of `group`, then `tail`. */
function groupedNames(group: readonly string[], count: string, tail: readonly string[]) {
  return (p: Params) => [
    ...Array.from(
      { length: (p[count] as number) * group.length },
      (_, i) => `${group[i % group.length]}_${Math.floor(i / group.length)}`,
    ),
    ...tail,
  ];
}

/** Each tuple parameter in `keys` must hold one value per tensor. */
function checkTuples(op: string, p: Params, count: string, keys: readonly string[]): void {
  const n = p[count] as number;
  for (const k of keys) {
    const v = p[k] as number[];
    if (v.length !== n) {
      throw new ParamError(`${op}: ${k} must hold ${n} values (one per weight), got ${v.length}`);
    }
  }
}

/** Shapes of each group agree; returns one output shape per group (the weight's). */
function groupShapes(op: string, names: string[], s: readonly Shape[], k: number, n: number) {
  const out: Shape[] = [];
  for (let i = 0; i < n * k; i += k) {
    out.push(sameShapes(op, names.slice(i, i + k), s.slice(i, i + k)));
  }
  return out;
}

function multiAdamw(mp: boolean): OpDef {
  const name = mp ? "_multi_mp_adamw_update" : "_multi_adamw_update";
  const single = mp ? "_mp_adamw_update" : "_adamw_update";
  const group = ["weight", "grad", "mean", "var", ...(mp ? ["weight32"] : [])];
  const k = group.length;
  const names = groupedNames(group, "numWeights", ["rescale_grad"]);
  return {
    name,
    inputs: names,
    params: {
      lrs: { type: "floats", required: true },
      beta1: { type: "float", default: 0.9 },
      beta2: { type: "float", default: 0.999 },
      epsilon: { type: "float", default: 1e-8 },
      wds: { type: "floats", required: true },
      etas: { type: "floats", required: true },
      clipGradient: { type: "float", default: -1 },
      numWeights: { type: "int", default: 1, min: 1 },
    } satisfies Record<string, ParamSpec>,
    numOutputs: (p) => p.numWeights as number,
    differentiable: false,
    inferShape: (s, p) => {
      checkTuples(name, p, "numWeights", ["lrs", "wds", "etas"]);
      return groupShapes(name, names(p), s, k, p.numWeights as number);
    },
    inferType: (t, p) => t.slice(0, (p.numWeights as number) * k).filter((_, i) => i % k === 0),
    lowering: {
      kind: "composite",
      compose: (b, inputs, p) => {
        const n = p.numWeights as number;
        const scale = inputs[n * k];
        const lrs = p.lrs as number[], wds = p.wds as number[], etas = p.etas as number[];
        return Array.from(
          { length: n },
          (_, i) =>
            b.op(single, [...inputs.slice(i * k, i * k + k), scale], {
              lr: lrs[i],
              wd: wds[i],
              eta: etas[i],
              beta1: p.beta1,
              beta2: p.beta2,
              epsilon: p.epsilon,
              clipGradient: p.clipGradient,
            }),
        );
      },
    },
  };
}

function multiLamb(mp: boolean): OpDef {
  const name = mp ? "_multi_mp_lamb_update" : "_multi_lamb_update";
  const group = ["weight", "grad", "mean", "var", ...(mp ? ["weight32"] : [])];
  const k = group.length;
  const names = groupedNames(group, "numTensors", []);
  return {
    name,
    inputs: names,
    params: {
      learningRates: { type: "floats", required: true },
      beta1: { type: "float", default: 0.9 },
      beta2: { type: "float", default: 0.999 },
      epsilon: { type: "float", default: 1e-6 },
      wds: { type: "floats", required: true },
      rescaleGrad: { type: "float", default: 1 },
      lowerBound: { type: "float", default: -1 },
      upperBound: { type: "float", default: -1 },
      clipGradient: { type: "float", default: -1 },
      biasCorrection: { type: "bool", default: true },
      stepCount: { type: "shape", required: true, min: 1 },
      numTensors: { type: "int", default: 1, min: 1 },
    } satisfies Record<string, ParamSpec>,
    numOutputs: (p) => p.numTensors as number,
    differentiable: false,
    inferShape: (s, p) => {
      checkTuples(name, p, "numTensors", ["learningRates", "wds", "stepCount"]);
      return groupShapes(name, names(p), s, k, p.numTensors as number);
    },
    inferType: (t, p) => t.slice(0, (p.numTensors as number) * k).filter((_, i) => i % k === 0),
    lowering: {
      kind: "composite",
      compose: (b, inputs, p) => {
        const n = p.numTensors as number;
        const lrs = p.learningRates as number[], wds = p.wds as number[];
        const steps = p.stepCount as number[];
        return Array.from({ length: n }, (_, i) => {
          const [w, grad, mean, v, w32] = inputs.slice(i * k, i * k + k);
          const phase1 = mp ? "mp_lamb_update_phase1" : "lamb_update_phase1";
          const g = b.op(phase1, mp ? [w, grad, mean, v, w32] : [w, grad, mean, v], {
            beta1: p.beta1,
            beta2: p.beta2,
            epsilon: p.epsilon,
            t: steps[i],
            biasCorrection: p.biasCorrection,
            wd: wds[i],
            rescaleGrad: p.rescaleGrad,
            clipGradient: p.clipGradient,
          });
          const master = mp ? w32 : w;
          const r1 = b.op("norm", [master]), r2 = b.op("norm", [g]);
          const phase2 = mp ? "mp_lamb_update_phase2" : "lamb_update_phase2";
          return b.op(phase2, mp ? [w, g, r1, r2, w32] : [w, g, r1, r2], {
            lr: lrs[i],
            lowerBound: p.lowerBound,
            upperBound: p.upperBound,
          });
        });
      },
    },
  };
}

/** Every multi-tensor AdamW and LAMB operator. */
export const MULTI_ADAM_UPDATE_OPS: readonly OpDef[] = [
  multiAdamw(false),
  multiAdamw(true),
  multiLamb(false),
  multiLamb(true),
];
