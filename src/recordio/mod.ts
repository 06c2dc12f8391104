/**
 * `mx.recordio`: MXNet's RecordIO files (`.rec`, with an optional `.idx` index) and the
 * `IRHeader` that im2rec puts before each image.
 * @module
 */
export * from "./recordio.ts";
export * from "./pack.ts";
export * from "./image_pack.ts";
