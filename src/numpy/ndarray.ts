/**
 * `mx.np.ndarray`: the NumPy-semantics array. It is an NDArray (same storage, engine and
 * operators) whose methods follow NumPy: type promotion, bool comparisons, 0-d results of
 * full reductions, `reshape(3, 4)`, `x.T`, `await x.item()`.
 * @module
 */
import type { Context } from "../core/context.ts";
import type { DType } from "../core/dtype.ts";
import { ShapeError } from "../core/errors.ts";
import { formatShape } from "../core/shape.ts";
import type { Index, SetValue } from "../ndarray/indexing.ts";
import { _setNpClass, NDArray } from "../ndarray/ndarray.ts";
import { nest } from "../ndarray/input.ts";
import { op } from "./_core.ts";
import * as la from "./linalg.ts";
import { dot as npDot } from "./products.ts";
import * as manip from "./manip.ts";
import * as m from "./math.ts";
import * as red from "./reduce.ts";
import * as srt from "./sort.ts";

/** Options of NumPy reductions (`x.sum({ axis: 1, keepdims: true })`). */
export interface NpReduceOptions {
  /** Axis or axes to reduce (all when omitted or null). */
  axis?: number | readonly number[] | null;
  /** Keep reduced axes with size 1. */
  keepdims?: boolean;
  /** Reduce every axis except `axis` (MXNet's legacy option, kept for compatibility). */
  exclude?: boolean;
}

/**
 * An `mx.np` array: an NDArray with NumPy's semantics. Operators applied to it (from
 * `mx.np`, `mx.npx` or `mx.nd`) return `NpArray`s.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const { np } = mx;
 * const x = np.arange(12).reshape(3, 4);
 * console.log(x.shape, await x.sum().item()); // [3, 4] 66
 * console.log(await x.get("1:3, ::2").tolist()); // [[4, 6], [8, 10]]
 * ```
 */
export class NpArray<D extends DType = DType> extends NDArray<D> {
  /**
   * NumPy shape semantics (0-d arrays; saved as V3).
   * @ignore
   */
  static override readonly _npShape: boolean = true;
  /** Gradient buffer (an np array), once `attachGrad()` was called. */
  declare grad: NpArray | null;

  /** The device (Python's `x.ctx`). */
  get ctx(): Context {
    return this.context;
  }

  /** This array if it is on `ctx`, else a copy there (Python's `x.as_in_ctx(ctx)`). */
  asInCtx(ctx: Context): NpArray<D> {
    return this.asInContext(ctx) as NpArray<D>;
  }

  /** The transpose (axes reversed). */
  get T(): NpArray<D> {
    return manip.transpose(this) as NpArray<D>;
  }

  /** `x[index]` (see NDArray.get). */
  override get(index: Index): NpArray<D> {
    return super.get(index) as NpArray<D>;
  }

  /** `x[index] = value` in place; returns this. */
  override setAt(index: Index, value: SetValue): this {
    return super.setAt(index, value);
  }

  /** The single element as a number (NumPy's `item()`); bool gives 0/1. */
  async item(): Promise<number> {
    if (this.size !== 1) {
      throw new ShapeError(
        `item: can only convert an array of size 1, got shape ${formatShape(this.shape)}`,
      );
    }
    return Number((await this.data())[0]);
  }

  /** Nested JS arrays (a number for a 0-d array); bool arrays give booleans. */
  async tolist(): Promise<unknown> {
    const flat = Array.from(
      await this.data() as ArrayLike<number>,
      (v) => this.dtype === "bool" ? v !== 0 : Number(v),
    );
    if (this.ndim === 0) return flat[0];
    return nest(flat, this.shape);
  }

  /** A copy with elements converted to `dtype` (`copy: false` returns this when equal). */
  override astype<T extends DType>(dtype: T, opts: { copy?: boolean } = {}): NpArray<T> {
    return m.astype(this, dtype, opts) as NpArray<T>;
  }

  /** A copy on the same context. */
  override copy(): NpArray<D> {
    return this.copyTo(this.context) as NpArray<D>;
  }

  /** The same values cut off from the autograd graph (no gradient flows back). */
  detach(): NpArray {
    return op("BlockGrad", [this]);
  }

  /** This array (already an np array): a new handle on the same memory. */
  override asNpArray(): NpArray {
    return this._view(this.shape) as NpArray;
  }

