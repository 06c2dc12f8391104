/**
 * `mx.init` / `mx.initializer`: parameter initializers.
 * @module
 */
export * from "./initializer.ts";
