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
export { deserialize, load, loadBytes, type LoadOptions, save, serialize } from "./io.ts";
export * as random from "./random.ts";
export { memoryInfo } from "./memory.ts";
export * from "./nn.ts";
