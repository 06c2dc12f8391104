/**
 * Region-of-interest pooling with MXNet's names and semantics: `ROIPooling` (max over
 * rounded bins, alias `_npx_roi_pooling`) and `_contrib_ROIAlign` (bilinear samples
 * averaged per bin; `sample_ratio`, `position_sensitive`, `aligned`). Both run on the host
 * (`hostCompute`): the bins and the sampling grid depend on the ROI values. Their
 * backward passes are host operators too; ROIs get no gradient, as in MXNet.
 * @module
 */
import type { ComputeArray } from "../../core/dtype.ts";
import { ParamError, ShapeError } from "../../core/errors.ts";
import { formatShape, type Shape } from "../../core/shape.ts";
import type { OpDef, Params } from "../op_def.ts";
import { type HostArgs, hostLowering, num } from "./_host.ts";

const POOL_PARAMS = {
  pooledSize: { type: "shape", required: true, min: 1 },
  spatialScale: { type: "float", required: true, min: 0, max: 1 },
} as const;

function pooled(op: string, p: Params): [number, number] {
  const s = p.pooledSize as number[];
  if (s.length !== 2) {
    throw new ParamError(`${op}: pooled_size expects (height, width), got ${formatShape(s)}`);
  }
  return [s[0], s[1]];
}

function checkInputs(op: string, data: Shape, rois: Shape, cols: readonly number[]): void {
  if (data.length !== 4) {
    throw new ShapeError(
      `${op}: data must be [batch, channel, height, width], got ${formatShape(data)}`,
    );
  }
  if (rois.length !== 2 || !cols.includes(rois[1])) {
    throw new ShapeError(
      `${op}: rois must be [num_rois, ${cols.join(" or ")}] (batch index, x1, y1, x2, y2), got ${
        formatShape(rois)
      }`,
    );
  }
}

// ---------------------------------------------------------------------------------------
// ROIPooling

/** ROIPooling forward: max of each rounded bin, and the flat index of that maximum. */
function roiPoolForward({ ins: [data, rois], shapes: [ds], outs: [out, argmax], p }: HostArgs) {
  const [n, c, h, w] = ds;
  const [ph, pw] = pooled("ROIPooling", p);
  const scale = p.spatialScale as number;
  const numRois = out.length / (c * ph * pw);
  // MXNet rounds half away from zero (std::round).
  const round = (v: number) => Math.sign(v) * Math.round(Math.abs(v));
  for (let r = 0; r < numRois; r++) {
    const at = (j: number) => num(rois, r * 5 + j);
    const batch = Math.trunc(at(0));
    const [x1, y1, x2, y2] = [1, 2, 3, 4].map((j) => round(at(j) * scale));
    const invalid = batch < 0 || batch >= n;
    const rh = Math.max(y2 - y1 + 1, 1), rw = Math.max(x2 - x1 + 1, 1);
    const bh = rh / ph, bw = rw / pw;
    for (let ch = 0; ch < c; ch++) {
      const base = (batch * c + ch) * h * w;
      for (let i = 0; i < ph; i++) {
        const hs = Math.min(Math.max(Math.floor(i * bh) + y1, 0), h);
        const he = Math.min(Math.max(Math.ceil((i + 1) * bh) + y1, 0), h);
        for (let j = 0; j < pw; j++) {
          const ws = Math.min(Math.max(Math.floor(j * bw) + x1, 0), w);
          const we = Math.min(Math.max(Math.ceil((j + 1) * bw) + x1, 0), w);
          const o = ((r * c + ch) * ph + i) * pw + j;
          let best = -Infinity, arg = -1;
          if (!invalid && he > hs && we > ws) {
            for (let y = hs; y < he; y++) {
              for (let x = ws; x < we; x++) {
                const v = num(data, base + y * w + x);
                if (v > best) [best, arg] = [v, base + y * w + x];
              }
            }
          }
          out[o] = arg < 0 ? 0 : best;
          argmax[o] = arg;
        }
      }
    }
  }
}

