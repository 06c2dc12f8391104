/**
 * MXNet's `preloaded_multi_sgd_update`, `preloaded_multi_sgd_mom_update` and their `mp_`
 * forms: the multi-tensor SGD updates with the learning rates and weight decays given as
 * float32 arrays (`lrs`, `wds`, the last two inputs) instead of parameters, so a rate
 * computed on the device (LARS's, from `multi_lars`) is used without reading it back.
 * Per weight `i`: `mom = momentum*mom - lrs[i]*wds[i]*w - lrs[i]*clip(rescale*g);
 * w += mom` (without momentum, `mom` starts at 0 and is not kept).
 * @module
 */
import { ParamError } from "../../core/errors.ts";
import type { Shape } from "../../core/shape.ts";
import { ops } from "../_builder_util.ts";
import type { Builder, OpDef, Params, ParamSpec } from "../op_def.ts";
import { assignState, rescaledGrad, sameShapes } from "./_common.ts";

interface PreloadedSpec {
  readonly name: string;
  readonly momentum: boolean;
  readonly mp: boolean;
}

const SPECS: readonly PreloadedSpec[] = [
  { name: "preloaded_multi_sgd_update", momentum: false, mp: false },
  { name: "preloaded_multi_sgd_mom_update", momentum: true, mp: false },
  { name: "preloaded_multi_mp_sgd_update", momentum: false, mp: true },
  { name: "preloaded_multi_mp_sgd_mom_update", momentum: true, mp: true },
];

/** Entry `i` of a vector, as a one-element array of dtype `dtype`. */
function entry<T>(b: Builder<T>, v: T, i: number, dtype: string): T {
  const x = b.op("slice_axis", [v], { axis: 0, begin: i, end: i + 1 });
  return b.dtype(x) === dtype ? x : b.op("Cast", [x], { dtype });
}

/** One weight's step: the new weight and the new momentum. */
function step<T>(
  b: Builder<T>,
  w: T,
  grad: T,
  mom: T | undefined,
  lr: T,
  wd: T,
  p: Params,
): { w: T; mom: T } {
  const o = ops(b);
  const g = rescaledGrad(b, grad, p);
  const delta = o.mul(lr, o.add(o.mul(wd, w), g));
  const m = mom === undefined ? o.neg(delta) : o.sub(o.mulS(mom, p.momentum as number), delta);
  return { w: o.add(w, m), mom: m };
}

function preloadedOp(spec: PreloadedSpec): OpDef {
  const group = [
    "weight",
    "grad",
    ...(spec.momentum ? ["mom"] : []),
    ...(spec.mp ? ["weight32"] : []),
  ];
  const k = group.length;
  const names = (p: Params) => [
    ...Array.from(
      { length: (p.numWeights as number) * k },
      (_, i) => `${group[i % k]}_${Math.floor(i / k)}`,
    ),
    "lrs",
    "wds",
  ];
  return {
    name: spec.name,
    inputs: names,
    params: {
      rescaleGrad: { type: "float", default: 1 },
      clipGradient: { type: "float", default: -1 },
      ...(spec.momentum ? { momentum: { type: "float", default: 0 } } : {}),
      numWeights: { type: "int", default: 1, min: 1 },
    } satisfies Record<string, ParamSpec>,
    numOutputs: (p) => p.numWeights as number,
    differentiable: false,
    inferShape: (s, p) => {
      const n = p.numWeights as number;
      for (const [j, what] of [[n * k, "lrs"], [n * k + 1, "wds"]] as const) {
        const v: Shape = s[j];
        if (v.length !== 1 || v[0] !== n) {
          throw new ParamError(
            `${spec.name}: ${what} must be a vector of num_weights = ${n} values, got shape [${v}]`,
          );
        }
      }
      const all = names(p);
      const out: Shape[] = [];
      for (let i = 0; i < n * k; i += k) {
        out.push(sameShapes(spec.name, all.slice(i, i + k), s.slice(i, i + k)));
      }
      return out;
    },
    inferType: (t, p) => t.slice(0, (p.numWeights as number) * k).filter((_, i) => i % k === 0),
    lowering: {
      kind: "composite",
      compose: (b, inputs, p) => {
        const n = p.numWeights as number;
        const lrs = inputs[n * k], wds = inputs[n * k + 1];
        const outs = [];
        for (let i = 0; i < n; i++) {
          const [w, g, ...rest] = inputs.slice(i * k, i * k + k);
          const mom = spec.momentum ? rest[0] : undefined;
          const master = spec.mp ? rest[rest.length - 1] : w;
          const dt = b.dtype(master);
          const g1 = b.dtype(g) === dt ? g : b.op("Cast", [g], { dtype: dt });
          const r = step(b, master, g1, mom, entry(b, lrs, i, dt), entry(b, wds, i, dt), p);
          if (mom !== undefined) assignState(b, mom, r.mom);
          if (!spec.mp) {
            outs.push(r.w);
            continue;
          }
          assignState(b, master, r.w);
          outs.push(b.op("Cast", [r.w], { dtype: b.dtype(w) }));
        }
        return outs;
      },
    },
  };
}

/** Every preloaded multi-tensor SGD operator. */
export const PRELOADED_UPDATE_OPS: readonly OpDef[] = SPECS.map(preloadedOp);
