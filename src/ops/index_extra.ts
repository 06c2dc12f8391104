/**
 * MXNet's N-d gathers and scatters (#19): `gather_nd`, `scatter_nd`, `_scatter_set_nd`,
 * `batch_take`, `_contrib_index_copy`, `_ravel_multi_index`, `_unravel_index`. Each turns
 * its indices into flat positions with elementwise int32 arithmetic and then runs `take`
 * (a gather) or `_take_backward` (its adjoint, a scatter-add), so every backend runs them
 * and the gradients come from those two operators.
 * @module
 */
import { IndexError, ShapeError } from "../core/errors.ts";
import { formatShape, type Shape, sizeOf, stridesOf } from "../core/shape.ts";
import type { Builder, OpDef } from "./op_def.ts";

/** Checks the indices of gather_nd / scatter_nd: [M, ...] with M at most `dims.length`. */
function checkNdIndices(op: string, idx: Shape, dims: Shape, what: string): number {
  if (idx.length < 2) {
    throw new ShapeError(
      `${op}: indices must have at least 2 dims [M, ...], got ${formatShape(idx)}`,
    );
  }
  if (idx[0] > dims.length || idx[0] > 10) {
    throw new ShapeError(
      `${op}: indices ${formatShape(idx)} index ${idx[0]} dims, more than the ${dims.length} ` +
        `of ${what} ${formatShape(dims)} (at most 10)`,
    );
  }
  return idx[0];
}

/**
 * `_gather_nd_check(indices, shape)`: the indices unchanged once every entry of row j lies in
 * `[-shape[j], shape[j])`, else an `IndexError` (MXNet's gather_nd checks this on the CPU
 * before gathering; without it an out-of-range index would silently clip).
 */
const gatherNdCheck: OpDef = {
  name: "_gather_nd_check",
  inputs: ["indices"],
  params: { shape: { type: "shape", required: true } },
  inferShape: ([s]) => [s],
  differentiable: false,
  lowering: {
    kind: "primitive",
    run: (k, [idx], [out], p, info) => {
      const dims = p.shape as number[];
      const perRow = sizeOf(idx.shape.slice(1));
      const check = (values: ArrayLike<number | bigint>) => {
        for (let i = 0; i < dims.length * perRow; i++) {
          const axis = Math.floor(i / perRow), v = Math.trunc(Number(values[i]));
          if (!(v >= -dims[axis] && v < dims[axis])) {
            throw new IndexError(
              `gather_nd: index ${Number(values[i])} is out of bounds for axis ${axis} with ` +
                `size ${dims[axis]}; expected ${-dims[axis]} <= index < ${dims[axis]}`,
            );
          }
        }
        return k.copy(idx.view, out.view);
      };
      const values = info.read(idx);
      return values instanceof Promise ? values.then(check) : check(values);
    },
  },
};

/**
 * Flat int32 positions into `dims[:M]` from indices [M, ...rest]: negative entries wrap
 * once (MXNet's gather_nd reads `(i + d) % d`), out-of-range ones are clipped by `take`.
 */
function flatIndex<T>(b: Builder<T>, indices: T, dims: Shape): T {
  const s = b.shape(indices), m = s[0], rest = s.slice(1);
  const idx = b.dtype(indices) === "int32" ? indices : b.op("Cast", [indices], { dtype: "int32" });
  const strides = stridesOf(dims.slice(0, m));
  let flat: T | undefined;
  for (let j = 0; j < m; j++) {
    const row = b.op("Reshape", [b.op("slice_axis", [idx], { axis: 0, begin: j, end: j + 1 })], {
      shape: rest,
    });
    const negative = b.op("_lesser_scalar", [row], { scalar: 0 });
    const wrapped = b.op("broadcast_add", [
      row,
      b.op("_mul_scalar", [negative], { scalar: dims[j] }),
    ]);
    const term = strides[j] === 1
      ? wrapped
      : b.op("_mul_scalar", [wrapped], { scalar: strides[j] });
    flat = flat === undefined ? term : b.op("broadcast_add", [flat, term]);
  }
  return flat!;
}

/** `gather_nd(data, indices)`: out[i...] = data[indices[0, i...], ..., indices[M-1, i...], ...]. */
const gatherNd: OpDef = {
  name: "gather_nd",
  aliases: ["_npi_gather_nd", "_npx_gather_nd"],
  inputs: ["data", "indices"],
  params: {},
  inferShape: ([d, idx]) => {
    const m = checkNdIndices("gather_nd", idx, d, "data");
    return [[...idx.slice(1), ...d.slice(m)]];
  },
  inferType: ([t]) => [t],
  lowering: {
    kind: "composite",
    compose: (b, [x, indices]) => {
      const d = b.shape(x), m = b.shape(indices)[0];
      const rows = b.op("Reshape", [x], { shape: [sizeOf(d.slice(0, m)), ...d.slice(m)] });
      const checked = b.op("_gather_nd_check", [indices], { shape: d.slice(0, m) });
      return [b.op("take", [rows, flatIndex(b, checked, d)], { axis: 0 })];
    },
  },
};

