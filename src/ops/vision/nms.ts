/**
 * MXNet's sequential box operators, run on the host through `hostCompute` (greedy
 * suppression and matching visit boxes one at a time): `_contrib_box_nms` (alias
 * `_contrib_box_non_maximum_suppression`) and `_contrib_bipartite_matching`.
 * @module
 */
import type { ComputeArray } from "../../core/dtype.ts";
import { ParamError, ShapeError } from "../../core/errors.ts";
import { formatShape, type Shape, sizeOf } from "../../core/shape.ts";
import type { OpDef, Params } from "../op_def.ts";
import { hostLowering, num } from "./_host.ts";

const NMS = "_contrib_box_nms";

/** Batch, boxes per batch and values per box of box_nms data [..., n, k]. */
function nmsDims(s: Shape, p: Params): { batch: number; n: number; k: number } {
  if (s.length < 2) {
    throw new ShapeError(`${NMS}: data must be [..., num_boxes, box_width], got ${formatShape(s)}`);
  }
  const k = s[s.length - 1], n = s[s.length - 2];
  const idIndex = p.idIndex as number, score = p.scoreIndex as number;
  const c0 = p.coordStart as number;
  const need = idIndex >= 0 ? 6 : 5;
  if (k < need) {
    throw new ShapeError(
      `${NMS}: boxes need at least ${need} values (score, 4 coordinates${
        idIndex >= 0 ? ", id" : ""
      }), data ${formatShape(s)} has ${k}`,
    );
  }
  const inCoords = (i: number) => i >= c0 && i <= c0 + 3;
  if (!(c0 >= 0 && c0 + 3 < k)) {
    throw new ParamError(`${NMS}: coord_start ${c0} leaves no 4 coordinates in width ${k}`);
  }
  if (!(score >= 0 && score < k) || inCoords(score)) {
    throw new ParamError(
      `${NMS}: score_index ${score} must lie in [0, ${k}) outside the coordinates`,
    );
  }
  if (idIndex >= 0 && (idIndex >= k || inCoords(idIndex) || idIndex === score)) {
    throw new ParamError(
      `${NMS}: id_index ${idIndex} must lie in [0, ${k}) apart from the score and coordinates`,
    );
  }
  return { batch: sizeOf(s) / (n * k) || 1, n, k };
}

/** Length of the overlap of [a0, a1] and [b0, b1] on one axis, in `format`. */
function overlap(a0: number, a1: number, b0: number, b1: number, center: boolean): number {
  const [al, ar] = center ? [a0 - a1 / 2, a0 + a1 / 2] : [a0, a1];
  const [bl, br] = center ? [b0 - b1 / 2, b0 + b1 / 2] : [b0, b1];
  return Math.max(Math.min(ar, br) - Math.max(al, bl), 0);
}

/** MXNet's BoxArea: 0 when an extent is negative. */
function area(d: ComputeArray, at: number, center: boolean): number {
  const w = center ? num(d, at + 2) : num(d, at + 2) - num(d, at);
  const h = center ? num(d, at + 3) : num(d, at + 3) - num(d, at + 1);
  return w < 0 || h < 0 ? 0 : w * h;
}

const boxNms: OpDef = {
  name: NMS,
  aliases: ["_contrib_box_non_maximum_suppression"],
  inputs: ["data"],
  params: {
    overlapThresh: { type: "float", default: 0.5 },
    validThresh: { type: "float", default: 0 },
    topk: { type: "int", default: -1 },
    coordStart: { type: "int", default: 2 },
    scoreIndex: { type: "int", default: 1 },
    idIndex: { type: "int", default: -1 },
    backgroundId: { type: "int", default: -1 },
    forceSuppress: { type: "bool", default: false },
    inFormat: { type: "string", default: "corner", values: ["corner", "center"] },
    outFormat: { type: "string", default: "corner", values: ["corner", "center"] },
  },
  // Outputs: the kept boxes (then rows of -1), and (hidden) where each came from.
  numOutputs: 2,
  numVisibleOutputs: 1,
  inferShape: ([s], p) => {
    nmsDims(s, p);
    return [s, [...s.slice(0, -1), 1]];
  },
  gradient: (b, { inputs: [x], outputs: [, record], outGrads: [g] }) => [
    b.op("_backward_contrib_box_nms", [g, record], { shape: [...b.shape(x)] }),
  ],
  lowering: hostLowering(({ ins: [d], shapes: [s], outs: [out, record], p }) => {
    const { batch, n, k } = nmsDims(s, p);
    const score = p.scoreIndex as number, idIndex = p.idIndex as number;
    const c0 = p.coordStart as number, center = p.inFormat === "center";
    const topkParam = p.topk as number;
    const topk = topkParam < 0 ? n : Math.min(n, topkParam);
    if (topk < 1) {
      out.set(d as never);
      for (let i = 0; i < record.length; i++) record[i] = i;
      return;
    }
    out.fill(-1 as never);
    record.fill(-1 as never);
    const valid = (i: number) =>
      num(d, i * k + score) > (p.validThresh as number) &&
      (idIndex < 0 || num(d, i * k + idIndex) !== p.backgroundId);
    for (let b = 0; b < batch; b++) {
      // Valid boxes by descending score; ties keep their order (a stable sort).
      const order = [...Array(n).keys()].map((i) => b * n + i).filter(valid);
      order.sort((x, y) => num(d, y * k + score) - num(d, x * k + score));
      const cand = order.slice(0, topk);
      const kept = cand.map(() => true);
      for (let r = 0; r < cand.length; r++) {
        if (!kept[r]) continue;
        const ra = cand[r] * k + c0;
        for (let q = r + 1; q < cand.length; q++) {
          if (!kept[q]) continue;
          const qa = cand[q] * k + c0;
          if (!p.forceSuppress && idIndex >= 0) {
            const rid = Math.trunc(num(d, cand[r] * k + idIndex));
            if (rid !== Math.trunc(num(d, cand[q] * k + idIndex))) continue;
          }
          const inter = overlap(num(d, ra), num(d, ra + 2), num(d, qa), num(d, qa + 2), center) *
            overlap(num(d, ra + 1), num(d, ra + 3), num(d, qa + 1), num(d, qa + 3), center);
          const iou = inter / (area(d, ra, center) + area(d, qa, center) - inter);
          if (iou > (p.overlapThresh as number)) kept[q] = false;
        }
      }
      let count = 0;
      cand.forEach((src, r) => {
        if (!kept[r]) return;
        const at = (b * n + count) * k;
        for (let j = 0; j < k; j++) out[at + j] = num(d, src * k + j);
        record[b * n + count] = src;
        count++;
      });
    }
    if (p.inFormat !== p.outFormat) convertRows(out, k, c0, p.outFormat === "center");
  }),
};

