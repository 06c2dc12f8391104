/**
 * The optimizers added for MXNet parity (FTML, SGLD, DCASGD, Test, contrib.GroupAdaGrad)
 * against their update formulas written out in plain numbers, over three steps with weight
 * decay, gradient rescaling and clipping switched on.
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { assertClose, backendTest, randomValues, values } from "../_harness.ts";
import * as opt from "../../src/optimizer/mod.ts";

const N = 6;
const W0 = randomValues(N, 11);
const GRADS = [12, 13, 14].map((s) => randomValues(N, s, -3, 3));
const RESCALE = 0.5, CLIP = 1.0;
const clip = (x: number) => Math.max(-CLIP, Math.min(CLIP, x));
const common = { rescaleGrad: RESCALE, clipGradient: CLIP };

/** Runs `o` over GRADS on index 0 (shape `shape`) and returns the weights after each step. */
async function run(o: opt.Optimizer, shape: number[] = [N]): Promise<number[][]> {
  const w = mx.nd.array(W0, { shape });
  const state = o.createState(0, w);
  const out: number[][] = [];
  for (const g of GRADS) {
    o.update(0, w, mx.nd.array(g, { shape }), state);
    out.push(await values(w));
  }
  return out;
}

/** Elementwise reference: `step(w, g, s, t)` updates one coordinate's state `s`. */
function reference(
  init: (w: number) => Record<string, number>,
  step: (w: number, g: number, s: Record<string, number>, t: number) => number,
): number[][] {
  const w = [...W0];
  const s = w.map(init);
  return GRADS.map((g, k) => {
    for (let i = 0; i < N; i++) w[i] = step(w[i], g[i], s[i], k + 1);
    return [...w];
  });
}

function expectSteps(got: number[][], want: number[][], rtol = 1e-4): void {
  want.forEach((w, k) => assertClose(got[k], w, { rtol, atol: 1e-5, msg: `step ${k + 1}` }));
}

backendTest("optimizer: FTML", async () => {
  const lr = 0.05, wd = 0.01, b1 = 0.6, b2 = 0.999, eps = 1e-8;
  expectSteps(
    await run(opt.create("ftml", { learningRate: lr, wd, ...common })),
    reference(() => ({ d: 0, v: 0, z: 0 }), (w, g, s, t) => {
      const gg = clip(RESCALE * g + wd * w);
      s.v = b2 * s.v + (1 - b2) * gg * gg;
      const dt = (1 - b1 ** t) / lr * (Math.sqrt(s.v / (1 - b2 ** t)) + eps);
      s.z = b1 * s.z + (1 - b1) * gg - (dt - b1 * s.d) * w;
      s.d = dt;
      return -s.z / dt;
    }),
  );
});

backendTest("optimizer: DCASGD with and without momentum", async () => {
  const lr = 0.1, wd = 0.01, lamda = 0.04;
  for (const mu of [0, 0.9]) {
    expectSteps(
      await run(opt.create("dcasgd", { learningRate: lr, wd, momentum: mu, lamda, ...common })),
      reference((w) => ({ m: 0, prev: w }), (w, g, s) => {
        const gg = clip(RESCALE * g);
        const step = -lr * (gg + wd * w + lamda * gg * gg * (w - s.prev));
        s.m = mu === 0 ? step : mu * s.m + step;
        s.prev = w;
        return w + s.m;
      }),
    );
  }
});

backendTest(
  "optimizer: Test adds rescale_grad * grad and keeps the weight as its state",
  async () => {
    const o = opt.create("test", { rescaleGrad: 2 });
    const w = mx.nd.array([1, 2]);
    const state = o.createState(0, w) as mx.NDArray;
    assert.deepEqual(await values(state), [0, 0]);
    o.update(0, w, mx.nd.array([1, -1]), state);
    assert.deepEqual(await values(w), [3, 0]);
    assert.deepEqual(await values(state), [3, 0]);
  },
);

backendTest("optimizer: SGLD is the SGD half-step plus N(0, sqrt(lr)) noise", async () => {
  const lr = 0.01, wd = 0.1, n = 20000;
  mx.random.seed(7);
  const w = mx.nd.ones([n]);
  const o = opt.create("sgld", { learningRate: lr, wd });
  o.update(0, w, mx.nd.ones([n]), o.createState(0, w));
  // The deterministic part: 1 - lr/2 * (1 + wd * 1).
  const mean = 1 - lr / 2 * (1 + wd);
  const noise = (await values(w)).map((x) => x - mean);
  const m = noise.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(noise.reduce((a, b) => a + (b - m) ** 2, 0) / n);
  assert.ok(Math.abs(m) < 4 * Math.sqrt(lr) / Math.sqrt(n), `noise mean ${m}`);
  assert.ok(Math.abs(sd / Math.sqrt(lr) - 1) < 0.03, `noise sd ${sd}, want ${Math.sqrt(lr)}`);
});

