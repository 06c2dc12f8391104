/**
 * Sliding-window geometry shared by Convolution, Deconvolution and Pooling: MXNet's
 * `kernel`/`stride`/`pad`/`dilate` tuples, with 1-D windows run as 2-D ones of height 1.
 * @module
 */
import type { Window2D } from "../../../backends/backend.ts";
import { ShapeError, UnsupportedError } from "../../core/errors.ts";
import { formatShape, type Shape } from "../../core/shape.ts";
import type { Params, ParamSpec } from "../op_def.ts";

/**
 * `kernel`, `stride`, `dilate`, `pad`: MXNet's defaults are empty tuples (1s and 0s).
 * Kernel, stride and dilate entries are positive (MXNet checks each product > 0).
 */
export const WINDOW_PARAMS: Record<string, ParamSpec> = {
  kernel: { type: "shape", default: [], min: 1 },
  stride: { type: "shape", default: [], min: 1 },
  dilate: { type: "shape", default: [], min: 1 },
  pad: { type: "shape", default: [] },
};

/** A window's per-axis numbers, always two axes (height, width). */
export interface Window {
  kernel: [number, number];
  stride: [number, number];
  dilate: [number, number];
  pad: [number, number];
}

/** Lifts a 1- or 2-element tuple to (h, w); an empty tuple gives `fill`. */
function two(v: readonly number[], fill: number, nd: number, what: string): [number, number] {
  if (v.length === 0) return [fill, fill];
  if (v.length !== nd) {
    throw new ShapeError(`${what} has ${v.length} values but the kernel has ${nd}`);
  }
  // 1-D runs as 2-D with a height-1 window: kernel/stride/dilate 1, pad 0 (= fill).
  return nd === 1 ? [fill, v[0]] : [v[0], v[1]];
}

/** The window of a 1-D or 2-D operator from its params (`kernel` decides the rank). */
export function windowOf(op: string, p: Params, nd: number): Window {
  const k = p.kernel as number[];
  if (nd !== 1 && nd !== 2) {
    throw new UnsupportedError(`${op}: only 1-D and 2-D windows are supported, got ${nd}-D`);
  }
  const w: Window = {
    kernel: two(k, 1, nd, `${op}: kernel`),
    stride: two(p.stride as number[], 1, nd, `${op}: stride`),
    dilate: two((p.dilate as number[] | undefined) ?? [], 1, nd, `${op}: dilate`),
    pad: two(p.pad as number[], 0, nd, `${op}: pad`),
  };
  for (
    const [name, v, min] of [
      ["kernel", w.kernel, 1],
      ["stride", w.stride, 1],
      ["dilate", w.dilate, 1],
      ["pad", w.pad, 0],
    ] as const
  ) {
    if (!v.every((d) => Number.isInteger(d) && d >= min)) {
      throw new ShapeError(`${op}: ${name} must be integers >= ${min}, got (${v.join(", ")})`);
    }
  }
  return w;
}

/** Checks data is [N, C, *spatial] with `nd` spatial axes; returns (H, W) (H = 1 for 1-D). */
export function spatialOf(op: string, data: Shape, nd: number): [number, number] {
  if (data.length !== nd + 2) {
    throw new ShapeError(
      `${op}: data must be ${nd + 2}-D (batch, channel, ${nd === 1 ? "width" : "height, width"}) ` +
        `for a ${nd}-D kernel, got ${formatShape(data)}`,
    );
  }
  return nd === 1 ? [1, data[2]] : [data[2], data[3]];
}

/** The dilated kernel extent along axis `a` (0 = height, 1 = width). */
export function extent(w: Window, a: 0 | 1): number {
  return (w.kernel[a] - 1) * w.dilate[a] + 1;
}

/** Convolution output length: floor((in + 2p - extent) / s) + 1; throws when it is < 1. */
export function convOut(op: string, len: number, w: Window, a: 0 | 1): number {
  const span = len + 2 * w.pad[a] - extent(w, a);
  if (span < 0) {
    throw new ShapeError(
      `${op}: the ${a === 0 ? "height" : "width"} ${len} with pad ${w.pad[a]} is smaller than ` +
        `the kernel extent ${extent(w, a)}`,
    );
  }
  return Math.floor(span / w.stride[a]) + 1;
}

/** The kernel geometry for data [N, C, H, W] and output spatial size (outH, outW). */
export function geometry(
  w: Window,
  n: number,
  c: number,
  hw: readonly [number, number],
  out: readonly [number, number],
): Window2D {
  return {
    batch: n,
    channels: c,
    height: hw[0],
    width: hw[1],
    kernelH: w.kernel[0],
    kernelW: w.kernel[1],
    strideH: w.stride[0],
    strideW: w.stride[1],
    padH: w.pad[0],
    padW: w.pad[1],
    dilateH: w.dilate[0],
    dilateW: w.dilate[1],
    outH: out[0],
    outW: out[1],
  };
}
