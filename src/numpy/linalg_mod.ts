/**
 * `mx.np.linalg`.
 * @module
 */
export * from "./linalg.ts";
