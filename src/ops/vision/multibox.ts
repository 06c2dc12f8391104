/**
 * SSD's multibox operators with MXNet's names (`_contrib_MultiBoxPrior`,
 * `_contrib_MultiBoxTarget`, `_contrib_MultiBoxDetection`, with their `_npx_` aliases).
 * The prior boxes depend only on shapes, so they are composed from `_iota` and
 * elementwise operators; target assignment and detection are greedy per-batch algorithms
 * run on the host (`hostCompute`). MXNet gives all three zero gradients.
 * @module
 */
import type { ComputeArray } from "../../core/dtype.ts";
import { MXNetError, ParamError, ShapeError } from "../../core/errors.ts";
import { formatShape, type Shape } from "../../core/shape.ts";
import { ops } from "../_builder_util.ts";
import type { OpDef, Params } from "../op_def.ts";
import { hostLowering, num } from "./_host.ts";

// ---------------------------------------------------------------------------------------
// MultiBoxPrior

const PRIOR = "_contrib_MultiBoxPrior";

/** Half-widths and half-heights of the anchors at one position, in MXNet's order. */
function anchorHalves(h: number, w: number, p: Params): [number, number][] {
  const sizes = p.sizes as number[], ratios = p.ratios as number[];
  const f = Math.fround;
  const half = (size: number, ratio: number): [number, number] => [
    f(f(f(f(size * h) / w) * ratio) / 2),
    f(f(size / ratio) / 2),
  ];
  const first = ratios.length > 0 ? f(Math.sqrt(ratios[0])) : 1;
  return [
    ...sizes.map((s) => half(s, first)),
    ...ratios.slice(1).map((r) => half(sizes[0], f(Math.sqrt(r)))),
  ];
}

function priorDims(s: Shape, p: Params): { h: number; w: number; anchors: number } {
  if (s.length < 4 || !(s[2] > 0 && s[3] > 0)) {
    throw new ShapeError(
      `${PRIOR}: data must be [batch, channel, height, width], got ${formatShape(s)}`,
    );
  }
  if ((p.steps as number[]).length !== 2) {
    throw new ParamError(`${PRIOR}: steps expects (step_y, step_x), got ${p.steps}`);
  }
  if ((p.offsets as number[]).length !== 2) {
    throw new ParamError(`${PRIOR}: offsets expects (offset_y, offset_x), got ${p.offsets}`);
  }
  const sizes = (p.sizes as number[]).length, ratios = (p.ratios as number[]).length;
  if (sizes < 1) throw new ParamError(`${PRIOR}: sizes must hold at least one size`);
  return { h: s[2], w: s[3], anchors: sizes + ratios - 1 };
}

const multiBoxPrior: OpDef = {
  name: PRIOR,
  aliases: ["_npx_multibox_prior"],
  inputs: ["data"],
  params: {
    sizes: { type: "floats", default: [1] },
    ratios: { type: "floats", default: [1] },
    clip: { type: "bool", default: false },
    steps: { type: "floats", default: [-1, -1] },
    offsets: { type: "floats", default: [0.5, 0.5] },
  },
  inferShape: ([s], p) => {
    const { h, w, anchors } = priorDims(s, p);
    return [[1, h * w * anchors, 4]];
  },
  differentiable: false,
  lowering: {
    kind: "composite",
    compose: (b, [x], p) => {
      const o = ops(b);
      const { h, w, anchors } = priorDims(b.shape(x), p);
      const dtype = b.dtype(x);
      let [stepY, stepX] = p.steps as number[];
      if (stepY * stepX < 0) {
        throw new ParamError(`${PRIOR}: steps must both be given or both be <= 0, got ${p.steps}`);
      }
      if (stepY <= 0 || stepX <= 0) [stepY, stepX] = [1 / h, 1 / w];
      const [offY, offX] = p.offsets as number[];
      const center = (n: number, off: number, step: number, shape: number[]) =>
        o.reshape(o.mulS(o.addS(b.op("_iota", [], { size: n, dtype }), off), step), shape);
      const cx = center(w, offX, stepX, [1, w, 1]);
      const cy = center(h, offY, stepY, [h, 1, 1]);
      const halves = anchorHalves(h, w, p);
      const column = (i: 0 | 1) =>
        o.reshape(
          b.op(
            "Concat",
            halves.map((v) => b.op("_full", [], { shape: [1], value: v[i], dtype })),
            { numArgs: anchors, dim: 0 },
          ),
          [1, 1, anchors],
        );
      const hw = column(0), hh = column(1);
      const full = [h, w, anchors];
      const corner = (c: typeof cx, d: typeof hw, sign: 1 | -1) =>
        o.reshape(o.broadcastTo(sign > 0 ? o.add(c, d) : o.sub(c, d), full), [...full, 1]);
      let boxes = b.op("Concat", [
        corner(cx, hw, -1),
        corner(cy, hh, -1),
        corner(cx, hw, 1),
        corner(cy, hh, 1),
      ], { numArgs: 4, dim: 3 });
      if (p.clip) boxes = b.op("clip", [boxes], { aMin: 0, aMax: 1 });
      return [o.reshape(boxes, [1, h * w * anchors, 4])];
    },
  },
};

