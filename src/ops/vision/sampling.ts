/**
 * Spatial transformer networks with MXNet's operators: `GridGenerator` (affine or warp),
 * `BilinearSampler` and `SpatialTransformer` (the two chained). Composed from `dot`,
 * `take` and elementwise operators, so every backend runs them and both the data and the
 * grid (or affine parameters) get gradients, as in MXNet.
 * @module
 */
import { ParamError, ShapeError } from "../../core/errors.ts";
import { formatShape, type Shape } from "../../core/shape.ts";
import { ops } from "../_builder_util.ts";
import type { Builder, OpDef, Params } from "../op_def.ts";

function targetHW(op: string, p: Params): [number, number] {
  const t = p.targetShape as number[];
  if (t.length !== 2 || !(t[0] > 0 && t[1] > 0)) {
    throw new ParamError(
      `${op}: target_shape expects a positive (height, width), got ${formatShape(t)}`,
    );
  }
  return [t[0], t[1]];
}

/**
 * The normalised target grid [3, H*W] of affine transforms: x = -1 + 2j/(W-1),
 * y = -1 + 2i/(H-1) for output pixel (i, j), and a row of ones.
 */
function affineTargets<T>(b: Builder<T>, h: number, w: number, like: T): T {
  const o = ops(b);
  const dtype = b.dtype(like);
  const axis = (n: number) =>
    o.addS(o.mulS(b.op("_iota", [], { size: n, dtype }), 2 / (n - 1)), -1);
  const xs = o.broadcastTo(o.reshape(axis(w), [1, w]), [h, w]);
  const ys = o.broadcastTo(o.reshape(axis(h), [h, 1]), [h, w]);
  const ones = b.op("_full", [], { shape: [1, h * w], value: 1, dtype });
  return b.op("Concat", [o.reshape(xs, [1, h * w]), o.reshape(ys, [1, h * w]), ones], {
    numArgs: 3,
    dim: 0,
  });
}

/** Affine parameters [N, 6] (rows of a 2x3 matrix) applied to the target grid: [N, 2, H, W]. */
function affineGrid<T>(b: Builder<T>, theta: T, h: number, w: number): { grid: T; dst: T } {
  const o = ops(b);
  const n = b.shape(theta)[0];
  const dst = affineTargets(b, h, w, theta);
  const grid = b.op("dot", [o.reshape(theta, [n * 2, 3]), dst]);
  return { grid: o.reshape(grid, [n, 2, h, w]), dst };
}

function gridShape([x]: readonly Shape[], p: Params): Shape[] {
  const op = "GridGenerator";
  if (p.transformType === "affine") {
    if (x.length !== 2 || x[1] !== 6) {
      throw new ShapeError(`${op}: affine data must be [batch, 6], got ${formatShape(x)}`);
    }
    const [h, w] = targetHW(op, p);
    return [[x[0], 2, h, w], [3, h * w]];
  }
  if (x.length !== 4 || x[1] !== 2) {
    throw new ShapeError(
      `${op}: warp data (a flow) must be [batch, 2, H, W], got ${formatShape(x)}`,
    );
  }
  return [x, [2, x[2], x[3]]];
}

const gridGenerator: OpDef = {
  name: "GridGenerator",
  inputs: ["data"],
  params: {
    transformType: { type: "string", required: true, values: ["affine", "warp"] },
    targetShape: { type: "shape", default: [0, 0] },
  },
  // Outputs: the sampling grid, then (hidden) the target grid it was computed from.
  numOutputs: 2,
  numVisibleOutputs: 1,
  inferShape: gridShape,
  lowering: {
    kind: "composite",
    compose: (b, [x], p) => {
      const o = ops(b);
      if (p.transformType === "affine") {
        const [h, w] = targetHW("GridGenerator", p);
        const { grid, dst } = affineGrid(b, x, h, w);
        return [grid, dst];
      }
      // Warp: pixel (i, j) plus its flow, normalised to [-1, 1] by (W-1)/2 and (H-1)/2.
      const [, , h, w] = b.shape(x);
      const dtype = b.dtype(x);
      const cols = o.broadcastTo(o.reshape(b.op("_iota", [], { size: w, dtype }), [1, 1, w]), [
        1,
        h,
        w,
      ]);
      const rows = o.broadcastTo(o.reshape(b.op("_iota", [], { size: h, dtype }), [1, h, 1]), [
        1,
        h,
        w,
      ]);
      const dst = b.op("Concat", [cols, rows], { numArgs: 2, dim: 0 });
      const half = (v: number) => b.op("_full", [], { shape: [1], value: v, dtype });
      const halves = o.reshape(
        b.op("Concat", [half((w - 1) / 2), half((h - 1) / 2)], { numArgs: 2, dim: 0 }),
        [1, 2, 1, 1],
      );
      const grid = o.addS(o.div(o.add(x, o.reshape(dst, [1, 2, h, w])), halves), -1);
      return [grid, dst];
    },
  },
};

// ---------------------------------------------------------------------------------------

