/**
 * MXNet's contrib variants of BatchNorm (issue #19), composed from `BatchNorm` itself so
 * that they compute, update their moving statistics and differentiate exactly as it does:
 *
 * - `_contrib_BatchNormWithReLU`: BatchNorm's parameters, inputs and aux states, then relu
 *   on the normalised output (the mean and variance outputs are BatchNorm's). MXNet's
 *   fourth, hidden `workspace` output is not produced.
 * - `_contrib_SyncBatchNorm`: BatchNorm over the channel axis 1 whose batch statistics
 *   MXNet sums over `ndev` devices of one process under `key`. One device is BatchNorm;
 *   more need a cross-device reduction this library does not have, so `ndev > 1` throws.
 * @module
 */
import { UnsupportedError } from "../../core/errors.ts";
import type { OpDef, Params } from "../op_def.ts";
import type { BatchNormOptions } from "./options.ts";
import { NORM_OPS } from "./norm.ts";

const batchNorm = NORM_OPS.find((o) => o.name === "BatchNorm")!;

/** `_contrib_BatchNormWithReLU`: relu(BatchNorm(...)) with BatchNorm's other outputs. */
const batchNormWithReLU: OpDef = {
  ...batchNorm,
  name: "_contrib_BatchNormWithReLU",
  aliases: [],
  lowering: {
    kind: "composite",
    compose: (b, inputs, p) => {
      const [out, mean, variance] = b.ops("BatchNorm", inputs, { ...p });
      return [b.op("relu", [out]), mean, variance];
    },
  },
};

const { axis: _axis, cudnnOff: _c, minCalibRange: _lo, maxCalibRange: _hi, ...shared } =
  batchNorm.params;

/** BatchNorm's parameters for a SyncBatchNorm call; throws for more than one device. */
function asBatchNorm(p: Params): Params {
  if ((p.ndev as number) > 1) {
    throw new UnsupportedError(
      `_contrib_SyncBatchNorm: ndev=${p.ndev} needs batch statistics summed across ${p.ndev} ` +
        `devices, which is not available; use ndev=1 (plain BatchNorm) or one device`,
    );
  }
  const { ndev: _n, key: _k, ...rest } = p;
  return { ...rest, axis: 1 };
}

/** `_contrib_SyncBatchNorm` (ndev=1): BatchNorm over axis 1. */
const syncBatchNorm: OpDef = {
  ...batchNorm,
  name: "_contrib_SyncBatchNorm",
  aliases: [],
  params: {
    ...shared,
    ndev: { type: "int", default: 1, min: 1 },
    key: { type: "string", required: true },
  },
  inferShape: (s, p) => batchNorm.inferShape(s, asBatchNorm(p)),
  inferInputShapes: (s, p) => batchNorm.inferInputShapes!(s, asBatchNorm(p)),
  lowering: {
    kind: "composite",
    compose: (b, inputs, p) => b.ops("BatchNorm", inputs, { ...asBatchNorm(p) }),
  },
};

/** The contrib BatchNorm variants. */
export const NORM_CONTRIB_OPS: readonly OpDef[] = [batchNormWithReLU, syncBatchNorm];

/** Options of `contrib.SyncBatchNorm`: BatchNorm's (channel axis 1), `ndev` and `key`. */
export interface SyncBatchNormOptions<T> extends Omit<BatchNormOptions<T>, "axis" | "data"> {
  /** The input (options form). */
  data?: T;
  /** The number of devices whose statistics are summed (only 1 is available). */
  ndev?: number;
  /** The layer's synchronisation key (Gluon uses the block's prefix). */
  key: string;
}
