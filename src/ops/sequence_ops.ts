/**
 * `SequenceLast` and `SequenceReverse` (MXNet's names, beside `SequenceMask` in
 * nn_extra.ts), and the small statistics operators of #19: `moments`, `_np_cumsum`
 * (`cumsum`), `argmax_channel`, `_contrib_div_sqrt_dim`, `_contrib_arange_like`. All are
 * composites: gathers through `take`, scans through slices and adds.
 * @module
 */
import { ShapeError } from "../core/errors.ts";
import { formatShape, normalizeAxes, normalizeAxis, type Shape, sizeOf } from "../core/shape.ts";
import type { Builder, OpDef, Params } from "./op_def.ts";

/** Checks data and sequence_length of SequenceLast/SequenceReverse; returns time and batch. */
function seqDims(op: string, s: Shape, len: Shape | undefined, p: Params, axisMax: number) {
  const axis = normalizeAxis(p.axis as number, s.length, `${op}: axis`);
  if (axis > axisMax || s.length < 2) {
    throw new ShapeError(
      `${op}: axis must be ${axisMax === 0 ? "0" : "0 or 1"} of data with ndim >= 2, got ` +
        `axis ${p.axis} of ${formatShape(s)}`,
    );
  }
  const batch = s[1 - axis];
  if (len && (len.length !== 1 || len[0] !== batch)) {
    throw new ShapeError(
      `${op}: sequence_length has shape ${formatShape(len)}, expected [${batch}] (the batch ` +
        `axis of data ${formatShape(s)})`,
    );
  }
  return { axis, steps: s[axis], batch };
}

const SEQ_PARAMS = {
  useSequenceLength: { type: "bool", default: false },
  axis: { type: "int", default: 0 },
} as const;
const seqInputs = (p: Params) => p.useSequenceLength ? ["data", "sequence_length"] : ["data"];

/** `x` as float32 (sequence lengths arrive as float32 or integers). */
function asF32<T>(b: Builder<T>, x: T): T {
  return b.dtype(x) === "float32" ? x : b.op("Cast", [x], { dtype: "float32" });
}

/** `SequenceLast(data, sequence_length)`: each sequence's last valid step, [batch, ...]. */
const sequenceLast: OpDef = {
  name: "SequenceLast",
  inputs: seqInputs,
  params: SEQ_PARAMS,
  inferShape: ([s, len], p) => {
    const { axis } = seqDims("SequenceLast", s, p.useSequenceLength ? len : undefined, p, 1);
    return [s.filter((_, i) => i !== axis)];
  },
  inferType: ([t]) => [t],
  lowering: {
    kind: "composite",
    compose: (b, [x, len], p) => {
      const s = b.shape(x);
      const { axis, steps, batch } = seqDims("SequenceLast", s, len && b.shape(len), p, 1);
      if (!p.useSequenceLength) {
        return [b.op("squeeze", [b.op("slice_axis", [x], { axis, begin: steps - 1, end: steps })], {
          axis,
        })];
      }
      // Rows of [time*batch] (axis 0) or [batch*time] (axis 1); row of sequence n's last step.
      const last = b.op("_plus_scalar", [asF32(b, len)], { scalar: -1 });
      const n = b.op("_iota", [], { size: batch, dtype: "float32" });
      const row = axis === 0
        ? b.op("broadcast_add", [b.op("_mul_scalar", [last], { scalar: batch }), n])
        : b.op("broadcast_add", [b.op("_mul_scalar", [n], { scalar: steps }), last]);
      const rows = b.op("Reshape", [x], { shape: [steps * batch, ...s.slice(2)] });
      return [b.op("take", [rows, b.op("Cast", [row], { dtype: "int32" })], { axis: 0 })];
    },
  },
};

/**
 * `SequenceReverse(data, sequence_length)`: each sequence's first `length` steps reversed
 * along time (axis 0, the only axis MXNet supports); the padding after them stays.
 */
