/** ffi/src/rows.rs is generated from the elementwise table and must not be stale. */
import assert from "node:assert/strict";
import { generate, ROWS_RS } from "../../tools/gen_native_elementwise.ts";

Deno.test("ffi/src/rows.rs is up to date with src/ops/elementwise_table.ts", async () => {
  assert.ok(
    (await Deno.readTextFile(ROWS_RS)) === generate(),
    "stale: run deno run -A tools/gen_native_elementwise.ts and rebuild",
  );
});
