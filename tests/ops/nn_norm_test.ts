/** BatchNorm (training vs inference, moving statistics, gradient) and LayerNorm values. */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { assertClose, backendTest, randomValues, values } from "../_harness.ts";

const f64 = (v: number[], shape: number[]) => mx.nd.array(new Float64Array(v), { shape });

/** Per-channel (axis 1) batch statistics of x [n, c, r]: mean and biased variance. */
function stats(x: number[], n: number, c: number, r: number) {
  const mean = new Array(c).fill(0), variance = new Array(c).fill(0);
  const at = (i: number, ch: number, k: number) => x[(i * c + ch) * r + k];
  for (let ch = 0; ch < c; ch++) {
    for (let i = 0; i < n; i++) for (let k = 0; k < r; k++) mean[ch] += at(i, ch, k) / (n * r);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < r; k++) variance[ch] += (at(i, ch, k) - mean[ch]) ** 2 / (n * r);
    }
  }
  return { mean, variance };
}

/** BatchNorm of x [n, c, r] with the given statistics. */
function refBn(
  x: number[],
  dims: [number, number, number],
  gamma: number[],
  beta: number[],
  mean: number[],
  variance: number[],
  eps: number,
) {
  const [, c, r] = dims;
  return x.map((v, idx) => {
    const ch = Math.floor(idx / r) % c;
    return (v - mean[ch]) / Math.sqrt(variance[ch] + eps) * gamma[ch] + beta[ch];
  });
}

backendTest("BatchNorm training: batch statistics, then the moving averages move", async () => {
  const dims: [number, number, number] = [4, 3, 5];
  const xv = randomValues(60, 1, -2, 3);
  const gv = [0.5, 2, -1], bv = [0.1, 0, -0.3];
  const x = f64(xv, dims), gamma = f64(gv, [3]), beta = f64(bv, [3]);
  const movingMean = f64([0, 0, 0], [3]), movingVar = f64([1, 1, 1], [3]);
  const params = { fixGamma: false, momentum: 0.8, eps: 1e-3 };
  const outs = mx.autograd.record(() =>
    mx.engine.invokeOp("BatchNorm", [x, gamma, beta, movingMean, movingVar], params)
  );
  assert.equal(outs.length, 3);
  const { mean, variance } = stats(xv, ...dims);
  assertClose(await values(outs[0]), refBn(xv, dims, gv, bv, mean, variance, 1e-3), { rtol: 1e-9 });
  assertClose(await values(outs[1]), mean, { rtol: 1e-9 });
  assertClose(await values(outs[2]), variance, { rtol: 1e-9 });
  assertClose(await values(movingMean), mean.map((m) => 0.2 * m), { rtol: 1e-9 });
  assertClose(await values(movingVar), variance.map((v) => 0.8 + 0.2 * v), { rtol: 1e-9 });

  // Inference uses (and leaves alone) the moving statistics.
  const mm = await values(movingMean), mv = await values(movingVar);
  const y = mx.engine.invokeOp("BatchNorm", [x, gamma, beta, movingMean, movingVar], params)[0];
  assertClose(await values(y), refBn(xv, dims, gv, bv, mm, mv, 1e-3), { rtol: 1e-9 });
  assertClose(await values(movingMean), mm);
  // use_global_stats: moving statistics even in training, and no update.
  const g = mx.autograd.record(() =>
    mx.engine.invokeOp("BatchNorm", [x, gamma, beta, movingMean, movingVar], {
      ...params,
      useGlobalStats: true,
    })[0]
  );
  assertClose(await values(g), refBn(xv, dims, gv, bv, mm, mv, 1e-3), { rtol: 1e-9 });
  assertClose(await values(movingVar), mv);
}, { dtypes: ["float64"] });

backendTest(
  "BatchNorm fix_gamma (the default) scales by 1 and gives gamma no gradient",
  async () => {
    const xv = randomValues(12, 2);
    const x = f64(xv, [2, 3, 2]), gamma = f64([5, 5, 5], [3]), beta = f64([0, 1, 0], [3]);
    gamma.attachGrad();
    const y = mx.autograd.record(() =>
      mx.engine.invokeOp("BatchNorm", [
        x,
        gamma,
        beta,
        mx.nd.zeros([3], { dtype: "float64" }),
        mx.nd.ones([3], { dtype: "float64" }),
      ], {})[0]
    );
    y.backward();
    const { mean, variance } = stats(xv, 2, 3, 2);
    assertClose(await values(y), refBn(xv, [2, 3, 2], [1, 1, 1], [0, 1, 0], mean, variance, 1e-3), {
      rtol: 1e-9,
    });
    assertClose(await values(gamma.grad!), [0, 0, 0]);
  },
  { dtypes: ["float64"] },
);

