/** ffi/cuda/rows.cuh is generated from the elementwise table and must not be stale. */
import assert from "node:assert/strict";
import { generate, ROWS_CUH } from "../../tools/gen_cuda_elementwise.ts";

Deno.test("ffi/cuda/rows.cuh is up to date with src/ops/elementwise_table.ts", async () => {
  assert.ok(
    (await Deno.readTextFile(ROWS_CUH)) === generate(),
    "stale: run deno task gen:cuda and rebuild",
  );
});
