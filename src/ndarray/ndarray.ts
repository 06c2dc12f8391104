/**
 * The NDArray handle: shape, dtype and context over a reference-counted storage block
 * that owns device memory and an engine variable. Operators are applied through
 * `applyOp` (./apply.ts), which validates and infers synchronously and hands the kernel
 * to the engine.
 * @module
 */
import type { View } from "../../backends/backend.ts";
import { backendFor } from "../../backends/mod.ts";
import type { Context } from "../core/context.ts";
import { type DType, type HostArray, toComputeArray, toUserArray } from "../core/dtype.ts";
import { ContextError, DisposedError, MXNetError, ShapeError } from "../core/errors.ts";
import { checkOptions } from "../core/options.ts";
import {
  broadcastStrides,
  formatShape,
  type Shape,
  shapeEqual,
  sizeOf,
  stridesOf,
} from "../core/shape.ts";
import { isReady, push, readVar, waitForVar } from "../engine/engine.ts";
import type { KernelTensor } from "../ops/op_def.ts";
import type { ReduceOptions, TopkOptions } from "../ops/signatures.ts";
import { invoke, requireRecorder } from "./apply.ts";
import { arith, type UnaryName } from "./arith.ts";
import { getItem, type Index, setItem, type SetValue } from "./indexing.ts";
import { type ArrayLikeInput, flatten, nest } from "./input.ts";
import { scopes } from "./scope.ts";
import { Storage } from "./storage.ts";

/** What waitToRead returns when nothing is pending. */
const RESOLVED: Promise<void> = Promise.resolve();

// Safety net only: arrays should be freed by dispose(), `using` or mx.nd.scope().
const finalizer = new FinalizationRegistry<Storage>((s) => s.release());

/**
 * An n-dimensional array on a device. Operations return at once; reading data back
 * (`await a.data()`) waits for the work that produces it.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const a = mx.nd.ones([2, 3]).mul(2);
 * console.log(await a.array()); // [[2, 2, 2], [2, 2, 2]]
 * ```
 */
export class NDArray<D extends DType = DType> {
  #storage: Storage;
  #disposed = false;
  /** The shape. */
  readonly shape: readonly number[];
  /** The element type. */
  readonly dtype: D;
  /** Gradient buffer, once `attachGrad()` was called (autograd). */
  grad: NDArray | null = null;
  /**
   * Autograd bookkeeping (see src/autograd); null when not part of a recorded graph.
   * @ignore
   */
  _ag: unknown = null;

  /**
   * True for classes with NumPy shape semantics (0-d arrays): `mx.np`'s.
   * @ignore
   */
  static readonly _npShape: boolean = false;

  /**
   * Use mx.nd.empty/zeros/array.
   * @ignore
   */
  constructor(storage: Storage, shape: Shape, dtype: D) {
    this.#storage = storage;
    this.shape = [...shape];
    this.dtype = dtype;
    finalizer.register(this, storage, this);
    scopes.at(-1)?.push(this);
  }

  /**
   * Allocates an uninitialised array of this class (`NpArray._alloc` makes an `mx.np`
   * array).
   * @ignore
   */
  static _alloc(shape: Shape, dtype: DType, ctx: Context): NDArray {
    const backend = backendFor(ctx);
    const buf = backend.alloc(dtype, sizeOf(shape), ctx.deviceId);
    return new this(new Storage(backend, buf, ctx), shape, dtype);
  }

  /** Number of elements. */
  get size(): number {
    return sizeOf(this.shape);
  }
  /** Number of axes. */
  get ndim(): number {
    return this.shape.length;
  }
  /** The device the array lives on. */
  get context(): Context {
    return this.#storage.ctx;
  }
  /** True once disposed. */
  get isDisposed(): boolean {
    return this.#disposed;
  }

  /**
   * The storage (checks the array is alive).
   * @ignore
   */
  _storage(where: string): Storage {
    if (this.#disposed) {
      throw new DisposedError(`${where}: the array ${formatShape(this.shape)} was disposed`);
    }
    return this.#storage;
  }

