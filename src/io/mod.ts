/**
 * `mx.io`: data iterators.
 * @module
 */
export * from "./data.ts";
export * from "./ndarray_iter.ts";
export * from "./csv_iter.ts";
export * from "./mnist_iter.ts";
export * from "./idx.ts";
export * from "./wrappers.ts";
export * from "./image_record_iter.ts";
