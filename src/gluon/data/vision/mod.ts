/**
 * `gluon.data.vision`: image datasets and `transforms`.
 * @module
 */
export * from "./datasets.ts";
export * as transforms from "./transforms.ts";
export * from "./record.ts";
export * from "./image_files.ts";
