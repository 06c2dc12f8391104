/**
 * NumPy indexing for both front ends: `x.get(index)` and `x.setAt(index, value)`.
 *
 * An index is a string in Python's slice syntax (`"1:3, ::2"`, `"-1"`, `"..., None"`), one
 * item, or an array of items (a Python tuple): a number, a {@link Slice} (`mx.slice(1, 3)`),
 * `null` (newaxis), `"..."` (ellipsis), or an integer / boolean index array (an NDArray,
 * or nested JS numbers / booleans). Basic indexing (numbers, slices, newaxis, ellipsis)
 * selecting a contiguous block (integers and one step-1 slice on leading axes, whole axes
 * after) is a view sharing the array's memory where the backend can alias a sub-range;
 * other basic indexing copies through `slice`, and advanced indexing (index arrays)
 * gathers through `take` on a flat index, so gradients flow through both.
 * @module
 */
import { IndexError, MXNetError, ShapeError, UnsupportedError } from "../core/errors.ts";
import { formatShape, stridesOf } from "../core/shape.ts";
import { inRecordedGraph, invoke, isRecording } from "./apply.ts";
import { array } from "./creation.ts";
import { NDArray } from "./ndarray.ts";
import { scope } from "./scope.ts";

/** Frees the temporaries `fn` makes, except while autograd records (the tape keeps them). */
function tidy<T>(fn: () => T): T {
  return isRecording() ? fn() : scope(fn);
}

/** A Python slice `start:stop:step`; null parts take their defaults. */
export class Slice {
  /** Creates the slice (prefer {@link slice}). */
  constructor(
    readonly start: number | null = null,
    readonly stop: number | null = null,
    readonly step: number | null = null,
  ) {}
  /** Python's spelling, e.g. `1:3` or `::2`. */
  toString(): string {
    const f = (v: number | null) => (v === null ? "" : String(v));
    return `${f(this.start)}:${f(this.stop)}${this.step === null ? "" : ":" + this.step}`;
  }
}

/**
 * Python's `slice(start, stop, step)`, for index arrays: `x.get([mx.slice(1, 3), 0])` is
 * `x[1:3, 0]`. With one argument it is `slice(stop)`, as in Python.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const x = mx.np.arange(12).reshape(3, 4);
 * console.log(await x.get([mx.slice(1, 3), 0]).tolist()); // [4, 8]
 * ```
 */
export function slice(
  start?: number | null,
  stop?: number | null,
  step?: number | null,
): Slice {
  if (stop === undefined && step === undefined) return new Slice(null, start ?? null, null);
  return new Slice(start ?? null, stop ?? null, step ?? null);
}

/** One item of an index. */
export type IndexItem =
  | number
  | Slice
  | null
  | "..."
  | NDArray
  | readonly unknown[];

/** What `get` and `setAt` accept: a string in Python's syntax, one item, or a tuple. */
export type Index = string | IndexItem | readonly IndexItem[];

type Item =
  | { kind: "int"; v: number }
  | { kind: "slice"; s: Slice }
  | { kind: "new" }
  | { kind: "ellipsis" }
  | { kind: "array"; a: NDArray | number[]; shape: number[] }
  | { kind: "mask"; m: NDArray | boolean[]; shape: number[] };

function parseNumber(t: string, where: string): number | null {
  if (t === "") return null;
  const v = Number(t);
  if (!Number.isInteger(v)) {
    throw new IndexError(`${where}: ${JSON.stringify(t)} is not an integer`);
  }
  return v;
}

/** Parses Python index syntax: `"1:3, ::2"`, `"-1"`, `"..., None"`. */
function parseString(text: string, where: string): Item[] {
  const trimmed = text.trim();
  if (trimmed === "") return [];
  return trimmed.split(",").map((part) => {
    const t = part.trim();
    if (t === "...") return { kind: "ellipsis" };
    if (t === "None" || t === "newaxis" || t === "np.newaxis") return { kind: "new" };
    if (t.includes(":")) {
      const bits = t.split(":");
      if (bits.length > 3) throw new IndexError(`${where}: bad slice ${JSON.stringify(t)}`);
      const [a, b, c] = bits.map((x) => parseNumber(x.trim(), where));
      return { kind: "slice", s: new Slice(a, b ?? null, c ?? null) };
    }
    const v = parseNumber(t, where);
    if (v === null) throw new IndexError(`${where}: empty index in ${JSON.stringify(text)}`);
    return { kind: "int", v };
  });
}