function checkScatterShapes(op: string, data: Shape, idx: Shape, out: Shape): number {
  const m = checkNdIndices(op, idx, out, "shape");
  const want = [...idx.slice(1), ...out.slice(m)];
  if (data.length !== want.length || data.some((d, i) => d !== want[i])) {
    throw new ShapeError(
      `${op}: data has shape ${formatShape(data)}, expected ${formatShape(want)} for indices ` +
        `${formatShape(idx)} and shape ${formatShape(out)}`,
    );
  }
  return m;
}

/** Scatters `data` (shape indices[1:] + out[M:]) into zeros of `out` at the indexed rows. */
function scatterInto<T>(b: Builder<T>, data: T, indices: T, out: Shape): T {
  const m = b.shape(indices)[0];
  const rowShape = [sizeOf(out.slice(0, m)), ...out.slice(m)];
  const rows = b.op("_take_backward", [data, flatIndex(b, indices, out)], {
    axis: 0,
    shape: rowShape,
  });
  return b.op("Reshape", [rows], { shape: [...out] });
}

/**
 * `scatter_nd(data, indices, shape)`: zeros of `shape` with data written at the indexed
 * positions (the adjoint of gather_nd). MXNet leaves repeated indices undefined; here
 * their values add up.
 */
const scatterNd: OpDef = {
  name: "scatter_nd",
  inputs: ["data", "indices"],
  params: { shape: { type: "shape", required: true } },
  inferShape: ([d, idx], p) => {
    checkScatterShapes("scatter_nd", d, idx, p.shape as number[]);
    return [p.shape as number[]];
  },
  inferType: ([t]) => [t],
  lowering: {
    kind: "composite",
    compose: (b, [x, indices], p) => [scatterInto(b, x, indices, p.shape as number[])],
  },
};

/** `where(scatter(ones) > 0, scatter(values), base)`: base with the indexed rows replaced. */
function setRows<T>(b: Builder<T>, base: T, values: T, indices: T): T {
  const out = b.shape(base);
  const ones = b.op("ones_like", [values]);
  const hit = b.op("_greater_scalar", [scatterInto(b, ones, indices, out)], { scalar: 0 });
  return b.op("_where", [hit, scatterInto(b, values, indices, out), base]);
}

/** `_scatter_set_nd(lhs, rhs, indices, shape)`: lhs with rhs written at the indexed positions. */
const scatterSetNd: OpDef = {
  name: "_scatter_set_nd",
  aliases: ["_npi_scatter_set_nd"],
  inputs: ["lhs", "rhs", "indices"],
  params: { shape: { type: "shape", default: [] } },
  inferShape: ([l, r, idx]) => {
    checkScatterShapes("_scatter_set_nd", r, idx, l);
    return [l];
  },
  inferType: ([t]) => [t],
  lowering: {
    kind: "composite",
    compose: (b, [lhs, rhs, indices]) => [setRows(b, lhs, rhs, indices)],
  },
};

function batchTakeDims(a: Shape, idx: Shape) {
  if (a.length < 2) {
    throw new ShapeError(`batch_take: a must have at least 2 dims, got ${formatShape(a)}`);
  }
  const cols = a[a.length - 1], rows = sizeOf(a) / Math.max(cols, 1);
  if (sizeOf(idx) !== rows) {
    throw new ShapeError(
      `batch_take: indices ${formatShape(idx)} must have one entry per row of a ` +
        `${formatShape(a)} (${rows})`,
    );
  }
  return { rows, cols };
}

/** `batch_take(a, indices)`: out[i] = a[i, indices[i]] (indices clipped to the row). */
const batchTake: OpDef = {
  name: "batch_take",
  inputs: ["a", "indices"],
  params: {},
  inferShape: ([a, idx]) => {
    batchTakeDims(a, idx);
    return [idx];
  },
  inferType: ([t]) => [t],
  lowering: {
    kind: "composite",
    compose: (b, [a, indices]) => {
      const { rows, cols } = batchTakeDims(b.shape(a), b.shape(indices));
      const idx = b.op("Cast", [b.op("Reshape", [indices], { shape: [rows] })], {
        dtype: "int32",
      });
      const col = b.op("clip", [idx], { aMin: 0, aMax: cols - 1 });
      const start = b.op("_iota", [], { size: rows, step: cols, dtype: "int32" });
      const flat = b.op("Reshape", [a], { shape: [rows * cols] });
      const picked = b.op("take", [flat, b.op("broadcast_add", [start, col])], { axis: 0 });
      return [b.op("Reshape", [picked], { shape: [...b.shape(indices)] })];
    },
  },
};

