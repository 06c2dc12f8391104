/**
 * `mx.model`: checkpoints and the `FeedForward` trainer.
 * @module
 */
export { loadCheckpoint, saveCheckpoint } from "./checkpoint.ts";