const roiPooling: OpDef = {
  name: "ROIPooling",
  aliases: ["_npx_roi_pooling"],
  inputs: ["data", "rois"],
  params: POOL_PARAMS,
  // Outputs: the pooled maps and (hidden) the flat index of each maximum, -1 for empty bins.
  numOutputs: 2,
  numVisibleOutputs: 1,
  inferShape: ([d, r], p) => {
    checkInputs("ROIPooling", d, r, [5]);
    const out = [r[0], d[1], ...pooled("ROIPooling", p)];
    return [out, out];
  },
  inferType: ([t]) => [t, "int32"],
  gradient: (b, { inputs: [data], outputs: [, argmax], outGrads: [g] }) => [
    b.op("_backward_ROIPooling", [g, argmax], { shape: [...b.shape(data)] }),
    null,
  ],
  lowering: hostLowering(roiPoolForward),
};

/** Each output gradient added to the data position its maximum came from. */
const roiPoolingBackward: OpDef = {
  name: "_backward_ROIPooling",
  inputs: ["grad", "argmax"],
  params: { shape: { type: "shape", required: true } },
  inferShape: (_s, p) => [p.shape as number[]],
  differentiable: false,
  lowering: hostLowering(({ ins: [g, argmax], outs: [gx] }) => {
    for (let i = 0; i < g.length; i++) {
      const at = num(argmax, i);
      if (at >= 0) gx[at] = num(gx, at) + num(g, i);
    }
  }),
};

// ---------------------------------------------------------------------------------------
// ROIAlign

/** The sampling geometry of one ROI, as MXNet's ROIAlignForward computes it. */
interface AlignRoi {
  batch: number;
  startH: number;
  startW: number;
  binH: number;
  binW: number;
  gridH: number;
  gridW: number;
}

function alignRoi(rois: ComputeArray, r: number, cols: number, p: Params): AlignRoi | null {
  const at = (j: number) => num(rois, r * cols + j);
  let batch = 0, k = 0;
  if (cols === 5) {
    batch = Math.trunc(at(0));
    if (batch < 0) return null;
    k = 1;
  }
  const [ph, pw] = pooled("_contrib_ROIAlign", p);
  const scale = p.spatialScale as number;
  const off = p.aligned ? 0.5 : 0;
  const startW = at(k) * scale - off, startH = at(k + 1) * scale - off;
  let rw = at(k + 2) * scale - off - startW, rh = at(k + 3) * scale - off - startH;
  if (p.aligned) {
    if (!(rw > 0 && rh > 0)) {
      throw new ParamError(
        `_contrib_ROIAlign: with aligned, ROI ${r} must have a positive size, got ${rw}x${rh}`,
      );
    }
  } else [rw, rh] = [Math.max(rw, 1), Math.max(rh, 1)];
  const ratio = p.sampleRatio as number;
  return {
    batch,
    startH,
    startW,
    binH: rh / ph,
    binW: rw / pw,
    gridH: ratio > 0 ? ratio : Math.ceil(rh / ph),
    gridW: ratio > 0 ? ratio : Math.ceil(rw / pw),
  };
}

/**
 * Visits the bilinear taps of output bin (i, j) of an ROI: `tap(offset, weight)` with
 * offsets inside one [H, W] plane and weights already divided by the sample count.
 * Samples outside [-1, H] x [-1, W] contribute nothing, as MXNet's.
 */
function forEachTap(
  g: AlignRoi,
  i: number,
  j: number,
  h: number,
  w: number,
  tap: (offset: number, weight: number) => void,
): void {
  const count = Math.max(g.gridH * g.gridW, 1);
  for (let iy = 0; iy < g.gridH; iy++) {
    const y = g.startH + i * g.binH + (iy + 0.5) * g.binH / g.gridH;
    for (let ix = 0; ix < g.gridW; ix++) {
      const x = g.startW + j * g.binW + (ix + 0.5) * g.binW / g.gridW;
      if (y < -1 || y > h || x < -1 || x > w) continue;
      const yy = Math.max(y, 0), xx = Math.max(x, 0);
      let y0 = Math.trunc(yy), x0 = Math.trunc(xx), y1: number, x1: number;
      let sy = yy, sx = xx;
      if (y0 >= h - 1) [y0, y1, sy] = [h - 1, h - 1, h - 1];
      else y1 = y0 + 1;
      if (x0 >= w - 1) [x0, x1, sx] = [w - 1, w - 1, w - 1];
      else x1 = x0 + 1;
      const ly = sy - y0, lx = sx - x0, hy = 1 - ly, hx = 1 - lx;
      tap(y0 * w + x0, hy * hx / count);
      tap(y0 * w + x1, hy * lx / count);
      tap(y1 * w + x0, ly * hx / count);
      tap(y1 * w + x1, ly * lx / count);
    }
  }
}

