/**
 * Operators that move or view elements: reshape family, transpose, broadcast, slice,
 * flip, tile, repeat, concat, stack, split.
 * @module
 */
import { sequence, type View } from "../../backends/backend.ts";
import { ShapeError } from "../core/errors.ts";
import {
  broadcastShapes,
  broadcastStrides,
  formatShape,
  normalizeAxis,
  type Shape,
  sizeOf,
  stridesOf,
} from "../core/shape.ts";
import { ops } from "./_builder_util.ts";
import type { KernelTensor, OpDef, Params } from "./op_def.ts";

function dense(t: KernelTensor): View {
  return t.view;
}

/** Copies `x` densely into `out` (used by view ops when a copy is really needed). */
const copyLowering: OpDef["lowering"] = {
  kind: "primitive",
  run: (k, [x], [out]) =>
    k.copy({ ...dense(x), shape: [x.buf.size], strides: [1] }, {
      ...dense(out),
      shape: [out.buf.size],
      strides: [1],
    }),
};

/**
 * MXNet's Reshape codes: 0 copies a dim, -1 infers one dim, -2 copies all remaining
 * dims, -3 merges two dims, -4 splits one dim into the next two values (one may be -1).
 * `reverse` applies the codes from the right.
 */
export function inferReshape(input: Shape, target: readonly number[], reverse = false): number[] {
  const src = reverse ? [...input].reverse() : [...input];
  const codes = reverse ? reverseCodes(target) : [...target];
  const out: number[] = [];
  let inferAt = -1;
  let i = 0;
  const fail = (why: string): never => {
    throw new ShapeError(
      `Reshape: cannot reshape ${formatShape(input)} with shape ${JSON.stringify(target)}: ${why}`,
    );
  };
  for (let j = 0; j < codes.length; j++) {
    const c = codes[j];
    if (c > 0) {
      out.push(c);
      i++;
    } else if (c === 0) {
      if (i >= src.length) fail("code 0 has no input dim to copy");
      out.push(src[i++]);
    } else if (c === -1) {
      if (inferAt >= 0) fail("more than one -1");
      inferAt = out.length;
      out.push(1);
      i++;
    } else if (c === -2) {
      while (i < src.length) out.push(src[i++]);
    } else if (c === -3) {
      if (i + 1 >= src.length) fail("code -3 needs two input dims");
      out.push(src[i] * src[i + 1]);
      i += 2;
    } else if (c === -4) {
      if (i >= src.length || j + 2 >= codes.length) {
        fail("code -4 needs an input dim and two values");
      }
      const d = src[i++];
      let d1 = codes[++j], d2 = codes[++j];
      if (d1 === -1) d1 = d / d2;
      if (d2 === -1) d2 = d1 === 0 ? 0 : d / d1;
      if (!Number.isInteger(d1) || !Number.isInteger(d2) || d1 * d2 !== d) {
        fail(`code -4 cannot split ${d} into ${codes[j - 1]} x ${codes[j]}`);
      }
      out.push(d1, d2);
    } else fail(`unknown code ${c}`);
  }
  if (inferAt >= 0) {
    const known = sizeOf(out);
    const total = sizeOf(input);
    if (known === 0 || total % known !== 0) fail("the -1 dim cannot be inferred");
    out[inferAt] = total / known;
  }
  const result = reverse ? out.reverse() : out;
  if (sizeOf(result) !== sizeOf(input)) {
    fail(`size ${sizeOf(input)} does not match ${formatShape(result)}`);
  }
  return result;
}

function reverseCodes(codes: readonly number[]): number[] {
  // -4 a b applies left to right; reversing keeps each -4 group in front of its pair.
  const groups: number[][] = [];
  for (let j = 0; j < codes.length; j++) {
    if (codes[j] === -4) {
      groups.push([-4, codes[j + 2], codes[j + 1]]);
      j += 2;
    } else groups.push([codes[j]]);
  }
  return groups.reverse().flat();
}

/** Every view op shares this gradient: reshape back to the input's shape. */
const reshapeBack: OpDef["gradient"] = (b, { inputs: [x], outGrads: [g] }) => [
  ops(b).reshape(g, b.shape(x)),
];