/**
 * Converts every output row's coordinates between corner and center form, skipping rows
 * whose first coordinate is negative (the -1 rows, and, as in MXNet, any such box).
 */
function convertRows(out: ComputeArray, k: number, c0: number, toCenter: boolean): void {
  for (let at = c0; at < out.length; at += k) {
    const [a, b, c, e] = [0, 1, 2, 3].map((j) => num(out, at + j));
    if (a < 0) continue;
    const v = toCenter
      ? [(a + c) / 2, (b + e) / 2, c - a, e - b]
      : [a - c / 2, b - e / 2, a + c / 2, b + e / 2];
    v.forEach((x, j) => (out[at + j] = x));
  }
}

/** box_nms's gradient: each output row's gradient back to the input row it came from. */
const boxNmsBackward: OpDef = {
  name: "_backward_contrib_box_nms",
  inputs: ["grad", "record"],
  params: { shape: { type: "shape", required: true } },
  inferShape: (_s, p) => [p.shape as number[]],
  differentiable: false,
  lowering: hostLowering(({ ins: [g, record], outs: [gx], p }) => {
    const s = p.shape as number[];
    const k = s[s.length - 1];
    for (let i = 0; i < record.length; i++) {
      const src = num(record, i);
      if (src < 0) continue;
      for (let j = 0; j < k; j++) gx[src * k + j] = num(g, i * k + j);
    }
  }),
};

// ---------------------------------------------------------------------------------------

const MATCH = "_contrib_bipartite_matching";

function matchDims(s: Shape): { batch: number; rows: number; cols: number } {
  if (s.length < 2) {
    throw new ShapeError(`${MATCH}: data must be [..., rows, cols], got ${formatShape(s)}`);
  }
  const rows = s[s.length - 2], cols = s[s.length - 1];
  return { batch: sizeOf(s) / (rows * cols) || 1, rows, cols };
}

const bipartiteMatching: OpDef = {
  name: MATCH,
  inputs: ["data"],
  params: {
    isAscend: { type: "bool", default: false },
    threshold: { type: "float", required: true },
    topk: { type: "int", default: -1 },
  },
  numOutputs: 2,
  inferShape: ([s]) => {
    matchDims(s);
    return [s.slice(0, -1), [...s.slice(0, -2), s[s.length - 1]]];
  },
  // MXNet's backward writes zeros.
  differentiable: false,
  lowering: hostLowering(({ ins: [d], shapes: [s], outs: [rowOut, colOut], p }) => {
    const { batch, rows, cols } = matchDims(s);
    const ascend = p.isAscend as boolean, thresh = p.threshold as number;
    const topk = p.topk as number;
    rowOut.fill(-1 as never);
    colOut.fill(-1 as never);
    const stride = rows * cols;
    for (let b = 0; b < batch; b++) {
      const order = [...Array(stride).keys()];
      const v = (i: number) => num(d, b * stride + i);
      order.sort((x, y) => (ascend ? v(x) - v(y) : v(y) - v(x)));
      let count = 0;
      for (const idx of order) {
        const r = Math.floor(idx / cols), c = idx % cols;
        if (num(rowOut, b * rows + r) !== -1 || num(colOut, b * cols + c) !== -1) continue;
        if (ascend ? !(v(idx) < thresh) : !(v(idx) > thresh)) break;
        rowOut[b * rows + r] = c;
        colOut[b * cols + c] = r;
        // As MXNet: the match that exceeds topk is kept, then the loop stops.
        if (topk > 0 && ++count > topk) break;
      }
    }
  }),
};

/** box_nms (with its backward) and bipartite_matching. */
export const NMS_OPS: readonly OpDef[] = [boxNms, boxNmsBackward, bipartiteMatching];
