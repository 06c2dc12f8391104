/**
 * The elementwise rows the native library is generated from (the table in
 * src/ops/elementwise_table.ts), in the id order of tools/gen_native_elementwise.ts.
 * @module
 */
import {
  BINARY,
  type ElementwiseRow,
  FUSED,
  TERNARY,
  UNARY,
} from "../../src/ops/elementwise_table.ts";

/** Every row, in the order the generated Rust numbers them. */
export const NATIVE_ROWS: readonly ElementwiseRow[] = [
  ...Object.values(UNARY),
  ...Object.values(BINARY),
  ...Object.values(TERNARY),
  ...Object.values(FUSED),
];
