/**
 * `mx.io`: data iterators.
 * @module
 */
export { DataBatch, DataDesc, DataIter } from "./data.ts";
export {
  type DataInput,
  type LastBatchHandle,
  NDArrayIter,
  type NDArrayIterOptions,
} from "./ndarray_iter.ts";
export { CSVIter, type CSVIterOptions } from "./csv_iter.ts";
export { MNISTIter, type MNISTIterOptions } from "./mnist_iter.ts";
export { decodeIdx, encodeIdx, type IdxArray, readIdx } from "./idx.ts";
export { PrefetchingIter, type PrefetchingIterOptions, ResizeIter } from "./wrappers.ts";
