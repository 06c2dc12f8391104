/**
 * sort, argsort, topk: one sorting primitive along the last axis; other axes are moved
 * there and back with transposes.
 * @module
 */
import { normalizeAxis, type Shape } from "../core/shape.ts";
import { ops } from "./_builder_util.ts";
import type { Builder, OpDef, Params } from "./op_def.ts";

/** The dtypes MXNet's argsort and topk write indices as. */
const INDEX_DTYPES = ["uint8", "int32", "int64", "float16", "float32", "float64"];

/** Sorts along the last axis; outputs [values, indices (float32)]. */
const sortLast: OpDef = {
  name: "_sort_last",
  inputs: ["data"],
  numOutputs: 2,
  params: { isAscend: { type: "bool", default: true } },
  inferShape: ([s]) => [s, s],
  inferType: ([t]) => [t, "float32"],
  gradient: (b, { inputs: [x], outputs: [, idx], outGrads: [g] }) => {
    // Each sorted value came from position idx along the last axis: scatter g back.
    const s = b.shape(x);
    const depth = s[s.length - 1];
    const hot = b.op("one_hot", [idx], { depth, dtype: b.dtype(x) }); // [..., n, n]
    const o = ops(b);
    const gx = b.op("sum", [o.mul(hot, o.reshape(g, [...s, 1]))], { axis: s.length - 1 });
    return [o.reshape(gx, s)];
  },
  lowering: {
    kind: "primitive",
    run: (k, [x], [values, indices], p) => {
      const len = x.shape.length ? x.shape[x.shape.length - 1] : 1;
      return k.sort(x.buf, values.buf, indices.buf, {
        outer: len === 0 ? 0 : x.buf.size / len,
        len,
        ascending: p.isAscend as boolean,
      });
    },
  },
};

/** Runs `_sort_last` along `axis` by moving the axis last and back. */
function sortAlong<T>(
  b: Builder<T>,
  x: T,
  axis: number,
  ascend: boolean,
): { v: T; i: T; perm: number[] } {
  const nd = b.shape(x).length;
  const perm = [...Array(nd).keys()];
  perm.splice(axis, 1);
  perm.push(axis);
  const moved = axis === nd - 1 ? x : b.op("transpose", [x], { axes: perm });
  const [v, i] = b.ops("_sort_last", [moved], { isAscend: ascend });
  return { v, i, perm };
}

function back<T>(b: Builder<T>, t: T, perm: number[]): T {
  if (perm.every((a, i) => a === i)) return t;
  const inv = perm.map((_, i) => perm.indexOf(i));
  return b.op("transpose", [t], { axes: inv });
}

function axisOf(s: Shape, p: Params, name: string): number {
  return normalizeAxis(p.axis as number, s.length, `${name}: axis`);
}

const sort: OpDef = {
  name: "sort",
  inputs: ["data"],
  params: { axis: { type: "int", default: -1 }, isAscend: { type: "bool", default: true } },
  inferShape: (s) => [s[0]],
  lowering: {
    kind: "composite",
    compose: (b, [x], p) => {
      const { v, perm } = sortAlong(b, x, axisOf(b.shape(x), p, "sort"), p.isAscend as boolean);
      return [back(b, v, perm)];
    },
  },
};

const argsort: OpDef = {
  name: "argsort",
  inputs: ["data"],
  params: {
    axis: { type: "int", default: -1 },
    isAscend: { type: "bool", default: true },
    dtype: { type: "dtype", default: "float32", values: INDEX_DTYPES },
  },
  inferShape: (s) => [s[0]],
  inferType: (_t, p) => [p.dtype as "float32"],
  differentiable: false,
  lowering: {
    kind: "composite",
    compose: (b, [x], p) => {
      const { i, perm } = sortAlong(b, x, axisOf(b.shape(x), p, "argsort"), p.isAscend as boolean);
      const idx = back(b, i, perm);
      return [p.dtype === "float32" ? idx : b.op("Cast", [idx], { dtype: p.dtype })];
    },
  },
};

/** Elements topk keeps along an axis of length `n`: MXNet sorts the whole axis for k < 1. */
function topkCount(n: number, p: Params): number {
  const k = p.k as number;
  return k < 1 ? n : Math.min(k, n);
}

const topk: OpDef = {
  name: "topk",
  inputs: ["data"],
  numOutputs: (p) => (p.retTyp === "both" ? 2 : 1),
  params: {
    axis: { type: "int", default: -1 },
    k: { type: "int", default: 1 },
    retTyp: { type: "string", default: "indices", values: ["value", "indices", "mask", "both"] },
    isAscend: { type: "bool", default: false },
    dtype: { type: "dtype", default: "float32", values: INDEX_DTYPES },
  },
  inferShape: ([s], p) => {
    const a = axisOf(s, p, "topk");
    const k = topkCount(s[a], p);
    const part = s.map((d, i) => (i === a ? k : d));
    if (p.retTyp === "mask") return [s];
    return p.retTyp === "both" ? [part, part] : [part];
  },
  inferType: ([t], p) =>
    p.retTyp === "value" || p.retTyp === "mask"
      ? [t]
      : p.retTyp === "both"
      ? [t, p.dtype as "float32"]
      : [
        p.dtype as "float32",
      ],
  lowering: {
    kind: "composite",
    compose: (b, [x], p) => {
      const s = b.shape(x);
      const a = axisOf(s, p, "topk");
      const k = topkCount(s[a], p);
      const { v, i, perm } = sortAlong(b, x, a, p.isAscend as boolean);
      const first = (t: T0) => b.op("slice_axis", [t], { axis: -1, begin: 0, end: k });
      type T0 = typeof v;
      const vals = back(b, first(v), perm);
      const idx = back(b, first(i), perm);
      const idxT = p.dtype === "float32" ? idx : b.op("Cast", [idx], { dtype: p.dtype });
      if (p.retTyp === "value") return [vals];
      if (p.retTyp === "both") return [vals, idxT];
      if (p.retTyp === "indices") return [idxT];
      // mask: 1 where an element is among the top k.
      const hot = b.op("one_hot", [first(i)], { depth: s[a], dtype: b.dtype(x) });
      const mask = b.op("sum", [hot], { axis: -2 });
      return [back(b, mask, perm)];
    },
  },
};

/** Sorting operators. */
export const SORT_OPS: readonly OpDef[] = [sortLast, sort, argsort, topk];
