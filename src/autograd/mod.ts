/**
 * Imperative autograd (`mx.autograd`): operations on arrays marked with `attachGrad()`
 * are recorded inside `record()`, and `backward()` runs the registry's gradients in
 * reverse order. The same `OpDef.gradient` functions serve the Symbol executor.
 * @module
 */
import { MXNetError } from "../core/errors.ts";
import { checkOptions } from "../core/options.ts";
import { ndBuilder, setRecorder } from "../ndarray/apply.ts";
import { NDArray } from "../ndarray/ndarray.ts";
import { scope } from "../ndarray/scope.ts";
import type { OpDef, Params } from "../ops/op_def.ts";

interface Entry {
  readonly def: OpDef;
  readonly inputs: readonly NDArray[];
  readonly outputs: readonly NDArray[];
  readonly params: Params;
}

/** How `backward` writes a variable's gradient: overwrite, accumulate, or not at all. */
export type GradReq = "write" | "add" | "null";

interface VarMark {
  readonly gradReq: GradReq;
}

let recording = 0;
let training = false;
let tape: Entry[] = [];
const tracked = new WeakSet<NDArray>();

setRecorder({
  get active() {
    return recording > 0;
  },
  get training() {
    return isTraining();
  },
  record(def, inputs, outputs, params) {
    if (!inputs.some((x) => tracked.has(x))) return;
    if (def.differentiable === false) return;
    for (const o of outputs) tracked.add(o);
    tape.push({ def, inputs, outputs, params });
  },
  attachGrad: (x, req) => attachGrad(x, req),
  backward: (heads, grads, opts) => backward(heads, grads, opts),
});

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
  recording++;
  const prevTrain = training;
  training = opts.trainMode ?? true;
  const done = () => {
    recording--;
    training = prevTrain;
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

/** Runs `fn` with recording off (Python's `autograd.pause()`). */
export function pause<T>(fn: () => T): T {
  const saved = recording;
  recording = 0;
  try {
    return fn();
  } finally {
    recording = saved;
  }
}

/** True inside `record()`. */
export function isRecording(): boolean {
  return recording > 0;
}

/** True inside `record()` in training mode (Dropout, BatchNorm behave as in training). */
export function isTraining(): boolean {
  return training;
}

const marks = new WeakMap<NDArray, VarMark>();

/** Marks `x` as a variable whose gradient `backward` computes into `x.grad`. */
export function attachGrad(x: NDArray, gradReq: GradReq = "write"): void {
  marks.set(x, { gradReq });
  tracked.add(x);
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
    marks.set(x, { gradReq: reqs[i] ?? "write" });
    tracked.add(x);
    x.grad = grads[i];
  });
}

/** Recorded operations, as `recordTape` returns them for a later `backwardTape`. */
export type Tape = readonly Entry[];

/**
 * Runs `fn` recording into a private tape (the global tape is untouched), so an executor
 * can keep the record of one forward pass until its backward.
 */
export function recordTape<T>(fn: () => T, trainMode: boolean): { result: T; tape: Tape } {
  const saved = tape;
  tape = [];
  try {
    const result = record(fn, { trainMode });
    return { result, tape };
  } finally {
    tape = saved;
  }
}

/** `backward` over a tape from `recordTape`. */
export function backwardTape(
  t: Tape,
  heads: readonly NDArray[],
  headGrads?: readonly (NDArray | null)[],
): void {
  const saved = tape;
  tape = [...t];
  try {
    backward(heads, headGrads);
  } finally {
    tape = saved;
  }
}

/** Options of `backward`. */
export interface BackwardOptions {
  /** Keep the recorded graph so backward can run again (default false). */
  retainGraph?: boolean;
  /** Train-mode gradients (default true; affects ops like Dropout only in forward). */
  trainMode?: boolean;
}

/**
 * The reverse sweep over `entries` from `heads`: gradients of every tracked array.
 * With `createGraph` the sweep itself is recorded (for higher-order gradients).
 */
function sweep(
  entries: readonly Entry[],
  heads: readonly NDArray[],
  headGrads: readonly (NDArray | null)[] | undefined,
  createGraph: boolean,
): Map<NDArray, NDArray> {
  const grads = new Map<NDArray, NDArray>();
  const addGrad = (x: NDArray, g: NDArray) => {
    const prev = grads.get(x);
    grads.set(x, prev ? prev.add(g) : g);
  };
  heads.forEach((h, i) => addGrad(h, headGrads?.[i] ?? h.onesLike()));
  const wasRecording = recording;
  // Gradient ops are recorded only when a higher-order gradient is wanted.
  recording = createGraph ? Math.max(recording, 1) : 0;
  try {
    for (let e = entries.length - 1; e >= 0; e--) {
      const { def, inputs, outputs, params } = entries[e];
      if (!outputs.some((o) => grads.has(o))) continue;
      if (!def.gradient) throw new MXNetError(`backward: operator ${def.name} has no gradient`);
      const outGrads = outputs.map((o) => grads.get(o) ?? o.zerosLike());
      const needs = inputs.map((x) => tracked.has(x));
      const ig = def.gradient(ndBuilder(outputs[0].context), {
        inputs,
        outputs,
        outGrads,
        params,
        needs,
      });
      ig.forEach((g, i) => {
        if (g && tracked.has(inputs[i])) addGrad(inputs[i], g);
      });
    }
  } finally {
    recording = wasRecording;
  }
  return grads;
}

/**
 * Back-propagates from `heads` (default head gradient: ones) through the recorded
 * operations and writes the gradients of every marked variable. The tape is cleared
 * unless `retainGraph`.
 */
export function backward(
  heads: NDArray | readonly NDArray[],
  headGrads?: readonly (NDArray | null)[],
  opts: BackwardOptions = {},
): void {
  checkOptions("backward", opts, ["retainGraph", "trainMode"]);
  const hs = heads instanceof NDArray ? [heads] : heads;
  const entries = tape;
  tape = opts.retainGraph ? [...entries] : [];
  scope(() => {
    const grads = sweep(entries, hs, headGrads, false);
    for (const [x, g] of grads) {
      const mark = marks.get(x);
      if (!mark || !x.grad || mark.gradReq === "null") continue;
      if (mark.gradReq === "add") x.grad.addInPlace(g);
      else x.grad.set(g);
    }
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
  for (const v of variables) {
    if (!tracked.has(v)) {
      throw new MXNetError(
        "grad: every variable must be marked with attachGrad() before recording",
      );
    }
  }
  const entries = tape;
  const createGraph = opts.createGraph ?? false;
  tape = (opts.retainGraph ?? createGraph) ? [...entries] : [];
  const compute = () => {
    const grads = sweep(entries, hs, opts.headGrads, createGraph);
    return variables.map((v) => {
      const g = grads.get(v);
      return g ? (createGraph ? g : g.copy()) : v.zerosLike();
    });
  };
  // Without createGraph the intermediate gradients are freed; with it they stay on the tape.
  return createGraph ? compute() : scope(compute);
}

/** Runs `fn` in training mode (without changing whether operations are recorded). */
export function trainMode<T>(fn: () => T): T {
  const prev = training;
  training = true;
  try {
    return fn();
  } finally {
    training = prev;
  }
}

/** Runs `fn` in prediction mode. */
export function predictMode<T>(fn: () => T): T {
  const prev = training;
  training = false;
  try {
    return fn();
  } finally {
    training = prev;
  }
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
    if (recording > 0 && inputs.some((x) => tracked.has(x))) {
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
      for (const o of outputs) tracked.add(o);
      tape.push({ def, inputs, outputs, params: {} });
    }
    return outputs;
  }
}
