/**
 * The direct 2-D convolution primitives behind Convolution: `_conv2d` (NCHW data, no
 * bias) and its two adjoints, `_conv2d_backward_data` and `_conv2d_backward_weight`.
 * The three are closed under differentiation (each one's gradient is written with the
 * others), so higher-order gradients work. Semantics: `Kernels.conv2d` in
 * backends/backend.ts.
 * @module
 */
import type { Conv2D } from "../../../backends/backend.ts";
import { type DType, isFloat } from "../../core/dtype.ts";
import { DTypeError, ShapeError } from "../../core/errors.ts";
import { formatShape, type Shape, shapeEqual } from "../../core/shape.ts";
import type { OpDef, Params, ParamSpec } from "../op_def.ts";
import { convOut, geometry, spatialOf, WINDOW_PARAMS, windowOf } from "./_window.ts";

const CONV_PARAMS: Record<string, ParamSpec> = {
  ...WINDOW_PARAMS,
  numFilter: { type: "int", required: true, min: 1 },
  numGroup: { type: "int", default: 1, min: 1 },
};

/** The kernel geometry for data shape `x`, checking the filters and groups divide. */
function conv2dGeometry(op: string, x: Shape, p: Params): Conv2D {
  const w = windowOf(op, p, 2);
  const [h, wd] = spatialOf(op, x, 2);
  const m = p.numFilter as number, g = p.numGroup as number;
  if (!(m >= 1) || !(g >= 1) || x[1] % g !== 0 || m % g !== 0) {
    throw new ShapeError(
      `${op}: num_group ${g} must divide the channels ${x[1]} and num_filter ${m}`,
    );
  }
  const out: [number, number] = [convOut(op, h, w, 0), convOut(op, wd, w, 1)];
  return { ...geometry(w, x[0], x[1], [h, wd], out), filters: m, groups: g };
}

function weightShape(c: Conv2D): number[] {
  return [c.filters, c.channels / c.groups, c.kernelH, c.kernelW];
}

function outShape(c: Conv2D): number[] {
  return [c.batch, c.filters, c.outH, c.outW];
}

function expect(op: string, arg: string, got: Shape, want: readonly number[]): void {
  if (!shapeEqual(got, want)) {
    throw new ShapeError(
      `${op}: ${arg} has shape ${formatShape(got)}, expected ${formatShape(want)}`,
    );
  }
}

/** Float dtypes only (as MXNet's Convolution), the same for every input. */
function floatTypes(op: string, names: readonly string[]) {
  return (types: readonly DType[]): DType[] => {
    for (let i = 0; i < types.length; i++) {
      if (!isFloat(types[i])) {
        throw new DTypeError(
          `${op}: ${names[i]} has dtype ${types[i]}; convolution takes float16, float32 or ` +
            `float64 (cast with astype())`,
        );
      }
      if (types[i] !== types[0]) {
        throw new DTypeError(
          `${op}: ${names[i]} has dtype ${types[i]} but ${names[0]} has ${types[0]}`,
        );
      }
    }
    return [types[0]];
  };
}

const conv2d: OpDef = {
  name: "_conv2d",
  inputs: ["data", "weight"],
  params: CONV_PARAMS,
  inferShape: ([x, w], p) => {
    const c = conv2dGeometry("_conv2d", x, p);
    expect("_conv2d", "weight", w, weightShape(c));
    return [outShape(c)];
  },
  inferType: floatTypes("_conv2d", ["data", "weight"]),
  // Each adjoint costs as much as the forward: skip the ones nobody needs (the data's,
  // for a network's first layer).
  gradient: (b, { inputs: [x, w], outGrads: [g], params, needs }) => [
    needs?.[0] ?? true
      ? b.op("_conv2d_backward_data", [g, w], { ...params, shape: [...b.shape(x)] })
      : null,
    needs?.[1] ?? true ? b.op("_conv2d_backward_weight", [x, g], params) : null,
  ],
  lowering: {
    kind: "primitive",
    run: (k, [x, w], [y], p) =>
      k.conv2d(x.buf, w.buf, y.buf, conv2dGeometry("_conv2d", x.shape, p)),
  },
};

const backwardData: OpDef = {
  name: "_conv2d_backward_data",
  inputs: ["grad", "weight"],
  params: { ...CONV_PARAMS, shape: { type: "shape", required: true } },
  inferShape: ([gy, w], p) => {
    const x = p.shape as number[];
    const c = conv2dGeometry("_conv2d_backward_data", x, p);
    expect("_conv2d_backward_data", "grad", gy, outShape(c));
    expect("_conv2d_backward_data", "weight", w, weightShape(c));
    return [x];
  },
  inferType: floatTypes("_conv2d_backward_data", ["grad", "weight"]),
  gradient: (b, { inputs: [gy, w], outGrads: [g], params }) => {
    const { shape: _, ...conv } = params;
    return [b.op("_conv2d", [g, w], conv), b.op("_conv2d_backward_weight", [g, gy], conv)];
  },
  lowering: {
    kind: "primitive",
    run: (k, [gy, w], [gx], p) =>
      k.conv2dBackwardData(
        gy.buf,
        w.buf,
        gx.buf,
        conv2dGeometry("_conv2d_backward_data", gx.shape, p),
      ),
  },
};

const backwardWeight: OpDef = {
  name: "_conv2d_backward_weight",
  inputs: ["data", "grad"],
  params: CONV_PARAMS,
  inferShape: ([x, gy], p) => {
    const c = conv2dGeometry("_conv2d_backward_weight", x, p);
    expect("_conv2d_backward_weight", "grad", gy, outShape(c));
    return [weightShape(c)];
  },
  inferType: floatTypes("_conv2d_backward_weight", ["data", "grad"]),
  gradient: (b, { inputs: [x, gy], outGrads: [g], params }) => [
    b.op("_conv2d_backward_data", [gy, g], { ...params, shape: [...b.shape(x)] }),
    b.op("_conv2d", [x, g], params),
  ],
  lowering: {
    kind: "primitive",
    run: (k, [x, gy], [gw], p) =>
      k.conv2dBackwardWeight(
        x.buf,
        gy.buf,
        gw.buf,
        conv2dGeometry("_conv2d_backward_weight", x.shape, p),
      ),
  },
};

/** The convolution primitives. */
export const CONV2D_OPS: readonly OpDef[] = [conv2d, backwardData, backwardWeight];
