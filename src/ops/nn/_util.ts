/**
 * Helpers shared by the neural-network operators: shape checks with MXNet-style messages.
 * @module
 */
import { ShapeError } from "../../core/errors.ts";
import { formatShape, type Shape, shapeEqual } from "../../core/shape.ts";
import type { Builder } from "../op_def.ts";

/** Throws a ShapeError naming the op and argument unless `got` equals `want`. */
export function expectShape(
  op: string,
  arg: string,
  got: Shape | undefined,
  want: Shape,
  why = "",
): void {
  if (got === undefined || shapeEqual(got, want)) return;
  throw new ShapeError(
    `${op}: ${arg} has shape ${formatShape(got)}, expected ${formatShape(want)}${
      why ? ` (${why})` : ""
    }`,
  );
}

/** Reshapes only when the shape changes, so graphs get no identity nodes. */
export function reshapeTo<T>(b: Builder<T>, x: T, shape: Shape): T {
  return shapeEqual(b.shape(x), shape) ? x : b.op("Reshape", [x], { shape: [...shape] });
}
