/**
 * `mx.sym.linalg`: MXNet's `_linalg_*` operators as Symbol constructors (the same
 * functions as `mx.nd.linalg`; gelqf, syevd and slogdet give a Symbol of two outputs, as
 * in MXNet). `opts.name` names the node.
 * @module
 */
import { checkOptions } from "../core/options.ts";
import type { GemmOptions, TriangularOptions } from "../ops/linalg_options.ts";
import { getOp } from "../ops/registry.ts";
import { createSymbol, type Symbol } from "./symbol.ts";

export type * from "../ops/linalg_options.ts";

/** The node name option every constructor takes. */
export interface Named {
  /** Name of the node. */
  name?: string;
}

function apply(op: string, inputs: Symbol[], opts: Named & object): Symbol {
  const keys = Object.keys(getOp(op).params);
  checkOptions(`linalg.${op.replace("_linalg_", "")}`, opts, [...keys, "name"]);
  const { name, ...params } = opts;
  return createSymbol(op, inputs, params as Record<string, unknown>, { name });
}

/** alpha * op(A) op(B) + beta * C. */
export function gemm(
  A: Symbol,
  B: Symbol,
  C: Symbol,
  opts: GemmOptions & { beta?: number } & Named = {},
): Symbol {
  return apply("_linalg_gemm", [A, B, C], opts);
}

/** alpha * op(A) op(B). */
export function gemm2(A: Symbol, B: Symbol, opts: GemmOptions & Named = {}): Symbol {
  return apply("_linalg_gemm2", [A, B], opts);
}

/** alpha * A A^T, or alpha * A^T A with `transpose`. */
export function syrk(
  A: Symbol,
  opts: { transpose?: boolean; alpha?: number } & Named = {},
): Symbol {
  return apply("_linalg_syrk", [A], opts);
}

/** alpha * op(A) B (or alpha * B op(A)) with A triangular. */
export function trmm(A: Symbol, B: Symbol, opts: TriangularOptions & Named = {}): Symbol {
  return apply("_linalg_trmm", [A, B], opts);
}

/** X with op(A) X = alpha B (or X op(A) = alpha B) for triangular A. Host. */
export function trsm(A: Symbol, B: Symbol, opts: TriangularOptions & Named = {}): Symbol {
  return apply("_linalg_trsm", [A, B], opts);
}

/** Cholesky factor (lower, or upper when `lower` is false). Host. */
export function potrf(A: Symbol, opts: { lower?: boolean } & Named = {}): Symbol {
  return apply("_linalg_potrf", [A], opts);
}

/** The inverse of L L^T (or U^T U) from its Cholesky factor. Host. */
export function potri(A: Symbol, opts: { lower?: boolean } & Named = {}): Symbol {
  return apply("_linalg_potri", [A], opts);
}

/** LQ factorization: outputs Q, L. Host. */
export function gelqf(A: Symbol, opts: Named = {}): Symbol {
  return apply("_linalg_gelqf", [A], opts);
}

/** Symmetric eigendecomposition: outputs U (eigenvectors as rows), lambda. Host. */
export function syevd(A: Symbol, opts: Named = {}): Symbol {
  return apply("_linalg_syevd", [A], opts);
}

/** Matrix inverse. Host. */
export function inverse(A: Symbol, opts: Named = {}): Symbol {
  return apply("_linalg_inverse", [A], opts);
}

/** Determinant. Host. */
export function det(A: Symbol, opts: Named = {}): Symbol {
  return apply("_linalg_det", [A], opts);
}

/** Outputs sign and log |det|. Host. */
export function slogdet(A: Symbol, opts: Named = {}): Symbol {
  return apply("_linalg_slogdet", [A], opts);
}

/** Sum of the logs of the diagonal. */
export function sumlogdiag(A: Symbol, opts: Named = {}): Symbol {
  return apply("_linalg_sumlogdiag", [A], opts);
}

/** The diagonal `offset` of square matrices. */
export function extractdiag(A: Symbol, opts: { offset?: number } & Named = {}): Symbol {
  return apply("_linalg_extractdiag", [A], opts);
}

/** Square matrices with `A`'s last axis on diagonal `offset`. */
export function makediag(A: Symbol, opts: { offset?: number } & Named = {}): Symbol {
  return apply("_linalg_makediag", [A], opts);
}

/** The packed triangle (MXNet's order) at `offset` / `lower`. */
export function extracttrian(
  A: Symbol,
  opts: { offset?: number; lower?: boolean } & Named = {},
): Symbol {
  return apply("_linalg_extracttrian", [A], opts);
}

/** Square matrices from packed triangles. */
export function maketrian(
  A: Symbol,
  opts: { offset?: number; lower?: boolean } & Named = {},
): Symbol {
  return apply("_linalg_maketrian", [A], opts);
}
