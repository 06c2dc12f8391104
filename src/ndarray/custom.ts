/**
 * `mx.nd.Custom`: applies an operator registered with `mx.operator.register`.
 * @module
 */
import { ParamError } from "../core/errors.ts";
import { describe } from "../core/options.ts";
import { isOptions } from "../ops/frontend.ts";
import { invoke } from "./apply.ts";
import { NDArray } from "./ndarray.ts";

/**
 * Options of `Custom`: `opType` (the registered name) and the operator's own keyword
 * arguments, which reach its CustomOpProp's constructor as strings, as in MXNet.
 */
export interface CustomOptions {
  /** The name the CustomOpProp was registered under. */
  opType: string;
  /** The operator's keyword arguments. */
  [kwarg: string]: unknown;
}

/**
 * Applies custom operator `opType` to its arguments then auxiliary states, in the order
 * its Prop lists them: one output gives an NDArray, several an array of them.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * class Square extends mx.operator.CustomOp {
 *   override forward(_t: boolean, req: mx.operator.OpReq[], inData: mx.nd.NDArray[], outData: mx.nd.NDArray[]) {
 *     this.assign(outData[0], req[0], inData[0].square());
 *   }
 * }
 * mx.operator.register("nd_square", class extends mx.operator.CustomOpProp {
 *   override createOperator() {
 *     return new Square();
 *   }
 * });
 * const y = mx.nd.Custom(mx.nd.array([1, 2, 3]), { opType: "nd_square" }) as mx.nd.NDArray;
 * console.log(y.dataSync()); // Float32Array [1, 4, 9]
 * ```
 */
export function Custom(...args: (NDArray | CustomOptions)[]): NDArray | NDArray[] {
  const last = args[args.length - 1];
  if (!isOptions(last) || typeof last.opType !== "string") {
    throw new ParamError(
      `Custom: the last argument must be an options object with opType (the name given ` +
        `to mx.operator.register), got ${describe(last)}`,
    );
  }
  const inputs = args.slice(0, -1);
  inputs.forEach((x, i) => {
    if (!(x instanceof NDArray)) {
      throw new ParamError(`Custom: input ${i} must be an NDArray, got ${describe(x)}`);
    }
  });
  const outs = invoke("Custom", inputs as NDArray[], last);
  return outs.length === 1 ? outs[0] : outs;
}
