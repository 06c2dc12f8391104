/**
 * The `Custom` operator: runs an operator written in TypeScript with
 * `mx.operator.CustomOp`/`CustomOpProp` and registered under `op_type`.
 *
 * Design: the user's `forward` and `backward` are TypeScript functions over NDArrays that
 * may call any `mx.nd` operator, as MXNet users' Python does. Running them inside an
 * engine operation would have them push operations that write the very outputs the
 * running operation holds (a deadlock or a reordering on asynchronous backends), so
 * `Custom` is executed eagerly by the front end instead: its lowering is a composite that
 * allocates the outputs, calls the user's `forward` with autograd paused (its operators
 * are ordinary engine operations, ordered by the engine like any others), and records
 * itself as ONE autograd node whose gradient calls the user's `backward`. The Symbol
 * executor and hybridized blocks run nodes through the same front end, so the same path
 * serves `mx.nd.Custom`, `mx.sym.Custom`, Symbol JSON, Module and Gluon.
 * @module
 */
import { currentContext } from "../core/context.ts";
import type { DType } from "../core/dtype.ts";
import { DTypeError, MXNetError, ParamError, ShapeError } from "../core/errors.ts";
import { formatShape, type Shape, shapeEqual } from "../core/shape.ts";
import { invoke, isRecording, requireRecorder } from "../ndarray/apply.ts";
import { NDArray } from "../ndarray/ndarray.ts";
import { CustomOp, type CustomOpProp, type OpReq, propClassOf } from "../operator/custom.ts";
import type { Builder, GradArgs, OpDef, Params } from "./op_def.ts";

/** The Prop of a call, one per parsed-params object (a Symbol node keeps its own). */
const props = new WeakMap<Params, CustomOpProp>();

/** The user's keyword arguments: every parameter but `opType`, as strings. */
function kwargsOf(p: Params): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(p)) if (k !== "opType") out[k] = String(v);
  return out;
}

function opTypeOf(p: Params): string {
  return String(p.opType);
}

/** `Custom: op_type mysoftmax: <what>`: every message names the operator and its op_type. */
function where(p: Params, what: string): string {
  return `Custom: op_type ${opTypeOf(p)}: ${what}`;
}

function propOf(p: Params): CustomOpProp {
  let prop = props.get(p);
  if (!prop) {
    const Cls = propClassOf(opTypeOf(p));
    prop = userCall(p, "constructor", () => new Cls(kwargsOf(p)));
    props.set(p, prop);
  }
  return prop;
}

/** Runs user code, renaming its failures after the operator and op_type. */
function userCall<R>(p: Params, what: string, fn: () => R): R {
  try {
    return fn();
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (msg.startsWith("Custom:")) throw e;
    // The class is kept where it says what went wrong (a shape, a dtype, a parameter).
    const Class = [ShapeError, DTypeError, ParamError].find((c) => e instanceof c) ?? MXNetError;
    throw new Class(`${where(p, what)}: ${msg}`, { cause: e });
  }
}

function names(p: Params, what: "listArguments" | "listOutputs" | "listAuxiliaryStates") {
  const prop = propOf(p);
  const list = userCall(p, what, () => prop[what]());
  if (!Array.isArray(list) || list.some((n) => typeof n !== "string")) {
    throw new MXNetError(`${where(p, what)} must return an array of names, got ${list}`);
  }
  return list as string[];
}

function isShape(s: unknown): s is Shape {
  return Array.isArray(s) && s.every((d) => Number.isSafeInteger(d) && d >= 0);
}

/** A list the Prop returned, checked against the names it declares. */
function checkList<X>(
  p: Params,
  method: string,
  what: string,
  got: unknown,
  expected: readonly string[],
  ok: (x: unknown) => x is X,
  show: (x: unknown) => string,
): X[] {
  const list = got ?? [];
  if (!Array.isArray(list) || list.length !== expected.length || !list.every(ok)) {
    const shown = Array.isArray(list) ? `[${list.map(show).join(", ")}]` : String(list);
    throw new ShapeError(
      `${where(p, method)} returned ${shown} as the ${what}; expected ${expected.length} ` +
        `(${expected.join(", ") || "none"})`,
    );
  }
  return list as X[];
}

