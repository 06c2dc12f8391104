/**
 * Imperative autograd (`mx.autograd`): operations on arrays marked with `attachGrad()`
 * are recorded inside `record()`, and `backward()` runs the registry's gradients in
 * reverse order. The same `OpDef.gradient` functions serve the Symbol executor.
 * @module
 */
import { MXNetError } from "../core/errors.ts";
import { NDArray, ndBuilder, setRecorder } from "../ndarray/ndarray.ts";
import { scope } from "../ndarray/ndarray.ts";
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
  backward: (heads, grads) => backward(heads, grads),
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
  return recording > 0 && training;
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

/**
 * Back-propagates from `heads` (default head gradient: ones) through the recorded
 * operations and writes the gradients of every marked variable. The tape is cleared.
 */
export function backward(
  heads: NDArray | readonly NDArray[],
  headGrads?: readonly (NDArray | null)[],
): void {
  const hs = heads instanceof NDArray ? [heads] : heads;
  const entries = tape;
  tape = [];
  scope(() => {
    const grads = new Map<NDArray, NDArray>();
    const addGrad = (x: NDArray, g: NDArray) => {
      const prev = grads.get(x);
      grads.set(x, prev ? prev.add(g) : g);
    };
    hs.forEach((h, i) => addGrad(h, headGrads?.[i] ?? h.onesLike()));
    const b = (ctx: NDArray["context"]) => ndBuilder(ctx);
    const wasRecording = recording;
    recording = 0;
    try {
      for (let e = entries.length - 1; e >= 0; e--) {
        const { def, inputs, outputs, params } = entries[e];
        if (!outputs.some((o) => grads.has(o))) continue;
        if (!def.gradient) {
          throw new MXNetError(`backward: operator ${def.name} has no gradient`);
        }
        const outGrads = outputs.map((o) => grads.get(o) ?? o.zerosLike());
        const ig = def.gradient(b(outputs[0].context), { inputs, outputs, outGrads, params });
        ig.forEach((g, i) => {
          if (g && tracked.has(inputs[i])) addGrad(inputs[i], g);
        });
      }
    } finally {
      recording = wasRecording;
    }
    for (const [x, g] of grads) {
      const mark = marks.get(x);
      if (!mark || !x.grad || mark.gradReq === "null") continue;
      if (mark.gradReq === "add") x.grad.addInPlace(g);
      else x.grad.set(g);
    }
  });
}
