/**
 * `mx.callback`: Speedometer, doCheckpoint, logTrainMetric.
 * @module
 */
import type { BatchEndCallback, EpochEndCallback } from "../module/module.ts";
import { saveCheckpoint } from "./checkpoint.ts";

/**
 * Logs samples per second (and the metric) every `frequent` batches.
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
  logger: (line: string) => void = console.log,
): BatchEndCallback {
  let tic = performance.now();
  let last = 0;
  return ({ epoch, nbatch, evalMetric }) => {
    if (nbatch < last) tic = performance.now();
    last = nbatch;
    if (nbatch % frequent !== 0) return;
    const speed = (frequent * batchSize) / ((performance.now() - tic) / 1000);
    const metrics = evalMetric.getNameValue().map(([n, v]) => `\tTrain-${n}=${v.toFixed(6)}`).join(
      "",
    );
    logger(`Epoch[${epoch}] Batch [${nbatch}]\tSpeed: ${speed.toFixed(2)} samples/sec${metrics}`);
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
