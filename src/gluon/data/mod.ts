/**
 * `gluon.data`: datasets, samplers, the DataLoader and `vision` (image datasets and
 * transforms). RecordFileDataset is not here yet: it needs RecordIO (`mx.recordio`).
 * @module
 */
export * from "./dataset.ts";
export * from "./sampler.ts";
export * from "./dataloader.ts";
export * as vision from "./vision/mod.ts";
