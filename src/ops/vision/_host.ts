/**
 * Helpers for vision operators computed on the host through the `hostCompute` kernel
 * (every backend runs it: device backends read the inputs back and upload the outputs).
 * @module
 */
import type { ComputeArray } from "../../core/dtype.ts";
import type { Shape } from "../../core/shape.ts";
import type { Lowering, Params } from "../op_def.ts";

/** What a host implementation gets: input values and shapes, outputs to fill, params. */
export interface HostArgs {
  /** Input values (host arrays of the inputs' dtypes; int64 may be float64-held). */
  readonly ins: readonly ComputeArray[];
  /** Input shapes. */
  readonly shapes: readonly Shape[];
  /** Output arrays, zero-filled, to write. */
  readonly outs: ComputeArray[];
  /** Output shapes. */
  readonly outShapes: readonly Shape[];
  /** The parsed parameters. */
  readonly p: Params;
}

/** A primitive lowering that runs `impl` on the host. */
export function hostLowering(impl: (a: HostArgs) => void): Lowering {
  return {
    kind: "primitive",
    run: (k, inputs, outputs, p) =>
      k.hostCompute(inputs.map((t) => t.buf), outputs.map((t) => t.buf), (ins, outs) =>
        impl({
          ins,
          outs,
          p,
          shapes: inputs.map((t) => t.shape),
          outShapes: outputs.map((t) => t.shape),
        })),
  };
}

/** Element `i` of a host array as a number. */
export const num = (a: ComputeArray, i: number): number => Number(a[i]);
