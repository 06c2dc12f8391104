/**
 * `mx.mod`: the Module API.
 * @module
 */
export {
  type BatchEndCallback,
  type BatchEndParam,
  type EpochEndCallback,
  type FitOptions,
  Module,
  type ShapeDesc,
} from "./module.ts";