const sequenceReverse: OpDef = {
  name: "SequenceReverse",
  inputs: seqInputs,
  params: SEQ_PARAMS,
  inferShape: ([s, len], p) => {
    seqDims("SequenceReverse", s, p.useSequenceLength ? len : undefined, p, 0);
    return [s];
  },
  inferType: ([t]) => [t],
  lowering: {
    kind: "composite",
    compose: (b, [x, len], p) => {
      const s = b.shape(x);
      const { steps, batch } = seqDims("SequenceReverse", s, len && b.shape(len), p, 0);
      if (!p.useSequenceLength) return [b.op("reverse", [x], { axis: [0] })];
      // Source step of (t, n): length[n] - 1 - t inside the sequence, t in the padding.
      const t = b.op("Reshape", [b.op("_iota", [], { size: steps, dtype: "float32" })], {
        shape: [steps, 1],
      });
      const l = b.op("Reshape", [asF32(b, len)], { shape: [1, batch] });
      const inside = b.op("broadcast_lesser", [t, l]);
      const flipped = b.op("broadcast_sub", [b.op("_plus_scalar", [l], { scalar: -1 }), t]);
      const src = b.op("_where", [inside, flipped, b.op("broadcast_like", [t, flipped])]);
      const n = b.op("Reshape", [b.op("_iota", [], { size: batch, dtype: "float32" })], {
        shape: [1, batch],
      });
      const row = b.op("broadcast_add", [b.op("_mul_scalar", [src], { scalar: batch }), n]);
      const rows = b.op("Reshape", [x], { shape: [steps * batch, ...s.slice(2)] });
      const picked = b.op("take", [rows, b.op("Cast", [row], { dtype: "int32" })], { axis: 0 });
      return [b.op("Reshape", [picked], { shape: [...s] })];
    },
  },
};

function momentsShape(s: Shape, p: Params): number[] {
  const axes = normalizeAxes(p.axes as number[] | null, s.length, "moments: axes");
  return p.keepdims
    ? s.map((d, i) => (axes.includes(i) ? 1 : d))
    : s.filter((_, i) => !axes.includes(i));
}

/** `moments(data, axes, keepdims)`: [mean, variance] over `axes` (all by default). */
const moments: OpDef = {
  name: "moments",
  inputs: ["data"],
  numOutputs: 2,
  params: {
    axes: { type: "axes", default: null },
    keepdims: { type: "bool", default: false },
  },
  inferShape: ([s], p) => {
    const out = momentsShape(s, p);
    return [out, out];
  },
  lowering: {
    kind: "composite",
    compose: (b, [x], p) => {
      const axes = normalizeAxes(p.axes as number[] | null, b.shape(x).length, "moments: axes");
      const mean = b.op("mean", [x], { axis: axes, keepdims: true });
      const dev = b.op("square", [b.op("broadcast_sub", [x, mean])]);
      const variance = b.op("mean", [dev], { axis: axes, keepdims: true });
      const out = momentsShape(b.shape(x), p);
      return [mean, variance].map((t) => b.op("Reshape", [t], { shape: out }));
    },
  },
};

/** The dtype `_np_cumsum` sums in: `dtype`, else the input's (bool as int64, as MXNet). */
function cumsumType(t: string, p: Params): string {
  return (p.dtype as string | null) ?? (t === "bool" ? "int64" : t);
}

/**
 * `_np_cumsum(a, axis, dtype)` (alias `cumsum`): running sums along `axis`, or over the
 * flattened array when axis is None. A Hillis-Steele scan: log2(n) shifted adds.
 */
const cumsum: OpDef = {
  name: "_np_cumsum",
  aliases: ["cumsum"],
  inputs: ["a"],
  params: {
    axis: { type: "int", default: null },
    dtype: { type: "dtype", default: null },
  },
  inferShape: ([s], p) => {
    if (p.axis === null) return [[sizeOf(s)]];
    normalizeAxis(p.axis as number, s.length, "cumsum: axis");
    return [s];
  },
  inferType: ([t], p) => [cumsumType(t, p) as "float32"],
  lowering: {
    kind: "composite",
    compose: (b, [x], p) => {
      const dt = cumsumType(b.dtype(x), p);
      let y = dt === b.dtype(x) ? x : b.op("Cast", [x], { dtype: dt });
      const flat = p.axis === null;
      if (flat) y = b.op("Reshape", [y], { shape: [sizeOf(b.shape(x))] });
      const s = b.shape(y);
      const axis = flat ? 0 : normalizeAxis(p.axis as number, s.length, "cumsum: axis");
      const n = s[axis];
      if (n <= 1) return [b.op("_copy_of", [y])];
      for (let k = 1; k < n; k *= 2) {
        const zeros = b.op("_zeros", [], {
          shape: s.map((d, i) => (i === axis ? k : d)),
          dtype: dt,
        });
        const head = b.op("slice_axis", [y], { axis, begin: 0, end: n - k });
        y = b.op("broadcast_add", [y, b.op("Concat", [zeros, head], { numArgs: 2, dim: axis })]);
      }
      return [y];
    },
  },
};

