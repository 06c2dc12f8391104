/**
 * `mx.nd.linalg`: MXNet's `_linalg_*` operators as functions (`mx.nd.linalg.gemm2(a, b)`
 * applies `_linalg_gemm2`), batched over the leading axes. The factorizations (potrf,
 * trsm, gelqf, syevd, inverse, det, slogdet, and potri through trsm) run on the host:
 * LAPACK on the native backend, TS code on the ts backend; copy device arrays to
 * `mx.cpu()` first. The others are compositions that run on every backend.
 * @module
 */
import { checkOptions } from "../core/options.ts";
import { getOp } from "../ops/registry.ts";
import { invoke } from "./apply.ts";
import type { NDArray } from "./ndarray.ts";
import type { GemmOptions, TriangularOptions } from "../ops/linalg_options.ts";

export type * from "../ops/linalg_options.ts";

function apply(op: string, inputs: NDArray[], opts: object): NDArray[] {
  const def = getOp(op);
  checkOptions(`linalg.${op.replace("_linalg_", "")}`, opts, Object.keys(def.params));
  return invoke(op, inputs, opts as Record<string, unknown>);
}

/** alpha * op(A) op(B) + beta * C. */
export function gemm(
  A: NDArray,
  B: NDArray,
  C: NDArray,
  opts: GemmOptions & { beta?: number } = {},
): NDArray {
  return apply("_linalg_gemm", [A, B, C], opts)[0];
}

/** alpha * op(A) op(B). */
export function gemm2(A: NDArray, B: NDArray, opts: GemmOptions = {}): NDArray {
  return apply("_linalg_gemm2", [A, B], opts)[0];
}

/** alpha * A A^T, or alpha * A^T A with `transpose`. */
export function syrk(A: NDArray, opts: { transpose?: boolean; alpha?: number } = {}): NDArray {
  return apply("_linalg_syrk", [A], opts)[0];
}

/** alpha * op(A) B (or alpha * B op(A)) with A triangular. */
export function trmm(A: NDArray, B: NDArray, opts: TriangularOptions = {}): NDArray {
  return apply("_linalg_trmm", [A, B], opts)[0];
}

/** X with op(A) X = alpha B (or X op(A) = alpha B) for triangular A. Host. */
export function trsm(A: NDArray, B: NDArray, opts: TriangularOptions = {}): NDArray {
  return apply("_linalg_trsm", [A, B], opts)[0];
}

/** Cholesky factor: L with A = L L^T (or U with A = U^T U when `lower` is false). Host. */
export function potrf(A: NDArray, opts: { lower?: boolean } = {}): NDArray {
  return apply("_linalg_potrf", [A], opts)[0];
}

/** The inverse of L L^T (or U^T U) from its Cholesky factor. Host. */
export function potri(A: NDArray, opts: { lower?: boolean } = {}): NDArray {
  return apply("_linalg_potri", [A], opts)[0];
}

/** LQ factorization A = L Q of (..., m, n) with m <= n: [Q, L]. Host. */
export function gelqf(A: NDArray): [NDArray, NDArray] {
  const [q, l] = apply("_linalg_gelqf", [A], {});
  return [q, l];
}

/**
 * Symmetric eigendecomposition A = U^T diag(lambda) U: [U (eigenvectors as rows), lambda
 * ascending]. Host.
 */
export function syevd(A: NDArray): [NDArray, NDArray] {
  const [u, lam] = apply("_linalg_syevd", [A], {});
  return [u, lam];
}

/** Matrix inverse. Host. */
export function inverse(A: NDArray): NDArray {
  return apply("_linalg_inverse", [A], {})[0];
}

/** Determinant. Host. */
export function det(A: NDArray): NDArray {
  return apply("_linalg_det", [A], {})[0];
}

/** [sign, log |det|] of the determinant. Host. */
export function slogdet(A: NDArray): [NDArray, NDArray] {
  const [s, l] = apply("_linalg_slogdet", [A], {});
  return [s, l];
}

/** Sum of the logs of the diagonal. */
export function sumlogdiag(A: NDArray): NDArray {
  return apply("_linalg_sumlogdiag", [A], {})[0];
}

/** The diagonal `offset` (above the main one when > 0) of square matrices. */
export function extractdiag(A: NDArray, opts: { offset?: number } = {}): NDArray {
  return apply("_linalg_extractdiag", [A], opts)[0];
}

/** Square matrices with `A`'s last axis on diagonal `offset`, zero elsewhere. */
export function makediag(A: NDArray, opts: { offset?: number } = {}): NDArray {
  return apply("_linalg_makediag", [A], opts)[0];
}

/** The packed triangle (MXNet's order) at `offset` / `lower` of square matrices. */
export function extracttrian(
  A: NDArray,
  opts: { offset?: number; lower?: boolean } = {},
): NDArray {
  return apply("_linalg_extracttrian", [A], opts)[0];
}

/** Square matrices from packed triangles (the inverse of {@link extracttrian}). */
export function maketrian(A: NDArray, opts: { offset?: number; lower?: boolean } = {}): NDArray {
  return apply("_linalg_maketrian", [A], opts)[0];
}
