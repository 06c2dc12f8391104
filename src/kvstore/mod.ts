/**
 * `mx.kv` / `mx.kvstore`: the key-value store that sums gradients across devices and
 * applies the optimizer.
 * @module
 */
export {
  create,
  type Key,
  KVStore,
  type KVStoreType,
  type KVValues,
  type PullOptions,
  type UpdaterFn,
} from "./kvstore.ts";
