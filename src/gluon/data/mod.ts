/**
 * `gluon.data`: datasets, samplers, the DataLoader and `vision` (image datasets and
 * transforms). RecordFileDataset is not here yet: it needs RecordIO (`mx.recordio`).
 * @module
 */
export {
  ArrayDataset,
  Dataset,
  type ModuleSpec,
  SimpleDataset,
  type TransformFn,
} from "./dataset.ts";
export {
  BatchSampler,
  FilterSampler,
  type LastBatch,
  RandomSampler,
  Sampler,
  SequentialSampler,
} from "./sampler.ts";
export { DataLoader, type DataLoaderOptions, defaultBatchifyFn } from "./dataloader.ts";
export * as vision from "./vision/mod.ts";