// ---------------------------------------------------------------------------------------
// MultiBoxTarget

const TARGET = "_contrib_MultiBoxTarget";

function targetDims([a, l, c]: readonly Shape[]) {
  if (a.length !== 3 || a[0] !== 1 || !(a[1] > 0) || a[2] !== 4) {
    throw new ShapeError(`${TARGET}: anchor must be [1, num_anchors, 4], got ${formatShape(a)}`);
  }
  if (l.length !== 3 || !(l[1] > 0) || l[2] < 5) {
    throw new ShapeError(
      `${TARGET}: label must be [batch, num_labels, >= 5] (class, x1, y1, x2, y2), got ${
        formatShape(l)
      }`,
    );
  }
  if (c.length !== 3 || c[2] !== a[1]) {
    throw new ShapeError(
      `${TARGET}: cls_pred must be [batch, num_classes, ${a[1]}], got ${formatShape(c)}`,
    );
  }
  return { anchors: a[1], batch: l[0], labels: l[1], width: l[2], classes: c[1] };
}

/** IoU of corner boxes at a[ai..] and b[bi..], 0 when the union is not positive. */
function iou(a: ComputeArray, ai: number, b: ComputeArray, bi: number): number {
  const iw = Math.max(
    0,
    Math.min(num(a, ai + 2), num(b, bi + 2)) - Math.max(num(a, ai), num(b, bi)),
  );
  const ih = Math.max(
    0,
    Math.min(num(a, ai + 3), num(b, bi + 3)) - Math.max(num(a, ai + 1), num(b, bi + 1)),
  );
  const inter = iw * ih;
  const union = (num(a, ai + 2) - num(a, ai)) * (num(a, ai + 3) - num(a, ai + 1)) +
    (num(b, bi + 2) - num(b, bi)) * (num(b, bi + 3) - num(b, bi + 1)) - inter;
  return union <= 0 ? 0 : inter / union;
}

function variances(op: string, p: Params): number[] {
  const v = p.variances as number[];
  if (v.length !== 4) throw new ParamError(`${op}: variances expects 4 values, got ${v}`);
  return v;
}

