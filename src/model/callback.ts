/**
 * `mx.callback`: Speedometer, doCheckpoint, logTrainMetric.
 * @module
 */
import type { BatchEndCallback, EpochEndCallback } from "../module/base_module.ts";
import { ParamError } from "../core/errors.ts";
import { describe } from "../core/options.ts";
import { saveCheckpoint } from "./checkpoint.ts";

/**
 * Logs samples per second and the training metric every `frequent` batches (MXNet's
 * `Speedometer(batch_size, frequent, auto_reset)`). With `autoReset` (the default, as in
 * MXNet) each line gives the metric over the batches since the previous line (`Batch
 * [50-100]`) and starts a new local interval (`evalMetric.resetLocal()`; `fit` still logs
 * the epoch's global value); without it, the running value since the epoch began.
 * @example
 * ```ts
 * import * as mx from "../../mod.ts";
 * const cb = mx.callback.Speedometer(128, 50);
 * console.log(typeof cb); // "function"
 * ```
 */
export function Speedometer(
  batchSize: number,
  frequent = 50,
  autoReset = true,
  logger: (line: string) => void = console.log,
): BatchEndCallback {
  if (typeof autoReset !== "boolean") {
    throw new ParamError(
      `Speedometer: argument 3 (autoReset) expects a boolean, got ${describe(autoReset)}; ` +
        "the logger is argument 4",
    );
  }
  // As MXNet's: the first call of an epoch (batch 0) starts the clock; from then on every
  // `frequent`-th batch logs the speed since the last line.
  let tic = performance.now();
  let last = 0;
  let started = false;
  return ({ epoch, nbatch, evalMetric }) => {
    if (nbatch < last) started = false;
    last = nbatch;
    if (!started) {
      started = true;
      tic = performance.now();
      return;
    }
    if (nbatch % frequent !== 0) return;
    const speed = (frequent * batchSize) / ((performance.now() - tic) / 1000);
    const metrics = evalMetric.getNameValue().map(([n, v]) => `\t${n}=${v.toFixed(6)}`).join("");
    const range = autoReset ? `${nbatch - frequent}-${nbatch}` : `0-${nbatch}`;
    if (autoReset) evalMetric.resetLocal();
    logger(`Epoch[${epoch}] Batch [${range}]\tSpeed: ${speed.toFixed(2)} samples/sec${metrics}`);
    tic = performance.now();
  };
}

/** Saves a checkpoint every `period` epochs (`prefix-symbol.json`, `prefix-NNNN.params`). */
export function doCheckpoint(prefix: string, period = 1): EpochEndCallback {
  return async (epoch, symbol, argParams, auxParams) => {
    if ((epoch + 1) % period === 0) {
      await saveCheckpoint(prefix, epoch + 1, symbol, argParams, auxParams);
    }
  };
}

/** Logs the training metric every `period` batches. */
export function logTrainMetric(
  period: number,
  logger: (line: string) => void = console.log,
): BatchEndCallback {
  return ({ epoch, nbatch, evalMetric }) => {
    if (nbatch % period !== 0) return;
    for (const [n, v] of evalMetric.getNameValue()) {
      logger(`Iter[${epoch}] Batch[${nbatch}] Train-${n}=${v}`);
    }
  };
}
