/**
 * `mx.np` array manipulation with NumPy's names and argument orders: reshape (one -1),
 * transpose, moveaxis, expand_dims, squeeze (to 0-d), concatenate / stack / split
 * families, tile, repeat, flip, roll, rot90, pad, append, delete, insert, diag, tril.
 * @module
 */
import { IndexError, ParamError, ShapeError } from "../core/errors.ts";
import { checkOptions } from "../core/options.ts";
import { broadcastShapes, formatShape, normalizeAxis, sizeOf } from "../core/shape.ts";
import { array as ndArray } from "../ndarray/creation.ts";
import { NDArray } from "../ndarray/ndarray.ts";
import { asNp, cast, op, promoteTypes, reshapeTo } from "./_core.ts";
import type { NpArray } from "./ndarray.ts";

/** NumPy's reshape: positive dims and at most one -1. */
export function reshape(x: NDArray, shape: number | readonly number[]): NpArray {
  const s = typeof shape === "number" ? [shape] : [...shape];
  const known = s.filter((d) => d !== -1);
  if (s.filter((d) => d === -1).length > 1 || known.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new ShapeError(`np.reshape: bad shape ${JSON.stringify(s)} (dims >= 0, one -1 at most)`);
  }
  const k = sizeOf(known);
  const out = s.map((d) => (d === -1 ? (k === 0 ? 0 : x.size / k) : d));
  if (sizeOf(out) !== x.size || out.some((d) => !Number.isInteger(d))) {
    throw new ShapeError(
      `np.reshape: cannot reshape an array of size ${x.size} (shape ${
        formatShape(x.shape)
      }) into shape ${JSON.stringify(s)}`,
    );
  }
  return reshapeTo(x, out);
}

/** The elements as a 1-D array (a view when possible). */
export function ravel(x: NDArray): NpArray {
  return reshapeTo(x, [x.size]);
}

/** Permutes axes (reverses them by default). */
export function transpose(x: NDArray, axes?: readonly number[] | null): NpArray {
  if (x.ndim < 2 && !axes) return asNp(x).copy();
  return op("transpose", [x], { axes: axes ? [...axes] : [] });
}

/** Swaps two axes. */
export function swapaxes(x: NDArray, axis1: number, axis2: number): NpArray {
  return op("SwapAxis", [x], { dim1: axis1, dim2: axis2 });
}

/** Moves axes `source` to positions `destination`, the others keeping their order. */
export function moveaxis(
  x: NDArray,
  source: number | readonly number[],
  destination: number | readonly number[],
): NpArray {
  const src = (typeof source === "number" ? [source] : [...source]).map((a) =>
    normalizeAxis(a, x.ndim, "np.moveaxis: source")
  );
  const dst = (typeof destination === "number" ? [destination] : [...destination]).map((a) =>
    normalizeAxis(a, x.ndim, "np.moveaxis: destination")
  );
  if (src.length !== dst.length) {
    throw new ShapeError("np.moveaxis: source and destination need the same number of axes");
  }
  const rest = [...Array(x.ndim).keys()].filter((a) => !src.includes(a));
  const order: number[] = new Array(x.ndim);
  dst.forEach((d, i) => (order[d] = src[i]));
  let j = 0;
  for (let i = 0; i < x.ndim; i++) if (order[i] === undefined) order[i] = rest[j++];
  return op("transpose", [x], { axes: order });
}

/** Rolls `axis` back to position `start`. */
export function rollaxis(x: NDArray, axis: number, start = 0): NpArray {
  const a = normalizeAxis(axis, x.ndim, "np.rollaxis: axis");
  const s = start < 0 ? start + x.ndim : start;
  return moveaxis(x, a, a < s ? s - 1 : s);
}

/** Inserts axes of size 1 at `axis` (a number or several). */
export function expandDims(x: NDArray, axis: number | readonly number[]): NpArray {
  const axes = typeof axis === "number" ? [axis] : [...axis];
  const nd = x.ndim + axes.length;
  const at = axes.map((a) => normalizeAxis(a, nd, "np.expand_dims: axis"));
  const shape: number[] = [];
  let j = 0;
  for (let i = 0; i < nd; i++) shape.push(at.includes(i) ? 1 : x.shape[j++]);
  return reshapeTo(x, shape);
}

