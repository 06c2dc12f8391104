/**
 * `mx.mod`: the Module API.
 * @module
 */
export * from "./module.ts";