const reshape: OpDef = {
  name: "Reshape",
  aliases: ["reshape"],
  inputs: ["data"],
  // Entries are sizes or MXNet's special codes 0, -1, -2, -3 and -4.
  params: {
    shape: { type: "shape", default: [], min: -4 },
    reverse: { type: "bool", default: false },
  },
  inferShape: ([s], p) => [inferReshape(s, p.shape as number[], p.reverse as boolean)],
  gradient: reshapeBack,
  view: true,
  lowering: copyLowering,
};

const flatten: OpDef = {
  name: "Flatten",
  aliases: ["flatten"],
  inputs: ["data"],
  params: {},
  inferShape: ([s]) => [s.length === 0 ? [1, 1] : [s[0], sizeOf(s.slice(1))]],
  gradient: reshapeBack,
  view: true,
  lowering: copyLowering,
};

const expandDims: OpDef = {
  name: "expand_dims",
  inputs: ["data"],
  params: { axis: { type: "int", required: true } },
  inferShape: ([s], p) => {
    const a = normalizeAxis(p.axis as number, s.length + 1, "expand_dims: axis");
    return [[...s.slice(0, a), 1, ...s.slice(a)]];
  },
  gradient: reshapeBack,
  view: true,
  lowering: copyLowering,
};

const squeeze: OpDef = {
  name: "squeeze",
  inputs: ["data"],
  params: { axis: { type: "axes", default: null } },
  inferShape: ([s], p) => {
    const axes = p.axis === null
      ? s.flatMap((d, i) => (d === 1 ? [i] : []))
      : (typeof p.axis === "number" ? [p.axis] : p.axis as number[]).map((a) =>
        normalizeAxis(a, s.length, "squeeze: axis")
      );
    for (const a of axes) {
      if (s[a] !== 1) {
        throw new ShapeError(`squeeze: axis ${a} of ${formatShape(s)} has size ${s[a]}, not 1`);
      }
    }
    const out = s.filter((_, i) => !axes.includes(i));
    return [out.length ? out : [1]];
  },
  gradient: reshapeBack,
  view: true,
  lowering: copyLowering,
};

function permOf(s: Shape, p: Params): number[] {
  const axes = p.axes as number[];
  if (axes.length === 0) return [...s.keys()].reverse();
  const perm = axes.map((a) => normalizeAxis(a, s.length, "transpose: axes"));
  if (perm.length !== s.length || new Set(perm).size !== perm.length) {
    throw new ShapeError(
      `transpose: axes ${JSON.stringify(axes)} is not a permutation of ${s.length} axes`,
    );
  }
  return perm;
}

const transpose: OpDef = {
  name: "transpose",
  inputs: ["data"],
  // Negative axes count from the end; permOf checks them against the rank.
  params: { axes: { type: "shape", default: [], min: -Infinity } },
  inferShape: ([s], p) => [permOf(s, p).map((a) => s[a])],
  gradient: (b, { inputs: [x], outGrads: [g], params }) => {
    const perm = permOf(b.shape(x), params);
    const inv = perm.map((_, i) => perm.indexOf(i));
    return [b.op("transpose", [g], { axes: inv })];
  },
  lowering: {
    kind: "primitive",
    run: (k, [x], [out], p) => {
      const perm = permOf(x.shape, p);
      const st = stridesOf(x.shape);
      return k.copy(
        { buf: x.buf, shape: out.shape, strides: perm.map((a) => st[a]), offset: 0 },
        dense(out),
      );
    },
  },
};

const swapaxes: OpDef = {
  name: "SwapAxis",
  aliases: ["swapaxes"],
  inputs: ["data"],
  params: { dim1: { type: "int", default: 0 }, dim2: { type: "int", default: 0 } },
  inferShape: ([s], p) => transpose.inferShape([s], { axes: swapPerm(s, p) }),
  lowering: {
    kind: "composite",
    compose: (b, [x], p) => [b.op("transpose", [x], { axes: swapPerm(b.shape(x), p) })],
  },
};

