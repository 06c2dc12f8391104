/**
 * The `mx.sym` (also `mx.symbol`) namespace.
 * @module
 */
export * from "./symbol.ts";
export { Variable as var } from "./symbol.ts";
export * from "./executor.ts";
export * from "./json.ts";
export * from "./ops.ts";
export * from "./ops_shape.ts"; // #19 ops-shape
export * from "./nn.ts";
export * as linalg from "./linalg.ts"; // #19 ops-linalg
// The signatures and option types of the operator functions (shared with mx.nd).
export type * from "../ops/signatures.ts";
export type * from "../ops/signatures_shape.ts"; // #19 ops-shape
export type * from "../ops/nn/options.ts";
export * from "./optimizer_ops.ts"; // #19 optim
export * from "./vision.ts"; // #19 ops-vision
export * as contrib from "./contrib.ts"; // #19 ops-vision
