/**
 * MXNet's `Pad` (alias `pad`): pads the spatial axes of 4-D or 5-D data. constant mode
 * writes the data into a block of `constant_value`; edge and reflect gather along each
 * padded axis with computed indices (`take`), so the gradient sums the copies back, as
 * MXNet's does.
 * @module
 */
import { ShapeError } from "../../core/errors.ts";
import { formatShape, type Shape } from "../../core/shape.ts";
import { ops } from "../_builder_util.ts";
import type { Builder, OpDef, Params } from "../op_def.ts";

/** pad_width as (before, after) per axis, checked against data shape `x`. */
function widths(x: Shape, p: Params): [number, number][] {
  const pw = p.padWidth as number[];
  if (x.length !== 4 && x.length !== 5) {
    throw new ShapeError(`Pad: data must be 4-D or 5-D, got ${formatShape(x)}`);
  }
  if (pw.length !== 2 * x.length) {
    throw new ShapeError(
      `Pad: pad_width has ${pw.length} values; ${x.length}-D data needs ${2 * x.length} ` +
        `(before and after for every axis)`,
    );
  }
  if (!pw.every((v) => Number.isInteger(v) && v >= 0)) {
    throw new ShapeError(`Pad: pad_width must be integers >= 0, got (${pw.join(", ")})`);
  }
  if (pw.slice(0, 4).some((v) => v !== 0)) {
    throw new ShapeError(
      `Pad: pad_width must be 0 for the batch and channel axes (its first four values), got ` +
        `(${pw.join(", ")})`,
    );
  }
  const out = x.map((_, i): [number, number] => [pw[2 * i], pw[2 * i + 1]]);
  if (p.mode === "reflect") {
    out.forEach(([lo, hi], i) => {
      if (lo >= x[i] || hi >= x[i]) {
        throw new ShapeError(
          `Pad: reflect padding (${lo}, ${hi}) of axis ${i} must be smaller than its size ${x[i]}`,
        );
      }
    });
  }
  return out;
}

/**
 * Source index of every padded position along an axis of length `n`: edge clamps
 * (take's clip mode does it), reflect mirrors without repeating the edge:
 * `(n-1) - |(n-1) - |j||` for j in [-before, n + after).
 */
function sourceIndex<T>(b: Builder<T>, n: number, lo: number, hi: number, mode: unknown): T {
  const j = b.op("_iota", [], { size: n + lo + hi, start: -lo, step: 1, dtype: "float32" });
  if (mode === "edge") return j;
  const o = ops(b);
  return o.rsubS(b.op("abs", [o.rsubS(b.op("abs", [j]), n - 1)]), n - 1);
}

function constantPad<T>(b: Builder<T>, x: T, w: [number, number][], value: number): T {
  const s = b.shape(x);
  if (value === 0) {
    return b.op("_slice_backward", [x], {
      begin: w.map(([lo]) => lo),
      end: w.map(([lo], i) => lo + s[i]),
      step: [],
      shape: s.map((d, i) => d + w[i][0] + w[i][1]),
    });
  }
  // A block of the value on each side of each padded axis (exact, unlike x - c + c).
  let y = x;
  w.forEach(([lo, hi], axis) => {
    if (lo === 0 && hi === 0) return;
    const ys = b.shape(y);
    const block = (len: number) =>
      b.op("_full", [], {
        shape: ys.map((d, i) => (i === axis ? len : d)),
        value,
        dtype: b.dtype(x),
      });
    const parts = [...(lo ? [block(lo)] : []), y, ...(hi ? [block(hi)] : [])];
    y = b.op("Concat", parts, { numArgs: parts.length, dim: axis });
  });
  return y;
}

const pad: OpDef = {
  name: "Pad",
  aliases: ["pad"],
  inputs: ["data"],
  params: {
    mode: { type: "string", required: true, values: ["constant", "edge", "reflect"] },
    padWidth: { type: "shape", required: true },
    constantValue: { type: "float", default: 0 },
  },
  inferShape: ([x], p) => {
    const w = widths(x, p);
    return [x.map((d, i) => d + w[i][0] + w[i][1])];
  },
  lowering: {
    kind: "composite",
    compose: (b, [x], p) => {
      const w = widths(b.shape(x), p);
      if (p.mode === "constant") return [constantPad(b, x, w, p.constantValue as number)];
      let y = x;
      w.forEach(([lo, hi], axis) => {
        if (lo === 0 && hi === 0) return;
        const idx = sourceIndex(b, b.shape(x)[axis], lo, hi, p.mode);
        y = b.op("take", [y, idx], { axis, mode: "clip" });
      });
      return [y];
    },
  },
};

/** Padding. */
export const PAD_OPS: readonly OpDef[] = [pad];
