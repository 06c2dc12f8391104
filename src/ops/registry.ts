/**
 * The operator table: every OpDef, looked up by MXNet name or alias. Listed explicitly,
 * so nothing depends on import side effects.
 * @module
 */
import { MXNetError } from "../core/errors.ts";
import { ASSIGN_OPS } from "./assign.ts";
import { CREATION_OPS } from "./creation.ts";
import { ELEMENTWISE_OPS } from "./elementwise.ts";
import { GRAPH_UTIL_OPS } from "./graph_util.ts";
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
import { SHAPE_EXTRA_OPS } from "./shape_extra.ts";
import { INDEX_EXTRA_OPS } from "./index_extra.ts";
import { SEQUENCE_OPS } from "./sequence_ops.ts";
import { SUMMARY_OPS } from "./summary_ops.ts";
import { OPTIMIZER_OPS } from "./optimizer/mod.ts";
import { LEGACY_ALIASES, NUMPY_MODE_ALIASES } from "./legacy_aliases.ts";
import { MATH_EXTRA_OPS } from "./math_extra.ts";
import { LINALG_LA_OPS } from "./linalg_la.ts";
import { LINALG_FACTOR_OPS } from "./linalg_factor.ts";
import { RANDOM_DIST_OPS } from "./random_dists.ts";
import { VISION_OPS } from "./vision/mod.ts";
import { CUSTOM_OPS } from "./custom.ts";
import { RANDOM_PDF_OPS } from "./random_pdf.ts";
import { INDEX_ARRAY_OPS } from "./index_array.ts";
import { IMAGE_OPS } from "./image_ops.ts";
import { NORM_CONTRIB_OPS } from "./nn/norm_contrib.ts";
import { KL_SPARSE_REG_OPS } from "./nn/kl_sparse_reg.ts";
import { UNIQUE_ZIPFIAN_OPS } from "./unique_zipfian.ts";

/** Every registered operator, once. */
export const ALL_OPS: readonly OpDef[] = [
  ...ELEMENTWISE_OPS,
  ...REDUCE_OPS,
  ...MATMUL_OPS,
  ...SHAPE_OPS,
  ...INDEXING_OPS,
  ...CREATION_OPS,
  ...GRAPH_UTIL_OPS,
  ...SOFTMAX_OPS,
  ...SORT_OPS,
  ...RANDOM_OPS,
  ...NN_OPS,
  ...ASSIGN_OPS,
  ...LINALG_HOST_OPS,
  ...NN_EXTRA_OPS,
  ...SHAPE_EXTRA_OPS,
  ...INDEX_EXTRA_OPS,
  ...SEQUENCE_OPS,
  ...SUMMARY_OPS,
  ...OPTIMIZER_OPS,
  ...MATH_EXTRA_OPS,
  ...LINALG_LA_OPS,
  ...LINALG_FACTOR_OPS,
  ...RANDOM_DIST_OPS,
  ...VISION_OPS,
  ...CUSTOM_OPS,
  ...RANDOM_PDF_OPS,
  ...INDEX_ARRAY_OPS,
  ...IMAGE_OPS,
  ...NORM_CONTRIB_OPS,
  ...KL_SPARSE_REG_OPS,
  ...UNIQUE_ZIPFIAN_OPS,
];

const byName = new Map<string, OpDef>();
for (const op of ALL_OPS) {
  for (const n of [op.name, ...(op.aliases ?? [])]) {
    if (byName.has(n)) throw new MXNetError(`operator registry: ${n} is declared twice`);
    byName.set(n, op);
  }
}
// MXNet's other names for these operators (pre-1.0 and NumPy-mode graph files); an
// operator definition that lists one too is fine, another operator is a clash.
for (const [alias, target] of [...LEGACY_ALIASES, ...NUMPY_MODE_ALIASES]) {
  const op = byName.get(target);
  if (!op) throw new MXNetError(`operator registry: alias ${alias} names unknown ${target}`);
  const had = byName.get(alias);
  if (had && had !== op) {
    throw new MXNetError(`operator registry: ${alias} is declared for ${had.name} and ${op.name}`);
  }
  byName.set(alias, op);
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
