/**
 * The sliding-window primitives behind Convolution, Deconvolution and Pooling, on 4-D
 * NCHW data with 2-D windows: `_im2col` / `_col2im` (each the other's gradient) and
 * `_pool` / `_pool_backward`. The public operators reshape 1-D data to height 1.
 * @module
 */
import type { PoolParams, PoolType } from "../../../backends/backend.ts";
import { ShapeError, UnsupportedError } from "../../core/errors.ts";
import { formatShape, type Shape, shapeEqual } from "../../core/shape.ts";
import type { OpDef, Params } from "../op_def.ts";
import { convOut, geometry, spatialOf, type Window, WINDOW_PARAMS, windowOf } from "./_window.ts";

/** col's shape for image shape `x`: [C*kh*kw, N*outH*outW] (see `Kernels.im2col`). */
function colShape(op: string, x: Shape, w: Window): { col: number[]; out: [number, number] } {
  const [h, wd] = spatialOf(op, x, 2);
  const out: [number, number] = [convOut(op, h, w, 0), convOut(op, wd, w, 1)];
  return { col: [x[1] * w.kernel[0] * w.kernel[1], x[0] * out[0] * out[1]], out };
}

const im2col: OpDef = {
  name: "_im2col",
  inputs: ["data"],
  params: WINDOW_PARAMS,
  inferShape: ([x], p) => [colShape("_im2col", x, windowOf("_im2col", p, 2)).col],
  gradient: (b, { inputs: [x], outGrads: [g], params }) => [
    b.op("_col2im", [g], { ...params, shape: [...b.shape(x)] }),
  ],
  lowering: {
    kind: "primitive",
    run: (k, [x], [col], p) => {
      const w = windowOf("_im2col", p, 2);
      const { out } = colShape("_im2col", x.shape, w);
      return k.im2col(
        x.buf,
        col.buf,
        geometry(w, x.shape[0], x.shape[1], [x.shape[2], x.shape[3]], out),
      );
    },
  },
};

const col2im: OpDef = {
  name: "_col2im",
  inputs: ["data"],
  params: { ...WINDOW_PARAMS, shape: { type: "shape", required: true } },
  inferShape: ([c], p) => {
    const x = p.shape as number[];
    const want = colShape("_col2im", x, windowOf("_col2im", p, 2)).col;
    if (!shapeEqual(c, want)) {
      throw new ShapeError(
        `_col2im: columns ${formatShape(c)} do not match image ${formatShape(x)} (want ${
          formatShape(want)
        })`,
      );
    }
    return [x];
  },
  gradient: (b, { outGrads: [g], params }) => {
    const { shape: _, ...window } = params;
    return [b.op("_im2col", [g], window)];
  },
  lowering: {
    kind: "primitive",
    run: (k, [col], [x], p) => {
      const w = windowOf("_col2im", p, 2);
      const { out } = colShape("_col2im", x.shape, w);
      return k.col2im(
        col.buf,
        x.buf,
        geometry(w, x.shape[0], x.shape[1], [x.shape[2], x.shape[3]], out),
      );
    },
  },
};

/** `_pool` / `_pool_backward` parameters (MXNet spellings, as Pooling passes them on). */
const POOL_PARAMS = {
  kernel: WINDOW_PARAMS.kernel,
  stride: WINDOW_PARAMS.stride,
  pad: WINDOW_PARAMS.pad,
  poolType: { type: "string", default: "max", values: ["max", "avg", "sum"] },
  poolingConvention: { type: "string", default: "valid", values: ["valid", "full"] },
  countIncludePad: { type: "bool", default: true },
} as const;

/** Pooled length: valid floors, full ceils (MXNet's `pooling_convention`). */
function poolOut(len: number, w: Window, a: 0 | 1, p: Params): number {
  const span = len + 2 * w.pad[a] - w.kernel[a];
  if (span < 0) {
    throw new ShapeError(
      `Pooling: the ${a === 0 ? "height" : "width"} ${len} with pad ${w.pad[a]} is smaller ` +
        `than the kernel ${w.kernel[a]}`,
    );
  }
  const steps = span / w.stride[a];
  return 1 + (p.poolingConvention === "full" ? Math.ceil(steps) : Math.floor(steps));
}

/** The kernel parameters of `_pool` on data shape `x`. */
export function poolParams(x: Shape, p: Params): PoolParams & { outShape: number[] } {
  const w = windowOf("Pooling", { ...p, dilate: [] }, 2);
  const [h, wd] = spatialOf("Pooling", x, 2);
  const out: [number, number] = [poolOut(h, w, 0, p), poolOut(wd, w, 1, p)];
  return {
    ...geometry(w, x[0], x[1], [h, wd], out),
    type: p.poolType as PoolType,
    countIncludePad: p.countIncludePad as boolean,
    outShape: [x[0], x[1], ...out],
  };
}

const pool: OpDef = {
  name: "_pool",
  inputs: ["data"],
  params: POOL_PARAMS,
  inferShape: ([x], p) => [poolParams(x, p).outShape],
  gradient: (b, { inputs: [x], outGrads: [g], params }) => [
    b.op("_pool_backward", [x, g], { ...params }),
  ],
  lowering: {
    kind: "primitive",
    run: (k, [x], [out], p) => k.pool(x.buf, out.buf, poolParams(x.shape, p)),
  },
};

const poolBackward: OpDef = {
  name: "_pool_backward",
  inputs: ["data", "grad"],
  params: POOL_PARAMS,
  inferShape: ([x, g], p) => {
    const want = poolParams(x, p).outShape;
    if (!shapeEqual(g, want)) {
      throw new ShapeError(
        `_pool_backward: grad ${formatShape(g)} does not match the pooled shape ${
          formatShape(want)
        }`,
      );
    }
    return [x];
  },
  // Linear in grad: for sum/avg its adjoint is the pooling itself. Max pooling's adjoint
  // would gather at each window's argmax, which no kernel does.
  gradient: (b, { outGrads: [gg], params }) => {
    if (params.poolType === "max") {
      throw new UnsupportedError(
        "_pool_backward: the second-order gradient of max pooling is not supported",
      );
    }
    return [null, b.op("_pool", [gg], { ...params })];
  },
  lowering: {
    kind: "primitive",
    run: (k, [x, g], [gx], p) => k.poolBackward(x.buf, g.buf, gx.buf, poolParams(x.shape, p)),
  },
};

/** The window primitives. */
export const WINDOW_OPS: readonly OpDef[] = [im2col, col2im, pool, poolBackward];
