/**
 * The `mx.nd` namespace: the NDArray class, creation, every operator as a function,
 * save/load in MXNet's binary format, scopes and memory reports.
 *
 * Each part is re-exported with `export *` (never `export { name } from`): `deno doc`
 * documents a namespace only from the modules it star-re-exports.
 * @module
 */
export * from "./ndarray.ts";
export * from "./scope.ts";
export * from "./creation.ts";
export * from "./ops.ts";
export * from "./ops_shape.ts";
export * from "./io.ts";
export * as random from "./random.ts";
export * as linalg from "./linalg.ts";
export * from "./memory.ts";
export * from "./nn.ts";
// The signatures and option types of the operator functions (shared with mx.sym).
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
