/** Dropout: keep-rate statistics, scaling, inference identity, seeding and gradient. */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { assertClose, backendTest, values } from "../_harness.ts";

const dropout = (x: mx.NDArray, params: Record<string, unknown>) =>
  mx.engine.invokeOp("Dropout", [x], params);

backendTest("Dropout in training keeps about 1-p of the values, scaled by 1/(1-p)", async () => {
  const n = 20000;
  const x = mx.nd.ones([n]);
  const [y, mask] = mx.autograd.record(() => dropout(x, { p: 0.3 }));
  const v = await values(y);
  const kept = v.filter((e) => e !== 0);
  // Binomial(20000, 0.7): standard deviation ~65, so 5 sigma is ~325.
  assert.ok(Math.abs(kept.length - 0.7 * n) < 325, `kept ${kept.length} of ${n}`);
  assertClose(kept, kept.map(() => 1 / 0.7), { rtol: 1e-6 });
  assert.deepEqual(await values(mask), v);
});

backendTest(
  "Dropout is the identity when predicting, and always drops in mode 'always'",
  async () => {
    const x = mx.nd.arange(0, 8);
    assert.deepEqual(await values(dropout(x, { p: 0.5 })[0]), [0, 1, 2, 3, 4, 5, 6, 7]);
    const always = await values(dropout(mx.nd.ones([1000]), { p: 0.5, mode: "always" })[0]);
    assert.ok(always.includes(0) && always.includes(2));
  },
);

backendTest("Dropout is reproducible under mx.random.seed", async () => {
  mx.random.seed(42);
  const a = await values(dropout(mx.nd.ones([64]), { p: 0.5, mode: "always" })[0]);
  mx.random.seed(42);
  const b = await values(dropout(mx.nd.ones([64]), { p: 0.5, mode: "always" })[0]);
  assert.deepEqual(a, b);
});

backendTest("Dropout axes share one draw along those axes", async () => {
  const [y] = mx.autograd.record(() => dropout(mx.nd.ones([50, 6]), { p: 0.5, axes: [1] }));
  const v = await values(y);
  for (let r = 0; r < 50; r++) {
    const row = v.slice(r * 6, r * 6 + 6);
    assert.ok(row.every((e) => e === row[0]), `row ${r}: ${row}`);
  }
});

backendTest("Dropout gradient is the head gradient times the mask", async () => {
  const x = mx.nd.arange(1, 101);
  x.attachGrad();
  const [y, mask] = mx.autograd.record(() => dropout(x, { p: 0.4 }));
  y.backward(mx.nd.full([100], 3));
  const m = await values(mask);
  assertClose(await values(x.grad!), m.map((e) => 3 * e), { rtol: 1e-6 });
});
