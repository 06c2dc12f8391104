/**
 * The composed samplers (src/ops/random_dists.ts): moments of 100k draws at a fixed seed
 * within a few standard errors of the distribution's, the `_sample_*` / `*_like` forms,
 * and the same numbers on every backend for one seed.
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { backendByName, setCpuBackend } from "../../backends/mod.ts";
import { assertClose, BACKENDS } from "../_harness.ts";

type P = Record<string, number>;
/** [operator, params, mean, variance] */
const MOMENTS: [string, P, number, number][] = [
  ["_random_exponential", { lam: 2 }, 0.5, 0.25],
  ["_random_gamma", { alpha: 0.5, beta: 2 }, 1, 2],
  ["_random_gamma", { alpha: 3, beta: 1.5 }, 4.5, 6.75],
  ["_random_poisson", { lam: 3 }, 3, 3],
  ["_random_poisson", { lam: 40 }, 40, 40],
  ["_random_negative_binomial", { k: 3, p: 0.4 }, 4.5, 11.25],
  ["_random_generalized_negative_binomial", { mu: 2, alpha: 0.5 }, 2, 4],
  ["_random_generalized_negative_binomial", { mu: 2, alpha: 0 }, 2, 2],
];

async function moments(x: mx.NDArray): Promise<[number, number, number[]]> {
  const v = Array.from(await x.data() as Float32Array);
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  const va = v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1);
  return [m, va, v];
}

for (const [op, params, mean, variance] of MOMENTS) {
  Deno.test(`${op} ${JSON.stringify(params)}: mean and variance of 100k draws`, async () => {
    mx.random.seed(11);
    const n = 100_000;
    const [m, va, v] = await moments(mx.engine.invokeOp(op, [], { ...params, shape: [n] })[0]);
    // Mean within 5 standard errors sqrt(var / n); variance within 5% (its standard
    // error is about var sqrt(2 / n) = 0.45% of it, more for the heavy-tailed ones).
    assert.ok(Math.abs(m - mean) < 5 * Math.sqrt(variance / n), `${op}: mean ${m} vs ${mean}`);
    assert.ok(Math.abs(va - variance) < 0.05 * variance, `${op}: variance ${va} vs ${variance}`);
    if (!op.includes("exponential") && !op.includes("gamma")) {
      assert.ok(v.every((x) => Number.isInteger(x) && x >= 0), `${op}: counts`);
    } else assert.ok(v.every((x) => x > 0 && Number.isFinite(x)), `${op}: positive`);
  });
}

Deno.test("_sample_*: array parameters give parameter shape + sample shape", async () => {
  mx.random.seed(5);
  const lam = mx.nd.array([1, 10, 100]);
  const s = mx.engine.invokeOp("_sample_poisson", [lam], { shape: [20000] })[0];
  assert.deepEqual(s.shape, [3, 20000]);
  const rows = await s.mean({ axis: 1 }).data();
  assertClose(rows as Float32Array, [1, 10, 100], { rtol: 0.02, atol: 0.03 });
  const u = mx.engine.invokeOp("_sample_uniform", [mx.nd.array([0, 5]), mx.nd.array([1, 7])], {
    shape: [4],
  })[0];
  const uv = await u.data();
  assert.ok(
    Array.from(uv as Float32Array).every((x, i) => i < 4 ? x >= 0 && x < 1 : x >= 5 && x < 7),
  );
  const like = mx.engine.invokeOp("_random_gamma_like", [mx.nd.zeros([2, 3])], { alpha: 2 })[0];
  assert.deepEqual(like.shape, [2, 3]);
  assert.throws(
    () => mx.engine.invokeOp("_random_gamma", [], { alpha: -1, shape: [2] }),
    /_random_gamma: alpha and beta must be > 0/,
  );
  assert.throws(
    () => mx.engine.invokeOp("_sample_normal", [mx.nd.zeros([2]), mx.nd.ones([3])]),
    /_sample_normal: the parameter arrays must have the same shape/,
  );
});

Deno.test("mx.nd.random dispatches scalars to _random_* and arrays to _sample_*", async () => {
  mx.random.seed(2);
  const a = mx.nd.random.gamma(2, 1, [3]);
  mx.random.seed(2);
  const b = mx.engine.invokeOp("_random_gamma", [], { alpha: 2, beta: 1, shape: [3] })[0];
  assert.deepEqual(
    Array.from(await a.data() as Float32Array),
    Array.from(await b.data() as Float32Array),
  );
  const c = mx.nd.random.exponential(mx.nd.array([1, 2]), [5]);
  assert.deepEqual(c.shape, [2, 5]);
  const d = mx.nd.random.poisson(4, [2, 2]);
  assert.deepEqual(d.shape, [2, 2]);
  const e = mx.nd.random.normal(mx.nd.array([0, 10]), mx.nd.array([1, 1]), [3]);
  assert.deepEqual(e.shape, [2, 3]);
  assert.deepEqual(mx.nd.random.randn(2, 3).shape, [2, 3]);
  assert.throws(
    () => mx.nd.random.gamma(mx.nd.array([1]), 2),
    /gamma: the distribution parameters must all be numbers or all NDArrays/,
  );
});

