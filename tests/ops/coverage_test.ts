/** Every registered operator can run on every backend. */
import assert from "node:assert/strict";
import { tsBackend } from "../../backends/mod.ts";
import { ALL_OPS } from "../../src/ops/registry.ts";

// The primitive kernels every backend must provide (backends/backend.ts `Kernels`).
const KERNELS = [
  "elementwise",
  "copy",
  "fill",
  "arange",
  "reduce",
  "matmul",
  "take",
  "takeBackward",
  "sort",
  "random",
  "im2col",
  "col2im",
  "pool",
  "poolBackward",
  "conv2d",
  "conv2dBackwardData",
  "conv2dBackwardWeight",
  "ctcLoss",
  "hostCompute",
] as const;

for (const backend of [tsBackend()]) {
  Deno.test(`coverage: every op lowers to kernels of the ${backend.name} backend`, () => {
    for (const k of KERNELS) {
      assert.equal(typeof backend.kernels[k], "function", `${backend.name} lacks kernel ${k}`);
    }
    for (const op of ALL_OPS) {
      const l = op.lowering;
      assert.ok(
        l.kind === "composite" || l.kind === "primitive" ||
          (l.kind === "elementwise" && typeof l.row.ts === "string"),
        `${op.name} has no lowering for ${backend.name}`,
      );
    }
  });
}

Deno.test("coverage: every op declares shape inference and arguments", () => {
  for (const op of ALL_OPS) {
    assert.equal(typeof op.inferShape, "function", op.name);
    assert.ok(
      op.differentiable === false || op.gradient || op.lowering.kind === "composite",
      `${op.name} is differentiable but has no gradient`,
    );
  }
});
