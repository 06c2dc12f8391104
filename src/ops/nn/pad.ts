/**
 * `Pad` (alias `pad`): pads an array with a constant, its edge values, or its reflection,
 * as MXNet's operator. Composed per padded axis from slices, reversal, broadcasts and
 * `Concat`, so the gradient comes from the parts (reflected positions add up).
 * @module
 */
import { ShapeError } from "../../core/errors.ts";
import { formatShape, type Shape } from "../../core/shape.ts";
import type { Builder, OpDef, Params } from "../op_def.ts";

/** (before, after) per axis, checked against the data. */
function widths(x: Shape, p: Params): [number, number][] {
  const w = p.padWidth as number[];
  if (w.length !== 2 * x.length) {
    throw new ShapeError(
      `Pad: pad_width has ${w.length} values, expected 2 per axis of data ${formatShape(x)} ` +
        `(${2 * x.length})`,
    );
  }
  const pairs = x.map((_, i) => [w[2 * i], w[2 * i + 1]] as [number, number]);
  pairs.forEach(([a, b], i) => {
    if (!(Number.isInteger(a) && a >= 0 && Number.isInteger(b) && b >= 0)) {
      throw new ShapeError(`Pad: pad_width of axis ${i} must be integers >= 0, got (${a}, ${b})`);
    }
    if (p.mode === "reflect" && (a >= x[i] || b >= x[i]) && (a > 0 || b > 0)) {
      throw new ShapeError(
        `Pad: reflect padding (${a}, ${b}) of axis ${i} must be smaller than its size ${x[i]}`,
      );
    }
    if (p.mode === "edge" && x[i] === 0 && (a > 0 || b > 0)) {
      throw new ShapeError(`Pad: edge padding of the empty axis ${i}`);
    }
  });
  return pairs;
}

function padAxis<T>(b: Builder<T>, x: T, axis: number, before: number, after: number, p: Params) {
  const shape = b.shape(x);
  const n = shape[axis];
  const part = (k: number): number[] => shape.map((d, i) => (i === axis ? k : d));
  const sl = (begin: number, end: number) => b.op("slice_axis", [x], { axis, begin, end });
  const side = (k: number, first: boolean): T => {
    switch (p.mode) {
      case "constant":
        return b.op("_full", [], { shape: part(k), value: p.constantValue, dtype: b.dtype(x) });
      case "edge":
        return b.op("broadcast_to", [first ? sl(0, 1) : sl(n - 1, n)], { shape: part(k) });
      default: // reflect: the mirror image without the edge itself
        return b.op("reverse", [first ? sl(1, k + 1) : sl(n - 1 - k, n - 1)], { axis: [axis] });
    }
  };
  const parts: T[] = [];
  if (before > 0) parts.push(side(before, true));
  parts.push(x);
  if (after > 0) parts.push(side(after, false));
  return parts.length === 1 ? x : b.op("Concat", parts, { numArgs: parts.length, dim: axis });
}

const pad: OpDef = {
  name: "Pad",
  aliases: ["pad"],
  inputs: ["data"],
  params: {
    mode: { type: "string", default: "constant", values: ["constant", "edge", "reflect"] },
    padWidth: { type: "shape", required: true },
    constantValue: { type: "float", default: 0 },
  },
  inferShape: ([x], p) => [x.map((d, i) => d + widths(x, p)[i][0] + widths(x, p)[i][1])],
  lowering: {
    kind: "composite",
    compose: (b, [x], p) => {
      let y = x;
      widths(b.shape(x), p).forEach(([before, after], axis) => {
        if (before > 0 || after > 0) y = padAxis(b, y, axis, before, after, p);
      });
      // Unpadded data still comes back as a new value (a view), not the input itself.
      return [y === x ? b.op("Reshape", [x], { shape: [...b.shape(x)] }) : y];
    },
  },
};

/** Pad. */
export const PAD_OPS: readonly OpDef[] = [pad];
