/**
 * The `mx.sym` (also `mx.symbol`) namespace.
 * @module
 */
export * from "./symbol.ts";
export * from "./executor.ts";
export * from "./json.ts";
export * from "./ops.ts";
export * from "./nn.ts";