function nestedShape(v: unknown): number[] {
  const shape: number[] = [];
  let cur = v;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0];
  }
  return shape;
}

function toItem(x: IndexItem, where: string): Item {
  if (typeof x === "number") {
    if (!Number.isInteger(x)) throw new IndexError(`${where}: index ${x} is not an integer`);
    return { kind: "int", v: x };
  }
  if (x === null) return { kind: "new" };
  if (x === "...") return { kind: "ellipsis" };
  if (x instanceof Slice) return { kind: "slice", s: x };
  if (x instanceof NDArray) {
    return x.dtype === "bool"
      ? { kind: "mask", m: x, shape: [...x.shape] }
      : { kind: "array", a: x, shape: [...x.shape] };
  }
  if (Array.isArray(x)) {
    const flat = (x as unknown[]).flat(Infinity);
    const shape = nestedShape(x);
    if (flat.length > 0 && flat.every((v) => typeof v === "boolean")) {
      return { kind: "mask", m: flat as boolean[], shape };
    }
    if (!flat.every((v) => typeof v === "number" && Number.isInteger(v))) {
      throw new IndexError(`${where}: an index array must hold integers or booleans`);
    }
    return { kind: "array", a: flat as number[], shape };
  }
  throw new IndexError(`${where}: cannot index with ${String(x)}`);
}

function parse(index: Index, where: string): Item[] {
  if (typeof index === "string" && index !== "...") return parseString(index, where);
  // A JS array is a tuple of items (x[1, 2]); index arrays are NDArrays or nested inside.
  if (Array.isArray(index)) return (index as IndexItem[]).map((x) => toItem(x, where));
  return [toItem(index as IndexItem, where)];
}

/** How many axes of the array an item consumes. */
function consumes(it: Item): number {
  return it.kind === "int" || it.kind === "slice" || it.kind === "array"
    ? 1
    : it.kind === "mask"
    ? it.shape.length
    : 0;
}

/** Replaces the ellipsis (or appends) whole-axis slices so items cover every axis. */
function expand(items: Item[], ndim: number, where: string): Item[] {
  const used = items.reduce((n, it) => n + consumes(it), 0);
  const ell = items.filter((it) => it.kind === "ellipsis").length;
  if (ell > 1) throw new IndexError(`${where}: an index can only have a single ellipsis ('...')`);
  if (used > ndim) {
    throw new IndexError(
      `${where}: too many indices for an array of ${ndim} dims: ${used} were given`,
    );
  }
  const fill: Item[] = Array.from({ length: ndim - used }, () => ({
    kind: "slice" as const,
    s: new Slice(),
  }));
  const at = items.findIndex((it) => it.kind === "ellipsis");
  return at < 0 ? [...items, ...fill] : [...items.slice(0, at), ...fill, ...items.slice(at + 1)];
}

function checkInt(v: number, axis: number, size: number, where: string): number {
  if (v < -size || v >= size) {
    throw new IndexError(
      `${where}: index ${v} is out of bounds for axis ${axis} with size ${size}`,
    );
  }
  return v < 0 ? v + size : v;
}

/** Python's slice.indices(size): first index, step and count. */
function resolveSlice(s: Slice, size: number, where: string) {
  const step = s.step ?? 1;
  if (step === 0) throw new IndexError(`${where}: slice step cannot be zero`);
  const clamp = (v: number | null, dflt: number) => {
    if (v === null) return dflt;
    const w = v < 0 ? v + size : v;
    return step > 0 ? Math.min(Math.max(w, 0), size) : Math.min(Math.max(w, -1), size - 1);
  };
  const begin = clamp(s.start, step > 0 ? 0 : size - 1);
  const end = clamp(s.stop, step > 0 ? size : -1);
  const len = step > 0
    ? Math.max(0, Math.ceil((end - begin) / step))
    : Math.max(0, Math.ceil((begin - end) / -step));
  return { begin, step, len };
}

/** The per-axis plan of a basic index: ranges over x's axes, and the result shape. */
interface BasicPlan {
  /** Per axis of x: first index, step, count, and whether an integer dropped the axis. */
  ranges: { begin: number; step: number; len: number; dropped: boolean }[];
  /** The result's shape (integers dropped, newaxis inserted). */
  shape: number[];
}

