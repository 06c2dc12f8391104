/**
 * MXNet's `IdentityAttachKLSparseReg(data, sparseness_target=0.1, penalty=0.001,
 * momentum=0.9)` (issue #19): the identity forward; backward adds the gradient of a KL
 * sparseness penalty to the output gradient. Data is (N, C) (or (N, C, 1, ...)); the aux
 * state `moving_avg` [C] tracks each unit's mean activation: every backward pass sets
 * moving_avg = momentum * moving_avg + (1 - momentum) * mean over the batch, then adds
 * penalty * (-target / moving_avg + (1 - target) / (1 - moving_avg)) to the gradient, as
 * MXNet's does.
 * @module
 */
import { ShapeError } from "../../core/errors.ts";
import { formatShape, type Shape } from "../../core/shape.ts";
import { ops } from "../_builder_util.ts";
import type { OpDef } from "../op_def.ts";
import { expectShape } from "./_util.ts";

const NAME = "IdentityAttachKLSparseReg";

/** The unit count C of (N, C) data (trailing axes of size 1 allowed, as MXNet flattens). */
function units(s: Shape): number {
  if (s.length < 2 || s.slice(2).some((d) => d !== 1)) {
    throw new ShapeError(
      `${NAME}: data must be (batch, units) (trailing axes of size 1 allowed), got shape ${
        formatShape(s)
      }`,
    );
  }
  return s[1];
}

/** `IdentityAttachKLSparseReg`: identity, with the sparseness penalty's gradient attached. */
const klSparseReg: OpDef = {
  name: NAME,
  inputs: ["data"],
  aux: ["moving_avg"],
  params: {
    sparsenessTarget: { type: "float", default: 0.1, min: 0, max: 1 },
    penalty: { type: "float", default: 0.001 },
    momentum: { type: "float", default: 0.9, min: 0, max: 1 },
  },
  inferShape: ([data, movingAvg]) => {
    expectShape(NAME, "moving_avg", movingAvg, [units(data)], "one value per unit");
    return [data];
  },
  inferInputShapes: ([data, movingAvg]) => [data, movingAvg ?? (data && [units(data)])],
  gradient: (b, { inputs: [x, movingAvg], outGrads: [g], params }) => {
    const o = ops(b);
    const shape = b.shape(x);
    const c = units(shape);
    const mean = b.op("mean", [o.reshape(x, [shape[0], c])], { axis: 0 });
    const avg = b.op("_moving_update", [movingAvg, mean], { momentum: params.momentum });
    const target = params.sparsenessTarget as number;
    const perUnit = o.add(o.rdivS(avg, -target), o.rdivS(o.rsubS(avg, 1), 1 - target));
    const lined = o.reshape(o.mulS(perUnit, params.penalty as number), [1, c, ...shape.slice(2)]);
    return [o.add(g, lined), null];
  },
  lowering: { kind: "primitive", run: (k, [x], [out]) => k.copy(x.view, out.view) },
};

/** The sparseness-regularisation operator. */
export const KL_SPARSE_REG_OPS: readonly OpDef[] = [klSparseReg];

/** Options of `IdentityAttachKLSparseReg`. */
export interface KLSparseRegOptions<T> {
  /** The (batch, units) activations (options form). */
  data?: T;
  /** The running mean activation per unit, an auxiliary state updated by backward. */
  movingAvg?: T;
  /** The target mean activation (0.1). */
  sparsenessTarget?: number;
  /** The penalty's weight (0.001). */
  penalty?: number;
  /** Weight of the old running mean (0.9). */
  momentum?: number;
}
