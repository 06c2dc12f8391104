/**
 * Writing into part of an array (NumPy's `x[idx] = v`): `_slice_assign` and
 * `_slice_assign_scalar` (MXNet's names) write a basic-slice region, `_copyto` copies a
 * whole array. Front ends apply them with `out` set to the target, so the write happens in
 * place and autograd records the target as the op's output.
 * @module
 */
import { sequence } from "../../backends/backend.ts";
import { ShapeError } from "../core/errors.ts";
import { broadcastStrides, formatShape, shapeEqual } from "../core/shape.ts";
import { ops } from "./_builder_util.ts";
import type { OpDef } from "./op_def.ts";
import { SLICE_PARAMS, sliceRanges, sliceView } from "./shape_ops.ts";

const sliceOf = (p: Record<string, unknown>) => ({ begin: p.begin, end: p.end, step: p.step });

/** `lhs` with the slice region replaced by `rhs` (broadcast to the region). */
const sliceAssign: OpDef = {
  name: "_slice_assign",
  aliases: ["_crop_assign"],
  inputs: ["lhs", "rhs"],
  params: SLICE_PARAMS,
  inferShape: ([s, v], p) => {
    const region = sliceRanges(s, p).map((r) => r.len);
    if (
      v.length > region.length ||
      v.some((d, i) => d !== 1 && d !== region[region.length - v.length + i])
    ) {
      throw new ShapeError(
        `_slice_assign: value of shape ${formatShape(v)} cannot be broadcast to the region ` +
          `${formatShape(region)}`,
      );
    }
    return [s];
  },
  inferType: ([t]) => [t],
  gradient: (b, { inputs: [, v], outGrads: [g], params }) => [
    b.op("_slice_assign_scalar", [g], { ...sliceOf(params), scalar: 0 }),
    ops(b).sumTo(b.op("slice", [g], sliceOf(params)), b.shape(v)),
  ],
  lowering: {
    kind: "primitive",
    run: (k, [x, v], [out], p) => {
      const region = sliceView(out.buf, out.shape, p);
      const from = {
        ...v.view,
        shape: region.shape,
        strides: broadcastStrides(v.shape, region.shape),
      };
      // In place (out is lhs) only the region is written.
      return sequence([
        () => (x.buf === out.buf ? undefined : k.copy(x.view, out.view)),
        () => k.copy(from, region),
      ]);
    },
  },
};

/** `data` with the slice region set to `scalar`: `_slice_assign` from a one-element array. */
const sliceAssignScalar: OpDef = {
  name: "_slice_assign_scalar",
  aliases: ["_crop_assign_scalar"],
  inputs: ["data"],
  params: { ...SLICE_PARAMS, scalar: { type: "float", default: 0 } },
  inferShape: ([s], p) => {
    sliceRanges(s, p);
    return [s];
  },
  lowering: {
    kind: "composite",
    compose: (b, [x], p) => {
      const v = b.op("_full", [], { shape: [1], value: p.scalar, dtype: b.dtype(x) });
      return [b.op("_slice_assign", [x, v], sliceOf(p))];
    },
  },
};

/** A copy of `data` written into `out` (the front end passes the target as `out`). */
const copyto: OpDef = {
  name: "_copyto",
  inputs: ["data"],
  params: {},
  inferShape: ([s]) => [s],
  gradient: (_b, { outGrads: [g] }) => [g],
  lowering: {
    kind: "primitive",
    run: (k, [x], [out]) => {
      if (!shapeEqual(x.shape, out.shape)) throw new ShapeError("_copyto: shapes differ");
      return k.copy(x.view, out.view);
    },
  },
};

/** Every assignment operator. */
export const ASSIGN_OPS: readonly OpDef[] = [sliceAssign, sliceAssignScalar, copyto];
