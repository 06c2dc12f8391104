/**
 * How every kvstore reads its (key, value) arguments.
 * @module
 */
import { MXNetError } from "../core/errors.ts";
import { checkOptions } from "../core/options.ts";
import { NDArray } from "../ndarray/ndarray.ts";
import type { Key, KVValues } from "./kvstore.ts";

/**
 * Checks the options of push (`{ priority }`) and of pull, pushPull and broadcast
 * (`{ out, priority }`).
 */
export function checkKVOptions(where: string, opts: object | undefined): void {
  checkOptions(`kvstore.${where}`, opts, where === "push" ? ["priority"] : ["out", "priority"]);
}

/** Pairs keys with value lists: `k, v` | `k, [v per device]` | `[k], [v or [v]]`. */
export function pairs(
  where: string,
  key: Key | readonly Key[],
  value: KVValues,
): [Key, NDArray[]][] {
  if (!Array.isArray(key)) {
    // One key and one array: every training step's call.
    if (value instanceof NDArray) return [[key as Key, [value]]];
    const vs = value as NDArray[];
    if (vs.length === 0 || vs.some((v) => !(v instanceof NDArray))) {
      throw new MXNetError(
        `kvstore.${where}: key ${JSON.stringify(key)} needs an NDArray or a list of NDArrays`,
      );
    }
    return [[key as Key, [...vs]]];
  }
  const keys = key as readonly Key[];
  const vals = value instanceof NDArray ? [value] : (value as readonly (NDArray | NDArray[])[]);
  if (vals.length !== keys.length) {
    throw new MXNetError(
      `kvstore.${where}: ${keys.length} keys but ${vals.length} values; give one value ` +
        `(or one list of per-device values) per key`,
    );
  }
  return keys.map((k, i) => {
    const v = vals[i];
    return [k, v instanceof NDArray ? [v] : [...v]];
  });
}
