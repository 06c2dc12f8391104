/**
 * The operator table: every OpDef, looked up by MXNet name or alias. Listed explicitly,
 * so nothing depends on import side effects.
 * @module
 */
import { MXNetError } from "../core/errors.ts";
import { ASSIGN_OPS } from "./assign.ts";
import { CREATION_OPS } from "./creation.ts";
import { ELEMENTWISE_OPS } from "./elementwise.ts";
import { LINALG_HOST_OPS } from "./linalg_host.ts";
import { NN_EXTRA_OPS } from "./nn_extra.ts";
import { INDEXING_OPS } from "./indexing.ts";
import { MATMUL_OPS } from "./matmul.ts";
import { NN_OPS } from "./nn/mod.ts";
import type { OpDef } from "./op_def.ts";
import { RANDOM_OPS } from "./random.ts";
import { REDUCE_OPS } from "./reduce.ts";
import { SHAPE_OPS } from "./shape_ops.ts";
import { SOFTMAX_OPS } from "./softmax.ts";
import { SORT_OPS } from "./sort.ts";
import { VISION_OPS } from "./vision/mod.ts"; // #19 ops-vision

/** Every registered operator, once. */
export const ALL_OPS: readonly OpDef[] = [
  ...ELEMENTWISE_OPS,
  ...REDUCE_OPS,
  ...MATMUL_OPS,
  ...SHAPE_OPS,
  ...INDEXING_OPS,
  ...CREATION_OPS,
  ...SOFTMAX_OPS,
  ...SORT_OPS,
  ...RANDOM_OPS,
  ...NN_OPS,
  ...ASSIGN_OPS,
  ...LINALG_HOST_OPS,
  ...NN_EXTRA_OPS,
  ...VISION_OPS, // #19 ops-vision
];

const byName = new Map<string, OpDef>();
for (const op of ALL_OPS) {
  for (const n of [op.name, ...(op.aliases ?? [])]) {
    if (byName.has(n)) throw new MXNetError(`operator registry: ${n} is declared twice`);
    byName.set(n, op);
  }
}

/** The operator with MXNet name or alias `name`; throws naming it when unknown. */
export function getOp(name: string): OpDef {
  const op = byName.get(name);
  if (!op) throw new MXNetError(`unknown operator ${name}`);
  return op;
}

/** True when `name` is a registered operator name or alias. */
export function hasOp(name: string): boolean {
  return byName.has(name);
}