function swapPerm(s: Shape, p: Params): number[] {
  const a = normalizeAxis(p.dim1 as number, s.length, "swapaxes: dim1");
  const c = normalizeAxis(p.dim2 as number, s.length, "swapaxes: dim2");
  const perm = [...s.keys()];
  [perm[a], perm[c]] = [perm[c], perm[a]];
  return perm;
}

/** broadcast_to's target: a 0 keeps the input's dim, as in MXNet. */
function broadcastTarget(s: Shape, target: readonly number[]): number[] {
  const full = target.map((d, i) => (d === 0 ? s[i - (target.length - s.length)] : d));
  const out = broadcastShapes([s, full], "broadcast_to");
  if (out.length !== full.length || out.some((d, i) => d !== full[i])) {
    throw new ShapeError(
      `broadcast_to: cannot broadcast ${formatShape(s)} to ${formatShape(full)}`,
    );
  }
  return full;
}

const broadcastTo: OpDef = {
  name: "broadcast_to",
  inputs: ["data"],
  params: { shape: { type: "shape", default: [] } },
  inferShape: ([s], p) => [broadcastTarget(s, p.shape as number[])],
  gradient: (b, { inputs: [x], outGrads: [g] }) => [ops(b).sumTo(g, b.shape(x))],
  lowering: {
    kind: "primitive",
    run: (k, [x], [out]) =>
      k.copy(
        { buf: x.buf, shape: out.shape, strides: broadcastStrides(x.shape, out.shape), offset: 0 },
        dense(out),
      ),
  },
};

/**
 * broadcast_like's target: rhs's shape, or (with `lhs_axes`/`rhs_axes`, #19) lhs's shape
 * with each size-1 axis `lhs_axes[i]` set to the size of rhs's axis `rhs_axes[i]`.
 */
function broadcastLikeTarget(a: Shape, b: Shape, p: Params): number[] {
  const lhsAxes = p.lhsAxes as number[] | null, rhsAxes = p.rhsAxes as number[] | null;
  if (lhsAxes === null || rhsAxes === null) return broadcastTarget(a, b);
  if (lhsAxes.length !== rhsAxes.length || lhsAxes.length === 0) {
    throw new ShapeError(
      `broadcast_like: lhs_axes ${JSON.stringify(lhsAxes)} and rhs_axes ` +
        `${JSON.stringify(rhsAxes)} must be non-empty and of the same length`,
    );
  }
  const out = [...a];
  lhsAxes.forEach((la, i) => {
    const from = normalizeAxis(la, a.length, "broadcast_like: lhs_axes");
    const to = normalizeAxis(rhsAxes[i], b.length, "broadcast_like: rhs_axes");
    if (a[from] !== 1) {
      throw new ShapeError(
        `broadcast_like: lhs_axes entry ${la} is axis ${from} of lhs ${formatShape(a)} with ` +
          `size ${a[from]}; only axes of size 1 can be broadcast to rhs's ${b[to]}`,
      );
    }
    out[from] = b[to];
  });
  return out;
}

const broadcastLike: OpDef = {
  name: "broadcast_like",
  inputs: ["lhs", "rhs"],
  params: {
    lhsAxes: { type: "axes", default: null },
    rhsAxes: { type: "axes", default: null },
  },
  inferShape: ([a, b], p) => [broadcastLikeTarget(a, b, p)],
  lowering: {
    kind: "composite",
    compose: (b, [x, like], p) => [
      ops(b).broadcastTo(x, broadcastLikeTarget(b.shape(x), b.shape(like), p)),
    ],
  },
};

