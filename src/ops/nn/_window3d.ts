/**
 * 3-D sliding windows (NCDHW data): MXNet's three-value `kernel`/`stride`/`dilate`/`pad`
 * split into the depth axis and the (height, width) window the 2-D primitives take. The
 * 3-D operators are composites that run the 2-D primitives over (H, W) and handle depth
 * with a gather (convolution) or a second pooling pass.
 * @module
 */
import { ShapeError } from "../../core/errors.ts";
import { formatShape, type Shape } from "../../core/shape.ts";
import type { Params } from "../op_def.ts";
import { type Window, windowOf } from "./_window.ts";

/** One axis of a window. */
export interface Axis {
  kernel: number;
  stride: number;
  dilate: number;
  pad: number;
}

/** A 3-D window: its depth axis and its (height, width) window. */
export interface Window3 {
  depth: Axis;
  hw: Window;
}

/** The rest of a tuple after its depth value (empty stays empty: the default). */
function tail(v: readonly number[]): number[] {
  return v.length === 0 ? [] : v.slice(1);
}

/**
 * The 3-D window of `op` from its params; every tuple must be empty (the default) or
 * have three values, each an integer (>= 1, pad >= 0).
 */
export function window3Of(op: string, p: Params): Window3 {
  const tuples: [string, number[], number][] = [
    ["kernel", p.kernel as number[], 1],
    ["stride", p.stride as number[], 1],
    ["dilate", (p.dilate as number[] | undefined) ?? [], 1],
    ["pad", p.pad as number[], 0],
  ];
  for (const [name, v, min] of tuples) {
    if (v.length !== 0 && v.length !== 3) {
      throw new ShapeError(`${op}: ${name} has ${v.length} values but the kernel has 3`);
    }
    if (!v.every((d) => Number.isInteger(d) && d >= min)) {
      throw new ShapeError(`${op}: ${name} must be integers >= ${min}, got (${v.join(", ")})`);
    }
  }
  const [k, s, d, pad] = tuples.map(([, v]) => v);
  return {
    depth: { kernel: k[0], stride: s[0] ?? 1, dilate: d[0] ?? 1, pad: pad[0] ?? 0 },
    hw: windowOf(op, { kernel: tail(k), stride: tail(s), dilate: tail(d), pad: tail(pad) }, 2),
  };
}

/** Checks data is [N, C, D, H, W]; returns (D, H, W). */
export function spatial3Of(op: string, data: Shape): [number, number, number] {
  if (data.length !== 5) {
    throw new ShapeError(
      `${op}: data must be 5-D (batch, channel, depth, height, width) for a 3-D kernel, got ` +
        formatShape(data),
    );
  }
  return [data[2], data[3], data[4]];
}

/** The dilated extent of an axis. */
export function axisExtent(a: Axis): number {
  return (a.kernel - 1) * a.dilate + 1;
}

/** Convolution output length along the depth axis (as `convOut` for height and width). */
export function depthOut(op: string, len: number, a: Axis): number {
  const span = len + 2 * a.pad - axisExtent(a);
  if (span < 0) {
    throw new ShapeError(
      `${op}: the depth ${len} with pad ${a.pad} is smaller than the kernel extent ${
        axisExtent(a)
      }`,
    );
  }
  return Math.floor(span / a.stride) + 1;
}
