/**
 * `mx.metric`: evaluation metrics.
 * @module
 */
export {
  type Arrays,
  EvalMetric,
  host,
  type HostArray,
  type MetricOptions,
  SimpleMetric,
} from "./metric.ts";
export { Accuracy, type Average, BinaryMetric, F1, MCC, TopKAccuracy } from "./classification.ts";
export { MAE, MSE, PearsonCorrelation, PerBatchMetric, RMSE } from "./regression.ts";
export { CrossEntropy, Loss, NegativeLogLikelihood, Perplexity } from "./probability.ts";
export { CompositeEvalMetric, create, CustomMetric, type FEval } from "./composite.ts";
