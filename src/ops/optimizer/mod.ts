/**
 * The optimizer update operators (MXNet's `optimizer_op` and contrib optimizer operators),
 * listed for the registry.
 * @module
 */
import type { OpDef } from "../op_def.ts";
import { assignStateOp } from "./_common.ts";
import { ADAM_UPDATE_OPS } from "./adam.ts";
import { ADAPTIVE_UPDATE_OPS } from "./adaptive.ts";
import { MULTI_UPDATE_OPS } from "./multi.ts";
import { MULTI_ADAM_UPDATE_OPS } from "./multi_adam.ts";
import { PRELOADED_UPDATE_OPS } from "./preloaded.ts";
import { SGD_UPDATE_OPS } from "./sgd.ts";

/** Every optimizer update operator, and `_assign_state` they commit states with. */
export const OPTIMIZER_OPS: readonly OpDef[] = [
  assignStateOp,
  ...SGD_UPDATE_OPS,
  ...ADAM_UPDATE_OPS,
  ...ADAPTIVE_UPDATE_OPS,
  ...MULTI_UPDATE_OPS,
  ...PRELOADED_UPDATE_OPS,
  ...MULTI_ADAM_UPDATE_OPS,
];
