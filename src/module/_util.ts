/**
 * Helpers shared by the module files (not public).
 * @module
 */

import { DataDesc } from "../io/mod.ts";
import type { ShapeDesc } from "./base_module.ts";

/** `x` as a list: undefined is empty, a single value a list of one. */
export const asList = <T>(x: T | readonly T[] | undefined): T[] =>
  x === undefined ? [] : Array.isArray(x) ? [...x] : [x as T];

/** A data or label description as a DataDesc (`[name, shape]` becomes one). */
export function descOf(d: ShapeDesc): DataDesc {
  return d instanceof DataDesc ? d : new DataDesc(d[0], d[1]);
}

/** The options every module's `bind` takes (MXNet's `bind` keywords). */
export const BIND_OPTIONS: readonly string[] = [
  "dataShapes",
  "labelShapes",
  "forTraining",
  "inputsNeedGrad",
  "gradReq",
  "forceRebind",
];