/** Resolved slice ranges: MXNet's begin/end/step with None (null) and negatives. */
export function sliceRanges(s: Shape, p: Params) {
  const begin = p.begin as (number | null)[], end = p.end as (number | null)[];
  const step = (p.step as (number | null)[]) ?? [];
  if (begin.length !== end.length || begin.length > s.length) {
    throw new ShapeError(
      `slice: begin ${JSON.stringify(begin)} and end ${JSON.stringify(end)} must have the same ` +
        `length, at most ndim ${s.length} of ${formatShape(s)}`,
    );
  }
  return s.map((d, i) => {
    const st = i < step.length && step[i] !== null && !Number.isNaN(step[i]) ? step[i]! : 1;
    if (st === 0) throw new ShapeError(`slice: step on axis ${i} is 0`);
    const norm = (v: number | null | undefined, dflt: number) => {
      if (v === null || v === undefined || Number.isNaN(v)) return dflt;
      const w = v < 0 ? v + d : v;
      return st > 0 ? Math.min(Math.max(w, 0), d) : Math.min(Math.max(w, -1), d - 1);
    };
    const b = i < begin.length ? norm(begin[i], st > 0 ? 0 : d - 1) : st > 0 ? 0 : d - 1;
    const e = i < end.length ? norm(end[i], st > 0 ? d : -1) : st > 0 ? d : -1;
    const len = st > 0
      ? Math.max(0, Math.ceil((e - b) / st))
      : Math.max(0, Math.ceil((b - e) / -st));
    return { begin: b, step: st, len };
  });
}

/** The view of `shape`'s dense buffer that a slice selects. */
export function sliceView(buf: KernelTensor["buf"], shape: Shape, p: Params): View {
  const r = sliceRanges(shape, p);
  const st = stridesOf(shape);
  let offset = 0;
  r.forEach((x, i) => (offset += x.begin * st[i]));
  return { buf, shape: r.map((x) => x.len), strides: r.map((x, i) => x.step * st[i]), offset };
}

/** The parameters of `slice` (also of the slice-assignment operators). */
export const SLICE_PARAMS = {
  begin: { type: "ranges", required: true },
  end: { type: "ranges", required: true },
  step: { type: "ranges", default: [] },
} as const;

const slice: OpDef = {
  name: "slice",
  aliases: ["crop"],
  inputs: ["data"],
  params: SLICE_PARAMS,
  inferShape: ([s], p) => [sliceRanges(s, p).map((r) => r.len)],
  gradient: (b, { inputs: [x], outGrads: [g], params }) => [
    b.op("_slice_backward", [g], { ...params, shape: [...b.shape(x)] }),
  ],
  lowering: {
    kind: "primitive",
    run: (k, [x], [out], p) => k.copy(sliceView(x.buf, x.shape, p), dense(out)),
  },
};

/** The adjoint of slice: zeros of the input shape with `g` written into the region. */
const sliceBackward: OpDef = {
  name: "_slice_backward",
  inputs: ["grad"],
  params: { ...SLICE_PARAMS, shape: { type: "shape", required: true } },
  inferShape: (_s, p) => [p.shape as number[]],
  gradient: (b, { outGrads: [g], params }) => [b.op("slice", [g], {
    begin: params.begin,
    end: params.end,
    step: params.step,
  })],
  lowering: {
    kind: "primitive",
    run: (k, [g], [out], p) =>
      sequence([
        () => k.fill(out.buf, 0),
        () => k.copy(dense(g), sliceView(out.buf, out.shape, p)),
      ]),
  },
};

const sliceAxis: OpDef = {
  name: "slice_axis",
  inputs: ["data"],
  params: {
    axis: { type: "int", required: true },
    begin: { type: "int", required: true },
    end: { type: "int", default: null },
  },
  inferShape: ([s], p) => slice.inferShape([s], axisSliceParams(s, p)),
  lowering: {
    kind: "composite",
    compose: (b, [x], p) => [b.op("slice", [x], axisSliceParams(b.shape(x), p))],
  },
};

function axisSliceParams(s: Shape, p: Params): Params {
  const a = normalizeAxis(p.axis as number, s.length, "slice_axis: axis");
  const begin: (number | null)[] = s.map(() => null);
  const end: (number | null)[] = s.map(() => null);
  begin[a] = p.begin as number;
  end[a] = p.end as number | null;
  return { begin, end, step: [] };
}

