/**
 * The `mx.nd` namespace.
 * @module
 */
export { NDArray, type ReduceOptions, type TopkOptions } from "./ndarray.ts";
export { keep, scope } from "./scope.ts";
export {
  arange,
  array,
  type CreateOptions,
  empty,
  eye,
  full,
  linspace,
  ones,
  zeros,
} from "./creation.ts";
export * from "./ops.ts";
export { deserialize, load, loadBytes, save, serialize } from "./io.ts";
export * as random from "./random.ts";
export { memoryInfo } from "./memory.ts";
export * from "./nn.ts";
// The signatures and option types of the operator functions (shared with mx.sym).
export type * from "../ops/signatures.ts";
export type * from "../ops/nn/options.ts";
