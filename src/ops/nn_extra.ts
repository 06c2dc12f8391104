/**
 * `SequenceMask` and `smooth_l1` (MXNet's names), composed from elementwise ops so every
 * backend runs them and autograd differentiates them through their parts.
 * @module
 */
import { ShapeError } from "../core/errors.ts";
import { formatShape, normalizeAxis } from "../core/shape.ts";
import type { OpDef, Params } from "./op_def.ts";

function maskDims(s: readonly number[], len: readonly number[] | undefined, p: Params) {
  const axis = normalizeAxis(p.axis as number, s.length, "SequenceMask: axis");
  if (axis > 1 || s.length < 2) {
    throw new ShapeError(`SequenceMask: axis must be 0 or 1 of data with ndim >= 2, got ${axis}`);
  }
  const batch = s[1 - axis];
  if (len && (len.length !== 1 || len[0] !== batch)) {
    throw new ShapeError(
      `SequenceMask: sequence_length has shape ${formatShape(len)}, expected [${batch}] ` +
        `(the batch axis of data ${formatShape(s)})`,
    );
  }
  return { axis, steps: s[axis], batch };
}

/**
 * `SequenceMask(data, sequence_length)`: positions at or past each sequence's length along
 * `axis` (0: [time, batch, ...], 1: [batch, time, ...]) are set to `value`.
 */
const sequenceMask: OpDef = {
  name: "SequenceMask",
  inputs: (p) => (p.useSequenceLength ? ["data", "sequence_length"] : ["data"]),
  params: {
    useSequenceLength: { type: "bool", default: false },
    value: { type: "float", default: 0 },
    axis: { type: "int", default: 0 },
  },
  inferShape: ([s, len], p) => {
    maskDims(s, p.useSequenceLength ? len : undefined, p);
    return [s];
  },
  inferType: ([t]) => [t],
  lowering: {
    kind: "composite",
    compose: (b, [x, len], p) => {
      if (!p.useSequenceLength) return [b.op("_copy_of", [x])];
      const s = b.shape(x);
      const { axis, steps, batch } = maskDims(s, b.shape(len), p);
      const t = b.op("_iota", [], { size: steps, dtype: "float32" });
      const l = b.dtype(len) === "float32" ? len : b.op("Cast", [len], { dtype: "float32" });
      const rest = s.slice(2).map(() => 1);
      const tShape = axis === 0 ? [steps, 1, ...rest] : [1, steps, ...rest];
      const lShape = axis === 0 ? [1, batch, ...rest] : [batch, 1, ...rest];
      const keep = b.op("broadcast_lesser", [
        b.op("Reshape", [t], { shape: tShape }),
        b.op("Reshape", [l], { shape: lShape }),
      ]);
      const fill = b.op("_full", [], { shape: [1], value: p.value, dtype: b.dtype(x) });
      return [b.op("_where", [keep, x, fill])];
    },
  },
};

/** An identity copy (what SequenceMask returns when it masks nothing). */
const copyOf: OpDef = {
  name: "_copy_of",
  inputs: ["data"],
  params: {},
  inferShape: ([s]) => [s],
  lowering: {
    kind: "composite",
    compose: (b, [x]) => [b.op("_plus_scalar", [x], { scalar: 0 })],
  },
};

/**
 * `smooth_l1(data, scalar=sigma)`: 0.5 (σx)² where |x| < 1/σ², else |x| - 0.5/σ² (the
 * Huber-like loss of Fast R-CNN, as MXNet defines it).
 */
const smoothL1: OpDef = {
  name: "smooth_l1",
  inputs: ["data"],
  params: { scalar: { type: "float", default: 1 } },
  inferShape: ([s]) => [s],
  lowering: {
    kind: "composite",
    compose: (b, [x], p) => {
      const s2 = (p.scalar as number) ** 2;
      const ax = b.op("abs", [x]);
      const inside = b.op("_lesser_scalar", [ax], { scalar: 1 / s2 });
      const quad = b.op("_mul_scalar", [b.op("square", [x])], { scalar: 0.5 * s2 });
      const lin = b.op("_plus_scalar", [ax], { scalar: -0.5 / s2 });
      return [b.op("_where", [inside, quad, lin])];
    },
  },
};

/** Every operator of this file. */
export const NN_EXTRA_OPS: readonly OpDef[] = [sequenceMask, copyOf, smoothL1];
