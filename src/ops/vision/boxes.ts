/**
 * Bounding-box operators with MXNet's names: `_contrib_box_iou`, `_contrib_box_encode`
 * and `_contrib_box_decode`, composed from slices and elementwise operators. MXNet gives
 * all three zero gradients, so they are not differentiated here either.
 * @module
 */
import { ShapeError } from "../../core/errors.ts";
import { formatShape, type Shape, sizeOf } from "../../core/shape.ts";
import { ops } from "../_builder_util.ts";
import type { Builder, OpDef, Params } from "../op_def.ts";

const FORMAT = { type: "string", default: "corner", values: ["corner", "center"] } as const;

/** Column `i` of boxes [..., 4], keeping the axis (size 1). */
function col<T>(b: Builder<T>, boxes: T, i: number): T {
  return b.op("slice_axis", [boxes], { axis: -1, begin: i, end: i + 1 });
}

function expectBoxes(op: string, arg: string, s: Shape | undefined, minDims = 2): void {
  if (!s || s.length < minDims || s[s.length - 1] !== 4) {
    throw new ShapeError(
      `${op}: ${arg} must be boxes [..., 4] with at least ${minDims} dimensions, got ${
        formatShape(s ?? [])
      }`,
    );
  }
}

/** One axis of boxes as (low, high) edges and the clamped extent used for the area. */
function edges<T>(b: Builder<T>, boxes: T, axis: 0 | 1, format: string) {
  const o = ops(b);
  const a = col(b, boxes, axis), c = col(b, boxes, axis + 2);
  if (format === "corner") return { lo: a, hi: c, size: o.sub(c, a) };
  const half = o.mulS(c, 0.5);
  return { lo: o.sub(a, half), hi: o.add(a, half), size: c };
}

const boxIou: OpDef = {
  name: "_contrib_box_iou",
  inputs: ["lhs", "rhs"],
  params: { format: FORMAT },
  inferShape: ([l, r]) => {
    expectBoxes("_contrib_box_iou", "lhs", l);
    expectBoxes("_contrib_box_iou", "rhs", r);
    return [[...l.slice(0, -1), ...r.slice(0, -1)]];
  },
  differentiable: false,
  lowering: {
    kind: "composite",
    compose: <T>(b: Builder<T>, [lhs, rhs]: readonly T[], p: Params) => {
      const o = ops(b);
      const ls = b.shape(lhs), rs = b.shape(rhs);
      const nl = sizeOf(ls) / 4, nr = sizeOf(rs) / 4;
      // lhs boxes down the rows [nl, 1], rhs boxes across the columns [1, nr].
      const l = o.reshape(lhs, [nl, 1, 4]), r = o.reshape(rhs, [1, nr, 4]);
      const fmt = p.format as string;
      let inter: T | undefined;
      let la: T | undefined, ra: T | undefined;
      for (const axis of [0, 1] as const) {
        const el = edges(b, l, axis, fmt), er = edges(b, r, axis, fmt);
        const w = b.op("relu", [
          o.sub(
            b.op("broadcast_minimum", [el.hi, er.hi]),
            b.op("broadcast_maximum", [el.lo, er.lo]),
          ),
        ]);
        inter = inter === undefined ? w : o.mul(inter, w);
        // MXNet's BoxArea: 0 when either extent is negative.
        const lz = o.cmpS("_greater_equal_scalar", el.size, 0);
        const rz = o.cmpS("_greater_equal_scalar", er.size, 0);
        la = la === undefined ? o.mul(el.size, lz) : o.mul(la, o.mul(el.size, lz));
        ra = ra === undefined ? o.mul(er.size, rz) : o.mul(ra, o.mul(er.size, rz));
      }
      const union = o.sub(o.add(la!, ra!), inter!);
      const iou = o.div(inter!, union);
      return [o.reshape(iou, [...ls.slice(0, -1), ...rs.slice(0, -1)])];
    },
  },
};

// ---------------------------------------------------------------------------------------

/** Corner boxes [..., 4] as centre x, centre y, width, height (each [..., 1]). */
function centers<T>(b: Builder<T>, boxes: T) {
  const o = ops(b);
  const x0 = col(b, boxes, 0), y0 = col(b, boxes, 1);
  const w = o.sub(col(b, boxes, 2), x0), h = o.sub(col(b, boxes, 3), y0);
  return { x: o.add(x0, o.mulS(w, 0.5)), y: o.add(y0, o.mulS(h, 0.5)), w, h };
}

