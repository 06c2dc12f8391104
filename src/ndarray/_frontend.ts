/**
 * Builds the `mx.nd` operator functions from the calling-convention table
 * (src/ops/frontend.ts), so they take the same arguments as their `mx.sym` twins.
 * @module
 */
import { ParamError } from "../core/errors.ts";
import { checkOptions, describe } from "../core/options.ts";
import {
  argNamesFor,
  type ArithName,
  type FnSpec,
  isOptions,
  orderInputs,
  parseCall,
  specOf,
  type TensorKind,
} from "../ops/frontend.ts";
import type { OpDef } from "../ops/op_def.ts";
import { getOp } from "../ops/registry.ts";
import { applyOp } from "./apply.ts";
import { arith } from "./arith.ts";
import { NDArray } from "./ndarray.ts";

/** The NDArray tensor kind, for parseCall. */
export const ND: TensorKind<NDArray> = {
  name: "NDArray",
  is: (x: unknown): x is NDArray => x instanceof NDArray,
  // Accepted and ignored, so that code written for graphs runs on arrays.
  naming: ["name", "attr"],
};

/** Applies function `fn` (a name of the calling-convention table) to its arguments. */
export function callNd(
  fn: string,
  args: ArrayLike<unknown>,
  spec: FnSpec = specOf(fn),
): NDArray[] {
  const def = getOp(spec.op);
  const call = parseCall(fn, spec, args, ND);
  let inputs: NDArray[];
  if (Array.isArray(call.inputs)) {
    inputs = call.inputs;
    if (!spec.variadic) {
      const names = argNamesFor(def, call.params);
      if (inputs.length < names.length) {
        throw new ParamError(
          `${fn}: missing input array(s) ${names.slice(inputs.length).join(", ")}`,
        );
      }
    }
  } else inputs = orderInputs(fn, def, call.inputs, call.params);
  return applyOp(def, inputs, call.params);
}

/**
 * The `mx.nd` function `fn`, typed as `F` (one of the signatures of src/ops/signatures.ts).
 * Calls with exactly the operator's input arrays skip argument parsing: the per-op hot
 * path of the elementwise functions allocates nothing more than before.
 */
export function ndFunction<F>(fn: string): F {
  const spec = specOf(fn);
  let def: OpDef | undefined;
  let arity = -1; // number of inputs when fixed and no params are positional, else -1
  const f = function (this: unknown, a?: unknown, b?: unknown): NDArray | NDArray[] {
    if (arity === -1 && def === undefined) {
      def = getOp(spec.op);
      arity = Array.isArray(def.inputs) && !def.aux && !spec.positional && !spec.variadic
        ? def.inputs.length
        : -2;
    }
    const n = arguments.length;
    if (n === arity && a instanceof NDArray) {
      if (n === 1) return applyOp(def!, [a])[0];
      if (n === 2 && b instanceof NDArray) return applyOp(def!, [a, b])[0];
    }
    const outs = callNd(fn, arguments);
    return spec.allOutputs || (spec.manyOutputs && outs.length > 1) ? outs : outs[0];
  };
  return f as F;
}

/** The `mx.nd` arithmetic function `fn`: arrays broadcast, a number takes the scalar form. */
export function ndArith<F>(fn: string): F {
  const name = specOf(fn).arith!;
  const f = function (this: unknown, lhs: unknown, rhs?: unknown, opts?: unknown): NDArray {
    if (arguments.length <= 2 && lhs instanceof NDArray) {
      if (rhs instanceof NDArray || typeof rhs === "number") return arith(name, lhs, rhs);
    }
    if (isOptions(lhs)) {
      if (arguments.length > 1) {
        throw new ParamError(
          `${fn}: called with one options object ({ lhs, rhs }), so it takes no further ` +
            `arguments; got ${describe(rhs)} as argument 2`,
        );
      }
      checkOptions(fn, lhs, ["lhs", "rhs", "name", "attr"]);
      return ndArithChecked(fn, name, lhs.lhs, lhs.rhs);
    }
    if (arguments.length > 3) {
      throw new ParamError(
        `${fn}: too many arguments: takes (lhs, rhs, options?), got ${arguments.length}`,
      );
    }
    if (opts !== undefined) {
      if (!isOptions(opts)) {
        throw new ParamError(
          `${fn}: argument 3 expects an options object (name, attr), got ${describe(opts)}`,
        );
      }
      checkOptions(fn, opts, ["name", "attr"]);
    }
    return ndArithChecked(fn, name, lhs, rhs);
  };
  return f as F;
}

function ndArithChecked(fn: string, name: ArithName, lhs: unknown, rhs: unknown): NDArray {
  for (const [what, x] of [["lhs", lhs], ["rhs", rhs]] as const) {
    if (!(x instanceof NDArray) && typeof x !== "number") {
      throw new ParamError(`${fn}: ${what} expects an NDArray or a number, got ${describe(x)}`);
    }
  }
  if (typeof lhs === "number" && typeof rhs === "number") {
    throw new ParamError(`${fn}: at least one operand must be an NDArray, got two numbers`);
  }
  return arith(name, lhs as NDArray | number, rhs as NDArray | number);
}