const showShape = (s: unknown) => (isShape(s) ? formatShape(s) : JSON.stringify(s));

/** The Prop's `[argument, output, aux]` shapes for the argument shapes (`[]`: unknown). */
function propShapes(p: Params, argShapes: Shape[]): [Shape[], Shape[], Shape[]] {
  const prop = propOf(p);
  const args = names(p, "listArguments");
  const res = userCall(p, "inferShape", () => prop.inferShape(argShapes.map((s) => [...s])));
  if (!Array.isArray(res) || res.length < 2 || res.length > 3) {
    throw new ShapeError(
      `${where(p, "inferShape")} must return [inShapes, outShapes, auxShapes], got ${res}`,
    );
  }
  return [
    checkList(p, "inferShape", "argument shapes", res[0], args, isShape, showShape),
    checkList(
      p,
      "inferShape",
      "output shapes",
      res[1],
      names(p, "listOutputs"),
      isShape,
      showShape,
    ),
    checkList(
      p,
      "inferShape",
      "auxiliary shapes",
      res[2],
      names(p, "listAuxiliaryStates"),
      isShape,
      showShape,
    ),
  ];
}

function inferShape(inputs: readonly Shape[], p: Params): Shape[] {
  const args = names(p, "listArguments"), aux = names(p, "listAuxiliaryStates");
  const [inShapes, outShapes, auxShapes] = propShapes(p, inputs.slice(0, args.length));
  const given = [...args, ...aux], want = [...inShapes, ...auxShapes];
  for (let i = 0; i < given.length; i++) {
    if (inputs[i] && !shapeEqual(inputs[i], want[i])) {
      throw new ShapeError(
        `${where(p, "inferShape")}: ${i < args.length ? "argument" : "auxiliary state"} ` +
          `${given[i]} has shape ${formatShape(inputs[i])}, inferShape expects ${
            formatShape(want[i])
          }`,
      );
    }
  }
  return outShapes;
}

const DTYPES = new Set([
  "float32",
  "float64",
  "float16",
  "uint8",
  "int8",
  "int32",
  "int64",
  "bool",
]);
const isDType = (d: unknown): d is DType => typeof d === "string" && DTYPES.has(d);

function inferType(inputs: readonly DType[], p: Params): DType[] {
  const prop = propOf(p);
  const args = names(p, "listArguments");
  const res = userCall(p, "inferType", () => prop.inferType(inputs.slice(0, args.length)));
  if (!Array.isArray(res) || res.length < 2) {
    throw new DTypeError(
      `${where(p, "inferType")} must return [inTypes, outTypes, auxTypes], got ${res}`,
    );
  }
  const show = (d: unknown) => JSON.stringify(d);
  return checkList(p, "inferType", "output dtypes", res[1], names(p, "listOutputs"), isDType, show);
}

/** The CustomOp that computed an output, for its backward (MXNet keeps one per node). */
const operators = new WeakMap<NDArray, CustomOp>();

function createOperator(p: Params, inputs: readonly NDArray[], nArgs: number): CustomOp {
  const prop = propOf(p);
  const ctx = inputs[0]?.context ?? currentContext();
  const args = inputs.slice(0, nArgs);
  const op = userCall(
    p,
    "createOperator",
    () => prop.createOperator(ctx, args.map((x) => x.shape), args.map((x) => x.dtype)),
  );
  if (!(op instanceof CustomOp)) {
    throw new MXNetError(
      `${where(p, "createOperator")} must return an mx.operator.CustomOp, got ${op}`,
    );
  }
  return op;
}

function ndInputs(p: Params, what: string, xs: readonly unknown[]): NDArray[] {
  for (const x of xs) {
    if (!(x instanceof NDArray)) {
      throw new MXNetError(`${where(p, what)}: runs on NDArrays only, got ${x}`);
    }
  }
  return xs as NDArray[];
}

