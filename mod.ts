/**
 * mxts: Apache MXNet's programming model in TypeScript.
 *
 * @example
 * ```ts
 * import * as mx from "./mod.ts";
 * const a = mx.nd.ones([2, 3]).mul(2);
 * const b = mx.nd.ones([2, 3]).mul(4);
 * console.log(await a.add(b).array()); // [[6, 6, 6], [6, 6, 6]]
 * ```
 * @module
 */
export {
  Context,
  cpu,
  currentContext,
  type DeviceType,
  gpu,
  withContext,
} from "./src/core/context.ts";
export type { DType, HostArray, TypedArray } from "./src/core/dtype.ts";
export type { ArrayLikeInput } from "./src/ndarray/input.ts";
export type { UnaryName } from "./src/ndarray/arith.ts";
export {
  ContextError,
  DisposedError,
  DTypeError,
  EngineError,
  EngineErrors,
  FileNotFoundError,
  FormatError,
  IndexError,
  MXNetError,
  ParamError,
  ShapeError,
  UnsupportedError,
} from "./src/core/errors.ts";
export * as nd from "./src/ndarray/mod.ts";
export * as np from "./src/numpy/mod.ts";
export * as npx from "./src/npx/mod.ts";
export { type Index, type IndexItem, type SetValue, Slice, slice } from "./src/ndarray/indexing.ts";
export { NDArray } from "./src/ndarray/ndarray.ts";
export type { ReduceOptions, TopkOptions } from "./src/ops/signatures.ts";
export * as random from "./src/ndarray/random.ts";
export * as engine from "./src/engine/mod.ts";
export { numGpus } from "./backends/mod.ts";
export * as autograd from "./src/autograd/mod.ts";
export * as sym from "./src/symbol/mod.ts";
export * as symbol from "./src/symbol/mod.ts";
export * as name from "./src/symbol/name.ts";
export * as model from "./src/model/mod.ts";
export * as kv from "./src/kvstore/mod.ts";
export * as kvstore from "./src/kvstore/mod.ts";
export * as optimizer from "./src/optimizer/mod.ts";
export * as lr_scheduler from "./src/optimizer/lr_scheduler.ts";
export * as init from "./src/initializer/mod.ts";
export * as initializer from "./src/initializer/mod.ts";
export * as metric from "./src/metric/mod.ts";
export * as io from "./src/io/mod.ts";
export * as recordio from "./src/recordio/mod.ts";
export * as image from "./src/image/mod.ts";
export * as mod from "./src/module/mod.ts";
export * as monitor from "./src/monitor/mod.ts";
export * as callback from "./src/model/callback.ts";
export * as testUtils from "./src/test_utils.ts";
export * as gluon from "./src/gluon/mod.ts";
export * as profiler from "./src/profiler/mod.ts";
export * as viz from "./src/viz/mod.ts";
export * as visualization from "./src/viz/mod.ts";
export * as operator from "./src/operator/mod.ts";
