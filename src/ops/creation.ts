/**
 * Operators that make arrays: zeros/ones/full, arange, eye, linspace, *_like, cast.
 * @module
 */
import { ParamError } from "../core/errors.ts";
import { checkShape } from "../core/shape.ts";
import { NON_BOOL_DTYPES, type OpDef, type Params, type ParamSpec } from "./op_def.ts";

const SHAPE_DTYPE = {
  shape: { type: "shape", default: [] },
  dtype: { type: "dtype", default: "float32" },
} as const satisfies Record<string, ParamSpec>;

/** arange, linspace and eye take every dtype but bool (MXNET_ADD_ALL_TYPES). */
const DTYPE_NO_BOOL: ParamSpec = { type: "dtype", default: "float32", values: NON_BOOL_DTYPES };

function fillOp(name: string, value: (p: Params) => number, extra = {}): OpDef {
  return {
    name,
    inputs: [],
    params: { ...SHAPE_DTYPE, ...extra },
    inferShape: (_s, p) => [checkShape(p.shape, `${name}: shape`)],
    inferType: (_t, p) => [p.dtype as "float32"],
    differentiable: false,
    lowering: { kind: "primitive", run: (k, _in, [out], p) => k.fill(out.buf, value(p)) },
  };
}

function likeOp(name: string, value: number): OpDef {
  return {
    name,
    inputs: ["data"],
    params: {},
    inferShape: (s) => [s[0]],
    differentiable: false,
    lowering: { kind: "primitive", run: (k, _in, [out]) => k.fill(out.buf, value) },
  };
}

function arangeLength(p: Params): number {
  const start = p.start as number, step = p.step as number;
  const stop = p.stop as number | null;
  if (step === 0) throw new ParamError("arange: step must not be 0");
  const [lo, hi] = stop === null ? [0, start] : [start, stop];
  return Math.max(0, Math.ceil((hi - lo) / step)) * (p.repeat as number);
}

const arange: OpDef = {
  name: "_arange",
  inputs: [],
  params: {
    start: { type: "float", default: 0 },
    stop: { type: "float", default: null },
    step: { type: "float", default: 1 },
    // MXNet checks repeat > 0 (and step != 0, which arangeLength reports).
    repeat: { type: "int", default: 1, min: 1 },
    dtype: DTYPE_NO_BOOL,
  },
  inferShape: (_s, p) => [[arangeLength(p)]],
  inferType: (_t, p) => [p.dtype as "float32"],
  differentiable: false,
  lowering: {
    kind: "composite",
    compose: (b, _in, p) => {
      // With stop omitted, MXNet (like range) counts from 0 to start.
      const start = p.stop === null ? 0 : p.start as number;
      const n = arangeLength(p) / (p.repeat as number);
      const base = b.op("_iota", [], { size: n, start, step: p.step, dtype: p.dtype });
      if (p.repeat === 1) return [base];
      return [b.op("repeat", [base], { repeats: p.repeat, axis: 0 })];
    },
  },
};

/** `out[i] = start + i*step`: the primitive behind arange and linspace. */
const iota: OpDef = {
  name: "_iota",
  inputs: [],
  params: {
    size: { type: "int", required: true, min: 0 },
    start: { type: "float", default: 0 },
    step: { type: "float", default: 1 },
    dtype: { type: "dtype", default: "float32" },
  },
  inferShape: (_s, p) => [[p.size as number]],
  inferType: (_t, p) => [p.dtype as "float32"],
  differentiable: false,
  lowering: {
    kind: "primitive",
    run: (k, _in, [out], p) => k.arange(out.buf, p.start as number, p.step as number),
  },
};

const linspace: OpDef = {
  name: "_linspace",
  inputs: [],
  params: {
    start: { type: "float", required: true },
    stop: { type: "float", required: true },
    num: { type: "int", required: true, min: 0 },
    endpoint: { type: "bool", default: true },
    dtype: DTYPE_NO_BOOL,
  },
  inferShape: (_s, p) => [[p.num as number]],
  inferType: (_t, p) => [p.dtype as "float32"],
  differentiable: false,
  lowering: {
    kind: "composite",
    compose: (b, _in, p) => {
      const n = p.num as number;
      const div = p.endpoint ? n - 1 : n;
      const step = div > 0 ? ((p.stop as number) - (p.start as number)) / div : 0;
      return [b.op("_iota", [], { size: n, start: p.start, step, dtype: p.dtype })];
    },
  },
};

const eye: OpDef = {
  name: "_eye",
  inputs: [],
  params: {
    // Sizes (M = 0: square).
    N: { type: "int", required: true, json: "N", min: 0 },
    M: { type: "int", default: 0, json: "M", min: 0 },
    k: { type: "int", default: 0 },
    dtype: DTYPE_NO_BOOL,
  },
  inferShape: (_s, p) => [[p.N as number, (p.M as number) || (p.N as number)]],
  inferType: (_t, p) => [p.dtype as "float32"],
  differentiable: false,
  lowering: {
    kind: "composite",
    compose: (b, _in, p) => {
      // eye[i][j] = (i + k == j), from two broadcast ranges.
      const n = p.N as number, m = (p.M as number) || n;
      // An empty matrix (N = 0) directly: Reshape would read its 0 as "copy".
      if (n === 0) return [b.op("_zeros", [], { shape: [0, m], dtype: p.dtype })];
      const rows = b.op("_iota", [], { size: n, start: p.k, step: 1, dtype: "float32" });
      const cols = b.op("_iota", [], { size: m, start: 0, step: 1, dtype: "float32" });
      const eq = b.op("broadcast_equal", [
        b.op("Reshape", [rows], { shape: [n, 1] }),
        b.op("Reshape", [cols], { shape: [1, m] }),
      ]);
      return [p.dtype === "float32" ? eq : b.op("Cast", [eq], { dtype: p.dtype })];
    },
  },
};

const cast: OpDef = {
  name: "Cast",
  aliases: ["cast", "astype"],
  inputs: ["data"],
  params: { dtype: { type: "dtype", required: true } },
  inferShape: (s) => [s[0]],
  inferType: (_t, p) => [p.dtype as "float32"],
  gradient: (b, { inputs: [x], outGrads: [g] }) => [b.op("Cast", [g], { dtype: b.dtype(x) })],
  lowering: { kind: "primitive", run: (k, [x], [out]) => k.copy(x.view, out.view) },
};

/** Every creation operator. */
export const CREATION_OPS: readonly OpDef[] = [
  fillOp("_zeros", () => 0),
  fillOp("_ones", () => 1),
  fillOp("_full", (p) => p.value as number, { value: { type: "float", required: true } }),
  likeOp("zeros_like", 0),
  likeOp("ones_like", 1),
  iota,
  arange,
  linspace,
  eye,
  cast,
];
