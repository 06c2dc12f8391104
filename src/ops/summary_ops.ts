/**
 * Whole-array summaries of #19: `_histogram` (`histogram`) and `_contrib_allclose`,
 * composed from comparisons and sums so every backend runs them. Neither is
 * differentiable (counts and a yes/no answer).
 * @module
 */
import { ShapeError } from "../core/errors.ts";
import { formatShape, sizeOf } from "../core/shape.ts";
import type { Builder, OpDef, Params } from "./op_def.ts";

function histogramBins(p: Params, bins: readonly number[] | undefined): number {
  const cnt = p.binCnt as number | null, range = p.range as number[] | null;
  if ((cnt === null) !== (range === null)) {
    throw new ShapeError("_histogram: give bin_cnt and range together, or neither (bins input)");
  }
  if (cnt !== null) {
    if (range!.length !== 2 || !(range![0] <= range![1])) {
      throw new ShapeError(
        `_histogram: range must be (min, max) with min <= max, got ${JSON.stringify(range)}`,
      );
    }
    return cnt;
  }
  if (bins && (bins.length !== 1 || bins[0] < 2)) {
    throw new ShapeError(
      `_histogram: bins must be a 1-D array of at least 2 bounds, got ${formatShape(bins)}`,
    );
  }
  return bins ? bins[0] - 1 : 0;
}

/** The bin bounds as a float array of x's dtype: bins given, or range split in bin_cnt. */
function bounds<T>(b: Builder<T>, x: T, bins: T | undefined, p: Params): T {
  if (bins) {
    return b.dtype(bins) === b.dtype(x) ? bins : b.op("Cast", [bins], { dtype: b.dtype(x) });
  }
  const [lo, hi] = p.range as number[], cnt = p.binCnt as number;
  return b.op("_iota", [], { size: cnt + 1, start: lo, step: (hi - lo) / cnt, dtype: b.dtype(x) });
}

/**
 * `_histogram(data, bins)` or `_histogram(data, bin_cnt, range)` (alias `histogram`):
 * [counts (int64), bin bounds]. Bin j holds bounds[j] <= x < bounds[j+1]; the last bin
 * also holds x == its upper bound; values outside the bounds are not counted.
 */
const histogram: OpDef = {
  name: "_histogram",
  aliases: ["_npi_histogram"],
  inputs: (p) => (p.binCnt === null ? ["data", "bins"] : ["data"]),
  numOutputs: 2,
  params: {
    binCnt: { type: "int", default: null, min: 1 },
    range: { type: "floats", default: null },
  },
  inferShape: ([, bins], p) => {
    const n = histogramBins(p, bins);
    return [[n], [n + 1]];
  },
  inferType: ([t]) => ["int64", t],
  differentiable: false,
  lowering: {
    kind: "composite",
    compose: (b, [x, bins], p) => {
      const n = histogramBins(p, bins && b.shape(bins));
      const edges = bounds(b, x, bins, p);
      const flat = b.op("Reshape", [x], { shape: [sizeOf(b.shape(x)), 1] });
      const e = b.op("Reshape", [edges], { shape: [1, n + 1] });
      // atLeast[i, j] = x_i >= bound_j; bin j counts atLeast_j minus the next bin's share.
      const atLeast = b.op("broadcast_greater_equal", [flat, e]);
      const above = b.op("broadcast_greater", [flat, e]);
      const lower = b.op("slice_axis", [atLeast], { axis: 1, begin: 0, end: n });
      const upper = b.op("Concat", [
        b.op("slice_axis", [atLeast], { axis: 1, begin: 1, end: n }),
        b.op("slice_axis", [above], { axis: 1, begin: n, end: n + 1 }),
      ], { numArgs: 2, dim: 1 });
      const inBin = b.op("broadcast_sub", [lower, upper]);
      const counts = b.op("sum", [b.op("Cast", [inBin], { dtype: "int64" })], { axis: 0 });
      return [counts, b.op("_copy_of", [edges])];
    },
  },
};

/** True where `x` is NaN, as 0/1 of x's dtype (NaN is the one value unequal to itself). */
function isNan<T>(b: Builder<T>, x: T): T {
  return b.op("broadcast_not_equal", [x, x]);
}

/**
 * `_contrib_allclose(a, b, rtol, atol, equal_nan)`: 1 (uint8, shape ()) when every
 * |a - b| <= atol + rtol·|b| (or a == b; NaNs equal each other with `equal_nan`), else 0.
 */
const allclose: OpDef = {
  name: "_contrib_allclose",
  inputs: ["a", "b"],
  params: {
    rtol: { type: "float", default: 1e-5 },
    atol: { type: "float", default: 1e-8 },
    equalNan: { type: "bool", default: true },
  },
  inferShape: ([a, bs]) => {
    if (a.length !== bs.length || a.some((d, i) => d !== bs[i])) {
      throw new ShapeError(
        `_contrib_allclose: a ${formatShape(a)} and b ${formatShape(bs)} must have one shape`,
      );
    }
    return [[]];
  },
  inferType: () => ["uint8"],
  differentiable: false,
  lowering: {
    kind: "composite",
    compose: (b, [x, y], p) => {
      const diff = b.op("abs", [b.op("broadcast_sub", [x, y])]);
      const tol = b.op("_plus_scalar", [b.op("_mul_scalar", [b.op("abs", [y])], {
        scalar: p.rtol as number,
      })], { scalar: p.atol as number });
      const close = b.op("broadcast_maximum", [
        b.op("broadcast_lesser_equal", [diff, tol]),
        b.op("broadcast_equal", [x, y]),
      ]);
      const nanX = isNan(b, x), nanY = isNan(b, y);
      const bothNan = b.op("broadcast_mul", [nanX, nanY]);
      const anyNan = b.op("broadcast_maximum", [nanX, nanY]);
      // Where a NaN is involved the answer is equal_nan && both are NaN.
      const nanOk = p.equalNan ? bothNan : b.op("zeros_like", [bothNan]);
      const ok = b.op("_where", [anyNan, nanOk, close]);
      const all = b.op("min", [ok]);
      return [b.op("Cast", [b.op("Reshape", [all], { shape: [] })], { dtype: "uint8" })];
    },
  },
};

/** Every operator of this file. */
export const SUMMARY_OPS: readonly OpDef[] = [histogram, allclose];