const flip: OpDef = {
  name: "reverse",
  aliases: ["flip"],
  inputs: ["data"],
  params: { axis: { type: "shape", required: true, min: -Infinity } },
  inferShape: ([s]) => [s],
  gradient: (b, { outGrads: [g], params }) => [b.op("reverse", [g], { axis: params.axis })],
  lowering: {
    kind: "primitive",
    run: (k, [x], [out], p) => {
      const st = stridesOf(x.shape);
      const axes = (p.axis as number[]).map((a) => normalizeAxis(a, x.shape.length, "flip: axis"));
      let offset = 0;
      const strides = st.map((s, i) => {
        if (!axes.includes(i)) return s;
        offset += (x.shape[i] - 1) * s;
        return -s;
      });
      return k.copy({ buf: x.buf, shape: x.shape, strides, offset }, dense(out));
    },
  },
};

const tile: OpDef = {
  name: "tile",
  inputs: ["data"],
  params: { reps: { type: "shape", required: true } },
  inferShape: ([s], p) => {
    const { shape, reps } = tileDims(s, p.reps as number[]);
    return [shape.map((d, i) => d * reps[i])];
  },
  lowering: {
    kind: "composite",
    compose: (b, [x], p) => {
      // x -> [1, d0, 1, d1, ...] -> broadcast [r0, d0, r1, d1, ...] -> merge pairs.
      const o = ops(b);
      const { shape, reps } = tileDims(b.shape(x), p.reps as number[]);
      const spread = o.reshape(x, shape.flatMap((d) => [1, d]));
      const big = o.broadcastTo(spread, shape.flatMap((d, i) => [reps[i], d]));
      return [o.reshape(big, shape.map((d, i) => d * reps[i]))];
    },
  },
};

function tileDims(s: Shape, reps: readonly number[]) {
  const n = Math.max(s.length, reps.length);
  return {
    shape: [...Array(n - s.length).fill(1), ...s] as number[],
    reps: [...Array(n - reps.length).fill(1), ...reps] as number[],
  };
}

const repeat: OpDef = {
  name: "repeat",
  inputs: ["data"],
  params: {
    repeats: { type: "int", required: true, min: 0 },
    axis: { type: "axes", default: null },
  },
  inferShape: ([s], p) => {
    const r = p.repeats as number;
    if (p.axis === null) return [[sizeOf(s) * r]];
    const a = normalizeAxis(p.axis as number, s.length, "repeat: axis");
    return [s.map((d, i) => (i === a ? d * r : d))];
  },
  lowering: {
    kind: "composite",
    compose: (b, [x], p) => {
      const o = ops(b);
      const r = p.repeats as number;
      const src = p.axis === null ? o.reshape(x, [sizeOf(b.shape(x))]) : x;
      const s = b.shape(src);
      const a = p.axis === null ? 0 : normalizeAxis(p.axis as number, s.length, "repeat: axis");
      const expanded = o.reshape(src, [...s.slice(0, a + 1), 1, ...s.slice(a + 1)]);
      const big = o.broadcastTo(expanded, [...s.slice(0, a + 1), r, ...s.slice(a + 1)]);
      return [o.reshape(big, s.map((d, i) => (i === a ? d * r : d)))];
    },
  },
};

function concatAxis(shapes: readonly Shape[], p: Params): number {
  const first = shapes[0];
  const a = normalizeAxis(p.dim as number, first.length, "concat: dim");
  for (const [i, s] of shapes.entries()) {
    if (s.length !== first.length || s.some((d, j) => j !== a && d !== first[j])) {
      throw new ShapeError(
        `concat: input ${i} has shape ${formatShape(s)}, which does not match ` +
          `${formatShape(first)} except on axis ${a}`,
      );
    }
  }
  return a;
}

const argNames = (p: Params) => [...Array(p.numArgs as number).keys()].map((i) => `arg${i}`);