/** Removes axes of size 1 (all of them by default); may give a 0-d array. */
export function squeeze(x: NDArray, opts: { axis?: number | readonly number[] } = {}): NpArray {
  checkOptions("np.squeeze", opts, ["axis"]);
  const axes = opts.axis === undefined
    ? x.shape.flatMap((d, i) => (d === 1 ? [i] : []))
    : (typeof opts.axis === "number" ? [opts.axis] : [...opts.axis]).map((a) =>
      normalizeAxis(a, x.ndim, "np.squeeze: axis")
    );
  for (const a of axes) {
    if (x.shape[a] !== 1) {
      throw new ShapeError(
        `np.squeeze: axis ${a} of ${formatShape(x.shape)} has size ${x.shape[a]}`,
      );
    }
  }
  return reshapeTo(x, x.shape.filter((_, i) => !axes.includes(i)));
}

/** Broadcasts to `shape` (a copy). */
export function broadcastTo(x: NDArray, shape: readonly number[]): NpArray {
  const out = broadcastShapes([x.shape, shape], "np.broadcast_to");
  if (out.length !== shape.length || out.some((d, i) => d !== shape[i])) {
    throw new ShapeError(
      `np.broadcast_to: cannot broadcast ${formatShape(x.shape)} to ${formatShape(shape)}`,
    );
  }
  if (x.ndim === 0) {
    return op("broadcast_to", [reshapeTo(x, shape.map(() => 1))], { shape: [...shape] });
  }
  const padded = reshapeTo(x, [...Array(shape.length - x.ndim).fill(1), ...x.shape]);
  return op("broadcast_to", [padded], { shape: [...shape] });
}

/** The arrays broadcast to their common shape. */
export function broadcastArrays(...xs: NDArray[]): NpArray[] {
  const shape = broadcastShapes(xs.map((x) => x.shape), "np.broadcast_arrays");
  return xs.map((x) => broadcastTo(x, shape));
}

/** Views with at least 1 dim. */
export function atleast1d(x: NDArray): NpArray {
  return x.ndim >= 1 ? asNp(x) : reshapeTo(x, [1]);
}
/** Views with at least 2 dims (1-D [n] becomes [1, n]). */
export function atleast2d(x: NDArray): NpArray {
  return x.ndim >= 2 ? asNp(x) : reshapeTo(x, x.ndim === 0 ? [1, 1] : [1, x.shape[0]]);
}
/** Views with at least 3 dims ([n] -> [1, n, 1], [m, n] -> [m, n, 1]). */
export function atleast3d(x: NDArray): NpArray {
  if (x.ndim >= 3) return asNp(x);
  if (x.ndim === 0) return reshapeTo(x, [1, 1, 1]);
  if (x.ndim === 1) return reshapeTo(x, [1, x.shape[0], 1]);
  return reshapeTo(x, [...x.shape, 1]);
}

function common(xs: readonly NDArray[], where: string): NpArray[] {
  if (xs.length === 0) throw new ParamError(`${where}: need at least one array`);
  const t = xs.map((x) => x.dtype).reduce(promoteTypes);
  return xs.map((x) => cast(x, t));
}

/** Joins arrays along `axis` (0 by default; null flattens them first). */
export function concatenate(
  arrays: readonly NDArray[],
  opts: { axis?: number | null } = {},
): NpArray {
  checkOptions("np.concatenate", opts, ["axis"]);
  let xs = common(arrays, "np.concatenate");
  if (opts.axis === null) xs = xs.map((x) => ravel(x));
  const axis = opts.axis ?? 0;
  if (xs[0].ndim === 0) {
    throw new ShapeError("np.concatenate: zero-dimensional arrays cannot be concatenated");
  }
  if (xs.length === 1) return xs[0].copy();
  return op("Concat", xs, { numArgs: xs.length, dim: axis });
}
/** Alias of {@link concatenate}. */
export const concat = concatenate;