backendTest("optimizer: contrib.GroupAdaGrad, one rate per row", async () => {
  const lr = 0.1, eps = 1e-5, rows = 2, cols = 3;
  const got = await run(opt.create("groupadagrad", { learningRate: lr, ...common }), [
    rows,
    cols,
  ]);
  const w = [...W0], h = [0, 0];
  const want = GRADS.map((g) => {
    for (let r = 0; r < rows; r++) {
      const row = g.slice(r * cols, r * cols + cols).map((x) => clip(RESCALE * x));
      h[r] += row.reduce((a, x) => a + x * x, 0) / cols;
      row.forEach((x, c) => (w[r * cols + c] -= lr * x / Math.sqrt(h[r] + eps)));
    }
    return [...w];
  });
  expectSteps(got, want);
  assert.ok(new opt.contrib.GroupAdaGrad() instanceof opt.Optimizer);
});

backendTest("optimizer: GroupAdaGrad refuses weight decay and non-2-D weights", () => {
  const o = opt.create("groupadagrad", { wd: 0.1 });
  const w = mx.nd.ones([2, 2]);
  assert.throws(
    () => o.update(0, w, mx.nd.ones([2, 2]), o.createState(0, w)),
    (e: Error) => e instanceof mx.ParamError && /weight decay is not supported/.test(e.message),
  );
  assert.throws(
    () => o.createState(0, mx.nd.ones([3])),
    (e: Error) => e instanceof mx.ParamError && /must be 2-D/.test(e.message),
  );
});

Deno.test("optimizer: MXNet's names create the new optimizers", () => {
  const want: Record<string, unknown> = {
    ftml: opt.FTML,
    sgld: opt.SGLD,
    dcasgd: opt.DCASGD,
    test: opt.Test,
    groupadagrad: opt.contrib.GroupAdaGrad,
    ccsgd: opt.SGD,
  };
  for (const [name, cls] of Object.entries(want)) {
    assert.ok(opt.create(name) instanceof (cls as typeof opt.Optimizer), name);
  }
});

backendTest("optimizer.Updater: a class whose instances are callable, as MXNet's", async () => {
  const sgd = () => opt.create("sgd", { learningRate: 0.5, momentum: 0.5 });
  const u = new opt.Updater(sgd());
  assert.ok(u instanceof opt.Updater);
  assert.ok(opt.getUpdater(sgd()) instanceof opt.Updater);
  const w = mx.nd.ones([2]);
  u(0, mx.nd.ones([2]), w); // mom = -0.5, w = 0.5
  u.call(0, mx.nd.ones([2]), w); // mom = -0.75, w = -0.25
  assert.deepEqual(await values(w), [-0.25, -0.25]);
  assert.deepEqual(await values(u.states.get("0") as mx.NDArray), [-0.75, -0.75]);
  // States saved and restored into a fresh updater continue the same trajectory.
  const saved = await u.getStates();
  const v = new opt.Updater(sgd());
  v.setStates(saved);
  const w2 = w.copy();
  u(0, mx.nd.ones([2]), w);
  v(0, mx.nd.ones([2]), w2);
  assert.deepEqual(await values(w2), await values(w));
  assert.equal(v.optimizer.numUpdate, u.optimizer.numUpdate);
  // syncStateContext keeps arrays already on the context.
  const s = u.states.get("0")!;
  assert.equal(u.syncStateContext(s, mx.cpu()), s);
  u.dispose();
  v.dispose();
  assert.equal(u.states.size, 0);
});

backendTest("optimizer: SGD and NAG multiPrecision run MXNet's mp_ operators", async () => {
  const lr = 0.1, wd = 0.01, mu = 0.9;
  for (const name of ["sgd", "nag"]) {
    const o = opt.create(name, { learningRate: lr, wd, momentum: mu, multiPrecision: true });
    const w = mx.nd.array(W0, { dtype: "float16" });
    const state = o.createStateMultiPrecision(0, w);
    const master = new Float32Array(new Float16Array(W0)), m = W0.map(() => 0);
    for (const g of GRADS) {
      o.updateMultiPrecision(0, w, mx.nd.array(g, { dtype: "float16" }), state);
      const g16 = new Float16Array(g);
      for (let i = 0; i < N; i++) {
        const G = g16[i] + wd * master[i];
        m[i] = mu * m[i] - lr * G;
        master[i] += name === "sgd" ? m[i] : mu * m[i] - lr * G; // NAG looks ahead
      }
    }
    const [w32] = state as mx.NDArray[];
    assertClose(await values(w32), [...master], { rtol: 1e-5, atol: 1e-6, msg: name });
    assertClose(await values(w), [...new Float16Array(master)], { rtol: 1e-3, msg: name });
  }
});
