/**
 * The `mx.sym` (also `mx.symbol`) namespace.
 * @module
 */
export * from "./symbol.ts";
export { Variable as var } from "./symbol.ts";
export * from "./executor.ts";
export * from "./json.ts";
export * from "./ops.ts";
export * from "./ops_shape.ts";
export * from "./nn.ts";
export * as linalg from "./linalg.ts";
// The signatures and option types of the operator functions (shared with mx.nd).
export type * from "../ops/signatures.ts";
export type * from "../ops/signatures_shape.ts";
export type * from "../ops/nn/options.ts";
export * from "./optimizer_ops.ts";
export * from "./vision.ts";
export * from "./custom.ts";
export * from "./random_pdf.ts";
export * as image from "./image_ops.ts";
export * from "./sparse_reg.ts";
export * as contrib from "./contrib.ts";
