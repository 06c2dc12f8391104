/**
 * Gathers: take, pick, one_hot.
 * @module
 */
import { MXNetError, ShapeError } from "../core/errors.ts";
import { formatShape, normalizeAxis, type Shape, sizeOf } from "../core/shape.ts";
import { ops } from "./_builder_util.ts";
import { type Builder, NON_BOOL_DTYPES, type OpDef, type Params } from "./op_def.ts";

const MODE = { type: "string", default: "clip", values: ["clip", "wrap", "raise"] } as const;

function takeDims(s: Shape, p: Params) {
  const a = normalizeAxis(p.axis as number, s.length, "take: axis");
  return {
    a,
    outer: sizeOf(s.slice(0, a)),
    axisLen: s[a],
    inner: sizeOf(s.slice(a + 1)),
    // "raise" runs as "wrap" once checkRaise has found every index in range (MXNet's
    // kernels do the same), so the kernels know two modes only.
    mode: p.mode === "clip" ? "clip" as const : "wrap" as const,
  };
}

/**
 * `take` with `mode: "raise"`: throws when an index is outside `[0, axisLen)`, as MXNet's
 * take does (on CPU and GPU alike). Indices are floats in MXNet's default dtype, so they
 * are truncated as the kernel truncates them.
 */
function checkRaise(
  indices: ArrayLike<number | bigint>,
  count: number,
  axisLen: number,
  axis: number,
) {
  for (let i = 0; i < count; i++) {
    const v = Math.trunc(Number(indices[i]));
    if (!(v >= 0 && v < axisLen)) {
      throw new MXNetError(
        `mode "raise": index ${Number(indices[i])} (at position ${i} of indices) is out ` +
          `of range for axis ${axis} of length ${axisLen}; expected 0 <= index < ${axisLen} ` +
          `(mode "clip" clamps it, "wrap" wraps it around)`,
      );
    }
  }
}

const take: OpDef = {
  name: "take",
  inputs: ["a", "indices"],
  params: { axis: { type: "int", default: 0 }, mode: MODE },
  inferShape: ([s, idx], p) => {
    const { a } = takeDims(s, p);
    return [[...s.slice(0, a), ...idx, ...s.slice(a + 1)]];
  },
  inferType: ([t]) => [t],
  gradient: (b, { inputs: [x, idx], outGrads: [g], params }) => [
    b.op("_take_backward", [g, idx], { ...params, shape: [...b.shape(x)] }),
    null,
  ],
  lowering: {
    kind: "primitive",
    run: (k, [x, idx], [out], p, info) => {
      const dims = takeDims(x.shape, p);
      if (p.mode !== "raise") return k.take(x.buf, idx.buf, out.buf, dims);
      const check = (values: ArrayLike<number | bigint>) => {
        checkRaise(values, sizeOf(idx.shape), dims.axisLen, dims.a);
        return k.take(x.buf, idx.buf, out.buf, dims);
      };
      const values = info.read(idx);
      return values instanceof Promise ? values.then(check) : check(values);
    },
  },
};

const takeBackward: OpDef = {
  name: "_take_backward",
  inputs: ["grad", "indices"],
  params: {
    axis: { type: "int", default: 0 },
    mode: MODE,
    shape: { type: "shape", required: true },
  },
  inferShape: (_s, p) => [p.shape as number[]],
  inferType: ([t]) => [t],
  gradient: (b, { inputs: [, idx], outGrads: [g], params }) => [
    b.op("take", [g, idx], { axis: params.axis, mode: params.mode }),
    null,
  ],
  lowering: {
    kind: "primitive",
    run: (k, [g, idx], [out], p) => k.takeBackward(g.buf, idx.buf, out.buf, takeDims(out.shape, p)),
  },
};

