/**
 * `mx.name`: naming scopes for symbols (MXNet's `NameManager` / `Prefix`).
 * @module
 */
export { prefix, resetNames } from "./graph.ts";
