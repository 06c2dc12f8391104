/**
 * `gluon.data`: datasets, samplers, the DataLoader and `vision` (image datasets and
 * transforms), RecordFileDataset (records of a RecordIO file).
 * @module
 */
export * from "./dataset.ts";
export * from "./sampler.ts";
export * from "./dataloader.ts";
export * from "./record.ts";
export * as vision from "./vision/mod.ts";
