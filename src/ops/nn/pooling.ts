/**
 * Pooling (max/avg/sum/lp, global, `pooling_convention` valid/full) on 1-D, 2-D and 3-D
 * data: reshapes 1-D data to height 1 and calls the `_pool` primitive; 3-D pooling is
 * separable into a (height, width) pooling of every depth slice, then a pooling along
 * depth (max of maxima, sums of sums, and MXNet's average divisor is the product of the
 * per-axis window sizes). lp pooling is composed from sum pooling.
 * @module
 */
import { ShapeError, UnsupportedError } from "../../core/errors.ts";
import { formatShape, type Shape } from "../../core/shape.ts";
import type { Builder, OpDef, Params } from "../op_def.ts";
import { reshapeTo } from "./_util.ts";
import { window3Of } from "./_window3d.ts";
import { poolParams } from "./window_ops.ts";

/** One `_pool` call: its NCHW input shape and params. */
interface PoolStage {
  x4: number[];
  params: Record<string, unknown>;
}

interface PoolPlan {
  /** The `_pool` calls, in order (one, or two for 3-D). */
  stages: PoolStage[];
  /** The output shape in the data's rank. */
  outShape: number[];
}

function checkParams(p: Params): void {
  if (p.poolingConvention === "same") {
    throw new UnsupportedError("Pooling: pooling_convention 'same' is not supported");
  }
  if (p.layout !== null && p.layout !== "None" && !(p.layout as string).startsWith("NC")) {
    throw new UnsupportedError(`Pooling: layout ${p.layout} is not supported; use NCHW`);
  }
}

/** `_pool` params for a window, with the pooling's type and convention. */
function stageParams(p: Params, window: Record<string, number[]>): Record<string, unknown> {
  return {
    ...window,
    poolType: p.poolType === "lp" ? "sum" : p.poolType,
    poolingConvention: p.poolingConvention,
    countIncludePad: p.countIncludePad ?? true,
  };
}

function plan(x: Shape, p: Params): PoolPlan {
  checkParams(p);
  const kernel = p.kernel as number[];
  const nd = p.globalPool ? x.length - 2 : kernel.length;
  if (nd !== 1 && nd !== 2 && nd !== 3) {
    throw new ShapeError(
      `Pooling: data ${formatShape(x)} and kernel (${kernel.join(", ")}) give ${nd}-D ` +
        `pooling; 1-D, 2-D and 3-D are supported`,
    );
  }
  if (x.length !== nd + 2) {
    throw new ShapeError(
      `Pooling: data ${formatShape(x)} must have ${nd + 2} axes for a ${nd}-D kernel`,
    );
  }
  if (nd === 3) return plan3d(x, p);
  const lift = (v: number[], fill: number) =>
    v.length === 0 ? [] : nd === 1 ? [fill, v[0]] : [...v];
  const x4 = nd === 1 ? [x[0], x[1], 1, x[2]] : [...x];
  const params = stageParams(
    p,
    p.globalPool ? { kernel: [x4[2], x4[3]], stride: [1, 1], pad: [0, 0] } : {
      kernel: lift(kernel, 1),
      stride: lift(p.stride as number[], 1),
      pad: lift(p.pad as number[], 0),
    },
  );
  const out = poolParams(x4, params).outShape;
  return {
    stages: [{ x4, params }],
    outShape: nd === 1 ? [out[0], out[1], out[3]] : out,
  };
}

/** 3-D: (H, W) pooling of the N*C*D slices, then (D, 1) pooling of [N, C, D, Ho*Wo]. */
function plan3d(x: Shape, p: Params): PoolPlan {
  const [n, c, d, h, w] = x;
  const win = p.globalPool
    ? {
      depth: { kernel: d, stride: 1, pad: 0 },
      hw: { kernel: [h, w], stride: [1, 1], pad: [0, 0] },
    }
    : (() => {
      const { depth, hw } = window3Of("Pooling", { ...p, dilate: [] });
      return { depth, hw: { kernel: hw.kernel, stride: hw.stride, pad: hw.pad } };
    })();
  if (d + 2 * win.depth.pad < win.depth.kernel) {
    throw new ShapeError(
      `Pooling: the depth ${d} with pad ${win.depth.pad} is smaller than the kernel ` +
        `${win.depth.kernel}`,
    );
  }
  const first = { x4: [n, c * d, h, w], params: stageParams(p, win.hw) };
  const [, , oh, ow] = poolParams(first.x4, first.params).outShape;
  const second = {
    x4: [n, c, d, oh * ow],
    params: stageParams(p, {
      kernel: [win.depth.kernel, 1],
      stride: [win.depth.stride, 1],
      pad: [win.depth.pad, 0],
    }),
  };
  const od = poolParams(second.x4, second.params).outShape[2];
  return { stages: [first, second], outShape: [n, c, od, oh, ow] };
}

/** Runs the plan's `_pool` calls on `x`. */
function runPlan<T>(b: Builder<T>, x: T, { stages, outShape }: PoolPlan): T {
  let y = x;
  for (const s of stages) y = b.op("_pool", [reshapeTo(b, y, s.x4)], s.params);
  return reshapeTo(b, y, outShape);
}

const pooling: OpDef = {
  name: "Pooling",
  // MXNet keeps the pre-1.0 implementation under this name; same parameters, same result.
  aliases: ["Pooling_v1"],
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
      const pl = plan(b.shape(x), p);
      const pool = (v: typeof x) => runPlan(b, v, pl);
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