  /**
   * The kernel's view of this array.
   * @ignore
   */
  _tensor(where: string): KernelTensor {
    const s = this._storage(where);
    // Shape and storage never change, so the kernel view is built once per handle.
    if (this.#tensor) return this.#tensor;
    const view: View = { buf: s.buf, shape: this.shape, strides: stridesOf(this.shape), offset: 0 };
    return (this.#tensor = { shape: this.shape, dtype: this.dtype, buf: s.buf, view });
  }
  #tensor: KernelTensor | null = null;

  /**
   * A new handle of class `cls` (this array's by default) on the same storage with another
   * shape (same size).
   * @ignore
   */
  _view(shape: Shape, cls: typeof NDArray = this.constructor as typeof NDArray): NDArray {
    const s = this._storage("reshape");
    s.refs++;
    return new cls(s, shape, this.dtype);
  }

  /**
   * The `sizeOf(shape)` elements from element `offset` on, as an array of this class
   * sharing this array's memory (a basic slice over leading axes), or null where the
   * backend cannot alias a sub-range (the caller copies instead).
   * @ignore
   */
  _subView(offset: number, shape: Shape): NDArray | null {
    const s = this._storage("view");
    if (offset === 0 && sizeOf(shape) === this.size) return this._view(shape);
    const buf = s.backend.alias?.(s.buf, offset, sizeOf(shape));
    if (!buf) return null;
    return new (this.constructor as typeof NDArray)(
      new Storage(s.backend, buf, s.ctx, s.base ?? s),
      shape,
      this.dtype,
    );
  }

  /** This array as an `mx.np` array (NumPy semantics): a new handle on the same memory. */
  asNpArray(): NDArray {
    return this._view(this.shape, npClass("asNpArray"));
  }

  /** This array as a legacy `mx.nd` array: a new handle on the same memory. */
  asNdArray(): NDArray {
    return this._view(this.shape, NDArray);
  }

  /** Waits until pending writes are done; throws the failure of the op that wrote it. */
  waitToRead(): Promise<void> {
    let v;
    try {
      v = this._storage("waitToRead").var;
    } catch (e) {
      return Promise.reject(e);
    }
    // Nothing pending and no failure: skip waitForVar's async frame (per-step hot path).
    return isReady(v) && !v.error ? RESOLVED : waitForVar(v);
  }

  /**
   * The elements as a flat row-major typed array (int64 as BigInt64Array): the value at
   * the call, as an engine read pushed now, so a write issued after the call (`a.set`,
   * an executor's next forward) does not change what it returns.
   */
  data(): Promise<HostArray<D>> {
    let s: Storage;
    try {
      s = this._storage("data");
    } catch (e) {
      return Promise.reject(e);
    }
    const read = readVar("data", s.var, () => s.backend.read(s.buf));
    const dtype = this.dtype;
    // Only int64 needs converting: other reads need no step after the backend's.
    return (dtype === "int64" ? read.then((a) => toUserArray(dtype, a)) : read) as Promise<
      HostArray<D>
    >;
  }

  /** The elements, synchronously; only for CPU arrays with no pending asynchronous work. */
  dataSync(): HostArray<D> {
    const s = this._storage("dataSync");
    if (!s.backend.readSync) {
      throw new ContextError(
        `dataSync: ${s.ctx} memory cannot be read synchronously; use await data()`,
      );
    }
    if (!isReady(s.var)) {
      throw new MXNetError("dataSync: the array has pending asynchronous work; use await data()");
    }
    if (s.var.error) throw s.var.error;
    return toUserArray(this.dtype, s.backend.readSync(s.buf)) as HostArray<D>;
  }

  /** The elements as nested arrays of numbers (bigint for int64). */
  async array(): Promise<unknown> {
    return nest(Array.from(await this.data() as ArrayLike<number>), this.shape);
  }

  /** The single element of a size-1 array. */
  async asScalar(): Promise<number> {
    if (this.size !== 1) {
      throw new ShapeError(`asScalar: the array has shape ${formatShape(this.shape)}, not size 1`);
    }
    return Number((await this.data())[0]);
  }

  /**
   * Assigns every element: a number, an NDArray (broadcast), or host values (typed,
   * nested or flat array of exactly `size` elements). Like `a[:] = v`.
   */
  set(value: number | NDArray | ArrayLikeInput): this {
    const s = this._storage("set");
    if (typeof value === "number" || typeof value === "boolean") {
      const v = Number(value);
      push("set", () => s.backend.kernels.fill(s.buf, v), [], [s.var]);
      return this;
    }
    if (value instanceof NDArray) {
      if (!value.context.equals(this.context)) value = value.copyTo(this.context);
      const src = value._tensor("set");
      // The source must broadcast to this shape exactly (NumPy's `a[:] = v`): each of its
      // axes, aligned at the right, equals the target's or is 1.
      const lead = this.ndim - value.ndim;
      if (lead < 0 || value.shape.some((d, i) => d !== 1 && d !== this.shape[lead + i])) {
        throw new ShapeError(
          `set: cannot assign shape ${formatShape(value.shape)} to ${
            formatShape(this.shape)
          }: it does not broadcast to the target (each axis, aligned at the right, must ` +
            "equal the target's or be 1)",
        );
      }
      const strides = broadcastStrides(value.shape, this.shape);
      const dst = this._tensor("set");
      const from: View = { buf: src.buf, shape: this.shape, strides, offset: 0 };
      push("set", () => s.backend.kernels.copy(from, dst.view), [value._storage("set").var], [
        s.var,
      ]);
      return this;
    }
    const flat = flatten(value, "set");
    if (flat.values.length !== this.size) {
      throw new ShapeError(
        `set: got ${flat.values.length} values for an array of shape ${formatShape(this.shape)}`,
      );
    }
    const data = toComputeArray(this.dtype, flat.values);
    push("set", () => s.backend.write(s.buf, data), [], [s.var]);
    return this;
  }

  /**
   * NumPy indexing, `x[index]`: `x.get("1:3, ::2")`, `x.get(-1)`, `x.get([mx.slice(1, 3), 0])`,
   * `x.get(null)` (newaxis), `x.get("...")`, `x.get(intArray)`, `x.get(boolMask)`. Basic
   * slices of leading axes share this array's memory where the backend allows; anything
   * else copies. Gradients flow through it under autograd.
   */
  get(index: Index): NDArray<D> {
    return getItem(this, index) as NDArray<D>;
  }

  /**
   * NumPy assignment, `x[index] = value`, in place (the value broadcast and cast to this
   * dtype); returns this array. `x.setAt("0:2, :", 12)`, `x.setAt([1, 2], 9)`.
   */
  setAt(index: Index, value: SetValue): this {
    setItem(this, index, value);
    return this;
  }

  /** Copies into `target` (an array of the same shape, or a new array on a context). */
  copyTo(target: NDArray | Context): NDArray<D> {
    const out = target instanceof NDArray
      ? target
      : (this.constructor as typeof NDArray)._alloc(this.shape, this.dtype, target);
    if (!shapeEqual(out.shape, this.shape)) {
      throw new ShapeError(
        `copyTo: source shape ${formatShape(this.shape)} does not match target ${
          formatShape(out.shape)
        }`,
      );
    }
    const src = this._storage("copyTo"), dst = out._storage("copyTo");
    const from = this._tensor("copyTo").view, to = out._tensor("copyTo").view;
    if (src.backend === dst.backend) {
      push("copyTo", () => src.backend.kernels.copy(from, to), [src.var], [dst.var]);
    } else {
      push(
        "copyTo",
        async () => {
          const host = await src.backend.read(src.buf);
          dst.backend.write(
            dst.buf,
            out.dtype === this.dtype ? host : toComputeArray(out.dtype, host),
          );
        },
        [src.var],
        [dst.var],
      );
    }
    return out as NDArray<D>;
  }

  /** This array if it is on `ctx`, else a copy there. */
  asInContext(ctx: Context): NDArray<D> {
    return (this.context.equals(ctx) ? this : this.copyTo(ctx)) as NDArray<D>;
  }

  /** A copy on the same context. */
  copy(): NDArray<D> {
    return this.copyTo(this.context) as NDArray<D>;
  }

  /** Frees the device memory once pending work is done. Safe to call twice. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    finalizer.unregister(this);
    this.#storage.release();
  }

  /** `using a = ...` disposes at the end of the block. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  // ---- Operators as methods (each is one line over the registry; see src/ndarray/ops.ts
  // for the same operators as functions). ----

  /** `this + other` with NumPy broadcasting. */
  add(other: NDArray | number): NDArray {
    return arith("add", this, other);
  }
  /** `this - other`. */
  sub(other: NDArray | number): NDArray {
    return arith("sub", this, other);
  }
  /** `this * other`. */
  mul(other: NDArray | number): NDArray {
    return arith("mul", this, other);
  }
  /** `this / other`. */
  div(other: NDArray | number): NDArray {
    return arith("div", this, other);
  }
  /** `this ** other`. */
  pow(other: NDArray | number): NDArray {
    return arith("pow", this, other);
  }
  /** Elementwise maximum. */
  maximum(other: NDArray | number): NDArray {
    return arith("maximum", this, other);
  }
  /** Elementwise minimum. */
  minimum(other: NDArray | number): NDArray {
    return arith("minimum", this, other);
  }
  /** `this == other` as 0/1. */
  equal(other: NDArray | number): NDArray {
    return arith("equal", this, other);
  }
  /** `this != other` as 0/1. */
  notEqual(other: NDArray | number): NDArray {
    return arith("notEqual", this, other);
  }
  /** `this > other` as 0/1. */
  greater(other: NDArray | number): NDArray {
    return arith("greater", this, other);
  }
  /** `this >= other` as 0/1. */
  greaterEqual(other: NDArray | number): NDArray {
    return arith("greaterEqual", this, other);
  }
  /** `this < other` as 0/1. */
  lesser(other: NDArray | number): NDArray {
    return arith("lesser", this, other);
  }
  /** `this <= other` as 0/1. */
  lesserEqual(other: NDArray | number): NDArray {
    return arith("lesserEqual", this, other);
  }
  /** `-this`. */
  neg(): NDArray {
    return invoke("negative", [this])[0];
  }
  /** `this += other` in place; returns this. */
  addInPlace(other: NDArray | number): this {
    arith("add", this, other, this);
    return this;
  }
  /** `this -= other` in place. */
  subInPlace(other: NDArray | number): this {
    arith("sub", this, other, this);
    return this;
  }
  /** `this *= other` in place. */
  mulInPlace(other: NDArray | number): this {
    arith("mul", this, other, this);
    return this;
  }
  /** `this /= other` in place. */
  divInPlace(other: NDArray | number): this {
    arith("div", this, other, this);
    return this;
  }
  /** Applies a unary operator by MXNet name (`"exp"`, `"relu"`, ...). */
  unary(name: UnaryName): NDArray {
    return invoke(name, [this])[0];
  }
  /** Allocates `this.grad` and marks this array as an autograd variable. */
  attachGrad(
    opts: "write" | "add" | "null" | { gradReq?: "write" | "add" | "null" } = "write",
  ): void {
    if (typeof opts !== "string") checkOptions("attachGrad", opts, ["gradReq"]);
    const req = typeof opts === "string" ? opts : opts.gradReq ?? "write";
    requireRecorder("attachGrad").attachGrad(this, req);
  }
  /** Back-propagates from this array (head gradient: ones, or `outGrad`). */
  backward(outGrad?: NDArray | null, opts: { retainGraph?: boolean } = {}): void {
    requireRecorder("backward").backward([this], outGrad ? [outGrad] : undefined, opts);
  }
  /** `abs(this)`. */
  abs(): NDArray {
    return invoke("abs", [this])[0];
  }
  /** `exp(this)`. */
  exp(): NDArray {
    return invoke("exp", [this])[0];
  }
  /** `log(this)`. */
  log(): NDArray {
    return invoke("log", [this])[0];
  }
  /** `sqrt(this)`. */
  sqrt(): NDArray {
    return invoke("sqrt", [this])[0];
  }
  /** `this * this`. */
  square(): NDArray {
    return invoke("square", [this])[0];
  }
  /** `max(this, 0)`. */
  relu(): NDArray {
    return invoke("relu", [this])[0];
  }
  /** `1 / (1 + exp(-this))`. */
  sigmoid(): NDArray {
    return invoke("sigmoid", [this])[0];
  }
  /** `tanh(this)`. */
  tanh(): NDArray {
    return invoke("tanh", [this])[0];
  }
  /** Clips to [aMin, aMax]. */
  clip(aMin: number, aMax: number): NDArray {
    return invoke("clip", [this], { aMin, aMax })[0];
  }
  /** Sum over `axis` (all axes by default). */
  sum(opts: ReduceOptions = {}): NDArray {
    return invoke("sum", [this], { ...opts })[0];
  }
  /** Mean over `axis`. */
  mean(opts: ReduceOptions = {}): NDArray {
    return invoke("mean", [this], { ...opts })[0];
  }
  /** Product over `axis`. */
  prod(opts: ReduceOptions = {}): NDArray {
    return invoke("prod", [this], { ...opts })[0];
  }
  /** Maximum over `axis`. */
  max(opts: ReduceOptions = {}): NDArray {
    return invoke("max", [this], { ...opts })[0];
  }
  /** Minimum over `axis`. */
  min(opts: ReduceOptions = {}): NDArray {
    return invoke("min", [this], { ...opts })[0];
  }
  /** L2 norm over `axis`. */
  norm(opts: { ord?: number; axis?: number | number[]; keepdims?: boolean } = {}): NDArray {
    return invoke("norm", [this], { ...opts })[0];
  }
  /** Index of the maximum along `axis` (float32, as MXNet). */
  argmax(opts: { axis?: number; keepdims?: boolean } = {}): NDArray {
    return invoke("argmax", [this], { ...opts })[0];
  }
  /** Index of the minimum along `axis`. */
  argmin(opts: { axis?: number; keepdims?: boolean } = {}): NDArray {
    return invoke("argmin", [this], { ...opts })[0];
  }
  /** Matrix product. */
  dot(other: NDArray, opts: { transposeA?: boolean; transposeB?: boolean } = {}): NDArray {
    return invoke("dot", [this, other], { ...opts })[0];
  }
  /** Reshape with MXNet's special codes (0, -1, -2, -3, -4); shares memory. */
  reshape(shape: readonly number[], opts: { reverse?: boolean } = {}): NDArray<D> {
    return invoke("Reshape", [this], { shape, ...opts })[0] as NDArray<D>;
  }
  /** Permutes axes (reverses them by default). */
  transpose(axes: readonly number[] = []): NDArray<D> {
    return invoke("transpose", [this], { axes })[0] as NDArray<D>;
  }
  /** Swaps two axes. */
  swapaxes(dim1: number, dim2: number): NDArray<D> {
    return invoke("SwapAxis", [this], { dim1, dim2 })[0] as NDArray<D>;
  }
  /** Inserts an axis of size 1. */
  expandDims(axis: number): NDArray<D> {
    return invoke("expand_dims", [this], { axis })[0] as NDArray<D>;
  }
  /** Removes axes of size 1. */
  squeeze(axis?: number | number[]): NDArray<D> {
    return invoke("squeeze", [this], { axis })[0] as NDArray<D>;
  }
  /** Collapses all axes but the first. */
  flatten(): NDArray<D> {
    return invoke("Flatten", [this])[0] as NDArray<D>;
  }
  /** Broadcasts to `shape`. */
  broadcastTo(shape: readonly number[]): NDArray<D> {
    return invoke("broadcast_to", [this], { shape })[0] as NDArray<D>;
  }
  /**
   * Broadcasts to the shape of `other`, or (#19) sets the size-1 axes `lhsAxes` to the sizes
   * of `other`'s axes `rhsAxes`.
   */
  broadcastLike(
    other: NDArray,
    opts: { lhsAxes?: number | readonly number[]; rhsAxes?: number | readonly number[] } = {},
  ): NDArray {
    checkOptions("broadcastLike", opts, ["lhsAxes", "rhsAxes"]);
    return invoke("broadcast_like", [this, other], { ...opts })[0];
  }
  // MXNet's fluent methods of the shape and indexing operators.
  /** Size-1 `axis` (or axes) broadcast to `size` (`broadcast_axes`). */
  broadcastAxes(axis: number | readonly number[], size: number | readonly number[]): NDArray {
    return invoke("broadcast_axis", [this], { axis, size })[0];
  }
  /** The leading part with the sizes of `other` (on `axes`, or every axis). */
  sliceLike(other: NDArray, axes?: number | readonly number[]): NDArray {
    return invoke("slice_like", [this, other], { axes })[0];
  }
  /** The k-th diagonal (N-d) or a diagonal matrix (1-D). */
  diag(k = 0, opts: { axis1?: number; axis2?: number } = {}): NDArray {
    checkOptions("diag", opts, ["axis1", "axis2"]);
    return invoke("diag", [this], { k, ...opts })[0];
  }
  /** Channel blocks moved into space (`depth_to_space`). */
  depthToSpace(blockSize: number): NDArray {
    return invoke("depth_to_space", [this], { blockSize })[0];
  }
  /** Spatial blocks moved into channels (`space_to_depth`). */
  spaceToDepth(blockSize: number): NDArray {
    return invoke("space_to_depth", [this], { blockSize })[0];
  }
  /** The shape as a 1-D int64 array. */
  shapeArray(): NDArray {
    return invoke("shape_array", [this])[0];
  }
  /** The element count as a 1-element int64 array. */
  sizeArray(): NDArray {
    return invoke("size_array", [this])[0];
  }
  /** Argmax over axis 1 (`argmax_channel`). */
  argmaxChannel(): NDArray {
    return invoke("argmax_channel", [this])[0];
  }
  /** `this[begin:end:step]` per axis (null = whole axis). */
  slice(
    begin: readonly (number | null)[],
    end: readonly (number | null)[],
    step?: readonly (number | null)[],
  ): NDArray {
    return invoke("slice", [this], { begin, end, step })[0];
  }
  /** Slice along one axis. */
  sliceAxis(axis: number, begin: number, end: number | null): NDArray<D> {
    return invoke("slice_axis", [this], { axis, begin, end })[0] as NDArray<D>;
  }
  /** Repeats the whole array `reps` times per axis. */
  tile(reps: readonly number[]): NDArray<D> {
    return invoke("tile", [this], { reps })[0] as NDArray<D>;
  }
  /** Repeats each element. */
  repeat(repeats: number, axis?: number): NDArray<D> {
    return invoke("repeat", [this], { repeats, axis })[0] as NDArray<D>;
  }
  /** Reverses along axes. */
  flip(axis: number | readonly number[]): NDArray<D> {
    return invoke("reverse", [this], { axis })[0] as NDArray<D>;
  }
  /** Gathers slices along `axis` at `indices`. */
  take(indices: NDArray, opts: { axis?: number; mode?: "clip" | "wrap" } = {}): NDArray {
    return invoke("take", [this, indices], { ...opts })[0];
  }
  /** Picks one element per position along `axis`. */
  pick(index: NDArray, opts: { axis?: number; keepdims?: boolean } = {}): NDArray {
    return invoke("pick", [this, index], { ...opts })[0];
  }
  /** One-hot encodes these indices. */
  oneHot(
    depth: number,
    opts: { onValue?: number; offValue?: number; dtype?: DType } = {},
  ): NDArray {
    return invoke("one_hot", [this], { depth, ...opts })[0];
  }
  /** Softmax along `axis` (last by default). */
  softmax(opts: { axis?: number; temperature?: number } = {}): NDArray {
    return invoke("softmax", [this], { ...opts })[0];
  }
  /** Log-softmax along `axis`. */
  logSoftmax(opts: { axis?: number; temperature?: number } = {}): NDArray {
    return invoke("log_softmax", [this], { ...opts })[0];
  }
  /** Sorted copy along `axis`. */
  sort(opts: { axis?: number; isAscend?: boolean } = {}): NDArray {
    return invoke("sort", [this], { ...opts })[0];
  }
  /** Indices that sort along `axis`. */
  argsort(opts: { axis?: number; isAscend?: boolean; dtype?: DType } = {}): NDArray {
    return invoke("argsort", [this], { ...opts })[0];
  }
  /**
   * Top-k values, indices or mask along `axis` (MXNet's `ret_typ` as `retTyp`);
   * `retTyp: "both"` gives `[values, indices]`, as MXNet's `NDArray.topk`.
   */
  topk(opts: TopkOptions & { retTyp: "both" }): NDArray[];
  /** Top-k indices (default), values or mask. */
  topk(opts?: TopkOptions): NDArray;
  topk(opts: TopkOptions = {}): NDArray | NDArray[] {
    const outs = invoke("topk", [this], { ...opts });
    return opts.retTyp === "both" ? outs : outs[0];
  }
  /**
   * True when the array's dtype is `dtype`; narrows the static type, so that `data()` of an
   * array whose dtype is only known at run time (an executor's output, a loaded file) is
   * typed without a cast.
   * @example
   * ```ts
   * import * as mx from "../../mod.ts";
   * const y = mx.nd.ones([2]).add(1); // an operator's result: any dtype, statically
   * if (y.isDType("float32")) {
   *   const v: Float32Array = await y.data();
   *   console.log(v); // Float32Array(2) [ 2, 2 ]
   * }
   * ```
   */
  isDType<T extends DType>(dtype: T): this is NDArray<T> {
    return (this.dtype as DType) === dtype;
  }

  /** A copy converted to `dtype`. */
  astype<T extends DType>(dtype: T): NDArray<T> {
    return invoke("Cast", [this], { dtype })[0] as NDArray<T>;
  }
  /** Zeros of the same shape, dtype and context. */
  zerosLike(): NDArray<D> {
    return invoke("zeros_like", [this])[0] as NDArray<D>;
  }
  /** Ones of the same shape, dtype and context. */
  onesLike(): NDArray<D> {
    return invoke("ones_like", [this])[0] as NDArray<D>;
  }

  /** `this % other` with MXNet's mod (the divisor's sign; 0 where the divisor is 0). */
  mod(other: NDArray | number): NDArray {
    return arith("mod", this, other);
  }
  /** Sum over `axis`, NaN counted as 0. */
  nansum(opts: ReduceOptions = {}): NDArray {
    return invoke("nansum", [this], { ...opts })[0];
  }
  /** Product over `axis`, NaN counted as 1. */
  nanprod(opts: ReduceOptions = {}): NDArray {
    return invoke("nanprod", [this], { ...opts })[0];
  }
  /** Softmax of `-this` along `axis`. */
  softmin(opts: { axis?: number; temperature?: number } = {}): NDArray {
    return invoke("softmin", [this], { ...opts })[0];
  }

  /** Short description, e.g. `<NDArray 2x3 @cpu(0) float32>`. */
  toString(): string {
    return `<NDArray ${this.shape.join("x")} @${this.context} ${this.dtype}>`;
  }
}

let npArrayClass: typeof NDArray | null = null;

/**
 * Registers the `mx.np` array class (src/numpy), which `asNpArray` makes.
 * @ignore
 */
export function _setNpClass(cls: typeof NDArray): void {
  npArrayClass = cls;
}

function npClass(where: string): typeof NDArray {
  if (!npArrayClass) throw new MXNetError(`${where}: mx.np is not loaded; import mod.ts`);
  return npArrayClass;
}
