/**
 * The `mx.nd` namespace.
 * @module
 */
export { keep, NDArray, type ReduceOptions, scope, type TopkOptions } from "./ndarray.ts";
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