backendTest(
  "BatchNorm training gradient matches central differences of the reference",
  async () => {
    const dims: [number, number, number] = [3, 2, 2];
    const xv = randomValues(12, 3), gv = [0.7, -1.3], bv = [0.2, 0.4], wv = randomValues(12, 4);
    const x = f64(xv, dims), gamma = f64(gv, [2]), beta = f64(bv, [2]);
    for (const a of [x, gamma, beta]) a.attachGrad();
    const y = mx.autograd.record(() =>
      mx.engine.invokeOp("BatchNorm", [x, gamma, beta, f64([0, 0], [2]), f64([1, 1], [2])], {
        fixGamma: false,
      })[0]
    );
    y.backward(f64(wv, dims));
    const loss = (xs: number[], gs: number[], bs: number[]) => {
      const { mean, variance } = stats(xs, ...dims);
      return refBn(xs, dims, gs, bs, mean, variance, 1e-3).reduce((s, v, i) => s + v * wv[i], 0);
    };
    const numeric = (vals: number[], f: (v: number[]) => number) =>
      vals.map((_, j) => {
        const plus = [...vals], minus = [...vals];
        plus[j] += 1e-6;
        minus[j] -= 1e-6;
        return (f(plus) - f(minus)) / 2e-6;
      });
    const opts = { rtol: 1e-5, atol: 1e-7 };
    assertClose(await values(x.grad!), numeric(xv, (v) => loss(v, gv, bv)), opts);
    assertClose(await values(gamma.grad!), numeric(gv, (v) => loss(xv, v, bv)), opts);
    assertClose(await values(beta.grad!), numeric(bv, (v) => loss(xv, gv, v)), opts);
  },
  { dtypes: ["float64"] },
);

backendTest("LayerNorm matches a reference loop; its mean and std are hidden outputs", async () => {
  const xv = randomValues(2 * 3 * 4, 6), gv = [1, 2, 0.5, -1], bv = [0, 0.1, 0.2, 0.3];
  const outs = mx.engine.invokeOp("LayerNorm", [f64(xv, [2, 3, 4]), f64(gv, [4]), f64(bv, [4])], {
    eps: 1e-5,
  });
  const want: number[] = [], means: number[] = [], stds: number[] = [];
  for (let r = 0; r < 6; r++) {
    const row = xv.slice(r * 4, r * 4 + 4);
    const m = row.reduce((a, b) => a + b) / 4;
    const sd = Math.sqrt(row.reduce((a, b) => a + (b - m) ** 2, 0) / 4 + 1e-5);
    row.forEach((v, i) => want.push((v - m) / sd * gv[i] + bv[i]));
    means.push(m);
    stds.push(sd);
  }
  assertClose(await values(outs[0]), want, { rtol: 1e-9 });
  assert.deepEqual(outs[1].shape, [2, 3, 1]);
  assertClose(await values(outs[1]), means, { rtol: 1e-9 });
  assertClose(await values(outs[2]), stds, { rtol: 1e-9 });
}, { dtypes: ["float64"] });

/** Normalises each consecutive run of `len` values: (v - mean) / sqrt(var + eps). */
function runs(x: number[], len: number, eps: number) {
  const out: number[] = [];
  for (let s = 0; s < x.length; s += len) {
    const row = x.slice(s, s + len);
    const m = row.reduce((a, b) => a + b) / len;
    const v = row.reduce((a, b) => a + (b - m) ** 2, 0) / len;
    row.forEach((e) => out.push((e - m) / Math.sqrt(v + eps)));
  }
  return out;
}

backendTest("InstanceNorm and GroupNorm match reference loops", async () => {
  const xv = randomValues(2 * 4 * 3, 7), gv = [1, 2, 3, 4], bv = [0.1, 0.2, 0.3, 0.4];
  const ch = (i: number) => Math.floor(i / 3) % 4;
  const inst = mx.engine.invokeOp(
    "InstanceNorm",
    [f64(xv, [2, 4, 3]), f64(gv, [4]), f64(bv, [4])],
    {
      eps: 1e-3,
    },
  );
  assertClose(await values(inst[0]), runs(xv, 3, 1e-3).map((v, i) => v * gv[ch(i)] + bv[ch(i)]), {
    rtol: 1e-9,
  });
  assert.deepEqual(inst[1].shape, [2, 4]);
  // Two groups of two channels: each (batch, group) run is 6 consecutive values.
  const grp = mx.engine.invokeOp("GroupNorm", [f64(xv, [2, 4, 3]), f64(gv, [4]), f64(bv, [4])], {
    num_groups: 2,
  });
  assertClose(await values(grp[0]), runs(xv, 6, 1e-5).map((v, i) => v * gv[ch(i)] + bv[ch(i)]), {
    rtol: 1e-9,
  });
}, { dtypes: ["float64"] });

backendTest("LRN divides by the window sum of squares across channels", async () => {
  const xv = randomValues(1 * 5 * 2 * 1, 8);
  const y = mx.engine.invokeOp("LRN", [f64(xv, [1, 5, 2, 1])], {
    nsize: 3,
    alpha: 0.3,
    beta: 0.75,
    knorm: 2,
  })[0];
  const at = (c: number, h: number) => (c < 0 || c >= 5 ? 0 : xv[c * 2 + h]);
  const want = xv.map((v, i) => {
    const c = Math.floor(i / 2), h = i % 2;
    const s = at(c - 1, h) ** 2 + at(c, h) ** 2 + at(c + 1, h) ** 2;
    return v * (2 + (0.3 / 3) * s) ** -0.75;
  });
  assertClose(await values(y), want, { rtol: 1e-9 });
}, { dtypes: ["float64"] });
