/**
 * FullyConnected: `data · weightᵀ + bias`, composed from `dot`.
 * @module
 */
import { ShapeError } from "../../core/errors.ts";
import { formatShape, type Shape, sizeOf } from "../../core/shape.ts";
import { ops } from "../_builder_util.ts";
import type { OpDef, Params } from "../op_def.ts";
import { expectShape, reshapeTo } from "./_util.ts";

/** (rows, in_units) of the data as FullyConnected reads it. */
function dataDims(x: Shape, p: Params): { rows: Shape; inUnits: number } {
  if (x.length === 0) throw new ShapeError("FullyConnected: data must have at least one axis");
  // flatten: [N, ...] is read as [N, prod(...)]; otherwise the last axis is the input.
  return p.flatten
    ? { rows: [x[0]], inUnits: sizeOf(x.slice(1)) }
    : { rows: x.slice(0, -1), inUnits: x[x.length - 1] };
}

const fullyConnected: OpDef = {
  name: "FullyConnected",
  inputs: (p) => (p.noBias ? ["data", "weight"] : ["data", "weight", "bias"]),
  params: {
    numHidden: { type: "int", required: true, min: 1 },
    noBias: { type: "bool", default: false },
    flatten: { type: "bool", default: true },
  },
  inferShape: ([x, w, bias], p) => {
    const { rows, inUnits } = dataDims(x, p);
    const h = p.numHidden as number;
    if (w.length !== 2 || w[0] !== h || w[1] !== inUnits) {
      throw new ShapeError(
        `FullyConnected: data shape ${formatShape(x)} does not match weight ${
          formatShape(w)
        } (expected [${h},${inUnits}]: num_hidden ${h}, in_units ${inUnits})`,
      );
    }
    if (!p.noBias) expectShape("FullyConnected", "bias", bias, [h], `num_hidden ${h}`);
    return [[...rows, h]];
  },
  inferInputShapes: ([x, w, bias], p) => {
    if (!x) return p.noBias ? [x, w] : [x, w, bias];
    const h = p.numHidden as number;
    const ws = [h, dataDims(x, p).inUnits];
    return p.noBias ? [x, w ?? ws] : [x, w ?? ws, bias ?? [h]];
  },
  lowering: {
    kind: "composite",
    compose: (b, [x, w, bias], p) => {
      const o = ops(b);
      const { rows, inUnits } = dataDims(b.shape(x), p);
      const x2 = reshapeTo(b, x, [sizeOf(rows), inUnits]);
      let y = b.op("dot", [x2, w], { transposeB: true });
      if (!p.noBias) y = o.add(y, bias);
      return [reshapeTo(b, y, [...rows, p.numHidden as number])];
    },
  },
};

/** FullyConnected. */
export const FC_OPS: readonly OpDef[] = [fullyConnected];
