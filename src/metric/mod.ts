/**
 * `mx.metric`: evaluation metrics.
 * @module
 */
export * from "./metric.ts";
export * from "./classification.ts";
export * from "./regression.ts";
export * from "./probability.ts";
export * from "./composite.ts";
export * from "./pcc.ts";
