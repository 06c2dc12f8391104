/**
 * The `mx.sym` (also `mx.symbol`) namespace.
 * @module
 */
export {
  createSymbol,
  Group,
  type InferShapeResult,
  type NodeOptions,
  type PartialShapeResult,
  Symbol,
  Variable,
  Variable as var,
  type VariableOptions,
} from "./symbol.ts";
export { type ArrayMap, type BindOptions, Executor } from "./executor.ts";
export { load, loadJSON } from "./json.ts";
export * from "./ops.ts";
export * from "./nn.ts";
// The signatures and option types of the operator functions (shared with mx.nd).
export type * from "../ops/signatures.ts";
export type * from "../ops/nn/options.ts";