function indexCopyCheck(old: Shape, idx: Shape, neu: Shape): void {
  const want = [idx[0], ...old.slice(1)];
  if (idx.length !== 1 || neu.length !== want.length || neu.some((d, i) => d !== want[i])) {
    throw new ShapeError(
      `_contrib_index_copy: index_vector must be 1-D and new_tensor ${formatShape(neu)} must be ` +
        `${formatShape(want)} (one row of old_tensor ${formatShape(old)} per index); ` +
        `index_vector is ${formatShape(idx)}`,
    );
  }
}

/** `index_copy(old_tensor, index_vector, new_tensor)`: rows of old replaced by rows of new. */
const indexCopy: OpDef = {
  name: "_contrib_index_copy",
  inputs: ["old_tensor", "index_vector", "new_tensor"],
  params: {},
  inferShape: ([old, idx, neu]) => {
    indexCopyCheck(old, idx, neu);
    return [old];
  },
  inferType: ([t]) => [t],
  lowering: {
    kind: "composite",
    compose: (b, [old, idx, neu]) => {
      const n = b.shape(idx)[0];
      return [setRows(b, old, neu, b.op("Reshape", [idx], { shape: [1, n] }))];
    },
  },
};

/** `_ravel_multi_index(data, shape)`: columns of N-d indices [ndim, ...] to flat indices. */
const ravelMultiIndex: OpDef = {
  name: "_ravel_multi_index",
  aliases: ["ravel_multi_index"],
  inputs: ["data"],
  params: { shape: { type: "shape", required: true } },
  inferShape: ([s], p) => {
    const dims = p.shape as number[];
    if (s.length < 1 || s[0] !== dims.length) {
      throw new ShapeError(
        `_ravel_multi_index: data ${formatShape(s)} must have ${dims.length} rows, one per ` +
          `entry of shape ${formatShape(dims)}`,
      );
    }
    return [s.slice(1)];
  },
  differentiable: false,
  lowering: {
    kind: "composite",
    compose: (b, [x], p) => {
      const dims = p.shape as number[], rest = b.shape(x).slice(1);
      const strides = stridesOf(dims);
      const terms = dims.map((_, j) => {
        const row = b.op("Reshape", [b.op("slice_axis", [x], { axis: 0, begin: j, end: j + 1 })], {
          shape: rest.length ? rest : [1],
        });
        return b.op("_mul_scalar", [row], { scalar: strides[j] });
      });
      const sum = terms.reduce((acc, t) => b.op("broadcast_add", [acc, t]));
      return [rest.length ? sum : b.op("Reshape", [sum], { shape: [] })];
    },
  },
};

/** `_unravel_index(data, shape)`: flat indices to columns of N-d indices [ndim, ...]. */
const unravelIndex: OpDef = {
  name: "_unravel_index",
  aliases: ["unravel_index"],
  inputs: ["data"],
  params: { shape: { type: "shape", required: true } },
  inferShape: ([s], p) => [[(p.shape as number[]).length, ...s]],
  differentiable: false,
  lowering: {
    kind: "composite",
    compose: (b, [x], p) => {
      const dims = p.shape as number[], s = b.shape(x);
      const strides = stridesOf(dims);
      // Floating point: floor(x / stride) mod d, as MXNet's kernel divides and takes remainders.
      const ft = b.dtype(x) === "float64" ? "float64" : "float32";
      const xf = b.dtype(x) === ft ? x : b.op("Cast", [x], { dtype: ft });
      const rows = dims.map((d, j) => {
        const q = b.op("floor", [b.op("_div_scalar", [xf], { scalar: strides[j] })]);
        const whole = b.op("floor", [b.op("_div_scalar", [q], { scalar: d })]);
        const r = b.op("broadcast_sub", [q, b.op("_mul_scalar", [whole], { scalar: d })]);
        return b.op("Reshape", [r], { shape: [1, ...s] });
      });
      const stacked = rows.length === 1
        ? rows[0]
        : b.op("Concat", rows, { numArgs: rows.length, dim: 0 });
      return [b.dtype(x) === ft ? stacked : b.op("Cast", [stacked], { dtype: b.dtype(x) })];
    },
  },
};

/** Every operator of this file. */
export const INDEX_EXTRA_OPS: readonly OpDef[] = [
  gatherNdCheck,
  gatherNd,
  scatterNd,
  scatterSetNd,
  batchTake,
  indexCopy,
  ravelMultiIndex,
  unravelIndex,
];
