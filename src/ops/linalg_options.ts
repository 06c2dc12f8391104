/**
 * Option types of the `mx.nd.linalg` and `mx.sym.linalg` functions.
 * @module
 */

/** Options of `linalg.gemm` and `linalg.gemm2`. */
export interface GemmOptions {
  /** Use op(A) = A^T. */
  transposeA?: boolean;
  /** Use op(B) = B^T. */
  transposeB?: boolean;
  /** Factor of op(A) op(B) (default 1). */
  alpha?: number;
  /** Axis of the matrix rows (default -2; the columns are always the last axis). */
  axis?: number;
}

/** Options of `linalg.trmm` and `linalg.trsm`. */
export interface TriangularOptions {
  /** Use op(A) = A^T. */
  transpose?: boolean;
  /** Multiply / solve with A on the right of B. */
  rightside?: boolean;
  /** A is lower triangular (default true), else upper. */
  lower?: boolean;
  /** Scalar factor (default 1). */
  alpha?: number;
}