/** Joins arrays along a new `axis`. */
export function stack(arrays: readonly NDArray[], opts: { axis?: number } = {}): NpArray {
  checkOptions("np.stack", opts, ["axis"]);
  const xs = common(arrays, "np.stack");
  const axis = normalizeAxis(opts.axis ?? 0, xs[0].ndim + 1, "np.stack: axis");
  return concatenate(xs.map((x) => expandDims(x, axis)), { axis });
}
/** Stacks row-wise (1-D arrays become rows). */
export function vstack(arrays: readonly NDArray[]): NpArray {
  return concatenate(arrays.map(atleast2d), { axis: 0 });
}
/** Alias of {@link vstack}. */
export const rowStack = vstack;
/** Stacks column-wise (along axis 1; 1-D arrays are joined end to end). */
export function hstack(arrays: readonly NDArray[]): NpArray {
  const xs = arrays.map(atleast1d);
  return concatenate(xs, { axis: xs[0].ndim === 1 ? 0 : 1 });
}
/** Stacks along the third axis. */
export function dstack(arrays: readonly NDArray[]): NpArray {
  return concatenate(arrays.map(atleast3d), { axis: 2 });
}
/** 1-D arrays as the columns of a 2-D array. */
export function columnStack(arrays: readonly NDArray[]): NpArray {
  return concatenate(arrays.map((x) => (x.ndim < 2 ? reshapeTo(x, [x.size, 1]) : asNp(x))), {
    axis: 1,
  });
}

/** Splits at the given sections or indices along `axis`; `equal` requires equal parts. */
function splitAt(
  x: NDArray,
  spec: number | readonly number[],
  axis: number,
  equal: boolean,
  where: string,
): NpArray[] {
  const a = normalizeAxis(axis, x.ndim, `${where}: axis`);
  const n = x.shape[a];
  let bounds: number[];
  if (typeof spec === "number") {
    if (!Number.isInteger(spec) || spec < 1) {
      throw new ParamError(`${where}: sections must be >= 1`);
    }
    if (equal && n % spec !== 0) {
      throw new ShapeError(
        `${where}: array split does not result in an equal division (${n} / ${spec})`,
      );
    }
    // array_split: the first n % k parts get one more element.
    const base = Math.floor(n / spec), extra = n % spec;
    bounds = [0];
    for (let i = 0; i < spec; i++) bounds.push(bounds[i] + base + (i < extra ? 1 : 0));
  } else {
    bounds = [0, ...spec.map((v) => Math.min(Math.max(v < 0 ? v + n : v, 0), n)), n];
  }
  const parts: NpArray[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const b = bounds[i], e = Math.max(bounds[i + 1], b);
    parts.push(op("slice_axis", [x], { axis: a, begin: b, end: e }));
  }
  return parts;
}
/** Splits into `sections` equal parts or at `indices` along `axis`. */
export function split(
  x: NDArray,
  indicesOrSections: number | readonly number[],
  opts: { axis?: number } = {},
): NpArray[] {
  checkOptions("np.split", opts, ["axis"]);
  return splitAt(x, indicesOrSections, opts.axis ?? 0, true, "np.split");
}
/** Like split, but sections need not divide the axis. */
export function arraySplit(
  x: NDArray,
  indicesOrSections: number | readonly number[],
  opts: { axis?: number } = {},
): NpArray[] {
  checkOptions("np.array_split", opts, ["axis"]);
  return splitAt(x, indicesOrSections, opts.axis ?? 0, false, "np.array_split");
}
/** Splits along axis 1 (axis 0 for 1-D). */
export function hsplit(x: NDArray, s: number | readonly number[]): NpArray[] {
  return splitAt(x, s, x.ndim === 1 ? 0 : 1, true, "np.hsplit");
}
/** Splits along axis 0. */
export function vsplit(x: NDArray, s: number | readonly number[]): NpArray[] {
  return splitAt(x, s, 0, true, "np.vsplit");
}
/** Splits along axis 2. */
export function dsplit(x: NDArray, s: number | readonly number[]): NpArray[] {
  return splitAt(x, s, 2, true, "np.dsplit");
}

/** Repeats the whole array `reps` times per axis. */
export function tile(x: NDArray, reps: number | readonly number[]): NpArray {
  const r = typeof reps === "number" ? [reps] : [...reps];
  const src = x.ndim === 0 ? reshapeTo(x, [1]) : x;
  return op("tile", [src], { reps: r });
}