/** Channel geometry: output channels, and the input channel of output (c, i, j). */
function alignChannels(
  c: number,
  p: Params,
): { outC: number; src: (ch: number, i: number, j: number) => number } {
  const [ph, pw] = pooled("_contrib_ROIAlign", p);
  if (!p.positionSensitive) return { outC: c, src: (ch) => ch };
  return { outC: c / (ph * pw), src: (ch, i, j) => (ch * ph + i) * pw + j };
}

const ALIGN_PARAMS = {
  ...POOL_PARAMS,
  sampleRatio: { type: "int", default: -1 },
  positionSensitive: { type: "bool", default: false },
  aligned: { type: "bool", default: false },
} as const;

function alignShape([d, r]: readonly Shape[], p: Params): Shape {
  checkInputs("_contrib_ROIAlign", d, r, [4, 5]);
  const [ph, pw] = pooled("_contrib_ROIAlign", p);
  if (p.positionSensitive && d[1] % (ph * pw) !== 0) {
    throw new ShapeError(
      `_contrib_ROIAlign: position_sensitive needs channels ${d[1]} divisible by ${ph}x${pw}`,
    );
  }
  return [r[0], alignChannels(d[1], p).outC, ph, pw];
}

const roiAlign: OpDef = {
  name: "_contrib_ROIAlign",
  inputs: ["data", "rois"],
  params: ALIGN_PARAMS,
  inferShape: (s, p) => [alignShape(s, p)],
  gradient: (b, { inputs: [data, rois], outGrads: [g], params }) => [
    b.op("_backward_ROIAlign", [g, rois], { ...params, shape: [...b.shape(data)] }),
    null,
  ],
  lowering: hostLowering(({ ins: [data, rois], shapes: [ds, rs], outs: [out], p }) => {
    const [, c, h, w] = ds;
    const [ph, pw] = pooled("_contrib_ROIAlign", p);
    const { outC, src } = alignChannels(c, p);
    for (let r = 0; r < rs[0]; r++) {
      const g = alignRoi(rois, r, rs[1], p);
      if (!g) continue; // a negative batch index: zeros
      for (let ch = 0; ch < outC; ch++) {
        for (let i = 0; i < ph; i++) {
          for (let j = 0; j < pw; j++) {
            const plane = (g.batch * c + src(ch, i, j)) * h * w;
            let acc = 0;
            forEachTap(g, i, j, h, w, (o, wt) => (acc += wt * num(data, plane + o)));
            out[((r * outC + ch) * ph + i) * pw + j] = acc;
          }
        }
      }
    }
  }),
};

const roiAlignBackward: OpDef = {
  name: "_backward_ROIAlign",
  inputs: ["grad", "rois"],
  params: { ...ALIGN_PARAMS, shape: { type: "shape", required: true } },
  inferShape: (_s, p) => [p.shape as number[]],
  differentiable: false,
  lowering: hostLowering(({ ins: [grad, rois], shapes: [, rs], outs: [gx], p }) => {
    const [, c, h, w] = p.shape as number[];
    const [ph, pw] = pooled("_contrib_ROIAlign", p);
    const { outC, src } = alignChannels(c, p);
    for (let r = 0; r < rs[0]; r++) {
      const g = alignRoi(rois, r, rs[1], p);
      if (!g) continue;
      for (let ch = 0; ch < outC; ch++) {
        for (let i = 0; i < ph; i++) {
          for (let j = 0; j < pw; j++) {
            const plane = (g.batch * c + src(ch, i, j)) * h * w;
            const gy = num(grad, ((r * outC + ch) * ph + i) * pw + j);
            forEachTap(g, i, j, h, w, (o, wt) => (gx[plane + o] = num(gx, plane + o) + wt * gy));
          }
        }
      }
    }
  }),
};

/** ROIPooling and ROIAlign with their backward operators. */
export const ROI_OPS: readonly OpDef[] = [
  roiPooling,
  roiPoolingBackward,
  roiAlign,
  roiAlignBackward,
];