const multiBoxTarget: OpDef = {
  name: TARGET,
  aliases: ["_npx_multibox_target"],
  inputs: ["anchor", "label", "cls_pred"],
  params: {
    overlapThreshold: { type: "float", default: 0.5 },
    ignoreLabel: { type: "float", default: -1 },
    negativeMiningRatio: { type: "float", default: -1 },
    negativeMiningThresh: { type: "float", default: 0.5 },
    minimumNegativeSamples: { type: "int", default: 0 },
    variances: { type: "floats", default: [0.1, 0.1, 0.2, 0.2] },
  },
  numOutputs: 3,
  inferShape: (s) => {
    const d = targetDims(s);
    return [[d.batch, d.anchors * 4], [d.batch, d.anchors * 4], [d.batch, d.anchors]];
  },
  differentiable: false,
  lowering: hostLowering(({ ins: [anchor, label, pred], shapes, outs: [loc, mask, cls], p }) => {
    const d = targetDims(shapes);
    const [vx, vy, vw, vh] = variances(TARGET, p);
    const thresh = p.overlapThreshold as number;
    cls.fill(p.ignoreLabel as never);
    for (let b = 0; b < d.batch; b++) {
      const lab = (k: number, j: number) => num(label, (b * d.labels + k) * d.width + j);
      let gts = 0;
      while (gts < d.labels && lab(gts, 0) !== -1) gts++;
      if (gts === 0) continue;
      const overlap = (j: number, k: number) =>
        iou(anchor, j * 4, label, (b * d.labels + k) * d.width + 1);
      const gtDone = new Array(gts).fill(false);
      const best: [number, number][] = Array.from({ length: d.anchors }, () => [-1, -1]);
      const flag = new Array<number>(d.anchors).fill(-1); // -1 don't care, 1 positive, 0 negative
      let positives = 0;
      // Greedy bipartite step: the best remaining (anchor, ground truth) pair, repeatedly.
      while (gtDone.includes(false)) {
        let ba = -1, bg = -1, bestIou = 1e-6;
        for (let j = 0; j < d.anchors; j++) {
          if (flag[j] === 1) continue;
          for (let k = 0; k < gts; k++) {
            if (gtDone[k]) continue;
            const v = overlap(j, k);
            if (v > bestIou) [ba, bg, bestIou] = [j, k, v];
          }
        }
        if (ba < 0) break;
        best[ba] = [bestIou, bg];
        positives++;
        gtDone[bg] = true;
        flag[ba] = 1;
      }
      const bestGt = (j: number): [number, number] => {
        let k0 = -1, m = -1;
        for (let k = 0; k < gts; k++) {
          const v = overlap(j, k);
          if (v > m) [k0, m] = [k, v];
        }
        return [m, k0];
      };
      if (thresh > 0) {
        for (let j = 0; j < d.anchors; j++) {
          if (flag[j] === 1) continue;
          best[j] = bestGt(j);
          if (best[j][0] > thresh) {
            positives++;
            gtDone[best[j][1]] = true;
            flag[j] = 1;
          }
        }
      }
      const ratio = p.negativeMiningRatio as number;
      if (ratio > 0) {
        const mineThresh = p.negativeMiningThresh as number;
        if (!(mineThresh > 0)) {
          throw new ParamError(`${TARGET}: negative_mining_thresh must be > 0, got ${mineThresh}`);
        }
        let negatives = Math.min(Math.trunc(positives * ratio), d.anchors - positives);
        negatives = Math.max(negatives, 0);
        if (negatives > 0) {
          // Hardest negatives: the lowest background probability (softmax over classes).
          const cand: [number, number][] = [];
          for (let j = 0; j < d.anchors; j++) {
            if (flag[j] === 1) continue;
            if (best[j][0] < 0) best[j] = bestGt(j);
            if (best[j][0] < mineThresh && flag[j] === -1) {
              const logit = (k: number) => num(pred, (b * d.classes + k) * d.anchors + j);
              let mx = logit(0);
              for (let k = 1; k < d.classes; k++) mx = Math.max(mx, logit(k));
              let sum = 0;
              for (let k = 0; k < d.classes; k++) sum += Math.exp(logit(k) - mx);
              cand.push([Math.exp(logit(0) - mx) / sum, j]);
            }
          }
          if (cand.length < negatives) {
            // MXNet's CHECK_GE: the mining threshold left fewer candidates than asked for.
            throw new MXNetError(
              `${TARGET}: batch ${b} needs ${negatives} negatives but only ${cand.length} ` +
                `anchors have IoU below negative_mining_thresh ${mineThresh}`,
            );
          }
          cand.sort((x, y) => x[0] - y[0]);
          for (let i = 0; i < negatives; i++) flag[cand[i][1]] = 0;
        }
      } else {
        for (let j = 0; j < d.anchors; j++) if (flag[j] !== 1) flag[j] = 0;
      }
      for (let j = 0; j < d.anchors; j++) {
        const at = (b * d.anchors + j) * 4;
        if (flag[j] === 1) {
          const k = best[j][1];
          cls[b * d.anchors + j] = lab(k, 0) + 1;
          for (let c = 0; c < 4; c++) mask[at + c] = 1;
          const [al, atp, ar, ab] = [0, 1, 2, 3].map((c) => num(anchor, j * 4 + c));
          const [gl, gt, gr, gb] = [1, 2, 3, 4].map((c) => lab(k, c));
          const aw = ar - al, ah = ab - atp, gw = gr - gl, gh = gb - gt;
          loc[at] = ((gl + gr) / 2 - (al + ar) / 2) / aw / vx;
          loc[at + 1] = ((gt + gb) / 2 - (atp + ab) / 2) / ah / vy;
          loc[at + 2] = Math.log(gw / aw) / vw;
          loc[at + 3] = Math.log(gh / ah) / vh;
        } else if (flag[j] === 0) cls[b * d.anchors + j] = 0;
      }
    }
  }),
};

// ---------------------------------------------------------------------------------------
// MultiBoxDetection

const DETECTION = "_contrib_MultiBoxDetection";

