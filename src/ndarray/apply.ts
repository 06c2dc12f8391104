/**
 * Operator application: `applyOp` validates and infers synchronously (errors are
 * thrown at the call site) and hands the kernel to the engine. Autograd hooks in here
 * through `setRecorder`.
 * @module
 */
import type { KernelResult, View } from "../../backends/backend.ts";
import { type Context, currentContext } from "../core/context.ts";
import {
  ContextError,
  DTypeError,
  MXNetError,
  ParamError,
  ShapeError,
  UnsupportedError,
} from "../core/errors.ts";
import { broadcastStrides, formatShape, type Shape, shapeEqual } from "../core/shape.ts";
import { isNaive, push } from "../engine/engine.ts";
import {
  auxNamesOf,
  type Builder,
  type KernelTensor,
  type OpDef,
  type Params,
} from "../ops/op_def.ts";
import { parseParams } from "../ops/params.ts";
import { getOp } from "../ops/registry.ts";
import { NDArray } from "./ndarray.ts";
import { takeRng } from "./random_state.ts";

/** Records operator applications for autograd (set by src/autograd). */
export interface OpRecorder {
  /** True while recording. */
  readonly active: boolean;
  /** True while recording in training mode. */
  readonly training: boolean;
  /** Called after each non-composite op application. */
  record(op: OpDef, inputs: readonly NDArray[], outputs: readonly NDArray[], p: Params): void;
  /** True when `x` is part of the recorded graph (a variable or a recorded output). */
  isTracked?(x: NDArray): boolean;
  /**
   * Runs `fn` with recording off and training set to `train` (what a Custom operator's
   * forward runs under, as in MXNet).
   */
  pause?<R>(fn: () => R, train: boolean): R;
  /** Marks an array as a variable (`x.attachGrad()`). */
  attachGrad(x: NDArray, gradReq: "write" | "add" | "null"): void;
  /** Back-propagates from a head (`y.backward()`). */
  backward(
    heads: readonly NDArray[],
    headGrads?: readonly (NDArray | null)[],
    opts?: { retainGraph?: boolean },
  ): void;
}

let recorder: OpRecorder | null = null;

/** The installed recorder; throws, naming `where`, when autograd is not loaded. */
export function requireRecorder(where: string): OpRecorder {
  if (!recorder) throw new MXNetError(`${where}: autograd is not loaded; import mod.ts`);
  return recorder;
}

/** True while autograd records (basic slices then copy, so the tape sees every op). */
export function isRecording(): boolean {
  return recorder?.active ?? false;
}

/** True while recording when `x` is already part of the recorded graph. */
export function inRecordedGraph(x: NDArray): boolean {
  return (recorder?.active ?? false) && (recorder?.isTracked?.(x) ?? false);
}

/** Installs the autograd recorder (one per process). */
export function setRecorder(r: OpRecorder | null): void {
  recorder = r;
}

/**
 * Deferred compute (Gluon's `hybridize`): while a tracer is set, each top-level operator
 * application is reported after it ran; the applications inside a composite are not.
 */
export interface OpTracer {
  /** Called after `def` ran on `inputs` with the caller's `params`, giving `outputs`. */
  record(
    def: OpDef,
    inputs: readonly NDArray[],
    outputs: readonly NDArray[],
    params: Record<string, unknown>,
  ): void;
}

let tracer: OpTracer | null = null;

/** Installs a tracer (null: none); returns the previous one so callers can restore it. */
export function setTracer(t: OpTracer | null): OpTracer | null {
  const prev = tracer;
  tracer = t;
  return prev;
}

/** Options accepted by operator applications. */
export interface ApplyOptions {
  /** Context for operators without array inputs (creation, random). */
  ctx?: Context;
  /** Write the (single) output into this existing array instead of a new one. */
  out?: NDArray;
  /**
   * Class of the outputs (`NDArray` or `mx.np`'s `NpArray`); by default the class of the
   * first input, else NDArray, so mx.nd functions applied to np arrays return np arrays.
   */
  arrayClass?: typeof NDArray;
}

