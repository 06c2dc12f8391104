/**
 * Dropout, composed from a Philox uniform draw (reproducible under `mx.random.seed` on
 * every backend) and a multiply, so the gradient is `grad * mask`.
 * @module
 */
import { ShapeError } from "../../core/errors.ts";
import type { OpDef } from "../op_def.ts";
import { ops } from "../_builder_util.ts";

const dropout: OpDef = {
  name: "Dropout",
  inputs: ["data"],
  params: {
    p: { type: "float", default: 0.5, min: 0, max: 1 },
    mode: { type: "string", default: "training", values: ["training", "always"] },
    axes: { type: "shape", default: [] },
    cudnnOff: { type: "bool", default: false },
  },
  // Outputs: the result and the scaled keep-mask (hidden), as MXNet.
  numOutputs: 2,
  numVisibleOutputs: 1,
  inferShape: ([x], p) => {
    const rate = p.p as number;
    if (!(rate >= 0 && rate <= 1)) {
      throw new ShapeError(`Dropout: p must be in [0, 1], got ${rate}`);
    }
    return [x, x];
  },
  lowering: {
    kind: "composite",
    compose: (b, [x], p) => {
      const o = ops(b);
      const shape = b.shape(x);
      const rate = p.p as number;
      if (rate === 0 || (!b.isTrain && p.mode === "training")) {
        // Identity (predicting): a fresh handle on the same values, and a mask of ones.
        return [o.reshape(x, shape), b.op("ones_like", [x])];
      }
      // `axes` share one draw along those axes (e.g. whole channels).
      const axes = (p.axes as number[]).map((a) => (a < 0 ? a + shape.length : a));
      const maskShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
      const u = b.op("_random_uniform", [], {
        low: 0,
        high: 1,
        shape: maskShape,
        dtype: b.dtype(x),
      });
      const keep = b.op("_lesser_scalar", [u], { scalar: 1 - rate });
      const mask = o.mulS(keep, rate < 1 ? 1 / (1 - rate) : 0);
      return [o.mul(x, mask), o.broadcastTo(mask, shape)];
    },
  },
};

/** Dropout. */
export const DROPOUT_OPS: readonly OpDef[] = [dropout];
