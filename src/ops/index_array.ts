/**
 * MXNet's `_contrib_index_array(data, axes=None)` (issue #19): for data of shape
 * (d1, ..., dn), an int64 array (d1, ..., dn, m) whose entry [i1, ..., in, j] is
 * i_{axes[j]} (axes: every axis in order by default; negative axes count from the end).
 * Composed from `_iota` per axis, broadcast and concatenated, so every backend runs it;
 * MXNet gives it a zero gradient, so it is not differentiable here.
 * @module
 */
import { normalizeAxis } from "../core/shape.ts";
import type { OpDef, Params } from "./op_def.ts";

const NAME = "_contrib_index_array";

/** The axes the index array lists, normalised, for data of rank `ndim`. */
function indexAxes(p: Params, ndim: number): number[] {
  const axes = p.axes as number | readonly number[] | null;
  if (axes === null || axes === undefined) return [...Array(ndim).keys()];
  const list = typeof axes === "number" ? [axes] : [...axes];
  return list.map((a) => normalizeAxis(a, ndim, `${NAME}: axes`));
}

/** `_contrib_index_array`: every element's index along the chosen axes. */
const indexArray: OpDef = {
  name: NAME,
  inputs: ["data"],
  params: { axes: { type: "axes", default: null } },
  inferShape: ([s], p) => [[...s, indexAxes(p, s.length).length]],
  inferType: () => ["int64"],
  differentiable: false,
  lowering: {
    kind: "composite",
    compose: (b, [x], p) => {
      const shape = b.shape(x);
      const axes = indexAxes(p, shape.length);
      const full = [...shape, 1];
      if (axes.length === 0) return [b.op("_zeros", [], { shape: [...shape, 0], dtype: "int64" })];
      const columns = axes.map((a) => {
        const along = b.op("_iota", [], { size: shape[a], dtype: "int64" });
        const lined = full.map((d, i) => (i === a ? d : 1));
        const column = b.op("Reshape", [along], { shape: lined });
        return b.op("broadcast_to", [column], { shape: full });
      });
      if (columns.length === 1) return columns;
      return [b.op("Concat", columns, { numArgs: columns.length, dim: shape.length })];
    },
  },
};

/** The index-array operator. */
export const INDEX_ARRAY_OPS: readonly OpDef[] = [indexArray];

/** Options of `contrib.indexArray`. */
export interface IndexArrayOptions<T> {
  /** The input (options form). */
  data?: T;
  /** The axes whose indices are listed, in this order (default: every axis). */
  axes?: number | readonly number[] | null;
}
