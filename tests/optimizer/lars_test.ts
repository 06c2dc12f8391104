/**
 * LARS and LBSGD against their update formulas written out in plain numbers: the
 * layer-wise rates from the weight and gradient norms, LARS's exemptions (bias, gamma,
 * beta) and momentum correction, LBSGD's gradient accumulation and warm-up.
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { assertClose, backendTest, randomValues, values } from "../_harness.ts";
import * as opt from "../../src/optimizer/mod.ts";

const N = 6;
const RESCALE = 0.5, CLIP = 1.0;
const clip = (x: number) => Math.max(-CLIP, Math.min(CLIP, x));
const norm = (v: number[]) => Math.sqrt(v.reduce((a, x) => a + x * x, 0));
const W0 = randomValues(N, 21);
const GRADS = [22, 23, 24, 25].map((s) => randomValues(N, s, -3, 3));

backendTest("optimizer: LARS with momentum, bias exempt, momentum correction", async () => {
  const lr = 0.1, wd = 0.01, mu = 0.9, eta = 0.01, eps = 1e-9;
  const o = opt.create("lars", {
    learningRate: lr,
    wd,
    momentum: mu,
    eta,
    eps,
    rescaleGrad: RESCALE,
    clipGradient: CLIP,
    paramIdx2Name: { 0: "fc_weight", 1: "fc_bias" },
  }) as opt.LARS;
  for (const [index, layerwise] of [[0, true], [1, false]] as const) {
    const w = mx.nd.array(W0);
    const state = o.createState(index, w);
    const ref = [...W0], m = W0.map(() => 0);
    let base = lr;
    for (const [k, g] of GRADS.entries()) {
      // A changed rate scales the momentum by new/old once (MXNet's momentum correction).
      const before = base;
      if (k === 2) o.setLearningRate(base = lr / 2);
      if (k === 0 && index === 1) o.setLearningRate(base = lr);
      o.update(index, w, mx.nd.array(g), state);
      const wdEff = layerwise ? wd : 0; // only *_weight parameters are decayed
      const wn = norm(ref), gn = norm(g) * RESCALE;
      const rate = layerwise && wn > 0 && gn > 0 ? base * eta * wn / (gn + wdEff * wn + eps) : base;
      const muEff = mu * (base / before);
      for (let i = 0; i < N; i++) {
        m[i] = muEff * m[i] - rate * wdEff * ref[i] - rate * clip(RESCALE * g[i]);
        ref[i] += m[i];
      }
      assertClose(await values(w), ref, {
        rtol: 1e-4,
        atol: 1e-6,
        msg: `index ${index} step ${k}`,
      });
    }
  }
});

backendTest("optimizer: LBSGD accumulates batchScale gradients and warms the rate up", async () => {
  const lr = 0.1, wd = 0.01, mu = 0.9;
  const o = opt.create("lbsgd", {
    learningRate: lr,
    wd,
    momentum: mu,
    batchScale: 2,
    warmupEpochs: 1,
    updatesPerEpoch: 4,
    rescaleGrad: RESCALE,
    clipGradient: CLIP,
  }) as opt.LBSGD;
  const w = mx.nd.array(W0);
  const state = o.createState(0, w);
  const ref = [...W0], m = W0.map(() => 0);
  for (const [k, g] of GRADS.entries()) {
    o.update(0, w, mx.nd.array(g), state);
    const n = k + 1;
    if (n % 2 === 0) {
      const mult = n >= 4 ? 2 : 1 + (2 - 1) * n / 4; // linear warm-up over 4 updates
      for (let i = 0; i < N; i++) {
        const mean = (GRADS[k - 1][i] + g[i]) / 2;
        m[i] = mu * m[i] - lr * mult * wd * ref[i] - lr * mult * clip(RESCALE * mean);
        ref[i] += m[i];
      }
    }
    assertClose(await values(w), ref, { rtol: 1e-4, atol: 1e-6, msg: `call ${n}` });
  }
  o.dispose();
});

backendTest(
  "optimizer: LBSGD's lars strategy scales the rate by the clipped norm ratio",
  async () => {
    const lr = 0.1, wd = 0.01;
    const o = opt.create("lbsgd", { learningRate: lr, wd, warmupStrategy: "lars" });
    const w = mx.nd.array(W0);
    o.update(0, w, mx.nd.array(GRADS[0]), o.createState(0, w));
    const w2 = norm(W0) ** 2, g2 = norm(GRADS[0]) ** 2;
    const ratio = Math.min(100, Math.max(0.01, Math.sqrt(w2 / (g2 + wd * w2 + 1e-18))));
    const want = W0.map((x, i) => (1 - lr * ratio * wd) * x - lr * ratio * GRADS[0][i]);
    assertClose(await values(w), want, { rtol: 1e-4, atol: 1e-6 });
  },
);

Deno.test("optimizer: LBSGD checks its options", () => {
  assert.throws(
    () => opt.create("lbsgd", { warmupStrategy: "cosine" }),
    (e: Error) => e instanceof mx.ParamError && /warmupStrategy must be one of/.test(e.message),
  );
  assert.throws(
    () => opt.create("lbsgd", { batchScale: 0 }),
    (e: Error) =>
      e instanceof mx.ParamError && /batchScale must be an integer >= 1/.test(e.message),
  );
  assert.ok(opt.create("lars") instanceof opt.LARS);
  assert.ok(opt.create("lbsgd") instanceof opt.LBSGD);
});
