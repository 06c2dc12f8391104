/**
 * Builds the `mx.sym` operator constructors from the calling-convention table
 * (src/ops/frontend.ts), so they take the same arguments as their `mx.nd` twins.
 * @module
 */
import { ParamError } from "../core/errors.ts";
import { checkOptions, describe } from "../core/options.ts";
import {
  ARITH_OPS,
  type ArithName,
  isOptions,
  parseCall,
  specOf,
  type TensorKind,
} from "../ops/frontend.ts";
import { createSymbol, Symbol } from "./symbol.ts";

/** The Symbol tensor kind, for parseCall. */
export const SYM: TensorKind<Symbol> = {
  name: "Symbol",
  is: (x: unknown): x is Symbol => x instanceof Symbol,
  naming: ["name", "attr", "hint"],
};

/** The `mx.sym` constructor `fn`, typed as `F` (a signature of src/ops/signatures.ts). */
export function symFunction<F>(fn: string): F {
  const spec = specOf(fn);
  const f = function (this: unknown): Symbol {
    const call = parseCall(fn, spec, arguments, SYM);
    return createSymbol(spec.op, call.inputs, call.params, {
      name: call.name,
      attr: call.attr,
      hint: call.hint,
    });
  };
  return f as F;
}

/**
 * The `mx.sym` arithmetic function `fn`: two symbols broadcast, a number takes the scalar
 * form, named as MXNet names `a + b` (`_plus0`).
 */
export function symArith<F>(fn: string): F {
  const name = specOf(fn).arith!;
  const f = function (this: unknown, lhs: unknown, rhs?: unknown, opts?: unknown): Symbol {
    if (isOptions(lhs)) {
      if (arguments.length > 1) {
        throw new ParamError(
          `${fn}: called with one options object ({ lhs, rhs }), so it takes no further ` +
            `arguments; got ${describe(rhs)} as argument 2`,
        );
      }
      checkOptions(fn, lhs, ["lhs", "rhs", "name", "attr", "hint"]);
      return arithSymbol(fn, name, lhs.lhs, lhs.rhs, lhs);
    }
    if (arguments.length > 3) {
      throw new ParamError(
        `${fn}: too many arguments: takes (lhs, rhs, options?), got ${arguments.length}`,
      );
    }
    if (opts !== undefined && !isOptions(opts)) {
      throw new ParamError(
        `${fn}: argument 3 expects an options object (name, attr), got ${describe(opts)}`,
      );
    }
    checkOptions(fn, opts, ["name", "attr", "hint"]);
    return arithSymbol(fn, name, lhs, rhs, (opts ?? {}) as Record<string, unknown>);
  };
  return f as F;
}

/** `lhs <op> rhs` for symbols and numbers. */
export function arithSymbol(
  fn: string,
  name: ArithName,
  lhs: unknown,
  rhs: unknown,
  naming: { name?: unknown; attr?: unknown; hint?: unknown } = {},
): Symbol {
  const [bcast, scalar, rscalar, hint] = ARITH_OPS[name];
  const node = {
    name: naming.name as string | undefined,
    attr: naming.attr as Record<string, string> | undefined,
  };
  for (const [what, x] of [["lhs", lhs], ["rhs", rhs]] as const) {
    if (!(x instanceof Symbol) && typeof x !== "number") {
      throw new ParamError(`${fn}: ${what} expects a Symbol or a number, got ${describe(x)}`);
    }
  }
  if (lhs instanceof Symbol && rhs instanceof Symbol) {
    return createSymbol(bcast, [lhs, rhs], {}, { ...node, hint: hint });
  }
  if (lhs instanceof Symbol) {
    return createSymbol(scalar, [lhs], { scalar: rhs }, { ...node, hint: scalar });
  }
  if (rhs instanceof Symbol) {
    return createSymbol(rscalar, [rhs], { scalar: lhs }, { ...node, hint: rscalar });
  }
  throw new ParamError(`${fn}: at least one operand must be a Symbol, got two numbers`);
}