const concat: OpDef = {
  name: "Concat",
  // _rnn_param_concat: what MXNet 1.x Gluon's recurrent layers concatenate their weights
  // with in exported graphs (a Concat along dim 0 of flattened parameters).
  aliases: ["concat", "_rnn_param_concat"],
  inputs: argNames,
  params: { numArgs: { type: "int", required: true, min: 1 }, dim: { type: "int", default: 1 } },
  inferShape: (shapes, p) => {
    const a = concatAxis(shapes, p);
    const out = [...shapes[0]];
    out[a] = shapes.reduce((n, s) => n + s[a], 0);
    return [out];
  },
  gradient: (b, { inputs, outGrads: [g], params }) => {
    const a = concatAxis(inputs.map((x) => b.shape(x)), params);
    let at = 0;
    return inputs.map((x) => {
      const len = b.shape(x)[a];
      at += len;
      return b.op("slice_axis", [g], { axis: a, begin: at - len, end: at });
    });
  },
  lowering: {
    kind: "primitive",
    run: (k, inputs, [out], p) => {
      const a = concatAxis(inputs.map((x) => x.shape), p);
      const st = stridesOf(out.shape);
      let at = 0;
      return sequence(inputs.map((x) => {
        const region: View = { buf: out.buf, shape: x.shape, strides: st, offset: at * st[a] };
        at += x.shape[a];
        return () => k.copy(dense(x), region);
      }));
    },
  },
};

const stack: OpDef = {
  name: "stack",
  inputs: argNames,
  params: { numArgs: { type: "int", required: true, min: 1 }, axis: { type: "int", default: 0 } },
  inferShape: (shapes, p) => {
    const s = shapes[0];
    if (shapes.some((t) => t.length !== s.length || t.some((d, i) => d !== s[i]))) {
      throw new ShapeError(
        `stack: every input must have the same shape, got ${shapes.map(formatShape).join(", ")}`,
      );
    }
    const a = normalizeAxis(p.axis as number, s.length + 1, "stack: axis");
    return [[...s.slice(0, a), shapes.length, ...s.slice(a)]];
  },
  lowering: {
    kind: "composite",
    compose: (b, xs, p) => {
      const s = b.shape(xs[0]);
      const a = normalizeAxis(p.axis as number, s.length + 1, "stack: axis");
      const parts = xs.map((x) => b.op("expand_dims", [x], { axis: a }));
      return [b.op("Concat", parts, { numArgs: xs.length, dim: a })];
    },
  },
};

function splitDims(s: Shape, p: Params) {
  const a = normalizeAxis(p.axis as number, s.length, "split: axis");
  const n = p.numOutputs as number;
  if (n < 1 || s[a] % n !== 0) {
    throw new ShapeError(`split: axis ${a} of ${formatShape(s)} cannot be split into ${n} parts`);
  }
  return { a, n, len: s[a] / n };
}

const split: OpDef = {
  name: "SliceChannel",
  aliases: ["split"],
  inputs: ["data"],
  numOutputs: (p) => p.numOutputs as number,
  params: {
    numOutputs: { type: "int", required: true, min: 1 },
    axis: { type: "int", default: 1 },
    squeezeAxis: { type: "bool", default: false },
  },
  inferShape: ([s], p) => {
    const { a, n, len } = splitDims(s, p);
    const part = s.map((d, i) => (i === a ? len : d));
    const out = p.squeezeAxis && len === 1 ? part.filter((_, i) => i !== a) : part;
    return Array(n).fill(out.length ? out : [1]);
  },
  lowering: {
    kind: "composite",
    compose: (b, [x], p) => {
      const s = b.shape(x);
      const { a, n, len } = splitDims(s, p);
      return [...Array(n).keys()].map((i) => {
        const part = b.op("slice_axis", [x], { axis: a, begin: i * len, end: (i + 1) * len });
        return p.squeezeAxis && len === 1 ? b.op("squeeze", [part], { axis: a }) : part;
      });
    },
  },
};

/** Every shape-manipulation operator. */
export const SHAPE_OPS: readonly OpDef[] = [
  reshape,
  flatten,
  expandDims,
  squeeze,
  transpose,
  swapaxes,
  broadcastTo,
  broadcastLike,
  slice,
  sliceBackward,
  sliceAxis,
  flip,
  tile,
  repeat,
  concat,
  stack,
  split,
];