/** Repeats each element `repeats` times along `axis` (the flattened array by default). */
export function repeat(
  x: NDArray,
  repeats: number,
  opts: { axis?: number | null } = {},
): NpArray {
  checkOptions("np.repeat", opts, ["axis"]);
  const axis = opts.axis ?? null;
  return op("repeat", [axis === null ? ravel(x) : x], { repeats, axis: axis ?? 0 });
}

/** Reverses along `axis` (every axis when omitted). */
export function flip(x: NDArray, opts: { axis?: number | readonly number[] | null } = {}): NpArray {
  checkOptions("np.flip", opts, ["axis"]);
  const axes = opts.axis === undefined || opts.axis === null
    ? [...Array(x.ndim).keys()]
    : typeof opts.axis === "number"
    ? [opts.axis]
    : [...opts.axis];
  if (axes.length === 0) return asNp(x).copy();
  return op("reverse", [x], { axis: axes });
}
/** Reverses axis 1. */
export function fliplr(x: NDArray): NpArray {
  return flip(x, { axis: 1 });
}
/** Reverses axis 0. */
export function flipud(x: NDArray): NpArray {
  return flip(x, { axis: 0 });
}

/** Rolls elements by `shift` along `axis` (the flattened array by default). */
export function roll(
  x: NDArray,
  shift: number | readonly number[],
  opts: { axis?: number | readonly number[] | null } = {},
): NpArray {
  checkOptions("np.roll", opts, ["axis"]);
  if (opts.axis === undefined || opts.axis === null) {
    return reshapeTo(roll(ravel(x), shift, { axis: 0 }), x.shape);
  }
  const axes = typeof opts.axis === "number" ? [opts.axis] : [...opts.axis];
  const shifts = typeof shift === "number" ? axes.map(() => shift) : [...shift];
  let y = asNp(x);
  axes.forEach((ax, i) => {
    const a = normalizeAxis(ax, x.ndim, "np.roll: axis");
    const n = x.shape[a];
    const s = n === 0 ? 0 : ((shifts[i] % n) + n) % n;
    if (s === 0) return;
    const tail = op("slice_axis", [y], { axis: a, begin: n - s, end: n });
    const head = op("slice_axis", [y], { axis: a, begin: 0, end: n - s });
    y = op("Concat", [tail, head], { numArgs: 2, dim: a });
  });
  return y === x ? asNp(x).copy() : y;
}

/** Rotates by 90° `k` times in the plane of `axes`. */
export function rot90(x: NDArray, k = 1, opts: { axes?: readonly [number, number] } = {}): NpArray {
  checkOptions("np.rot90", opts, ["axes"]);
  const [a0, a1] = opts.axes ?? [0, 1];
  const kk = ((k % 4) + 4) % 4;
  if (kk === 0) return asNp(x).copy();
  if (kk === 2) return flip(x, { axis: [a0, a1] });
  const t = swapaxes(x, a0, a1);
  return kk === 1 ? flip(t, { axis: a0 }) : flip(t, { axis: a1 });
}

/**
 * Pads with `mode` "constant" (`constantValues`), "edge", "reflect" or "symmetric";
 * `padWidth` is a number, [before, after], or one pair per axis.
 */