  /** Allocates `this.grad` (an np array) and marks this array as an autograd variable. */
  override attachGrad(
    opts: "write" | "add" | "null" | { gradReq?: "write" | "add" | "null" } = "write",
  ): void {
    super.attachGrad(opts);
    // autograd allocates an NDArray; the np array's gradient is an np view of it.
    const g = this.grad as NDArray | null;
    if (g && !(g instanceof NpArray)) {
      this.grad = g.asNpArray() as NpArray;
      g.dispose();
    }
  }

  // ---- arithmetic with NumPy's type promotion ----

  /** `this + other`. */
  override add(other: NDArray | number): NpArray {
    return m.add(this, other);
  }
  /** `this - other`. */
  override sub(other: NDArray | number): NpArray {
    return m.subtract(this, other);
  }
  /** `this * other`. */
  override mul(other: NDArray | number): NpArray {
    return m.multiply(this, other);
  }
  /** `this / other` (true division: integers give float32). */
  override div(other: NDArray | number): NpArray {
    return m.divide(this, other);
  }
  /** `this ** other`. */
  override pow(other: NDArray | number): NpArray {
    return m.power(this, other);
  }
  /** `this % other` (the sign of the divisor, as Python). */
  override mod(other: NDArray | number): NpArray {
    return m.mod(this, other);
  }
  /** Elementwise maximum. */
  override maximum(other: NDArray | number): NpArray {
    return m.maximum(this, other);
  }
  /** Elementwise minimum. */
  override minimum(other: NDArray | number): NpArray {
    return m.minimum(this, other);
  }
  /** `this == other` as bool. */
  override equal(other: NDArray | number): NpArray {
    return m.equal(this, other);
  }
  /** `this != other` as bool. */
  override notEqual(other: NDArray | number): NpArray {
    return m.notEqual(this, other);
  }
  /** `this > other` as bool. */
  override greater(other: NDArray | number): NpArray {
    return m.greater(this, other);
  }
  /** `this >= other` as bool. */
  override greaterEqual(other: NDArray | number): NpArray {
    return m.greaterEqual(this, other);
  }
  /** `this < other` as bool. */
  override lesser(other: NDArray | number): NpArray {
    return m.less(this, other);
  }
  /** `this <= other` as bool. */
  override lesserEqual(other: NDArray | number): NpArray {
    return m.lessEqual(this, other);
  }
  /** `-this`. */
  override neg(): NpArray {
    return m.negative(this);
  }
  /** `abs(this)`. */
  override abs(): NpArray {
    return m.abs(this);
  }
  /** `exp(this)`. */
  override exp(): NpArray {
    return m.exp(this);
  }
  /** `log(this)`. */
  override log(): NpArray {
    return m.log(this);
  }
  /** `sqrt(this)`. */
  override sqrt(): NpArray {
    return m.sqrt(this);
  }
  /** `this * this`. */
  override square(): NpArray {
    return m.square(this);
  }
  /** Clips to [aMin, aMax] (null: no bound). */
  override clip(aMin: number | null, aMax: number | null): NpArray {
    return m.clip(this, aMin, aMax);
  }
  /** Rounds to `decimals` places (halves to even, as NumPy). */
  round(decimals = 0): NpArray {
    return m.round(this, decimals);
  }

  // ---- reductions: full reductions give 0-d arrays ----