function detectionDims([c, l, a]: readonly Shape[]) {
  if (c.length !== 3 || a.length !== 3 || a[0] !== 1 || a[2] !== 4 || c[2] !== a[1]) {
    throw new ShapeError(
      `${DETECTION}: cls_prob must be [batch, classes, N] and anchor [1, N, 4], got ${
        formatShape(c)
      } and ${formatShape(a)}`,
    );
  }
  if (l.length !== 2 || l[0] !== c[0] || l[1] !== c[2] * 4) {
    throw new ShapeError(
      `${DETECTION}: loc_pred must be [${c[0]}, ${c[2] * 4}], got ${formatShape(l)}`,
    );
  }
  return { batch: c[0], classes: c[1], anchors: c[2] };
}

const multiBoxDetection: OpDef = {
  name: DETECTION,
  aliases: ["_npx_multibox_detection"],
  inputs: ["cls_prob", "loc_pred", "anchor"],
  params: {
    clip: { type: "bool", default: true },
    threshold: { type: "float", default: 0.01 },
    backgroundId: { type: "int", default: 0 },
    nmsThreshold: { type: "float", default: 0.5 },
    forceSuppress: { type: "bool", default: false },
    variances: { type: "floats", default: [0.1, 0.1, 0.2, 0.2] },
    nmsTopk: { type: "int", default: -1 },
  },
  inferShape: (s) => {
    const d = detectionDims(s);
    return [[d.batch, d.anchors, 6]];
  },
  differentiable: false,
  lowering: hostLowering(({ ins: [prob, locPred, anchor], shapes, outs: [out], p }) => {
    const d = detectionDims(shapes);
    const [vx, vy, vw, vh] = variances(DETECTION, p);
    const clip = (v: number) => (p.clip ? Math.max(0, Math.min(1, v)) : v);
    const nmsThresh = p.nmsThreshold as number, topk = p.nmsTopk as number;
    out.fill(-1 as never);
    for (let b = 0; b < d.batch; b++) {
      // Each anchor's best non-background class (background 0 below the threshold).
      const rows: number[][] = [];
      for (let i = 0; i < d.anchors; i++) {
        let score = -1, id = 0;
        for (let j = 1; j < d.classes; j++) {
          const v = num(prob, (b * d.classes + j) * d.anchors + i);
          if (v > score) [score, id] = [v, j];
        }
        if (id > 0 && score < (p.threshold as number)) id = 0;
        if (id - 1 < 0) continue;
        const [al, at, ar, ab] = [0, 1, 2, 3].map((c) => num(anchor, i * 4 + c));
        const [px, py, pw, ph] = [0, 1, 2, 3].map((c) => num(locPred, (b * d.anchors + i) * 4 + c));
        const aw = ar - al, ah = ab - at;
        const ox = px * vx * aw + (al + ar) / 2, oy = py * vy * ah + (at + ab) / 2;
        const ow = Math.exp(pw * vw) * aw / 2, oh = Math.exp(ph * vh) * ah / 2;
        rows.push([id - 1, score, clip(ox - ow), clip(oy - oh), clip(ox + ow), clip(oy + oh)]);
      }
      const base = b * d.anchors * 6;
      const write = (r: number, row: number[]) =>
        row.forEach((v, c) => (out[base + r * 6 + c] = v));
      rows.forEach((row, r) => write(r, row));
      if (rows.length < 1 || nmsThresh <= 0 || nmsThresh > 1) continue;
      const order = rows.map((_, i) => i).sort((x, y) => rows[y][1] - rows[x][1]);
      let keep = rows.length;
      if (topk > 0 && topk < keep) {
        keep = topk;
        for (let r = keep; r < rows.length; r++) out[base + r * 6] = -1;
      }
      const kept = order.slice(0, keep).map((i) => [...rows[i]]);
      for (let i = 0; i < keep; i++) {
        if (kept[i][0] < 0) continue;
        for (let j = i + 1; j < keep; j++) {
          if (kept[j][0] < 0) continue;
          if (p.forceSuppress || kept[i][0] === kept[j][0]) {
            const a = Float64Array.from(kept[i].slice(2)), c = Float64Array.from(kept[j].slice(2));
            if (iou(a, 0, c, 0) >= nmsThresh) kept[j][0] = -1;
          }
        }
      }
      kept.forEach((row, r) => write(r, row));
    }
  }),
};

/** MultiBoxPrior, MultiBoxTarget and MultiBoxDetection. */
export const MULTIBOX_OPS: readonly OpDef[] = [multiBoxPrior, multiBoxTarget, multiBoxDetection];
