/**
 * `mx.mod`: the Module API.
 * @module
 */
export * from "./base_module.ts";
export * from "./module.ts";
export * from "./sequential_module.ts";
export * from "./bucketing_module.ts";