/** `argmax_channel(data)`: argmax over axis 1 (MXNet fixes axis=1, keepdims=false). */
const argmaxChannel: OpDef = {
  name: "argmax_channel",
  inputs: ["data"],
  params: {},
  inferShape: ([s]) => {
    if (s.length < 2) {
      throw new ShapeError(`argmax_channel: data must have at least 2 dims, got ${formatShape(s)}`);
    }
    return [s.filter((_, i) => i !== 1)];
  },
  differentiable: false,
  lowering: {
    kind: "composite",
    compose: (b, [x]) => {
      const idx = b.op("argmax", [x], { axis: 1 });
      // MXNet returns the indices in data's dtype.
      return [b.dtype(idx) === b.dtype(x) ? idx : b.op("Cast", [idx], { dtype: b.dtype(x) })];
    },
  },
};

/** `_contrib_div_sqrt_dim(data)`: data / sqrt(size of its last axis) (attention scaling). */
const divSqrtDim: OpDef = {
  name: "_contrib_div_sqrt_dim",
  inputs: ["data"],
  params: {},
  inferShape: ([s]) => {
    if (s.length === 0) throw new ShapeError("_contrib_div_sqrt_dim: data must have a last axis");
    return [s];
  },
  lowering: {
    kind: "composite",
    compose: (b, [x]) => {
      const s = b.shape(x);
      return [b.op("_mul_scalar", [x], { scalar: 1 / Math.sqrt(s[s.length - 1]) })];
    },
  },
};

function arangeLikeShape(s: Shape, p: Params): number[] {
  if (p.axis === null) return [...s];
  return [s[normalizeAxis(p.axis as number, s.length, "_contrib_arange_like: axis")]];
}

/**
 * `_contrib_arange_like(data, start, step, repeat, axis)`: start, start+step, ... (each
 * `repeat` times) shaped like data, or like data's `axis`.
 */
const arangeLike: OpDef = {
  name: "_contrib_arange_like",
  aliases: ["_npx_arange_like"],
  inputs: ["data"],
  params: {
    start: { type: "float", default: 0 },
    step: { type: "float", default: 1 },
    repeat: { type: "int", default: 1, min: 1 },
    ctx: { type: "string", default: "" },
    axis: { type: "int", default: null },
  },
  inferShape: ([s], p) => [arangeLikeShape(s, p)],
  differentiable: false,
  lowering: {
    kind: "composite",
    compose: (b, [x], p) => {
      const out = arangeLikeShape(b.shape(x), p);
      const n = sizeOf(out), r = p.repeat as number;
      // floor(i / repeat), read half a step late so that rounding cannot drop below an integer.
      const k = r === 1 ? b.op("_iota", [], { size: n, dtype: "float32" }) : b.op("floor", [
        b.op("_iota", [], { size: n, start: 0.5 / r, step: 1 / r, dtype: "float32" }),
      ]);
      const v = b.op("_plus_scalar", [b.op("_mul_scalar", [k], { scalar: p.step as number })], {
        scalar: p.start as number,
      });
      const typed = b.dtype(x) === "float32" ? v : b.op("Cast", [v], { dtype: b.dtype(x) });
      return [b.op("Reshape", [typed], { shape: out })];
    },
  },
};

/** Every operator of this file. */
export const SEQUENCE_OPS: readonly OpDef[] = [
  sequenceLast,
  sequenceReverse,
  moments,
  cumsum,
  argmaxChannel,
  divSqrtDim,
  arangeLike,
];
