/**
 * The dependency engine's public surface (`mx.engine`): push an operation with the
 * variables it reads and writes, wait for a variable or for everything.
 * @module
 */
import type { Context } from "../core/context.ts";
import { checkOptions } from "../core/options.ts";
import type { NDArray } from "../ndarray/ndarray.ts";
import { invoke } from "../ndarray/apply.ts";

export * from "./engine.ts";

/** Options of `invokeOp`. */
export interface InvokeOptions {
  /** Context for operators without array inputs (creation, random). */
  ctx?: Context;
  /** Write the (single) output into this existing array instead of a new one. */
  out?: NDArray;
}

/**
 * Runs a registered operator by its MXNet name (`"FullyConnected"`, `"broadcast_add"`)
 * on NDArrays, with its params in camelCase or MXNet's spelling (MXNet's
 * `mx.nd.invoke` / imperative `_imperative_invoke`). Returns every output.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const [y] = mx.engine.invokeOp("broadcast_add", [mx.nd.ones([2]), mx.nd.ones([2])]);
 * console.log(await y.array()); // [2, 2]
 * ```
 */
export function invokeOp(
  name: string,
  inputs: readonly NDArray[],
  params?: Record<string, unknown>,
  opts?: InvokeOptions,
): NDArray[] {
  checkOptions("invokeOp", opts, ["ctx", "out"]);
  return invoke(name, inputs, params, opts);
}