function basicPlan(x: NDArray, items: Item[], where: string): BasicPlan {
  const ranges: BasicPlan["ranges"] = [];
  const shape: number[] = [];
  let axis = 0;
  for (const it of items) {
    if (it.kind === "new") {
      shape.push(1);
    } else if (it.kind === "int") {
      const v = checkInt(it.v, axis, x.shape[axis], where);
      ranges.push({ begin: v, step: 1, len: 1, dropped: true });
      axis++;
    } else if (it.kind === "slice") {
      const r = resolveSlice(it.s, x.shape[axis], where);
      ranges.push({ ...r, dropped: false });
      shape.push(r.len);
      axis++;
    }
  }
  return { ranges, shape };
}

/** The slice op's begin/end/step for the plan's ranges. */
function sliceParams(p: BasicPlan) {
  return {
    begin: p.ranges.map((r) => r.begin),
    // A negative step running past index 0 has no representable end but "none".
    end: p.ranges.map((r) => {
      const e = r.begin + r.len * r.step;
      return e < 0 ? null : e;
    }),
    step: p.ranges.map((r) => r.step),
  };
}

/**
 * The element offset of a plan whose selection is one contiguous block of x's row-major
 * memory, or -1. Contiguous: single indices (or length-1 slices) on leading axes, then at
 * most one step-1 slice, then whole axes.
 */
function contiguousOffset(x: NDArray, p: BasicPlan): number {
  const st = stridesOf(x.shape);
  let k = p.ranges.length - 1;
  // Trailing whole axes.
  while (
    k >= 0 && p.ranges[k].begin === 0 && p.ranges[k].len === x.shape[k] &&
    (p.ranges[k].step === 1 || x.shape[k] <= 1)
  ) k--;
  // One partial step-1 range.
  if (k >= 0 && (p.ranges[k].step === 1 || p.ranges[k].len <= 1)) k--;
  for (let i = 0; i <= k; i++) if (p.ranges[i].len !== 1) return -1;
  return p.ranges.reduce((off, r, i) => off + r.begin * st[i], 0);
}

/** Legacy mx.nd arrays have no 0-d shape: a scalar result has shape [1] there. */
function frontShape(x: NDArray, shape: number[]): number[] {
  return shape.length === 0 && !(x.constructor as typeof NDArray)._npShape ? [1] : shape;
}

function basicGet(x: NDArray, items: Item[], where: string): NDArray {
  const p = basicPlan(x, items, where);
  const shape = frontShape(x, p.shape);
  if (!isRecording()) {
    const off = contiguousOffset(x, p);
    if (off >= 0) {
      const v = x._subView(off, shape);
      if (v) return v;
    }
  }
  const full = p.ranges.every((r, i) => r.begin === 0 && r.step === 1 && r.len === x.shape[i]);
  const sliced = full && !isRecording() ? x : invoke("slice", [x], sliceParams(p))[0];
  // A slice that keeps every axis (`x[:, 1:3]`) has its shape already: one op, not two.
  const same = sliced.ndim === shape.length && sliced.shape.every((d, i) => d === shape[i]);
  return same && sliced !== x ? sliced : invoke("Reshape", [sliced], { shape })[0];
}

/** Host values of an array index, when they can be read now (CPU, nothing pending). */
function hostValues(a: NDArray): Float64Array | null {
  try {
    return Float64Array.from(a.dataSync() as ArrayLike<number>, Number);
  } catch {
    return null;
  }
}

/** Index arrays of an advanced index after turning masks into the positions they select. */
function maskPositions(it: Item & { kind: "mask" }, dims: number[], where: string): Item[] {
  if (it.shape.some((d, i) => d !== dims[i])) {
    throw new IndexError(
      `${where}: boolean index of shape ${formatShape(it.shape)} does not match the indexed ` +
        `dims ${formatShape(dims)}`,
    );
  }
  let flat: ArrayLike<number | boolean>;
  if (Array.isArray(it.m)) flat = it.m;
  else {
    const v = hostValues(it.m as NDArray);
    if (!v) {
      throw new UnsupportedError(
        `${where}: a boolean mask sizes the result, so its values are needed now, but the mask ` +
          `on ${(it.m as NDArray).context} cannot be read synchronously; read it first ` +
          `(x.get(await mask.tolist())) or use np.where to select without resizing`,
      );
    }
    flat = v;
  }
  const st = stridesOf(it.shape);
  const cols: number[][] = it.shape.map(() => []);
  for (let i = 0; i < flat.length; i++) {
    if (!flat[i]) continue;
    for (let d = 0; d < it.shape.length; d++) cols[d].push(Math.floor(i / st[d]) % it.shape[d]);
  }
  const n = cols[0]?.length ?? 0;
  return cols.map((a) => ({ kind: "array" as const, a, shape: [n] }));
}