function encodeShapes(shapes: readonly Shape[]): [number, number, number] {
  const op = "_contrib_box_encode";
  const [samples, matches, anchors, refs, means, stds] = shapes;
  if (samples.length !== 2) {
    throw new ShapeError(`${op}: samples must be [batch, N], got ${formatShape(samples)}`);
  }
  const [bsz, n] = samples;
  const want = (arg: string, s: Shape, w: Shape) => {
    if (formatShape(s) !== formatShape(w)) {
      throw new ShapeError(`${op}: ${arg} has shape ${formatShape(s)}, expected ${formatShape(w)}`);
    }
  };
  want("matches", matches, [bsz, n]);
  want("anchors", anchors, [bsz, n, 4]);
  if (refs.length !== 3 || refs[0] !== bsz || refs[2] !== 4) {
    throw new ShapeError(`${op}: refs must be [${bsz}, M, 4], got ${formatShape(refs)}`);
  }
  want("means", means, [4]);
  want("stds", stds, [4]);
  return [bsz, n, refs[1]];
}

const boxEncode: OpDef = {
  name: "_contrib_box_encode",
  inputs: ["samples", "matches", "anchors", "refs", "means", "stds"],
  params: {},
  numOutputs: 2,
  inferShape: (shapes) => {
    const [bsz, n] = encodeShapes(shapes);
    return [[bsz, n, 4], [bsz, n, 4]];
  },
  differentiable: false,
  lowering: {
    kind: "composite",
    compose: (b, [samples, matches, anchors, refs, means, stds]) => {
      const o = ops(b);
      const [bsz, n, m] = encodeShapes(
        [samples, matches, anchors, refs, means, stds].map((t) => b.shape(t)),
      );
      // The matched reference of each anchor: row batch*M + match of refs [B*M, 4].
      const base = o.mulS(
        o.reshape(b.op("_iota", [], { size: bsz, dtype: b.dtype(matches) }), [bsz, 1]),
        m,
      );
      const rows = o.add(base, matches);
      const ref = b.op("take", [o.reshape(refs, [bsz * m, 4]), rows], { axis: 0 });
      const r = centers(b, ref), a = centers(b, anchors);
      const raw = b.op("Concat", [
        o.div(o.sub(r.x, a.x), a.w),
        o.div(o.sub(r.y, a.y), a.h),
        b.op("log", [o.div(r.w, a.w)]),
        b.op("log", [o.div(r.h, a.h)]),
      ], { numArgs: 4, dim: 2 });
      const targets = o.div(o.sub(raw, o.reshape(means, [1, 1, 4])), o.reshape(stds, [1, 1, 4]));
      const valid = o.broadcastTo(
        o.reshape(o.cmpS("_greater_scalar", samples, 0.5), [bsz, n, 1]),
        [bsz, n, 4],
      );
      const zero = b.op("zeros_like", [targets]);
      return [b.op("_where", [valid, targets, zero]), valid];
    },
  },
};

// ---------------------------------------------------------------------------------------

const boxDecode: OpDef = {
  name: "_contrib_box_decode",
  inputs: ["data", "anchors"],
  params: {
    std0: { type: "float", default: 1 },
    std1: { type: "float", default: 1 },
    std2: { type: "float", default: 1 },
    std3: { type: "float", default: 1 },
    clip: { type: "float", default: -1 },
    format: { ...FORMAT, default: "center" },
  },
  inferShape: ([x, a]) => {
    const op = "_contrib_box_decode";
    if (x.length !== 3 || x[2] !== 4) {
      throw new ShapeError(`${op}: data must be [batch, N, 4], got ${formatShape(x)}`);
    }
    if (a.length !== 3 || a[0] !== 1 || a[1] !== x[1] || a[2] !== 4) {
      throw new ShapeError(
        `${op}: anchors must be [1, ${x[1]}, 4] (data ${formatShape(x)}), got ${formatShape(a)}`,
      );
    }
    return [x];
  },
  differentiable: false,
  lowering: {
    kind: "composite",
    compose: (b, [x, anchors], p) => {
      const o = ops(b);
      const a = p.format === "corner" ? centers(b, anchors) : {
        x: col(b, anchors, 0),
        y: col(b, anchors, 1),
        w: col(b, anchors, 2),
        h: col(b, anchors, 3),
      };
      const cx = o.add(o.mul(o.mulS(col(b, x, 0), p.std0 as number), a.w), a.x);
      const cy = o.add(o.mul(o.mulS(col(b, x, 1), p.std1 as number), a.h), a.y);
      let dw = o.mulS(col(b, x, 2), p.std2 as number);
      let dh = o.mulS(col(b, x, 3), p.std3 as number);
      const clip = p.clip as number;
      if (clip > 0) {
        dw = b.op("_minimum_scalar", [dw], { scalar: clip });
        dh = b.op("_minimum_scalar", [dh], { scalar: clip });
      }
      const hw = o.mul(o.mulS(b.op("exp", [dw]), 0.5), a.w);
      const hh = o.mul(o.mulS(b.op("exp", [dh]), 0.5), a.h);
      return [b.op("Concat", [o.sub(cx, hw), o.sub(cy, hh), o.add(cx, hw), o.add(cy, hh)], {
        numArgs: 4,
        dim: 2,
      })];
    },
  },
};

/** box_iou, box_encode and box_decode. */
export const BOX_OPS: readonly OpDef[] = [boxIou, boxEncode, boxDecode];