export function pad(
  x: NDArray,
  padWidth: number | readonly number[] | readonly (readonly number[])[],
  opts: { mode?: "constant" | "edge" | "reflect" | "symmetric"; constantValues?: number } = {},
): NpArray {
  checkOptions("np.pad", opts, ["mode", "constantValues"]);
  const pw: [number, number][] = x.shape.map((_, i) => {
    if (typeof padWidth === "number") return [padWidth, padWidth];
    const first = padWidth[0];
    if (typeof first === "number") {
      return [padWidth[0] as number, (padWidth[1] ?? padWidth[0]) as number];
    }
    const p = (padWidth as readonly (readonly number[])[])[padWidth.length === 1 ? 0 : i];
    return [p[0], p[1] ?? p[0]];
  });
  const mode = opts.mode ?? "constant";
  let y = asNp(x);
  pw.forEach(([before, after], a) => {
    if (before === 0 && after === 0) return;
    const n = y.shape[a];
    const piece = (count: number, atStart: boolean): NpArray => {
      const shape = y.shape.map((d, i) => (i === a ? count : d));
      if (mode === "constant") {
        return op(
          "_full",
          [],
          { shape, value: opts.constantValues ?? 0, dtype: y.dtype },
          y.context,
        );
      }
      const idx: number[] = [];
      for (let j = 0; j < count; j++) {
        // Distance from the edge, 0 = the outermost padded element's source.
        const d = atStart ? count - j : j + 1;
        if (mode === "edge") idx.push(atStart ? 0 : n - 1);
        else if (mode === "reflect") idx.push(atStart ? reflect(d, n) : n - 1 - reflect(d, n));
        else idx.push(atStart ? reflect(d - 1, n, true) : n - 1 - reflect(d - 1, n, true));
      }
      const ia = ndArray(idx, { dtype: "int32", ctx: y.context });
      const r = op("take", [y, ia], { axis: a });
      ia.dispose();
      return r;
    };
    const parts = [
      ...(before ? [piece(before, true)] : []),
      y,
      ...(after ? [piece(after, false)] : []),
    ];
    y = op("Concat", parts, { numArgs: parts.length, dim: a });
  });
  return y === x ? asNp(x).copy() : y;
}

/** Index of the reflection of position -d (reflect excludes the edge, symmetric repeats it). */
function reflect(d: number, n: number, symmetric = false): number {
  if (n === 1) return 0;
  const period = symmetric ? 2 * n : 2 * (n - 1);
  const m = d % period;
  if (symmetric) return m < n ? m : period - 1 - m;
  return m <= n - 1 ? m : period - m;
}

/** `values` appended to `x` along `axis` (both flattened when axis is omitted). */
export function append(x: NDArray, values: NDArray, opts: { axis?: number | null } = {}): NpArray {
  checkOptions("np.append", opts, ["axis"]);
  return concatenate([x, values], { axis: opts.axis ?? null });
}

function hostIndices(v: number | readonly number[], n: number, where: string): number[] {
  return (typeof v === "number" ? [v] : [...v]).map((i) => {
    if (i < -n || i >= n) {
      throw new IndexError(`${where}: index ${i} is out of bounds for size ${n}`);
    }
    return i < 0 ? i + n : i;
  });
}

/** A copy without the entries at `indices` along `axis` (flattened by default). */
export function deleteAt(
  x: NDArray,
  indices: number | readonly number[],
  opts: { axis?: number | null } = {},
): NpArray {
  checkOptions("np.delete", opts, ["axis"]);
  const src = opts.axis === undefined || opts.axis === null ? ravel(x) : asNp(x);
  const a = opts.axis === undefined || opts.axis === null
    ? 0
    : normalizeAxis(opts.axis, x.ndim, "np.delete: axis");
  const n = src.shape[a];
  const drop = new Set(hostIndices(indices, n, "np.delete"));
  const keep = [...Array(n).keys()].filter((i) => !drop.has(i));
  const ia = ndArray(keep, { dtype: "int32", ctx: x.context });
  const r = op("take", [src, ia], { axis: a });
  ia.dispose();
  return r;
}

/** `values` inserted before `index` along `axis` (flattened by default). */
export function insert(
  x: NDArray,
  index: number,
  values: NDArray | number,
  opts: { axis?: number | null } = {},
): NpArray {
  checkOptions("np.insert", opts, ["axis"]);
  const src = opts.axis === undefined || opts.axis === null ? ravel(x) : asNp(x);
  const a = opts.axis === undefined || opts.axis === null
    ? 0
    : normalizeAxis(opts.axis, x.ndim, "np.insert: axis");
  const n = src.shape[a];
  const at = index < 0 ? index + n : index;
  if (at < 0 || at > n) {
    throw new IndexError(`np.insert: index ${index} is out of bounds for size ${n}`);
  }
  const shape = src.shape.map((d, i) => (i === a ? 1 : d));
  const v = values instanceof NDArray
    ? broadcastTo(cast(values, src.dtype), values.ndim === src.ndim ? values.shape : shape)
    : op("_full", [], { shape, value: values, dtype: src.dtype }, src.context);
  const head = op("slice_axis", [src], { axis: a, begin: 0, end: at });
  const tail = op("slice_axis", [src], { axis: a, begin: at, end: n });
  return op("Concat", [head, v, tail], { numArgs: 3, dim: a });
}