function broadcastIndexShapes(shapes: number[][], where: string): number[] {
  const n = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(n).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const j = n - s.length + i, d = s[i];
      if (out[j] === 1) out[j] = d;
      else if (d !== 1 && d !== out[j]) {
        throw new IndexError(
          `${where}: shape mismatch: index arrays of shapes ${
            shapes.map(formatShape).join(", ")
          } cannot be broadcast together`,
        );
      }
    }
  }
  return out;
}

/**
 * The flat element positions an advanced index selects, as an int32 array of the result's
 * shape (NumPy's placement: the broadcast index dims replace the indexed axes when those
 * are adjacent, else they go first), and that shape.
 */
function flatIndex(x: NDArray, raw: Item[], where: string): { idx: NDArray; shape: number[] } {
  // newaxis: index an array with those length-1 axes inserted instead.
  const items: Item[] = [];
  for (const it of raw) {
    if (it.kind === "mask") {
      let axis = items.reduce((n, j) => n + consumes(j), 0);
      const dims = x.shape.slice(axis, axis + it.shape.length);
      for (const a of maskPositions(it, dims, where)) {
        items.push(a);
        axis++;
      }
    } else items.push(it);
  }
  const xs = [...x.shape];
  const st = stridesOf(xs);
  const adv: number[] = [];
  items.forEach((it, i) => {
    if (it.kind === "int" || it.kind === "array") adv.push(i);
  });
  const advShapes = adv.map((i) => {
    const it = items[i];
    return it.kind === "array" ? it.shape : [];
  });
  const B = broadcastIndexShapes(advShapes, where);
  const adjacent = adv.every((v, j) => j === 0 || v === adv[j - 1] + 1);
  // Result dims: one per slice / newaxis item, plus B at its place.
  const dims: number[] = [];
  const itemDim: number[] = [];
  let bAt = adjacent ? -1 : 0;
  if (!adjacent) dims.push(...B);
  let axis = 0;
  const axisOf: number[] = [];
  items.forEach((it, i) => {
    axisOf[i] = axis;
    if (it.kind === "new") {
      itemDim[i] = dims.length;
      dims.push(1);
    } else if (it.kind === "slice") {
      itemDim[i] = dims.length;
      dims.push(resolveSlice(it.s, xs[axis], where).len);
      axis++;
    } else {
      if (adjacent && bAt < 0) {
        bAt = dims.length;
        dims.push(...B);
      }
      axis++;
    }
  });
  const ctx = x.context;
  let total: NDArray | null = null;
  const add = (term: NDArray) => {
    total = total ? invoke("broadcast_add", [total, term])[0] : term;
  };
  for (let i = 0; i < items.length; i++) {
    const it = items[i];
    const a = axisOf[i];
    if (it.kind === "slice") {
      const r = resolveSlice(it.s, xs[a], where);
      const shape = dims.map((_, d) => (d === itemDim[i] ? r.len : 1));
      const start = r.begin * st[a], step = r.step * st[a];
      const range = invoke("_iota", [], { size: r.len, start, step, dtype: "int32" }, { ctx })[0];
      add(invoke("Reshape", [range], { shape })[0]);
    } else if (it.kind === "int") {
      const v = checkInt(it.v, a, xs[a], where) * st[a];
      add(invoke("_full", [], { shape: dims.map(() => 1), value: v, dtype: "int32" }, { ctx })[0]);
    } else if (it.kind === "array") {
      const shape = dims.map((_, d) =>
        d >= bAt && d < bAt + B.length ? (it.shape[d - bAt - (B.length - it.shape.length)] ?? 1) : 1
      );
      add(arrayTerm(it, a, xs[a], st[a], shape, ctx, where));
    }
  }
  const t = total ?? invoke("_zeros", [], { shape: [], dtype: "int32" }, { ctx })[0];
  return { idx: t as NDArray, shape: dims };
}