/**
 * Bilinear sampling of data [N, C, H, W] at grid [N, 2, oH, oW] (x then y, in [-1, 1]:
 * x = (gx + 1)(W - 1)/2), zero outside the image, as MXNet's BilinearSampler: each of the
 * four neighbours is gathered with `take` from data laid out [N*H*W, C], weighted by its
 * bilinear weight (a function of the grid, so the grid gets its gradient) and masked
 * when it falls outside.
 */
function bilinearSample<T>(b: Builder<T>, data: T, grid: T): T {
  const o = ops(b);
  const [n, c, h, w] = b.shape(data);
  const [, , oh, ow] = b.shape(grid);
  const dtype = b.dtype(data);
  const coord = (i: number, size: number) =>
    o.mulS(
      o.addS(
        o.reshape(b.op("slice_axis", [grid], { axis: 1, begin: i, end: i + 1 }), [
          n,
          oh,
          ow,
        ]),
        1,
      ),
      (size - 1) / 2,
    );
  const x = coord(0, w), y = coord(1, h);
  const x0 = b.op("floor", [x]), y0 = b.op("floor", [y]);
  const fx = o.sub(x, x0), fy = o.sub(y, y0);
  const rows = o.reshape(b.op("transpose", [o.reshape(data, [n, c, h * w])], { axes: [0, 2, 1] }), [
    n * h * w,
    c,
  ]);
  const base = o.mulS(o.reshape(b.op("_iota", [], { size: n, dtype }), [n, 1, 1]), h * w);
  const inside = (v: T, size: number) =>
    o.mul(o.cmpS("_greater_equal_scalar", v, 0), o.cmpS("_lesser_equal_scalar", v, size - 1));
  let out: T | undefined;
  for (const [dy, dx] of [[0, 0], [0, 1], [1, 0], [1, 1]] as const) {
    const xi = dx ? o.addS(x0, 1) : x0, yi = dy ? o.addS(y0, 1) : y0;
    const wx = dx ? fx : o.rsubS(fx, 1), wy = dy ? fy : o.rsubS(fy, 1);
    const valid = b.op("BlockGrad", [o.mul(inside(xi, w), inside(yi, h))]);
    const at = o.add(
      base,
      o.add(
        o.mulS(b.op("clip", [yi], { aMin: 0, aMax: h - 1 }), w),
        b.op("clip", [xi], { aMin: 0, aMax: w - 1 }),
      ),
    );
    const picked = b.op("take", [rows, b.op("BlockGrad", [at])], { axis: 0 }); // [n, oh, ow, c]
    const weight = o.reshape(o.mul(o.mul(wx, wy), valid), [n, oh, ow, 1]);
    const term = o.mul(picked, weight);
    out = out === undefined ? term : o.add(out, term);
  }
  return b.op("transpose", [out!], { axes: [0, 3, 1, 2] });
}

function expectNCHW(op: string, arg: string, s: Shape): void {
  if (s.length !== 4) {
    throw new ShapeError(`${op}: ${arg} must be 4-D, got ${formatShape(s)}`);
  }
}

const bilinearSampler: OpDef = {
  name: "BilinearSampler",
  inputs: ["data", "grid"],
  params: { cudnnOff: { type: "bool", default: null } },
  inferShape: ([d, g]) => {
    expectNCHW("BilinearSampler", "data", d);
    expectNCHW("BilinearSampler", "grid", g);
    if (g[0] !== d[0] || g[1] !== 2) {
      throw new ShapeError(
        `BilinearSampler: grid must be [${d[0]}, 2, H, W] for data ${formatShape(d)}, got ${
          formatShape(g)
        }`,
      );
    }
    return [[d[0], d[1], g[2], g[3]]];
  },
  lowering: { kind: "composite", compose: (b, [data, grid]) => [bilinearSample(b, data, grid)] },
};

const spatialTransformer: OpDef = {
  name: "SpatialTransformer",
  inputs: ["data", "loc"],
  params: {
    targetShape: { type: "shape", default: [0, 0] },
    transformType: { type: "string", required: true, values: ["affine"] },
    samplerType: { type: "string", required: true, values: ["bilinear"] },
    cudnnOff: { type: "bool", default: null },
  },
  inferShape: ([d, loc], p) => {
    expectNCHW("SpatialTransformer", "data", d);
    if (loc.length !== 2 || loc[0] !== d[0] || loc[1] !== 6) {
      throw new ShapeError(
        `SpatialTransformer: loc must be [${d[0]}, 6] (affine parameters per image), got ${
          formatShape(loc)
        }`,
      );
    }
    return [[d[0], d[1], ...targetHW("SpatialTransformer", p)]];
  },
  lowering: {
    kind: "composite",
    compose: (b, [data, loc], p) => {
      const [h, w] = targetHW("SpatialTransformer", p);
      return [bilinearSample(b, data, affineGrid(b, loc, h, w).grid)];
    },
  },
};

/** GridGenerator, BilinearSampler and SpatialTransformer. */
export const SAMPLING_OPS: readonly OpDef[] = [gridGenerator, bilinearSampler, spatialTransformer];
