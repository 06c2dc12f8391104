/**
 * Operators written in TypeScript: MXNet's `mx.operator.CustomOp` (the computation),
 * `CustomOpProp` (names, shapes, types, and the factory of the computation) and
 * `register(name)`. A registered operator runs as the `Custom` operator
 * (`mx.nd.Custom(x, { opType: "name" })`, `mx.sym.Custom`, Symbol JSON `"op": "Custom"`).
 * @module
 */
import type { Context } from "../core/context.ts";
import type { DType } from "../core/dtype.ts";
import { MXNetError, ParamError } from "../core/errors.ts";
import type { Shape } from "../core/shape.ts";
import type { NDArray } from "../ndarray/ndarray.ts";

/**
 * How an output (forward) or input gradient (backward) is to be written: overwrite,
 * accumulate, overwrite in place, or skip (MXNet's OpReqType).
 */
export type OpReq = "write" | "add" | "inplace" | "null";

/**
 * The computation of a custom operator (MXNet's `mx.operator.CustomOp`). Subclass it and
 * override `forward` and, for a differentiable operator, `backward`; write results with
 * `this.assign(dst, req, src)`, which honours the request. The arrays are NDArrays on the
 * operator's context, so both may call any `mx.nd` operator.
 */
export class CustomOp {
  /**
   * Computes the outputs. `req[i]` says how to write `outData[i]`.
   * @param isTrain True in training mode (autograd recording or `forward({ isTrain: true })`).
   */
  forward(
    _isTrain: boolean,
    _req: readonly OpReq[],
    _inData: readonly NDArray[],
    _outData: readonly NDArray[],
    _aux: readonly NDArray[],
  ): void {}

  /**
   * Computes the input gradients from the output gradients. `req[i]` says how to write
   * `inGrad[i]` ("null" for an input that needs no gradient).
   */
  backward(
    _req: readonly OpReq[],
    _outGrad: readonly NDArray[],
    _inData: readonly NDArray[],
    _outData: readonly NDArray[],
    _inGrad: readonly NDArray[],
    _aux: readonly NDArray[],
  ): void {}

  /**
   * Writes `src` into `dst` as `req` asks: "write"/"inplace" overwrite, "add" accumulates,
   * "null" leaves `dst` alone.
   * @example
   * ```ts
   * import * as mx from "../../mod.ts";
   * const dst = mx.nd.ones([2]);
   * new mx.operator.CustomOp().assign(dst, "add", mx.nd.ones([2]));
   * console.log(dst.dataSync()); // Float32Array [2, 2]
   * ```
   */
  assign(dst: NDArray, req: OpReq, src: NDArray | number): void {
    if (req === "null") return;
    if (req === "write" || req === "inplace") dst.set(src);
    else if (req === "add") dst.addInPlace(src);
    else {
      throw new ParamError(
        `CustomOp.assign: req must be "write", "add", "inplace" or "null", got ${
          JSON.stringify(req)
        }`,
      );
    }
  }
}

/**
 * The description of a custom operator (MXNet's `mx.operator.CustomOpProp`): its
 * argument, output and auxiliary-state names, shape and type inference, and
 * `createOperator`. The constructor receives the keyword arguments of the call as
 * strings, as MXNet passes them (`{ opType: "x", scale: 2 }` gives `scale: "2"`).
 */
export class CustomOpProp {
  /** Whether the backward pass uses the output gradients (false for a loss). */
  readonly needTopGrad: boolean;

  /**
   * @param needTopGrad Whether backward reads the output gradients (default true). A
   * subclass without a constructor of its own gets the call's keyword arguments here,
   * which mean the default.
   */
  constructor(needTopGrad: boolean | Record<string, string> = true) {
    this.needTopGrad = typeof needTopGrad === "boolean" ? needTopGrad : true;
  }

  /** The argument (input) names, in order (default `["data"]`). */
  listArguments(): string[] {
    return ["data"];
  }

  /** The output names, in order (default `["output"]`). */
  listOutputs(): string[] {
    return ["output"];
  }

  /** The auxiliary state names, passed after the arguments (default none). */
  listAuxiliaryStates(): string[] {
    return [];
  }