/**
 * Applies an operator to NDArrays: parses params, checks contexts, infers shapes and
 * dtypes (errors are thrown here, at the call site), then pushes the kernel.
 */
export function applyOp(
  def: OpDef,
  inputs: readonly NDArray[],
  rawParams: Record<string, unknown> = {},
  opts: ApplyOptions = {},
): NDArray[] {
  // One null check when not tracing; the traced call runs untraced, so the operators a
  // composite is made of are not reported.
  if (tracer !== null) return applyTraced(tracer, def, inputs, rawParams, opts);
  const p = parseParams(def, rawParams);
  // Argument names only matter for messages: built when one is thrown.
  const argNames = () => argNamesOf(def, p);
  const expected = typeof def.inputs === "function" || def.aux
    ? argNamesOf(def, p).length
    : def.inputs.length;
  if (inputs.length !== expected) {
    const names = argNames();
    throw new MXNetError(
      `${def.name}: expected ${names.length} inputs (${names.join(", ")}), got ${inputs.length}`,
    );
  }
  const ctx = inputs[0]?.context ?? opts.ctx ?? currentContext();
  for (let i = 0; i < inputs.length; i++) {
    const x = inputs[i];
    if (!(x instanceof NDArray)) {
      throw new MXNetError(
        `${def.name}: argument ${argNames()[i]} must be an NDArray, got ${typeof x}`,
      );
    }
    if (x.isDisposed) x._storage(`${def.name}: argument ${argNames()[i]}`);
    if (!x.context.equals(ctx)) {
      const names = argNames();
      throw new ContextError(
        `${def.name}: argument ${names[i]} is on ${x.context} but ${names[0]} is on ${ctx}; ` +
          `copy it first with .copyTo(mx.${ctx}) or .asInContext(mx.${ctx})`,
      );
    }
  }
  const shapes = def.inferShape(inputs.map((x) => x.shape), p);
  const dtypes = def.inferType
    ? def.inferType(inputs.map((x) => x.dtype), p)
    : shapes.map(() => inputs[0]?.dtype ?? "float32");

  const cls = opts.arrayClass ?? (inputs[0]?.constructor as typeof NDArray | undefined) ?? NDArray;
  const lowering = def.lowering;
  if (lowering.kind === "composite") {
    let outs: NDArray[];
    composing++;
    try {
      outs = lowering.compose(ndBuilder(ctx, cls), inputs, p);
    } catch (e) {
      // The user called def.name, not the inner operator that failed: name the outer one.
      throw composing === 1 ? inComposite(def, argNames(), inputs, e) : e;
    } finally {
      composing--;
    }
    if (opts.out) return [outs[0].copyTo(opts.out)];
    return outs;
  }
  if (def.view && !opts.out && !recorder?.active) return [inputs[0]._view(shapes[0])];

  const outputs = shapes.map((s, i) => {
    if (i === 0 && opts.out) {
      if (!shapeEqual(opts.out.shape, s) || opts.out.dtype !== dtypes[0]) {
        throw new ShapeError(
          `${def.name}: out has shape ${
            formatShape(opts.out.shape)
          } ${opts.out.dtype}, the result ` +
            `is ${formatShape(s)} ${dtypes[0]}`,
        );
      }
      return opts.out;
    }
    return cls._alloc(s, dtypes[i], ctx);
  });
  const k = outputs[0]._storage(def.name).backend.kernels;
  let run: () => KernelResult;
  if (lowering.kind === "elementwise") {
    // The per-op hot path: views and scalars once, one closure.
    const out = outputs[0]._tensor(def.name);
    const views: View[] = new Array(inputs.length);
    for (let i = 0; i < inputs.length; i++) {
      views[i] = broadcastView(inputs[i]._tensor(def.name), out.shape);
    }
    const scalars = lowering.scalars(p, inputs[0].dtype);
    const row = lowering.row;
    run = () => k.elementwise(row, views, scalars, out.view);
  } else {
    const ins = inputs.map((x) => x._tensor(def.name));
    const outs = outputs.map((x) => x._tensor(def.name));
    const isTrain = recorder?.training ?? false;
    const slice = def.random
      ? takeRng(outputs.reduce((n, o) => n + o.size, 0), outputs[0].context)
      : NO_RNG;
    const backend = outputs[0]._storage(def.name).backend;
    const read = (t: KernelTensor) => backend.readSync?.(t.buf) ?? backend.read(t.buf);
    const info = { seed: slice.seed, offset: slice.offset, isTrain, read };
    run = () => lowering.run(k, ins, outs, p, info);
  }
  const writes = outputs.map((x) => x._storage(def.name).var);
  for (const i of def.mutatesInputs ?? []) writes.push(inputs[i]._storage(def.name).var);
  push(def.name, run, inputs.map((x) => x._storage(def.name).var), writes, outputs[0].context);
  if (isNaive()) {
    // Naive engine: surface kernel failures at the call, as MXNet's NaiveEngine does.
    for (const o of outputs) {
      if (o._storage(def.name).var.error) throw o._storage(def.name).var.error;
    }
  }
  if (recorder?.active) recorder.record(def, inputs, outputs, p);
  return outputs;
}