/** `index * stride` for one index array (negatives wrapped), shaped for broadcasting. */
function arrayTerm(
  it: Item & { kind: "array" },
  axis: number,
  size: number,
  stride: number,
  shape: number[],
  ctx: NDArray["context"],
  where: string,
): NDArray {
  let host: ArrayLike<number> | null = Array.isArray(it.a) ? it.a : hostValues(it.a as NDArray);
  if (host) {
    const vals = new Int32Array(host.length);
    for (let i = 0; i < host.length; i++) {
      if (!Number.isInteger(host[i])) {
        throw new IndexError(`${where}: index ${host[i]} on axis ${axis} is not an integer`);
      }
      vals[i] = checkInt(host[i], axis, size, where) * stride;
    }
    host = null;
    return array(vals, { shape, dtype: "int32", ctx });
  }
  // Device values (read back only when the result is): negatives wrap, the rest is
  // clipped to the axis by `take`'s clip mode.
  const a = it.a as NDArray;
  const i32 = a.dtype === "int32" ? a : invoke("Cast", [a], { dtype: "int32" })[0];
  const neg = invoke("_lesser_scalar", [i32], { scalar: 0 })[0];
  const wrapped = invoke("broadcast_add", [i32, invoke("_mul_scalar", [neg], { scalar: size })[0]])[
    0
  ];
  const clipped = invoke("clip", [wrapped], { aMin: 0, aMax: size - 1 })[0];
  const scaled = invoke("_mul_scalar", [clipped], { scalar: stride })[0];
  return invoke("Reshape", [scaled], { shape })[0];
}

function isAdvanced(items: Item[]): boolean {
  return items.some((it) => it.kind === "array" || it.kind === "mask");
}

function prepare(x: NDArray, index: Index, where: string): Item[] {
  return expand(parse(index, where), x.ndim, where);
}

/**
 * `x[index]`: basic indexing gives a view or a strided copy, advanced indexing a gather.
 * Out-of-range integers throw an {@link IndexError} naming the axis, index and size.
 */
export function getItem(x: NDArray, index: Index): NDArray {
  const where = `get(${describeIndex(index)})`;
  const items = prepare(x, index, where);
  return tidy(() => {
    if (!isAdvanced(items)) return basicGet(x, items, where);
    const { idx, shape } = flatIndex(x, items, where);
    const flat = invoke("Reshape", [x], { shape: [x.size] })[0];
    const taken = invoke("take", [flat, idx], { axis: 0 })[0];
    return invoke("Reshape", [taken], { shape: frontShape(x, shape) })[0];
  });
}

/** A value for `setAt`: a number, an array, or nested host numbers. */
export type SetValue = number | boolean | NDArray | readonly unknown[];

function valueArray(x: NDArray, value: SetValue): NDArray {
  if (value instanceof NDArray) {
    let v = value.context.equals(x.context) ? value : value.copyTo(x.context);
    if (v.dtype !== x.dtype) v = invoke("Cast", [v], { dtype: x.dtype })[0];
    return v;
  }
  if (typeof value === "number" || typeof value === "boolean") {
    return invoke("_full", [], { shape: [1], value: Number(value), dtype: x.dtype }, {
      ctx: x.context,
    })[0];
  }
  return array(value as unknown[], { dtype: x.dtype, ctx: x.context });
}

/** Reshapes `v` so it broadcasts over `target`, checking NumPy's rule (`where` names the call). */
function fitValue(v: NDArray, target: readonly number[], where: string): NDArray {
  const vs = [...v.shape];
  while (vs.length > target.length && vs[0] === 1) vs.shift();
  const ok = vs.length <= target.length &&
    vs.every((d, i) => d === 1 || d === target[target.length - vs.length + i]);
  if (!ok) {
    throw new ShapeError(
      `${where}: could not broadcast a value of shape ${formatShape(v.shape)} into shape ` +
        `${formatShape(target)}`,
    );
  }
  return vs.length === v.ndim ? v : invoke("Reshape", [v], { shape: vs })[0];
}

/**
 * `x[index] = value` in place, with the value broadcast (NumPy's rules) and cast to x's
 * dtype; returns x. Under autograd the write is recorded with x as its output, so
 * gradients flow to the value (as in MXNet, x itself should not already be part of the
 * recorded graph). With repeated positions in an index array the value written there is
 * unspecified, as in MXNet.
 */
export function setItem(x: NDArray, index: Index, value: SetValue): NDArray {
  const where = `setAt(${describeIndex(index)})`;
  if (inRecordedGraph(x)) {
    // As MXNet: the old value may be needed by the gradients of recorded operations.
    throw new MXNetError(
      `${where}: assigning to an array that is already part of the recorded graph would give ` +
        `wrong gradients; assign outside autograd.record(), or into a fresh array (in-place ` +
        `writes such as x[idx] = v, x += v cannot be recorded on arrays in the graph)`,
    );
  }
  const items = prepare(x, index, where);
  tidy(() => assign(x, items, value, where));
  return x;
}

