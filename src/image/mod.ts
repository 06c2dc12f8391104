/**
 * `mx.image`: JPEG/PNG decoding and encoding (through jpeg-js and fast-png from npm) and
 * the resize, crop and normalisation helpers of MXNet's `mx.image`, on HWC NDArrays.
 * @module
 */
export * from "./image.ts";
export * from "./encode.ts";
export type { Interp } from "./resize.ts";
export * from "./augmenters.ts";
export * from "./image_iter.ts";
export * from "./border.ts";