  /** Sum over `axis` (all axes by default). */
  override sum(opts: NpReduceOptions & { dtype?: DType } = {}): NpArray {
    return red.sum(this, opts);
  }
  /** Mean over `axis`. */
  override mean(opts: NpReduceOptions & { dtype?: DType } = {}): NpArray {
    return red.mean(this, opts);
  }
  /** Product over `axis`. */
  override prod(opts: NpReduceOptions & { dtype?: DType } = {}): NpArray {
    return red.prod(this, opts);
  }
  /** Maximum over `axis`. */
  override max(opts: NpReduceOptions = {}): NpArray<D> {
    return red.max(this, opts) as NpArray<D>;
  }
  /** Minimum over `axis`. */
  override min(opts: NpReduceOptions = {}): NpArray<D> {
    return red.min(this, opts) as NpArray<D>;
  }
  /** Standard deviation over `axis` (`ddof` as NumPy). */
  std(opts: NpReduceOptions & { ddof?: number } = {}): NpArray {
    return red.std(this, opts);
  }
  /** Variance over `axis`. */
  var(opts: NpReduceOptions & { ddof?: number } = {}): NpArray {
    return red.variance(this, opts);
  }
  /** True where any element along `axis` is non-zero. */
  any(opts: NpReduceOptions = {}): NpArray {
    return red.any(this, opts);
  }
  /** True where every element along `axis` is non-zero. */
  all(opts: NpReduceOptions = {}): NpArray {
    return red.all(this, opts);
  }
  /** Index of the maximum (over the flattened array by default), int64. */
  override argmax(opts: { axis?: number | null; keepdims?: boolean } = {}): NpArray {
    return red.argmax(this, opts);
  }
  /** Index of the minimum. */
  override argmin(opts: { axis?: number | null; keepdims?: boolean } = {}): NpArray {
    return red.argmin(this, opts);
  }
  /** Cumulative sum along `axis` (flattened by default). */
  cumsum(opts: { axis?: number | null; dtype?: DType } = {}): NpArray {
    return red.cumsum(this, opts);
  }
  /** Norm (see np.linalg.norm). */
  override norm(opts: la.NormOptions = {}): NpArray {
    return la.norm(this, opts);
  }

  // ---- shape ----

  /** `x.reshape(3, 4)` or `x.reshape([3, 4])`; one dim may be -1. */
  override reshape(shape: number | readonly number[], ...more: unknown[]): NpArray<D> {
    return manip.reshape(
      this,
      typeof shape === "number" ? [shape, ...more as number[]] : shape,
    ) as NpArray<D>;
  }
  /** Permutes axes: `x.transpose()`, `x.transpose(1, 0)`, `x.transpose([1, 0])`. */
  override transpose(axes?: number | readonly number[], ...more: number[]): NpArray<D> {
    const a = axes === undefined ? undefined : typeof axes === "number" ? [axes, ...more] : axes;
    return manip.transpose(this, a) as NpArray<D>;
  }
  /** Swaps two axes. */
  override swapaxes(axis1: number, axis2: number): NpArray<D> {
    return manip.swapaxes(this, axis1, axis2) as NpArray<D>;
  }
  /** Inserts an axis of size 1. */
  override expandDims(axis: number): NpArray<D> {
    return manip.expandDims(this, axis) as NpArray<D>;
  }
  /** Removes axes of size 1 (all of them by default); may give a 0-d array. */
  override squeeze(axis?: number | number[]): NpArray<D> {
    return manip.squeeze(this, { axis }) as NpArray<D>;
  }
  /** A 1-D copy (NumPy's flatten). */
  override flatten(): NpArray<D> {
    return manip.ravel(this).copy() as NpArray<D>;
  }
  /** The elements as 1-D (a view when possible). */
  ravel(): NpArray<D> {
    return manip.ravel(this) as NpArray<D>;
  }
  /** Broadcasts to `shape`. */
  override broadcastTo(shape: readonly number[]): NpArray<D> {
    return manip.broadcastTo(this, shape) as NpArray<D>;
  }
  /** Repeats each element `repeats` times along `axis` (flattened by default). */
  override repeat(repeats: number, axis?: number): NpArray<D> {
    return manip.repeat(this, repeats, { axis }) as NpArray<D>;
  }
  /** Tiles the array. */
  override tile(reps: number | readonly number[]): NpArray<D> {
    return manip.tile(this, reps) as NpArray<D>;
  }
  /** Reverses along `axis` (all axes when omitted). */
  override flip(axis?: number | readonly number[]): NpArray<D> {
    return manip.flip(this, { axis }) as NpArray<D>;
  }

  /** `np.dot(this, other)`. */
  override dot(other: NDArray): NpArray {
    return npDot(this, other);
  }
  /** Sorted copy along `axis` (last by default). */
  override sort(opts: { axis?: number | null } = {}): NpArray {
    return srt.sort(this, opts);
  }
  /** Indices that sort along `axis`, int64. */
  override argsort(opts: { axis?: number | null } = {}): NpArray {
    return srt.argsort(this, opts);
  }

  /** Short description, e.g. `<np.ndarray 2x3 @cpu(0) float32>`. */
  override toString(): string {
    return `<np.ndarray ${this.shape.join("x") || "()"} @${this.context} ${this.dtype}>`;
  }
}

_setNpClass(NpArray);