Deno.test("mx.np.random.gamma and poisson: scalar and broadcast array parameters", async () => {
  mx.np.random.seed(1);
  const n = 50_000;
  const g = mx.np.random.gamma(2, 3, [n]);
  const gm = (await g.mean().data() as Float32Array)[0];
  assert.ok(Math.abs(gm - 6) < 5 * Math.sqrt(18 / n), `gamma mean ${gm}`);
  const p = mx.np.random.poisson(mx.np.array([1, 50]), [n, 2]);
  assert.deepEqual(p.shape, [n, 2]);
  const pm = await p.mean({ axis: 0 }).data() as Float32Array;
  assert.ok(
    Math.abs(pm[0] - 1) < 5 * Math.sqrt(1 / n) && Math.abs(pm[1] - 50) < 5 * Math.sqrt(50 / n),
  );
});

Deno.test("_sample_multinomial: outcome frequencies and log probabilities", async () => {
  mx.random.seed(8);
  const probs = mx.nd.array([[0, 0.1, 0.2, 0.3, 0.4], [0.4, 0.3, 0.2, 0.1, 0]]);
  const n = 50_000;
  const [idx, logp] = mx.nd.random.multinomial(probs, [n], { getProb: true }) as mx.NDArray[];
  assert.deepEqual(idx.shape, [2, n]);
  assert.equal(idx.dtype, "int32");
  const v = Array.from(await idx.data() as Int32Array);
  const lp = Array.from(await logp.data() as Float32Array);
  const want = [[0, 0.1, 0.2, 0.3, 0.4], [0.4, 0.3, 0.2, 0.1, 0]];
  for (let r = 0; r < 2; r++) {
    const row = v.slice(r * n, (r + 1) * n);
    for (let j = 0; j < 5; j++) {
      const f = row.filter((x) => x === j).length / n;
      const se = Math.sqrt(want[r][j] * (1 - want[r][j]) / n);
      assert.ok(Math.abs(f - want[r][j]) <= 5 * se + 1e-12, `row ${r} outcome ${j}: ${f}`);
    }
    row.slice(0, 100).forEach((x, i) =>
      assertClose([lp[r * n + i]], [Math.log(want[r][x])], { rtol: 1e-6 })
    );
  }
});

for (const backend of BACKENDS.filter((b) => b !== "ts")) {
  Deno.test(`composed samplers: the same draws on ${backend} as on ts for one seed`, async () => {
    const draw = (name: string) =>
      mx.nd.scope(async () => {
        setCpuBackend(backendByName(name));
        try {
          const out: number[][] = [];
          for (const [op, params] of MOMENTS) {
            mx.random.seed(21);
            const x = mx.engine.invokeOp(op, [], { ...params, shape: [2000] })[0];
            out.push(Array.from(await x.data() as Float32Array));
          }
          // Array parameters (both Poisson branches) and the multinomial.
          mx.random.seed(22);
          const lam = mx.nd.array([0.5, 5, 30, 300]);
          const s = mx.engine.invokeOp("_sample_poisson", [lam], { shape: [500] })[0];
          out.push(Array.from(await s.data() as Float32Array));
          const probs = mx.nd.array([[0.1, 0.2, 0.3, 0.4]]);
          const m = mx.engine.invokeOp("_sample_multinomial", [probs], {
            shape: [2000],
            dtype: "float32",
          })[0];
          out.push(Array.from(await m.data() as Float32Array));
          return out;
        } finally {
          setCpuBackend(undefined);
        }
      });
    const want = await draw("ts");
    const got = await draw(backend);
    // Counts must be equal; a float32 transcendental may differ in the last bits (and
    // then, very rarely, tip a rejection decision: allow one in a thousand).
    want.forEach((w, i) => {
      const g = got[i];
      const far = w.filter((x, j) => Math.abs(x - g[j]) > 1e-4 * Math.max(1, Math.abs(x))).length;
      const what = MOMENTS[i]?.[0] ??
        ["_sample_poisson", "_sample_multinomial"][i - MOMENTS.length];
      assert.ok(far <= w.length / 1000, `${what}: ${far} of ${w.length} draws differ`);
    });
  });
}
