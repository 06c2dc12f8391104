/**
 * `mx.model`: checkpoints and the `FeedForward` trainer.
 * @module
 */
export * from "./checkpoint.ts";
export * from "./feedforward.ts";
