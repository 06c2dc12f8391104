/** Shape and type inference scale linearly with the number of variables. */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";

Deno.test("inferShape and inferType of a Concat over 50,000 variables", () => {
  // Built from JSON: the graph is the point here, not how it is composed.
  const n = 50_000;
  const nodes: unknown[] = Array.from({ length: n }, (_, i) => ({
    op: "null",
    name: `x${i}`,
    inputs: [],
  }));
  nodes.push({
    op: "Concat",
    name: "cat",
    attrs: { dim: "1", num_args: String(n) },
    inputs: Array.from({ length: n }, (_, i) => [i, 0, 0]),
  });
  const sym = mx.sym.loadJSON(JSON.stringify({ nodes, heads: [[n, 0, 0]] }));
  const shapes: Record<string, number[]> = {};
  for (let i = 0; i < n; i++) shapes[`x${i}`] = [2, 1 + (i % 3)];
  const t0 = performance.now();
  const r = sym.inferShape(shapes);
  const ms = performance.now() - t0;
  assert.equal(r.argShapes.length, n);
  assert.deepEqual(r.argShapes[n - 1], [2, 1 + ((n - 1) % 3)]);
  assert.deepEqual(r.outShapes, [[2, 99_999]]);
  assert.deepEqual(r.auxShapes, []);
  const types = sym.inferType({ x7: "float64" });
  assert.equal(types.argTypes[7], "float64");
  assert.equal(types.argTypes[8], "float32");
  console.log(`inferShape over ${n} variables: ${ms.toFixed(0)} ms`);
});

Deno.test("variables named like Object properties get their given shapes only", () => {
  const a = mx.sym.Variable("constructor"), b = mx.sym.Variable("toString");
  const c = mx.sym.Concat([a, b], { dim: 0 });
  assert.deepEqual(c.inferShapePartial({}).argShapes, [undefined, undefined]);
  assert.deepEqual(c.inferShape({ constructor: [1, 2], toString: [3, 2] }).outShapes, [[4, 2]]);
  assert.deepEqual(c.inferType().argTypes, ["float32", "float32"]);
});
