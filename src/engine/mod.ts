/**
 * The dependency engine's public surface (`mx.engine`).
 * @module
 */
export { isNaive, push, Var, waitAll, waitForVar } from "./engine.ts";
export { invoke as invokeOp } from "../ndarray/apply.ts";