/** Runs `fn` with autograd not recording, in training mode `train` (as MXNet runs them). */
function paused<R>(train: boolean, fn: () => R): R {
  if (!isRecording()) return fn();
  const r = requireRecorder("Custom");
  return r.pause ? r.pause(fn, train) : fn();
}

/** The `Custom` operator (see the module comment for how it runs). */
export const CUSTOM_OP: OpDef = {
  name: "Custom",
  inputs: (p) => names(p, "listArguments"),
  aux: (p) => names(p, "listAuxiliaryStates"),
  numOutputs: (p) => names(p, "listOutputs").length,
  outputNames: (p) => names(p, "listOutputs"),
  params: { opType: { type: "string", required: true } },
  openParams: true,
  inferShape,
  inferInputShapes(inputs, p) {
    const args = names(p, "listArguments");
    const argShapes = inputs.slice(0, args.length);
    // The user's inferShape usually derives everything from `data`: without it there is
    // nothing to ask yet (a later pass asks again once more shapes are known).
    if (argShapes.every((s) => s === undefined)) return [...inputs];
    let derived: Shape[];
    try {
      const [inShapes, , auxShapes] = propShapes(p, argShapes.map((s) => s ?? []));
      derived = [...inShapes, ...auxShapes];
    } catch (e) {
      // With some shapes unknown the user's code may fail; forward() reports it in full.
      if (argShapes.some((s) => s === undefined)) return [...inputs];
      throw e;
    }
    // `[]` back for an unknown input is "still unknown", as MXNet 1.x reads ndim 0.
    return derived.map((s, i) => inputs[i] ?? (s.length ? s : undefined));
  },
  inferType,
  gradient<T>(_b: Builder<T>, g: GradArgs<T>): (T | null)[] {
    const p = g.params;
    const inputs = ndInputs(p, "backward", g.inputs);
    const outputs = ndInputs(p, "backward", g.outputs);
    const outGrads = ndInputs(p, "backward", g.outGrads);
    const nArgs = names(p, "listArguments").length;
    const op = operators.get(outputs[0]) ?? createOperator(p, inputs, nArgs);
    const inData = inputs.slice(0, nArgs), aux = inputs.slice(nArgs);
    const req: OpReq[] = inData.map((_, i) => (g.needs?.[i] === false ? "null" : "write"));
    const inGrad = inData.map((x) => x.zerosLike());
    userCall(
      p,
      "backward",
      () => paused(true, () => op.backward(req, outGrads, inData, outputs, inGrad, aux)),
    );
    return [...inGrad.map((x, i) => (req[i] === "null" ? null : x as T)), ...aux.map(() => null)];
  },
  lowering: {
    kind: "composite",
    compose(b, rawInputs, p) {
      const inputs = ndInputs(p, "forward", rawInputs);
      const nArgs = names(p, "listArguments").length;
      const ctx = inputs[0]?.context ?? currentContext();
      const shapes = inferShape(inputs.map((x) => x.shape), p);
      const dtypes = inferType(inputs.map((x) => x.dtype), p);
      const cls = (inputs[0]?.constructor as typeof NDArray | undefined) ?? NDArray;
      // Zero-filled, so an output the user's forward writes with req "add" starts at 0.
      const outputs = shapes.map((s, i) =>
        invoke("_zeros", [], { shape: s, dtype: dtypes[i] }, { ctx, arrayClass: cls })[0]
      );
      const op = createOperator(p, inputs, nArgs);
      const isTrain = b.isTrain;
      userCall(p, "forward", () =>
        paused(isTrain, () =>
          op.forward(
            isTrain,
            outputs.map(() => "write"),
            inputs.slice(0, nArgs),
            outputs,
            inputs.slice(nArgs),
          )));
      if (outputs.length) operators.set(outputs[0], op);
      // A composite's parts are what autograd records; this one is recorded whole, so its
      // gradient is the user's backward.
      if (isRecording()) requireRecorder("Custom").record(CUSTOM_OP, inputs, outputs, p);
      return outputs as never[];
    },
  },
};

/** The Custom operator family (one operator). */
export const CUSTOM_OPS: readonly OpDef[] = [CUSTOM_OP];
