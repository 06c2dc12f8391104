/**
 * Imperative autograd (`mx.autograd`): operations on arrays marked with `attachGrad()`
 * are recorded inside `record()` into a graph their results own (./_graph.ts), and
 * `backward()` runs the registry's gradients over what its heads reach, consumers first.
 * The same `OpDef.gradient` functions serve the Symbol executor.
 * @module
 */
import { checkOptions, describe } from "../core/options.ts";
import { MXNetError, ParamError } from "../core/errors.ts";
import { setRecorder } from "../ndarray/apply.ts";
import { NDArray } from "../ndarray/ndarray.ts";
import { scope } from "../ndarray/scope.ts";
import type { OpDef } from "../ops/op_def.ts";
import {
  type GradReq,
  markVariable,
  recordNode,
  state,
  sweep,
  variableNode,
  writeGrads,
} from "./_graph.ts";

export type { GradReq } from "./_graph.ts";
export * from "./get_symbol.ts";

setRecorder({
  get active() {
    return state.recording > 0;
  },
  get training() {
    return state.training;
  },
  record(def, inputs, outputs, params) {
    if (def.differentiable !== false) recordNode(def, inputs, outputs, params);
  },
  isTracked: (x) => {
    const n = x._ag as { freed: boolean } | null;
    return n !== null && !n.freed;
  },
  pause: (fn, train) => withState("pause", train, fn),
  attachGrad: (x, req) => attachGrad(x, req),
  backward: (heads, grads, opts) => backward(heads, grads, opts),
});

/**
 * Runs `fn` with recording one level deeper ("record"), off ("pause") or unchanged
 * (null), and training set to `train`; restores both when `fn` returns, throws, or (an
 * async `fn`) when its promise settles. Record levels are counted, so async `record`
 * callbacks that overlap do not end each other's recording.
 */
function withState<T>(rec: "record" | "pause" | null, train: boolean, fn: () => T): T {
  const prevRec = state.recording, prevTrain = state.training;
  if (rec === "record") state.recording++;
  else if (rec === "pause") state.recording = 0;
  state.training = train;
  const done = () => {
    // Never below zero: a setRecording(false) inside may already have ended recording.
    if (rec === "record") state.recording = Math.max(0, state.recording - 1);
    else if (rec === "pause") state.recording = prevRec;
    state.training = prevTrain;
  };
  try {
    const r = fn();
    if (r instanceof Promise) return r.finally(done) as T;
    done();
    return r;
  } catch (e) {
    done();
    throw e;
  }
}

/**
 * Runs `fn` with recording on (Python's `with autograd.record():`).
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const x = mx.nd.array([1, 2, 3]);
 * mx.autograd.attachGrad(x);
 * const y = mx.autograd.record(() => x.mul(x).sum());
 * mx.autograd.backward(y);
 * console.log(await x.grad!.array()); // [2, 4, 6]
 * ```
 */
export function record<T>(fn: () => T, opts: { trainMode?: boolean } = {}): T {
  checkOptions("autograd.record", opts, ["trainMode"]);
  return withState("record", opts.trainMode ?? true, fn);
}

/**
 * Runs `fn` with recording off (Python's `with autograd.pause():`), in prediction mode
 * unless `trainMode` (MXNet's `pause(train_mode=False)`): Dropout inside does not drop.
 * An async `fn` is awaited before the state is restored, as `record` does.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * mx.autograd.record(() => {
 *   mx.autograd.pause(() => console.log(mx.autograd.isRecording(), mx.autograd.isTraining()));
 * }); // false false
 * ```
 */
export function pause<T>(fn: () => T, opts: { trainMode?: boolean } = {}): T {
  checkOptions("autograd.pause", opts, ["trainMode"]);
  return withState("pause", opts.trainMode ?? false, fn);
}

/** True inside `record()`. */
export function isRecording(): boolean {
  return state.recording > 0;
}

/**
 * Turns recording on or off until changed again, returning whether it was on (MXNet's
 * `autograd.set_recording`). Prefer `record`/`pause`, which restore the state themselves.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const prev = mx.autograd.setRecording(true);
 * console.log(prev, mx.autograd.isRecording()); // false true
 * mx.autograd.setRecording(prev);
 * ```
 */
export function setRecording(isRecording: boolean): boolean {
  checkFlag("setRecording", "isRecording", isRecording);
  const prev = state.recording > 0;
  state.recording = isRecording ? Math.max(1, state.recording) : 0;
  return prev;
}

/**
 * Sets training mode (Dropout drops, BatchNorm uses batch statistics) until changed
 * again, returning the previous mode (MXNet's `autograd.set_training`).
 */
export function setTraining(train: boolean): boolean {
  checkFlag("setTraining", "train", train);
  const prev = state.training;
  state.training = train;
  return prev;
}

function checkFlag(fn: string, arg: string, v: unknown): void {
  if (typeof v !== "boolean") {
    throw new ParamError(`autograd.${fn}: ${arg} expects a boolean, got ${describe(v)}`);
  }
}

/** True inside `record()` in training mode (Dropout, BatchNorm behave as in training). */
export function isTraining(): boolean {
  return state.training;
}

/** Marks `x` as a variable whose gradient `backward` computes into `x.grad`. */
export function attachGrad(x: NDArray, gradReq: GradReq = "write"): void {
  markVariable(x, gradReq);
  x.grad?.dispose();
  x.grad = NDArray._alloc(x.shape, x.dtype, x.context).set(0);
}

/**
 * Marks arrays as variables whose gradients go into the given buffers (MXNet's
 * `autograd.mark_variables`).
 */
