/**
 * `mx.np.linalg`.
 * @module
 */
export {
  cholesky,
  det,
  eigh,
  eigvalsh,
  inv,
  lstsq,
  matrixPower,
  matrixRank,
  multiDot,
  norm,
  type NormOptions,
  pinv,
  slogdet,
  solve,
  svd,
} from "./linalg.ts";
