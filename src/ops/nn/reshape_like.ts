/**
 * `reshape_like`: the data reshaped to (part of) another array's shape, as MXNet's
 * operator of that name. Composed from Reshape, so the data's gradient is reshaped back;
 * the shape source gets none. Gluon's losses use it to match a label to a prediction.
 * @module
 */
import { ShapeError } from "../../core/errors.ts";
import { formatShape, type Shape, sizeOf } from "../../core/shape.ts";
import type { OpDef, Params } from "../op_def.ts";

/** `lhs[:lb] + rhs[rb:re] + lhs[le:]`, MXNet's rule (None: the whole shape). */
function targetShape(lhs: Shape, rhs: Shape, p: Params): number[] {
  const range = (s: Shape, b: unknown, e: unknown, what: string) => {
    const at = (v: unknown, dflt: number, end: string) => {
      if (v === null) return dflt;
      const i = (v as number) < 0 ? (v as number) + s.length : v as number;
      if (!(i >= 0 && i <= s.length)) {
        throw new ShapeError(
          `reshape_like: ${what}_${end} ${v} is out of range for shape ${formatShape(s)}`,
        );
      }
      return i;
    };
    const begin = at(b, 0, "begin"), end = at(e, s.length, "end");
    if (begin > end) {
      throw new ShapeError(`reshape_like: ${what}_begin ${begin} is after ${what}_end ${end}`);
    }
    return [begin, end];
  };
  const [lb, le] = range(lhs, p.lhsBegin, p.lhsEnd, "lhs");
  const [rb, re] = range(rhs, p.rhsBegin, p.rhsEnd, "rhs");
  const out = [...lhs.slice(0, lb), ...rhs.slice(rb, re), ...lhs.slice(le)];
  if (sizeOf(out) !== sizeOf(lhs)) {
    throw new ShapeError(
      `reshape_like: cannot reshape lhs ${formatShape(lhs)} to ${formatShape(out)} (from rhs ${
        formatShape(rhs)
      }): the sizes differ`,
    );
  }
  return out;
}

const reshapeLike: OpDef = {
  name: "reshape_like",
  inputs: ["lhs", "rhs"],
  params: {
    lhsBegin: { type: "int", default: null },
    lhsEnd: { type: "int", default: null },
    rhsBegin: { type: "int", default: null },
    rhsEnd: { type: "int", default: null },
  },
  inferShape: ([lhs, rhs], p) => [targetShape(lhs, rhs, p)],
  lowering: {
    kind: "composite",
    compose: (b, [lhs, rhs], p) => [
      b.op("Reshape", [lhs], { shape: targetShape(b.shape(lhs), b.shape(rhs), p) }),
    ],
  },
};

/** reshape_like. */
export const RESHAPE_LIKE_OPS: readonly OpDef[] = [reshapeLike];
