/**
 * Pooling (max/avg/sum/lp, global, `pooling_convention` valid/full): reshapes 1-D data to
 * height 1 and calls the `_pool` primitive; lp pooling is composed from sum pooling.
 * @module
 */
import { ShapeError, UnsupportedError } from "../../core/errors.ts";
import { formatShape, type Shape } from "../../core/shape.ts";
import type { OpDef, Params } from "../op_def.ts";
import { reshapeTo } from "./_util.ts";
import { poolParams } from "./window_ops.ts";

interface PoolPlan {
  /** Data reshaped to NCHW. */
  x4: number[];
  /** `_pool` params. */
  params: Record<string, unknown>;
  /** The output shape in the data's rank. */
  outShape: number[];
}

function plan(x: Shape, p: Params): PoolPlan {
  if (p.poolingConvention === "same") {
    throw new UnsupportedError("Pooling: pooling_convention 'same' is not supported");
  }
  if (p.layout !== null && p.layout !== "None" && !(p.layout as string).startsWith("NC")) {
    throw new UnsupportedError(`Pooling: layout ${p.layout} is not supported; use NCHW`);
  }
  const kernel = p.kernel as number[];
  const nd = p.globalPool ? x.length - 2 : kernel.length;
  if (nd !== 1 && nd !== 2) {
    throw new UnsupportedError(
      `Pooling: only 1-D and 2-D pooling are supported (data ${formatShape(x)}, kernel ` +
        `(${kernel.join(", ")}))`,
    );
  }
  if (x.length !== nd + 2) {
    throw new ShapeError(
      `Pooling: data ${formatShape(x)} must have ${nd + 2} axes for a ${nd}-D kernel`,
    );
  }
  const lift = (v: number[], fill: number) =>
    v.length === 0 ? [] : nd === 1 ? [fill, v[0]] : [...v];
  const x4 = nd === 1 ? [x[0], x[1], 1, x[2]] : [...x];
  const params = p.globalPool ? { kernel: [x4[2], x4[3]], stride: [1, 1], pad: [0, 0] } : {
    kernel: lift(kernel, 1),
    stride: lift(p.stride as number[], 1),
    pad: lift(p.pad as number[], 0),
  };
  const full = {
    ...params,
    poolType: p.poolType === "lp" ? "sum" : p.poolType,
    poolingConvention: p.poolingConvention,
    countIncludePad: p.countIncludePad ?? true,
  };
  const out = poolParams(x4, full).outShape;
  return { x4, params: full, outShape: nd === 1 ? [out[0], out[1], out[3]] : out };
}

const pooling: OpDef = {
  name: "Pooling",
  inputs: ["data"],
  params: {
    // MXNet: kernel and stride entries are nonzero (enforce_nonzero).
    kernel: { type: "shape", default: [], min: 1 },
    poolType: { type: "string", default: "max", values: ["max", "avg", "sum", "lp"] },
    globalPool: { type: "bool", default: false },
    cudnnOff: { type: "bool", default: false },
    poolingConvention: { type: "string", default: "valid", values: ["valid", "full", "same"] },
    stride: { type: "shape", default: [], min: 1 },
    pad: { type: "shape", default: [] },
    pValue: { type: "int", default: null },
    countIncludePad: { type: "bool", default: null },
    layout: { type: "string", default: null, values: ["None", "NCW", "NCHW", "NCDHW"] },
  },
  inferShape: ([x], p) => [plan(x, p).outShape],
  lowering: {
    kind: "composite",
    compose: (b, [x], p) => {
      const { x4, params, outShape } = plan(b.shape(x), p);
      const pool = (v: typeof x) =>
        reshapeTo(b, b.op("_pool", [reshapeTo(b, v, x4)], params), outShape);
      if (p.poolType !== "lp") return [pool(x)];
      // MXNet's lp pooling: (sum of x^p)^(1/p) for p = 1, 2, 3.
      switch (p.pValue ?? 2) {
        case 1:
          return [pool(x)];
        case 2:
          return [b.op("sqrt", [pool(b.op("square", [x]))])];
        case 3:
          return [b.op("cbrt", [pool(b.op("_power_scalar", [x], { scalar: 3 }))])];
        default:
          throw new UnsupportedError(`Pooling: p_value ${p.pValue} (lp pooling takes 1, 2 or 3)`);
      }
    },
  },
};

/** Pooling. */
export const POOLING_OPS: readonly OpDef[] = [pooling];