/** Lower triangle (elements above diagonal `k` zeroed). */
export function tril(x: NDArray, k = 0): NpArray {
  return triMask(x, k, "lower");
}
/** Upper triangle (elements below diagonal `k` zeroed). */
export function triu(x: NDArray, k = 0): NpArray {
  return triMask(x, k, "upper");
}
function triMask(x: NDArray, k: number, which: "lower" | "upper"): NpArray {
  if (x.ndim < 2) throw new ShapeError(`np.tri${which === "lower" ? "l" : "u"}: needs ndim >= 2`);
  const [n, m] = x.shape.slice(-2);
  // Row i keeps columns j <= i + k (lower) or j >= i + k (upper).
  const rows = op("_iota", [], { size: n, start: k, step: 1, dtype: "float32" }, x.context);
  const cols = op("_iota", [], { size: m, start: 0, step: 1, dtype: "float32" }, x.context);
  const cmp = which === "lower" ? "broadcast_greater_equal" : "broadcast_lesser_equal";
  const mask = op(cmp, [reshapeTo(rows, [n, 1]), reshapeTo(cols, [1, m])]);
  return op("_where", [cast(mask, "bool"), x, op("zeros_like", [x])]);
}

/** The `k`-th diagonal of a 2-D array, or a 2-D array with `x` (1-D) on it. */
export function diag(x: NDArray, k = 0): NpArray {
  if (x.ndim === 1) {
    const n = x.shape[0] + Math.abs(k);
    const eye = op("_eye", [], { N: n, M: n, k, dtype: x.dtype }, x.context);
    // Row i of eye(k) has its one at column i + k: scale rows by x (k >= 0) or columns (k < 0).
    const padded = k === 0 ? asNp(x) : op("Concat", [
      x,
      op("_zeros", [], { shape: [Math.abs(k)], dtype: x.dtype }, x.context),
    ], { numArgs: 2, dim: 0 });
    return op("broadcast_mul", [eye, reshapeTo(padded, k >= 0 ? [n, 1] : [1, n])]);
  }
  if (x.ndim !== 2) throw new ShapeError("np.diag: input must be 1-D or 2-D");
  return diagonal(x, { offset: k });
}

/** The diagonal (with `offset`) of the planes of `axis1`/`axis2` (the last axis of the result). */
export function diagonal(
  x: NDArray,
  opts: { offset?: number; axis1?: number; axis2?: number } = {},
): NpArray {
  checkOptions("np.diagonal", opts, ["offset", "axis1", "axis2"]);
  const k = opts.offset ?? 0;
  const a1 = normalizeAxis(opts.axis1 ?? 0, x.ndim, "np.diagonal: axis1");
  const a2 = normalizeAxis(opts.axis2 ?? 1, x.ndim, "np.diagonal: axis2");
  const moved = moveaxis(x, [a1, a2], [x.ndim - 2, x.ndim - 1]);
  const [n, m] = moved.shape.slice(-2);
  const len = Math.max(0, k >= 0 ? Math.min(n, m - k) : Math.min(n + k, m));
  const lead = moved.shape.slice(0, -2);
  const flat = reshapeTo(moved, [...lead, n * m]);
  const start = k >= 0 ? k : -k * m;
  const idx = op("_iota", [], { size: len, start, step: m + 1, dtype: "int32" }, x.context);
  return op("take", [flat, idx], { axis: lead.length });
}

/** A 2-D array with the flattened input on diagonal `k`. */
export function diagflat(x: NDArray, k = 0): NpArray {
  return diag(ravel(x), k);
}

/** Sum along the diagonal `offset`. */
export function trace(
  x: NDArray,
  opts: { offset?: number; axis1?: number; axis2?: number } = {},
): NpArray {
  const d = diagonal(x, opts);
  return reshapeTo(op("sum", [d], { axis: d.ndim - 1 }), d.shape.slice(0, -1));
}
