/**
 * `mx.kv` / `mx.kvstore`: the key-value store that sums gradients across devices and
 * applies the optimizer.
 * @module
 */
export * from "./kvstore.ts";
