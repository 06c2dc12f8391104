/**
 * `mx.np` sorting and searching: sort / argsort (the registry's sort kernel), where,
 * searchsorted (composed comparisons), and the data-dependent ones (`unique`, `nonzero`,
 * `argwhere`, `flatnonzero`), which read the values back to size their result and so are
 * async, as everything that reads data back is here.
 * @module
 */
import { checkOptions } from "../core/options.ts";
import { normalizeAxis, stridesOf } from "../core/shape.ts";
import { array as ndArray } from "../ndarray/creation.ts";
import type { NDArray } from "../ndarray/ndarray.ts";
import { asNp, cast, indexType, op, type Operand, promote2, reshapeTo } from "./_core.ts";
import type { NpArray } from "./ndarray.ts";

function sortArgs(x: NDArray, opts: { axis?: number | null }, where: string) {
  checkOptions(where, opts, ["axis", "kind", "order"]);
  if (opts.axis === null) return { src: reshapeTo(x, [x.size]), axis: 0 };
  if (x.ndim === 0) return { src: reshapeTo(x, [1]), axis: 0 };
  return { src: asNp(x), axis: normalizeAxis(opts.axis ?? -1, x.ndim, `${where}: axis`) };
}

/** A sorted copy along `axis` (last by default; null sorts the flattened array). */
export function sort(x: NDArray, opts: { axis?: number | null } = {}): NpArray {
  const { src, axis } = sortArgs(x, opts, "np.sort");
  return op("sort", [src], { axis, isAscend: true });
}

/** Indices that sort along `axis` (stable), int64. */
export function argsort(x: NDArray, opts: { axis?: number | null } = {}): NpArray {
  const { src, axis } = sortArgs(x, opts, "np.argsort");
  return cast(op("argsort", [src], { axis, isAscend: true }), indexType(x.context));
}

/** `x` where `condition` is true, else `y` (broadcast; x and y promoted to one dtype). */
export function where(condition: NDArray, x: Operand, y: Operand): NpArray {
  const [a, b] = promote2(x, y, "np.where");
  return op("_where", [condition, a, b]);
}

/**
 * Where `v` would be inserted into sorted 1-D `a` to keep it sorted: the count of
 * elements below (side "left") or not above ("right") each value.
 */
export function searchsorted(
  a: NDArray,
  v: NDArray | number,
  opts: { side?: "left" | "right" } = {},
): NpArray {
  checkOptions("np.searchsorted", opts, ["side", "sorter"]);
  const [sa, sv] = promote2(a, v, "np.searchsorted");
  const cmp = opts.side === "right" ? "broadcast_lesser_equal" : "broadcast_lesser";
  const col = reshapeTo(sv, [...sv.shape, 1]);
  const hits = op(cmp, [reshapeTo(sa, [...sv.shape.map(() => 1), sa.size]), col]);
  const counts = op("sum", [hits], { axis: sv.ndim });
  return reshapeTo(cast(counts, indexType(a.context)), sv.shape);
}

async function hostOf(x: NDArray): Promise<number[]> {
  return Array.from(await x.data() as ArrayLike<number>, Number);
}

/** Options of {@link unique}. */
export interface UniqueOptions {
  /** Also return the index of each unique value's first occurrence. */
  returnIndex?: boolean;
  /** Also return, per element, the index of its value among the unique values. */
  returnInverse?: boolean;
  /** Also return how often each unique value occurs. */
  returnCounts?: boolean;
}

/**
 * The sorted unique values of the flattened array; with options, `[values, ...extras]`
 * in NumPy's order (index, inverse, counts). Reads the values back (computed on the host).
 */
export async function unique(x: NDArray, opts: UniqueOptions = {}): Promise<NpArray | NpArray[]> {
  checkOptions("np.unique", opts, ["returnIndex", "returnInverse", "returnCounts"]);
  const v = await hostOf(x);
  const order = v.map((_, i) => i).sort((i, j) => (v[i] - v[j]) || (i - j));
  const values: number[] = [], first: number[] = [], counts: number[] = [];
  const inverse = new Array<number>(v.length);
  for (const i of order) {
    if (values.length === 0 || v[i] !== values[values.length - 1]) {
      values.push(v[i]);
      first.push(i);
      counts.push(0);
    }
    counts[counts.length - 1]++;
    inverse[i] = values.length - 1;
  }
  const ctx = x.context, it = indexType(ctx);
  const mk = (a: number[], dtype = it) => asNp(ndArray(a, { dtype, ctx }));
  const out = [mk(values, x.dtype)];
  if (opts.returnIndex) out.push(mk(first));
  if (opts.returnInverse) out.push(mk(inverse));
  if (opts.returnCounts) out.push(mk(counts));
  return out.length === 1 ? out[0] : out;
}

/** The indices of the non-zero elements, one int64 array per axis. Reads values back. */
export async function nonzero(x: NDArray): Promise<NpArray[]> {
  const v = await hostOf(x);
  const st = stridesOf(x.shape);
  const cols: number[][] = x.shape.map(() => []);
  v.forEach((e, i) => {
    if (e !== 0) x.shape.forEach((d, a) => cols[a].push(Math.floor(i / st[a]) % d));
  });
  const it = indexType(x.context);
  return cols.map((c) => asNp(ndArray(c, { dtype: it, ctx: x.context })));
}

/** The indices of the non-zero elements as an [n, ndim] int64 array. Reads values back. */
export async function argwhere(x: NDArray): Promise<NpArray> {
  const v = await hostOf(x);
  const st = stridesOf(x.shape);
  const rows: number[] = [];
  let n = 0;
  v.forEach((e, i) => {
    if (e === 0) return;
    n++;
    x.shape.forEach((d, a) => rows.push(Math.floor(i / st[a]) % d));
  });
  return asNp(ndArray(rows, { dtype: indexType(x.context), ctx: x.context, shape: [n, x.ndim] }));
}

/** Indices of the non-zero elements of the flattened array. Reads values back. */
export async function flatnonzero(x: NDArray): Promise<NpArray> {
  const v = await hostOf(x);
  const idx = v.flatMap((e, i) => (e !== 0 ? [i] : []));
  return asNp(ndArray(idx, { dtype: indexType(x.context), ctx: x.context }));
}