function applyTraced(
  t: OpTracer,
  def: OpDef,
  inputs: readonly NDArray[],
  rawParams: Record<string, unknown>,
  opts: ApplyOptions,
): NDArray[] {
  tracer = null;
  try {
    const outputs = applyOp(def, inputs, rawParams, opts);
    t.record(def, inputs, outputs, rawParams);
    return outputs;
  } finally {
    tracer = t;
  }
}

const NO_RNG = { seed: 0, offset: 0 };

/** Depth of composite operators being applied (the outermost one is the user's). */
let composing = 0;

/**
 * An error from inside composite `def`, renamed after it: `FullyConnected: broadcast_add:
 * ... (inside FullyConnected, called with data [2,3] float64, ...)`, of the same class,
 * with the inner error as its cause.
 */
function inComposite(
  def: OpDef,
  names: readonly string[],
  inputs: readonly NDArray[],
  e: unknown,
): unknown {
  if (!(e instanceof MXNetError) || e.message.startsWith(`${def.name}:`)) return e;
  const args = inputs.map((x, i) => `${names[i]} ${formatShape(x.shape)} ${x.dtype}`);
  const msg = `${def.name}: ${e.message} (inside ${def.name}, called with ${args.join(", ")})`;
  const Class = [ShapeError, DTypeError, ParamError, ContextError, UnsupportedError]
    .find((c) => e instanceof c) ?? MXNetError;
  return new Class(msg, { cause: e });
}

/** An operator's argument names (inputs then auxiliary states), for messages. */
function argNamesOf(def: OpDef, p: Params): string[] {
  return [
    ...(typeof def.inputs === "function" ? def.inputs(p) : def.inputs),
    ...auxNamesOf(def, p),
  ];
}

function broadcastView(t: KernelTensor, shape: Shape): View {
  if (shapeEqual(t.shape, shape)) return t.view;
  return { buf: t.buf, shape, strides: broadcastStrides(t.shape, shape), offset: 0 };
}

/**
 * A Builder that applies operators eagerly on NDArrays of context `ctx`; results are of
 * class `arrayClass` when given (a composite keeps its caller's array class).
 */
export function ndBuilder(ctx: Context, arrayClass?: typeof NDArray): Builder<NDArray> {
  const opts = { ctx, arrayClass };
  return {
    op: (name, inputs, params) => applyOp(getOp(name), inputs, params, opts)[0],
    ops: (name, inputs, params) => applyOp(getOp(name), inputs, params, opts),
    shape: (t) => t.shape,
    dtype: (t) => t.dtype,
    get isTrain() {
      return recorder?.training ?? false;
    },
  };
}

/** Applies the operator named `name` (MXNet name or alias). */
export function invoke(
  name: string,
  inputs: readonly NDArray[],
  params?: Record<string, unknown>,
  opts?: ApplyOptions,
): NDArray[] {
  return applyOp(getOp(name), inputs, params, opts);
}