  /**
   * `[argument shapes, output shapes, auxiliary shapes]` from the argument shapes
   * (default: every output has the first argument's shape, no auxiliary states). An
   * argument whose shape is not known yet (a Symbol's label before binding) comes as `[]`.
   */
  inferShape(inShapes: Shape[]): [Shape[], Shape[], Shape[]] {
    return [inShapes, this.listOutputs().map(() => inShapes[0]), []];
  }

  /**
   * `[argument dtypes, output dtypes, auxiliary dtypes]` from the argument dtypes
   * (default: everything has the first argument's dtype).
   */
  inferType(inTypes: DType[]): [DType[], DType[], DType[]] {
    return [
      inTypes,
      this.listOutputs().map(() => inTypes[0]),
      this.listAuxiliaryStates().map(() => inTypes[0]),
    ];
  }

  /**
   * The indices (in `[...outGrad, ...inData, ...outData]` numbering) backward reads. mxts
   * keeps every array of the forward pass for backward, so this only documents intent.
   */
  declareBackwardDependency(outGrad: number[], inData: number[], outData: number[]): number[] {
    return [...(this.needTopGrad ? outGrad : []), ...inData, ...outData];
  }

  /** The computation, for arrays on `ctx` of these shapes and dtypes. */
  createOperator(_ctx: Context, _inShapes: Shape[], _inDtypes: DType[]): CustomOp {
    throw new MXNetError(`${this.constructor.name}: createOperator is not implemented`);
  }
}

/** A `CustomOpProp` subclass, constructed with the call's keyword arguments. */
export type CustomOpPropClass = new (kwargs: Record<string, string>) => CustomOpProp;

const registered = new Map<string, CustomOpPropClass>();

/**
 * Registers a `CustomOpProp` subclass under `name` (MXNet's `@mx.operator.register(name)`):
 * `register("mysoftmax")(MySoftmaxProp)` or `register("mysoftmax", MySoftmaxProp)`.
 * Registering a name again replaces the earlier class, as MXNet does.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * class Double extends mx.operator.CustomOp {
 *   override forward(_t: boolean, req: mx.operator.OpReq[], inData: mx.nd.NDArray[], outData: mx.nd.NDArray[]) {
 *     this.assign(outData[0], req[0], inData[0].mul(2));
 *   }
 * }
 * class DoubleProp extends mx.operator.CustomOpProp {
 *   override createOperator() {
 *     return new Double();
 *   }
 * }
 * mx.operator.register("double_it", DoubleProp);
 * const y = mx.nd.Custom(mx.nd.array([1, 2]), { opType: "double_it" }) as mx.nd.NDArray;
 * console.log(y.dataSync()); // Float32Array [2, 4]
 * ```
 */
export function register(name: string): (prop: CustomOpPropClass) => CustomOpPropClass;
export function register(name: string, prop: CustomOpPropClass): CustomOpPropClass;
export function register(
  name: string,
  prop?: CustomOpPropClass,
): CustomOpPropClass | ((prop: CustomOpPropClass) => CustomOpPropClass) {
  if (typeof name !== "string" || name === "") {
    throw new ParamError(`operator.register: name must be a non-empty string, got ${name}`);
  }
  const add = (p: CustomOpPropClass): CustomOpPropClass => {
    if (typeof p !== "function" || !(p.prototype instanceof CustomOpProp)) {
      throw new ParamError(
        `operator.register("${name}"): expects a subclass of mx.operator.CustomOpProp`,
      );
    }
    registered.set(name, p);
    return p;
  };
  return prop === undefined ? add : add(prop);
}

/** The names registered with `register`, sorted. */
export function registeredNames(): string[] {
  return [...registered.keys()].sort();
}

/** The Prop class registered as `opType`; a ParamError listing the registered names else. */
export function propClassOf(opType: string): CustomOpPropClass {
  const cls = registered.get(opType);
  if (!cls) {
    const names = registeredNames();
    throw new ParamError(
      `Custom: op_type ${JSON.stringify(opType)} is not registered with ` +
        `mx.operator.register (registered: ${names.length ? names.join(", ") : "none"})`,
    );
  }
  return cls;
}
