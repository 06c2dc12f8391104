/**
 * `mx.sym.Custom`: a graph node of an operator registered with `mx.operator.register`.
 * @module
 */
import { ParamError } from "../core/errors.ts";
import { describe } from "../core/options.ts";
import { isOptions } from "../ops/frontend.ts";
import { createSymbol, Symbol } from "./symbol.ts";

/**
 * Options of `mx.sym.Custom`: `opType`, the inputs keyed by the Prop's argument names
 * (`data`, `label`; a missing one becomes a variable `<name>_<arg>`), `name`, `attr`,
 * and the operator's keyword arguments (written to the graph as strings, as MXNet does).
 */
export interface SymCustomOptions {
  /** The name the CustomOpProp was registered under. */
  opType: string;
  /** Node name. */
  name?: string;
  /** Extra node attributes. */
  attr?: Record<string, string>;
  /** Inputs by argument name, and the operator's keyword arguments. */
  [key: string]: unknown;
}

/**
 * A `Custom` node: positional input symbols (arguments then auxiliary states), then the
 * options; or only the options with the inputs keyed by name.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * mx.operator.register("sym_identity", class extends mx.operator.CustomOpProp {
 *   override createOperator() {
 *     return new (class extends mx.operator.CustomOp {
 *       override forward(_t: boolean, req: mx.operator.OpReq[], i: mx.nd.NDArray[], o: mx.nd.NDArray[]) {
 *         this.assign(o[0], req[0], i[0]);
 *       }
 *     })();
 *   }
 * });
 * const y = mx.sym.Custom({ data: mx.sym.Variable("x"), opType: "sym_identity", name: "id" });
 * console.log(y.listArguments()); // ["x"]
 * ```
 */
export function Custom(...args: (Symbol | SymCustomOptions)[]): Symbol {
  const last = args[args.length - 1];
  if (!isOptions(last) || typeof last.opType !== "string") {
    throw new ParamError(
      `Custom: the last argument must be an options object with opType (the name given ` +
        `to mx.operator.register), got ${describe(last)}`,
    );
  }
  const positional = args.slice(0, -1);
  positional.forEach((x, i) => {
    if (!(x instanceof Symbol)) {
      throw new ParamError(`Custom: input ${i} must be a Symbol, got ${describe(x)}`);
    }
  });
  const keyed: Record<string, Symbol> = {};
  const params: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(last)) {
    if (k === "name" || k === "attr") continue;
    if (v instanceof Symbol) keyed[k] = v;
    else params[k] = v;
  }
  if (positional.length && Object.keys(keyed).length) {
    throw new ParamError(
      `Custom: give the inputs either positionally or by name, not both (named: ${
        Object.keys(keyed).join(", ")
      })`,
    );
  }
  return createSymbol(
    "Custom",
    positional.length ? positional as Symbol[] : keyed,
    params,
    { name: last.name, attr: last.attr, hint: "custom" },
  );
}