export function markVariables(
  xs: readonly NDArray[],
  grads: readonly NDArray[],
  reqs: readonly GradReq[],
): void {
  xs.forEach((x, i) => {
    markVariable(x, reqs[i] ?? "write");
    x.grad = grads[i];
  });
}

/** Options of `backward`. */
export interface BackwardOptions {
  /** Keep the recorded graph so backward can run again (default false). */
  retainGraph?: boolean;
  /** Train-mode gradients (default true; affects ops like Dropout only in forward). */
  trainMode?: boolean;
}

/**
 * Back-propagates from `heads` (default head gradient: ones) through the graph they
 * were recorded in, and writes the gradients of the variables it reaches. That graph is
 * freed unless `retainGraph`; a second backward over a freed graph throws, and so does a
 * head computed outside `record()`.
 */
export function backward(
  heads: NDArray | readonly NDArray[],
  headGrads?: readonly (NDArray | null)[],
  opts: BackwardOptions = {},
): void {
  checkOptions("autograd.backward", opts, ["retainGraph", "trainMode"]);
  const hs = heads instanceof NDArray ? [heads] : heads;
  scope(() => {
    writeGrads(sweep(hs, { where: "backward", headGrads, retainGraph: opts.retainGraph }));
  });
}

/**
 * Gradients of `heads` with respect to `variables`, returned instead of written to
 * `x.grad` (MXNet's `autograd.grad`). With `createGraph` the result is itself recorded,
 * so it can be differentiated again (higher-order gradients).
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const x = mx.nd.array([2]);
 * x.attachGrad();
 * const y = mx.autograd.record(() => x.pow(3));
 * const [dy] = mx.autograd.record(() => mx.autograd.grad(y, [x], { createGraph: true }));
 * dy.backward();
 * console.log(await dy.array(), await x.grad!.array()); // [12] [12]
 * ```
 */
export function grad(
  heads: NDArray | readonly NDArray[],
  variables: readonly NDArray[],
  opts: { headGrads?: readonly (NDArray | null)[]; createGraph?: boolean; retainGraph?: boolean } =
    {},
): NDArray[] {
  checkOptions("autograd.grad", opts, ["headGrads", "createGraph", "retainGraph"]);
  const hs = heads instanceof NDArray ? [heads] : heads;
  const leaves = variables.map((v) => {
    const n = variableNode(v);
    if (!n) {
      throw new MXNetError(
        "grad: every variable must be marked with attachGrad() before recording",
      );
    }
    return n;
  });
  const createGraph = opts.createGraph ?? false;
  const compute = () => {
    const grads = sweep(hs, {
      where: "grad",
      headGrads: opts.headGrads,
      createGraph,
      retainGraph: opts.retainGraph ?? createGraph,
    });
    return variables.map((v, i) => {
      const g = grads.get(leaves[i]);
      return g ? (createGraph ? g : g.copy()) : v.zerosLike();
    });
  };
  // Without createGraph the intermediate gradients are freed; with it the graph keeps them.
  return createGraph ? compute() : scope(compute);
}

/** Runs `fn` in training mode (without changing whether operations are recorded). */
export function trainMode<T>(fn: () => T): T {
  return withState(null, true, fn);
}

/** Runs `fn` in prediction mode. */
export function predictMode<T>(fn: () => T): T {
  return withState(null, false, fn);
}

/**
 * A custom differentiable function (MXNet's `autograd.Function`): subclass it, define
 * `forward` and `backward` on NDArrays, and call `apply(...inputs)`.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * class Square extends mx.autograd.Function {
 *   forward(x: mx.NDArray) { this.saveForBackward(x); return x.mul(x); }
 *   backward(dy: mx.NDArray) { const [x] = this.savedTensors; return dy.mul(x).mul(2); }
 * }
 * const x = mx.nd.array([3]);
 * x.attachGrad();
 * const y = mx.autograd.record(() => new Square().apply(x));
 * y.backward();
 * console.log(await x.grad!.array()); // [6]
 * ```
 */
export abstract class Function {
  /** Arrays kept by `saveForBackward`. */
  savedTensors: NDArray[] = [];
  /** Keeps arrays for `backward`. */
  saveForBackward(...arrays: NDArray[]): void {
    this.savedTensors = arrays;
  }
  /** The forward computation (not recorded). */
  abstract forward(...inputs: NDArray[]): NDArray | NDArray[];
  /** Gradients of the inputs from gradients of the outputs. */
  abstract backward(...outGrads: NDArray[]): NDArray | NDArray[];

  /** Runs forward and, while recording, records it with `backward` as its gradient. */
  apply(...inputs: NDArray[]): NDArray {
    const out = this.applyAll(...inputs);
    return out[0];
  }

  /** Like `apply`, returning every output. */
  applyAll(...inputs: NDArray[]): NDArray[] {
    const result = pause(() => this.forward(...inputs));
    const outputs = Array.isArray(result) ? result : [result];
    if (state.recording > 0) {
      const backward = (...g: NDArray[]) => this.backward(...g);
      const def: OpDef = {
        name: `_custom_function(${this.constructor.name})`,
        inputs: inputs.map((_, i) => `arg${i}`),
        params: {},
        inferShape: () => outputs.map((o) => o.shape),
        gradient: <T>(_b: unknown, g: { outGrads: readonly T[] }) => {
          const r = backward(...(g.outGrads as unknown as NDArray[]));
          return (Array.isArray(r) ? r : [r]) as unknown as T[];
        },
        lowering: { kind: "composite", compose: () => [] },
      };
      recordNode(def, inputs, outputs, {});
    }
    return outputs;
  }
}
