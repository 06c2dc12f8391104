/**
 * MXNet's `Correlation` (FlowNet's correlation layer): for each displacement (dy, dx) of
 * a (2r+1)² neighbourhood (r = max_displacement / stride2, steps of stride2), the mean
 * over channels and a kernel_size² window of data1 times (or minus, in absolute value)
 * data2 shifted by the displacement, sampled every stride1. Composed per displacement
 * from slices, elementwise products, a channel sum and a sum pooling over the window, so
 * every backend runs it and both inputs get gradients.
 * @module
 */
import { ShapeError } from "../../core/errors.ts";
import { formatShape, type Shape } from "../../core/shape.ts";
import { ops } from "../_builder_util.ts";
import type { OpDef, Params } from "../op_def.ts";

/** The geometry MXNet's CorrelationProp::InferShape derives. */
function geometry([a, b]: readonly Shape[], p: Params) {
  const op = "Correlation";
  for (const [arg, s] of [["data1", a], ["data2", b]] as const) {
    if (!s || s.length !== 4) {
      throw new ShapeError(`${op}: ${arg} must be 4-D, got ${formatShape(s ?? [])}`);
    }
  }
  if (formatShape(a) !== formatShape(b)) {
    throw new ShapeError(`${op}: data1 ${formatShape(a)} and data2 ${formatShape(b)} differ`);
  }
  const k = p.kernelSize as number, md = p.maxDisplacement as number;
  const s1 = p.stride1 as number, s2 = p.stride2 as number, pad = p.padSize as number;
  const [ph, pw] = [a[2] + 2 * pad, a[3] + 2 * pad];
  const border = md + Math.trunc((k - 1) / 2);
  const outH = Math.ceil((ph - 2 * border) / s1), outW = Math.ceil((pw - 2 * border) / s1);
  if (outH < 1 || outW < 1) {
    throw new ShapeError(
      `${op}: data ${
        formatShape(a)
      } with pad_size ${pad} is too small for max_displacement ${md} ` +
        `and kernel_size ${k} (output ${outH}x${outW})`,
    );
  }
  const radius = Math.trunc(md / s2);
  return { k, md, s1, s2, pad, ph, pw, outH, outW, radius, grid: 2 * radius + 1 };
}

const correlation: OpDef = {
  name: "Correlation",
  inputs: ["data1", "data2"],
  params: {
    kernelSize: { type: "int", default: 1, min: 1 },
    maxDisplacement: { type: "int", default: 1, min: 0 },
    stride1: { type: "int", default: 1, min: 1 },
    stride2: { type: "int", default: 1, min: 1 },
    padSize: { type: "int", default: 0, min: 0 },
    isMultiply: { type: "bool", default: true },
  },
  inferShape: (s, p) => {
    const g = geometry(s, p);
    return [[s[0][0], g.grid * g.grid, g.outH, g.outW]];
  },
  lowering: {
    kind: "composite",
    compose: (b, [x1, x2], p) => {
      const o = ops(b);
      const g = geometry([b.shape(x1), b.shape(x2)], p);
      const c = b.shape(x1)[1];
      // Rows (cols) each output reads: y1 = i*stride1 + md .. + kernel - 1, shifted for data2.
      const spanH = (g.outH - 1) * g.s1 + g.k, spanW = (g.outW - 1) * g.s1 + g.k;
      // Zero rows/cols past the padded image where an even kernel reaches beyond it.
      const extraH = Math.max(0, 2 * g.md + spanH - g.ph),
        extraW = Math.max(0, 2 * g.md + spanW - g.pw);
      const padded = (x: typeof x1) =>
        g.pad + extraH + extraW === 0 ? x : b.op("Pad", [x], {
          mode: "constant",
          padWidth: [0, 0, 0, 0, g.pad, g.pad + extraH, g.pad, g.pad + extraW],
        });
      const p1 = padded(x1), p2 = padded(x2);
      const window = (x: typeof x1, dy: number, dx: number) =>
        b.op("slice", [x], {
          begin: [null, null, g.md + dy, g.md + dx],
          end: [null, null, g.md + dy + spanH, g.md + dx + spanW],
        });
      const a = window(p1, 0, 0);
      const maps = [];
      for (let gy = 0; gy < g.grid; gy++) {
        for (let gx = 0; gx < g.grid; gx++) {
          const shifted = window(p2, (gy - g.radius) * g.s2, (gx - g.radius) * g.s2);
          const term = p.isMultiply ? o.mul(a, shifted) : b.op("abs", [o.sub(a, shifted)]);
          const summed = b.op("sum", [term], { axis: 1, keepdims: true });
          maps.push(b.op("_pool", [summed], {
            kernel: [g.k, g.k],
            stride: [g.s1, g.s1],
            pad: [0, 0],
            poolType: "sum",
          }));
        }
      }
      const all = maps.length === 1
        ? maps[0]
        : b.op("Concat", maps, { numArgs: maps.length, dim: 1 });
      return [o.mulS(all, 1 / (g.k * g.k * c))];
    },
  },
};

/** Correlation. */
export const CORRELATION_OPS: readonly OpDef[] = [correlation];
