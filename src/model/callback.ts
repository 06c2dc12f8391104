/**
 * `mx.callback`: Speedometer, ProgressBar, doCheckpoint, moduleCheckpoint,
 * logTrainMetric, LogValidationMetricsCallback.
 * @module
 */
import type { BatchEndCallback, EpochEndCallback } from "../module/base_module.ts";
import type { Module } from "../module/module.ts";
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

/** MXNet's `int(max(1, period))`: a period below 1 checkpoints every epoch. */
function epochPeriod(period: number, who: string): number {
  if (typeof period !== "number" || Number.isNaN(period)) {
    throw new ParamError(`${who}: period expects a number of epochs, got ${describe(period)}`);
  }
  return Math.trunc(Math.max(1, period));
}

/** Saves a checkpoint every `period` epochs (`prefix-symbol.json`, `prefix-NNNN.params`). */
export function doCheckpoint(prefix: string, period = 1): EpochEndCallback {
  const every = epochPeriod(period, "doCheckpoint");
  return async (epoch, symbol, argParams, auxParams) => {
    if ((epoch + 1) % every === 0) {
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

/**
 * Checkpoints a Module every `period` epochs through `mod.saveCheckpoint(prefix, epoch + 1,
 * saveOptimizerStates)` (MXNet's `module_checkpoint`): `prefix-symbol.json`,
 * `prefix-NNNN.params` and, when asked, `prefix-NNNN.states` to resume training.
 */
export function moduleCheckpoint(
  mod: Pick<Module, "saveCheckpoint">,
  prefix: string,
  period = 1,
  saveOptimizerStates = false,
): EpochEndCallback {
  const every = epochPeriod(period, "moduleCheckpoint");
  if (typeof mod?.saveCheckpoint !== "function") {
    throw new ParamError(`moduleCheckpoint: mod expects a Module, got ${describe(mod)}`);
  }
  return async (epoch) => {
    if ((epoch + 1) % every === 0) await mod.saveCheckpoint(prefix, epoch + 1, saveOptimizerStates);
  };
}

/**
 * Shows the share of the epoch's `total` batches done as a bar of `length` characters
 * after every batch (MXNet's `ProgressBar(total, length=80)`): `[====----] 50%`, the
 * percentage rounded up as MXNet's `math.ceil`.
 */
export function ProgressBar(
  total: number,
  length = 80,
  logger: (line: string) => void = console.log,
): BatchEndCallback {
  if (!(total > 0)) {
    throw new ParamError(
      `ProgressBar: total expects a number of batches > 0, got ${describe(total)}`,
    );
  }
  if (!(Number.isInteger(length) && length > 0)) {
    throw new ParamError(`ProgressBar: length expects a positive integer, got ${describe(length)}`);
  }
  return ({ nbatch }) => {
    // Python's round() rounds halves to even; the bar's length follows it.
    const filled = Math.min(length, roundHalfEven((length * nbatch) / total));
    const percents = Math.ceil((100 * nbatch) / total);
    logger(`[${"=".repeat(filled)}${"-".repeat(length - filled)}] ${percents}%`);
  };
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Logs the validation metric once scoring ends (MXNet's `LogValidationMetricsCallback`):
 * `Epoch[e] Validation-name=value` per metric. Pass it as `fit`'s `evalEndCallback` or
 * `score`'s `scoreEndCallback`.
 */
export function LogValidationMetricsCallback(
  logger: (line: string) => void = console.log,
): BatchEndCallback {
  return ({ epoch, evalMetric }) => {
    if (!evalMetric) return;
    for (const [n, v] of evalMetric.getNameValue()) {
      logger(`Epoch[${epoch}] Validation-${n}=${v.toFixed(6)}`);
    }
  };
}