function assign(x: NDArray, items: Item[], value: SetValue, where: string): void {
  let v = valueArray(x, value);
  const st = v._storage(where), xs = x._storage(where);
  // The value reads memory the write changes: copy it first (NumPy does the same).
  if ((st.base ?? st) === (xs.base ?? xs) && v !== x) v = v.copy();
  if (!isAdvanced(items)) {
    const p = basicPlan(x, items, where);
    v = fitValue(v, p.shape, where);
    // As a region of x's rank: drop newaxis dims (1 in the value), add 1 for integers.
    const kept: number[] = [];
    const pad = p.shape.length - v.ndim;
    let k = 0;
    for (const it of items) {
      if (it.kind === "new") k++;
      else if (it.kind === "int") kept.push(1);
      else if (it.kind === "slice") {
        kept.push(k - pad >= 0 ? v.shape[k - pad] : 1);
        k++;
      }
    }
    const region = kept.length === v.ndim && kept.every((d, i) => d === v.shape[i])
      ? v
      : invoke("Reshape", [v], { shape: kept })[0];
    invoke("_slice_assign", [x, region], sliceParams(p), { out: x });
    return;
  }
  if (maskAssign(x, items, v, where)) return;
  const { idx, shape } = flatIndex(x, items, where);
  v = fitValue(v, shape, where);
  const flat = invoke("Reshape", [x], { shape: [x.size] })[0];
  const vb = invoke("broadcast_to", [v], { shape })[0];
  const p = { axis: 0, shape: [x.size] };
  const hits = invoke("_take_backward", [invoke("ones_like", [vb])[0], idx], p)[0];
  const sums = invoke("_take_backward", [vb, idx], p)[0];
  const hit = invoke("_greater_scalar", [hits], { scalar: 0 })[0];
  const mean = invoke("broadcast_div", [sums, invoke("_maximum_scalar", [hits], { scalar: 1 })[0]])[
    0
  ];
  const updated = invoke("_where", [hit, mean, flat])[0];
  invoke("_copyto", [invoke("Reshape", [updated], { shape: x.shape })[0]], {}, { out: x });
}

/**
 * `x[mask] = v` for a mask over x's leading axes and a value that does not depend on the
 * selected count (a scalar, or broadcastable to the remaining axes): a `where`, so the
 * mask's values are never read back. Returns false when the index is not of that form.
 */
function maskAssign(x: NDArray, items: Item[], v: NDArray, where: string): boolean {
  const [first, ...rest] = items;
  if (first.kind !== "mask" || !(first.m instanceof NDArray)) return false;
  if (
    !rest.every((it) =>
      it.kind === "slice" && it.s.start === null && it.s.stop === null &&
      (it.s.step ?? 1) === 1
    )
  ) return false;
  const k = first.shape.length;
  const tail = x.shape.slice(k);
  if (first.shape.some((d, i) => d !== x.shape[i])) {
    throw new IndexError(
      `${where}: boolean index of shape ${formatShape(first.shape)} does not match the indexed ` +
        `dims ${formatShape(x.shape.slice(0, k))}`,
    );
  }
  const vs = [...v.shape];
  while (vs.length > tail.length && vs[0] === 1) vs.shift();
  if (vs.length > tail.length) return false;
  const value = fitValue(v, tail, where);
  const cond = invoke("Reshape", [first.m], { shape: [...first.shape, ...tail.map(() => 1)] })[0];
  const val = invoke("Reshape", [value], {
    shape: [
      ...first.shape.map(() => 1),
      ...tail.map((_, i) => value.shape[i - tail.length + value.ndim] ?? 1),
    ],
  })[0];
  const updated = invoke("_where", [cond, invoke("broadcast_like", [val, x])[0], x])[0];
  invoke("_copyto", [updated], {}, { out: x });
  return true;
}

function describeIndex(index: Index): string {
  if (typeof index === "string") return JSON.stringify(index);
  const one = (v: unknown): string =>
    v instanceof NDArray
      ? `array ${formatShape(v.shape)}`
      : v instanceof Slice
      ? `slice(${v})`
      : v === null
      ? "None"
      : Array.isArray(v)
      ? `[${v.length} items]`
      : String(v);
  return Array.isArray(index) ? `[${index.map(one).join(", ")}]` : one(index);
}