const oneHot: OpDef = {
  name: "one_hot",
  inputs: ["indices"],
  params: {
    // MXNet: "depth must be a non-negative integer".
    depth: { type: "int", required: true, min: 0 },
    onValue: { type: "float", default: 1 },
    offValue: { type: "float", default: 0 },
    dtype: { type: "dtype", default: "float32", values: NON_BOOL_DTYPES },
  },
  inferShape: ([s], p) => [[...s, p.depth as number]],
  inferType: (_t, p) => [p.dtype as "float32"],
  differentiable: false,
  lowering: {
    kind: "composite",
    compose: (b, [idx], p) => {
      const o = ops(b);
      const depth = p.depth as number;
      // depth 0 (allowed, as in MXNet) is an empty result; Reshape would read 0 as "copy".
      if (depth === 0) {
        return [b.op("_zeros", [], { shape: [...b.shape(idx), 0], dtype: p.dtype })];
      }
      const idxF = b.dtype(idx) === "float32" ? idx : b.op("Cast", [idx], { dtype: "float32" });
      const range = b.op("_iota", [], { size: depth, dtype: "float32" });
      const hit = b.op("broadcast_equal", [
        o.reshape(idxF, [...b.shape(idx), 1]),
        o.reshape(range, [...b.shape(idx).map(() => 1), depth]),
      ]);
      const on = p.onValue as number, off = p.offValue as number;
      const scaled = on === 1 && off === 0 ? hit : o.addS(o.mulS(hit, on - off), off);
      return [p.dtype === "float32" ? scaled : b.op("Cast", [scaled], { dtype: p.dtype })];
    },
  },
};

function pickAxis(s: Shape, idx: Shape, p: Params): number {
  const a = normalizeAxis(p.axis as number, s.length, "pick: axis");
  const want = s.filter((_, i) => i !== a);
  const kept = s.map((d, i) => (i === a ? 1 : d));
  const ok = (idx.length === want.length && idx.every((d, i) => d === want[i])) ||
    (idx.length === kept.length && idx.every((d, i) => d === kept[i]));
  if (!ok) {
    throw new ShapeError(
      `pick: index shape ${formatShape(idx)} must be the data shape ${formatShape(s)} without ` +
        `axis ${a}`,
    );
  }
  return a;
}

/**
 * Pick's index made whole and in range as MXNet's kernel does: truncated toward zero, then
 * clamped to `[0, depth)` ("clip") or taken modulo `depth` ("wrap", -1 is the last).
 */
function pickIndex<T>(b: Builder<T>, index: T, depth: number, mode: string): T {
  const o = ops(b);
  const f = b.dtype(index) === "float32" || b.dtype(index) === "float64"
    ? index
    : b.op("Cast", [index], { dtype: "float32" });
  const t = b.op("trunc", [f]);
  if (mode === "clip") return b.op("clip", [t], { aMin: 0, aMax: depth - 1 });
  // t - depth * floor(t / depth): the remainder with the sign of depth.
  const quotient = b.op("floor", [b.op("_div_scalar", [t], { scalar: depth })]);
  return o.sub(t, o.mulS(quotient, depth));
}

const pick: OpDef = {
  name: "pick",
  inputs: ["data", "index"],
  params: {
    axis: { type: "int", default: -1 },
    keepdims: { type: "bool", default: false },
    // MXNet's pick has no "raise" mode.
    mode: { type: "string", default: "clip", values: ["clip", "wrap"] },
  },
  inferShape: ([s, idx], p) => {
    const a = pickAxis(s, idx, p);
    return [p.keepdims ? s.map((d, i) => (i === a ? 1 : d)) : s.filter((_, i) => i !== a)];
  },
  inferType: ([t]) => [t],
  lowering: {
    kind: "composite",
    compose: (b, [x, idx], p) => {
      // sum over the axis of x * one_hot(index): differentiable through its parts.
      const s = b.shape(x);
      const a = pickAxis(s, b.shape(idx), p);
      const o = ops(b);
      const flat = o.reshape(idx, s.filter((_, i) => i !== a));
      const depth = s[a];
      const hot = b.op("one_hot", [pickIndex(b, flat, depth, p.mode as string)], {
        depth,
        dtype: b.dtype(x),
      });
      // one_hot puts the depth axis last; move it to `a`.
      const nd = s.length;
      const perm = [...Array(nd).keys()].map((i) => (i < a ? i : i === a ? nd - 1 : i - 1));
      const mask = b.op("transpose", [hot], { axes: perm });
      return [b.op("sum", [o.mul(x, mask)], { axis: a, keepdims: p.keepdims })];
    },
  },
};

/** Every gather operator. */
export const INDEXING_OPS: readonly OpDef[] = [take, takeBackward, oneHot, pick];
