/**
 * `mx.model`: checkpoints and the `FeedForward` trainer.
 * @module
 */
export { loadCheckpoint, paramsPath, saveCheckpoint } from "./checkpoint.ts";
export { FeedForward, type FeedForwardFitOptions, type FeedForwardOptions } from "./feedforward.ts";
