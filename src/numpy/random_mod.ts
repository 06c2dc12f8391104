/**
 * `mx.np.random`.
 * @module
 */
export * from "./random.ts";
