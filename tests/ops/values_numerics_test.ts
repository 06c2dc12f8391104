/**
 * NaN, infinities and float16 accumulation follow MXNet 1.9 on every backend (the rules
 * are listed in src/ops/elementwise_table.ts): relu and LeakyReLU at -inf, relu, clip,
 * maximum and minimum of NaN (array, broadcast and scalar forms, dense and strided
 * kernel paths), relu's gradient at NaN, and float16 means that a float16 sum would
 * overflow.
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { assertClose, backendTest, values } from "../_harness.ts";

const { NaN: nan } = Number;
const inf = Infinity;

/** Exact equality with NaN equal to NaN (and -0 equal to 0, as MXNet prints them). */
function assertSame(actual: number[], expected: number[], msg = ""): void {
  assertClose(actual, expected, { rtol: 0, atol: 0, msg });
}

/** `xs` repeated to `n` elements: long enough for the backends' vectorised loops. */
function tile(xs: number[], n: number): number[] {
  return Array.from({ length: n }, (_, i) => xs[i % xs.length]);
}

const EDGES = [-inf, -1, -0, 0, 0.5, inf, nan];

backendTest("numerics relu: NaN stays NaN, -inf gives 0 (short and long arrays)", async () => {
  const want = [0, 0, 0, 0, 0.5, inf, nan];
  assertSame(await values(mx.nd.relu(mx.nd.array(EDGES))), want);
  assertSame(await values(mx.nd.relu(mx.nd.array(tile(EDGES, 1001)))), tile(want, 1001), "long");
  const act = mx.nd.Activation({ data: mx.nd.array(EDGES), actType: "relu" });
  assertSame(await values(act), want, "Activation");
  // A strided input (a transpose) takes the kernels' general path.
  const t = mx.nd.array([EDGES.slice(0, 4), EDGES.slice(3)]).transpose();
  assertSame(await values(mx.nd.relu(t)), [0, 0, 0, 0.5, 0, inf, 0, nan], "strided");
});

backendTest("numerics LeakyReLU and ELU at -inf, inf and NaN", async () => {
  const x = mx.nd.array([-inf, -2, inf, 3, nan]);
  assertSame(await values(mx.nd.LeakyReLU({ data: x, slope: 0.25 })), [-inf, -0.5, inf, 3, nan]);
  const elu = await values(mx.nd.LeakyReLU({ data: x, actType: "elu", slope: 0.5 }));
  assertClose(elu, [-0.5, 0.5 * Math.expm1(-2), inf, 3, nan], { rtol: 1e-6 });
});

backendTest("numerics clip: NaN passes through, infinities clip, lo > hi as MXNet", async () => {
  const x = mx.nd.array([nan, -inf, inf, -2, 0.5, 2]);
  assertSame(await values(mx.nd.clip(x, -1, 1)), [nan, -1, 1, -1, 0.5, 1]);
  assertSame(
    await values(mx.nd.clip(mx.nd.array(tile([nan, 3, -3], 999)), -1, 1)),
    tile([nan, 1, -1], 999),
  );
  // MXNet's kernel: a > hi ? hi : (a < lo ? lo : a), so with lo = 3 > hi = 1 ...
  assertSame(await values(mx.nd.clip(mx.nd.array([0, 5, -5, 2]), 3, 1)), [3, 1, 3, 1]);
});

backendTest("numerics maximum/minimum: a NaN on either side wins", async () => {
  const a = mx.nd.array([nan, 1, nan, 2, -inf]);
  const b = mx.nd.array([1, nan, nan, 3, 0]);
  assertSame(await values(mx.nd.maximum(a, b)), [nan, nan, nan, 3, 0]);
  assertSame(await values(mx.nd.minimum(a, b)), [nan, nan, nan, 2, -inf]);
  // Scalar forms, both orders.
  assertSame(await values(mx.nd.maximum(a, 0)), [nan, 1, nan, 2, 0]);
  assertSame(await values(mx.nd.maximum(0, a)), [nan, 1, nan, 2, 0]);
  assertSame(await values(mx.nd.minimum(a, 0)), [nan, 0, nan, 0, -inf]);
  // Broadcast [2,1] with [1,3] (the strided path) and a long dense pair.
  const col = mx.nd.array([[nan], [1]]), row = mx.nd.array([[0, nan, 2]]);
  assertSame(await values(mx.nd.maximum(col, row)), [nan, nan, nan, 1, nan, 2]);
  const long = await values(
    mx.nd.maximum(mx.nd.array(tile([nan, 1, 5], 1000)), mx.nd.array(tile([2, nan, 3], 1000))),
  );
  assertSame(long, tile([nan, nan, 5], 1000), "long");
});

backendTest("numerics relu gradient: 1 above 0, 0 below, NaN at NaN", async () => {
  const x = mx.nd.array([nan, -1, 0, 2, -inf, inf]);
  x.attachGrad();
  const y = mx.autograd.record(() => mx.nd.relu(x));
  y.backward();
  assertSame(await values(x.grad!), [nan, 0, 0, 1, 0, 1]);
});

backendTest(
  "numerics float16 mean of 10,000 x 1000 ones is 1 (accumulated in float32)",
  async () => {
    const x = mx.nd.ones([10_000, 1000], { dtype: "float16" });
    const m = x.mean();
    assert.equal(m.dtype, "float16");
    assertSame(await values(m), [1]);
    // Per-axis means and the L2 norm (sqrt of a sum of 10^7 squares) likewise.
    assertSame(await values(x.mean({ axis: 0 }).slice([0], [3])), [1, 1, 1]);
    assertSame(await values(mx.nd.norm(x)), [3162]); // sqrt(1e7) = 3162.28, rounded to float16
  },
  { dtypes: ["float16"] },
);
